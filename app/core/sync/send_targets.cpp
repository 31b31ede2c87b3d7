#include "core/sync/send_targets.h"

#include "core/logging.h"
#include "core/store/conversation_store.h"
#include "core/store/group_state_store.h"
#include "core/store/security_notice_store.h"
#include "core/store/storage.h"
#include "core/sync/wire_convert.h"

#include <QDateTime>

namespace tidings::client {

using e2e::DeviceAddress;

SendTargets::SendTargets(e2e::E2eEngine *engine, Storage *store, FrameSink *sink,
                         const AccountSettings &me)
    : m_engine(engine)
    , m_store(store)
    , m_sink(sink)
    , m_me(me) {}

Result<QList<quint64>> SendTargets::memberUsers(quint64 conversationId) const {
    auto conv = m_store->conversations().conversation(conversationId);
    if (!conv)
        return conv.error();
    if (!conv->has_value())
        return Error{ErrorCode::NoSuchConversation, QStringLiteral("unknown conversation")};
    const ConversationRecord &c = **conv;
    if (c.kind == ConversationKind::Unknown)
        return Error{ErrorCode::NoSuchConversation,
                     QStringLiteral("the conversation is not known yet")};
    QList<quint64> users{m_me.userId};
    if (c.kind == ConversationKind::Direct) {
        if (c.peerUserId == 0)
            return Error{ErrorCode::Internal, QStringLiteral("the peer is not known yet")};
        if (c.peerUserId != m_me.userId)
            users.append(c.peerUserId);
        return users;
    }
    auto verified = m_store->groupStates().state(conversationId);
    if (!verified)
        return verified.error();
    if (verified->has_value()) {
        // Signed state: the members the admins signed in, whatever the server lists.
        for (const auto &m : (*verified)->members) {
            if (m.userId != m_me.userId)
                users.append(m.userId);
        }
        return users;
    }
    auto members = m_store->conversations().members(conversationId);
    if (!members)
        return members.error();
    for (const MemberRecord &m : *members) {
        if (m.userId != m_me.userId)
            users.append(m.userId);
    }
    return users;
}

bool SendTargets::hasVerifiedState(quint64 conversationId) const {
    auto verified = m_store->groupStates().state(conversationId);
    return verified && verified->has_value();
}

QList<DeviceAddress> SendTargets::devicesFor(quint64 conversationId,
                                             const QList<quint64> &users) const {
    static const QHash<quint64, QSet<quint64>> kNone;
    const auto narrowing = m_serverCurrent.constFind(conversationId);
    const auto &current = narrowing == m_serverCurrent.constEnd() ? kNone : *narrowing;
    auto verified = m_store->groupStates().state(conversationId);
    const bool signedState = verified && verified->has_value();
    const QHash<quint64, QByteArray> pins =
        signedState ? m_engine->pinnedAccountKeys(users) : QHash<quint64, QByteArray>();
    QList<DeviceAddress> out;
    QList<DeviceAddress> withheld;
    for (quint64 u : users) {
        if (signedState && u != m_me.userId) {
            // Only the account key the admins recorded: a member whose key is another gets
            // nothing until an admin records the new one (its devices are only named in the
            // digest, so the rest of the group is not blocked).
            const auto member = (*verified)->members.constFind(u);
            if (member == (*verified)->members.cend() ||
                !m_engine->succeeds(u, member->aik, pins.value(u))) {
                qCInfo(lcSync) << "group" << conversationId << "user" << u
                               << "gets no keys: not a verified member with that key";
                withheld += m_engine->currentDevices(u);
                continue;
            }
        }
        const auto server = current.constFind(u);
        for (const DeviceAddress &d : m_engine->currentDevices(u)) {
            if (d.userId == m_me.userId && d.deviceId == m_me.deviceId)
                continue;
            // Narrowed to what the server last called current: a revoked device drops out before
            // its owner signs a new list. Never widened: only signed devices get keys.
            if (server != current.constEnd() && !server->contains(d.deviceId))
                continue;
            out.append(d);
        }
    }
    if (signedState)
        m_withheld.insert(conversationId, withheld);
    return out;
}

void SendTargets::fetchConversation(quint64 conversationId, std::function<void(Status)> done) {
    Frame f;
    f.mutable_group_info_request()->set_conversation_id(conversationId);
    m_sink->request(std::move(f), [=, this](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kConversationInfo) {
            done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer to group info")});
            return;
        }
        ConversationInfo info = conversationInfoFromWire(r->conversation_info());
        info.id = conversationId;
        for (const MemberRecord &m : info.members)
            m_serverNames.insert(m.userId, m.username);
        done(m_store->conversations().applyConversationInfo(info, m_me.userId));
    });
}

QSet<quint64> SendTargets::applyStale(quint64 conversationId, const QList<quint64> &users,
                                      const wire::StaleDevices &stale) {
    // What the server calls current, per member (members it does not name have none).
    auto &current = m_serverCurrent[conversationId];
    for (quint64 u : users)
        current[u].clear();
    for (const auto &d : stale.current())
        current[d.user_id()].insert(d.device_id());
    current[m_me.userId].insert(m_me.deviceId);
    if (hasVerifiedState(conversationId)) {
        // Users the server counts that no admin signed in: their devices go into the digest
        // (the server wants its whole set named) but get no key and no message.
        QList<DeviceAddress> &only = m_serverOnly[conversationId];
        only.clear();
        const QSet<quint64> members(users.cbegin(), users.cend());
        QSet<quint64> noticed;
        for (const auto &d : stale.current()) {
            if (members.contains(d.user_id()))
                continue;
            only.append(DeviceAddress{d.user_id(), d.device_id()});
            if (noticed.contains(d.user_id()))
                continue;
            noticed.insert(d.user_id());
            qCWarning(lcSync) << "group" << conversationId << "the server counts user"
                              << d.user_id() << "whom no admin added: no keys for them";
            if (auto n = m_store->securityNotices().addOnce(
                    conversationId, SecurityNotice::kServerOnlyMember, d.user_id(),
                    m_serverNames.value(d.user_id()), QDateTime::currentMSecsSinceEpoch());
                !n)
                qCWarning(lcSync) << "notice not stored:" << n.error().toString();
        }
        for (const auto &d : stale.current())
            if (!members.contains(d.user_id()))
                current.remove(d.user_id());
    }
    QSet<quint64> refetch;
    for (const auto &d : stale.missing())
        refetch.insert(d.user_id());
    for (const auto &d : stale.extra())
        refetch.insert(d.user_id());
    for (const auto &d : stale.current()) {
        if (!current.contains(d.user_id()))
            continue; // a user only the server counts: nothing of theirs is fetched
        bool known = false;
        for (const DeviceAddress &a : m_engine->currentDevices(d.user_id()))
            known = known || a.deviceId == d.device_id();
        if (!known)
            refetch.insert(d.user_id());
    }
    if (m_serverOnly.contains(conversationId)) {
        for (const DeviceAddress &d : m_serverOnly.value(conversationId))
            refetch.remove(d.userId);
    }
    return refetch;
}

} // namespace tidings::client
