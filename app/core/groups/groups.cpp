#include "core/groups/groups.h"

#include "core/account/account.h"
#include "core/store/conversation_store.h"
#include "core/store/group_state_store.h"
#include "core/sync/wire_convert.h"
#include "protocol/codec.h"

namespace tidings::client {

namespace {
wire::GroupChangeRequest::Action wireAction(GroupAction action) {
    using A = wire::GroupChangeRequest;
    switch (action) {
    case GroupAction::Add:
        return A::ACTION_ADD;
    case GroupAction::Remove:
        return A::ACTION_REMOVE;
    case GroupAction::Promote:
        return A::ACTION_PROMOTE;
    case GroupAction::Demote:
        return A::ACTION_DEMOTE;
    case GroupAction::Leave:
        return A::ACTION_LEAVE;
    case GroupAction::Rename:
        return A::ACTION_RENAME;
    case GroupAction::SetKey:
        return A::ACTION_SET_KEY;
    }
    return A::ACTION_ADD; // unreachable: every action is listed above
}
} // namespace

Groups::Groups(ConversationStore *conversations, GroupStateStore *states, Requester *requests,
               const Account *account, QObject *parent)
    : QObject(parent)
    , m_conversations(conversations)
    , m_states(states)
    , m_requests(requests)
    , m_account(account) {}

void Groups::storeInfo(ConversationInfo info, InfoHandler done) {
    if (auto s = m_conversations->applyConversationInfo(info, m_account->userId()); !s) {
        done(s.error());
        return;
    }
    emit conversationChanged(info.id);
    done(info);
}

void Groups::create(const QString &name, const QStringList &usernames, InfoHandler done) {
    if (canSign()) {
        createSigned(name, usernames, std::move(done));
        return;
    }
    sendCreate(name, usernames, {}, std::move(done));
}

void Groups::sendCreate(const QString &name, const QStringList &usernames,
                        const QByteArray &genesis, InfoHandler done) {
    Frame f;
    auto *req = f.mutable_create_group_request();
    req->set_name(name.toStdString());
    for (const QString &u : usernames)
        req->add_usernames(protocol::normalizeUsername(u).toStdString());
    if (!genesis.isEmpty())
        req->set_signed_genesis(protocol::bytesToStd(genesis));
    m_requests->call<wire::ConversationInfo>(
        std::move(f), Retry::No, [this, done = std::move(done)](Result<wire::ConversationInfo> r) {
            if (!r) {
                done(r.error());
                return;
            }
            ConversationInfo info = conversationInfoFromWire(*r);
            info.kind = ConversationKind::Group;
            storeInfo(std::move(info), done);
        });
}

void Groups::change(quint64 conversationId, GroupAction action, const QString &username,
                    const QString &name, StatusHandler done) {
    auto verified = m_states->state(conversationId);
    if (verified && verified->has_value() && canSign()) {
        changeSigned(conversationId, action, username, name, std::move(done));
        return;
    }
    if (verified && canSign() && !m_stateAsked.contains(conversationId)) {
        // No signed state here yet (a device that has not seen the group's changes): the
        // group's log says whether it has one.
        m_stateAsked.insert(conversationId);
        syncState(conversationId,
                  [=, this](Status) { change(conversationId, action, username, name, done); });
        return;
    }
    // A group without signed state (created by an older client): as before. A group with
    // signed state that this device cannot sign for is refused by the server, in words.
    sendChange(conversationId, action, username, name, {}, std::move(done));
}

void Groups::sendChange(quint64 conversationId, GroupAction action, const QString &username,
                        const QString &name, const QByteArray &signedChange, StatusHandler done) {
    Frame f;
    auto *req = f.mutable_group_change_request();
    req->set_conversation_id(conversationId);
    req->set_action(wireAction(action));
    if (!username.isEmpty())
        req->set_username(protocol::normalizeUsername(username).toStdString());
    req->set_name(name.toStdString());
    if (!signedChange.isEmpty())
        req->set_signed_change(protocol::bytesToStd(signedChange));
    m_requests->callOk(std::move(f),
                       [this, conversationId, action, done = std::move(done)](Status s) {
                           if (s)
                               emit changed(conversationId, action);
                           done(s);
                       });
}

void Groups::info(quint64 conversationId, InfoHandler done) {
    Frame f;
    f.mutable_group_info_request()->set_conversation_id(conversationId);
    m_requests->call<wire::ConversationInfo>(
        std::move(f), Retry::AfterReconnect,
        [this, conversationId, done = std::move(done)](Result<wire::ConversationInfo> r) {
            if (!r) {
                done(r.error());
                return;
            }
            ConversationInfo info = conversationInfoFromWire(*r);
            info.id = conversationId;
            storeInfo(std::move(info), done);
        });
}

void Groups::readers(quint64 conversationId, quint64 seq, ReadersHandler done) {
    Frame f;
    f.mutable_readers_request()->set_conversation_id(conversationId);
    f.mutable_readers_request()->set_seq(seq);
    m_requests->call<wire::ReadersResponse>(
        std::move(f), Retry::AfterReconnect,
        [conversationId, seq, done = std::move(done)](Result<wire::ReadersResponse> r) {
            if (!r) {
                done(r.error());
                return;
            }
            ReadersInfo info;
            info.conversationId = conversationId;
            info.seq = seq;
            info.recipients = int(r->recipients());
            info.delivered = int(r->delivered());
            info.read = int(r->read());
            for (const auto &m : r->members())
                info.members.append(memberFromWire(m));
            done(info);
        });
}

Result<std::optional<StoredGroup>> Groups::stored(quint64 conversationId) const {
    auto conv = m_conversations->conversation(conversationId);
    if (!conv)
        return conv.error();
    if (!conv->has_value())
        return std::optional<StoredGroup>();
    auto members = m_conversations->members(conversationId);
    if (!members)
        return members.error();
    return std::optional<StoredGroup>(StoredGroup{**conv, *members});
}

} // namespace tidings::client
