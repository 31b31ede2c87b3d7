#include "core/messaging/messaging.h"

#include "core/account/account.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/outbox_store.h"
#include "core/store/storage.h"
#include "core/sync/sync_engine.h"
#include "core/sync/wire_convert.h"
#include "protocol/codec.h"

#include <QDateTime>

namespace tidings::client {

Messaging::Messaging(Storage *store, SyncEngine *sync, Requester *requests, const Account *account,
                     QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_sync(sync)
    , m_requests(requests)
    , m_account(account) {
    connect(m_sync, &SyncEngine::messagesReceived, this, &Messaging::messagesReceived);
    connect(m_sync, &SyncEngine::messageStored, this, &Messaging::messageStored);
    connect(m_sync, &SyncEngine::sendFailed, this, &Messaging::sendFailed);
    connect(m_sync, &SyncEngine::receiptChanged, this, &Messaging::receiptChanged);
    connect(m_sync, &SyncEngine::myReadChanged, this, &Messaging::myReadChanged);
    connect(m_sync, &SyncEngine::conversationChanged, this, &Messaging::conversationChanged);
    connect(m_sync, &SyncEngine::inboxDrained, this, &Messaging::inboxDrained);
    connect(m_sync, &SyncEngine::idle, this, &Messaging::syncIdle);
    connect(m_sync, &SyncEngine::storageFailed, this, &Messaging::storageFailed);
}

void Messaging::openDirect(const QString &username, ConversationHandler done) {
    Frame f;
    f.mutable_open_direct_request()->set_username(
        protocol::normalizeUsername(username).toStdString());
    m_requests->call<wire::ConversationInfo>(
        std::move(f), Retry::AfterReconnect,
        [this, done = std::move(done)](Result<wire::ConversationInfo> r) {
            if (!r) {
                done(r.error());
                return;
            }
            ConversationInfo info = conversationInfoFromWire(*r);
            info.kind = ConversationKind::Direct;
            if (auto s = m_store->conversations().applyConversationInfo(info, m_account->userId());
                !s) {
                done(s.error());
                return;
            }
            auto conv = m_store->conversations().conversation(r->conversation_id());
            if (!conv)
                done(conv.error());
            else if (!conv->has_value())
                done(Error{ErrorCode::Storage, QStringLiteral("conversation not stored")});
            else
                done(**conv);
        });
}

Result<QString> Messaging::sendText(quint64 conversationId, const QString &text) {
    auto ids = m_sync->enqueueTexts(conversationId, {text});
    if (!ids)
        return ids.error();
    return ids->first();
}

Result<QStringList> Messaging::sendTexts(quint64 conversationId, const QStringList &texts) {
    return m_sync->enqueueTexts(conversationId, texts);
}

Result<quint64> Messaging::markRead(quint64 conversationId) {
    return m_sync->markRead(conversationId);
}

Result<QList<MessageRecord>> Messaging::history(quint64 conversationId, int limit) const {
    return m_store->messages().history(conversationId, limit);
}

void Messaging::flush(StatusHandler done, int timeoutMs) {
    if (!m_requests->isAuthenticated()) {
        done(Error{ErrorCode::Network, QStringLiteral("not connected")});
        return;
    }
    Frame f;
    f.mutable_ping()->set_client_time_ms(QDateTime::currentMSecsSinceEpoch());
    m_requests->callNow<wire::Pong>(
        std::move(f), [done = std::move(done)](Result<wire::Pong> r) { done(statusOf(r)); },
        timeoutMs);
}

Result<int> Messaging::unreadCount(quint64 conversationId) const {
    return m_store->messages().unreadCount(conversationId);
}

Result<int> Messaging::outboxSize() const {
    return m_store->outbox().size();
}

void Messaging::refreshConversation(quint64 conversationId) {
    m_sync->refreshConversation(conversationId);
}

bool Messaging::isBusy() const {
    return m_sync->isBusy();
}

bool Messaging::isDrained() const {
    return m_sync->isDrained();
}

int Messaging::infoPendingCount() const {
    return m_sync->infoPendingCount();
}

void Messaging::handlePush(const Frame &frame) {
    m_sync->handlePush(frame);
}

} // namespace tidings::client
