#include "core/sync/conversation_resolver.h"

#include "core/logging.h"
#include "core/store/conversation_store.h"
#include "core/store/storage.h"
#include "core/sync/wire_convert.h"

namespace tidings::client {

ConversationResolver::ConversationResolver(Storage *store, FrameSink *sink,
                                           const AccountSettings &me,
                                           std::function<void()> answered, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_sink(sink)
    , m_me(me)
    , m_answered(std::move(answered)) {}

void ConversationResolver::reset() {
    ++m_session;
    m_pending.clear();
}

void ConversationResolver::resolveUnknown() {
    auto all = m_store->conversations().conversations();
    if (!all) {
        emit storageFailed(all.error());
        return;
    }
    for (const ConversationRecord &c : *all) {
        if (c.kind == ConversationKind::Unknown)
            request(c.id);
    }
}

void ConversationResolver::request(quint64 conversationId) {
    if (conversationId == 0 || m_pending.contains(conversationId) || !m_sink->isAuthenticated())
        return;
    m_pending.insert(conversationId);
    Frame f;
    f.mutable_group_info_request()->set_conversation_id(conversationId);
    const quint64 session = m_session;
    m_sink->request(std::move(f), [=, this](Result<Frame> result) {
        if (session != m_session)
            return;
        m_pending.remove(conversationId);
        if (result && result->body_case() == Frame::kConversationInfo) {
            ConversationInfo info = conversationInfoFromWire(result->conversation_info());
            info.id = conversationId;
            if (auto s = m_store->conversations().applyConversationInfo(info, m_me.userId); !s)
                emit storageFailed(s.error());
            else
                emit conversationChanged(conversationId);
        } else if (!result && result.error().code == ErrorCode::NotAGroup) {
            // A 1:1 someone else opened: the peer is the sender of its messages.
            if (auto s = m_store->conversations().setConversationKind(conversationId,
                                                                      ConversationKind::Direct);
                !s)
                emit storageFailed(s.error());
            else
                emit conversationChanged(conversationId);
        } else if (!result) {
            // NOT_MEMBER (I was removed) or a transport error: it stays unknown until the next
            // session or message asks again.
            qCInfo(lcSync) << "conversation" << conversationId
                           << "info unavailable:" << result.error().toString();
            emit conversationChanged(conversationId);
        }
        m_answered();
    });
}

} // namespace tidings::client
