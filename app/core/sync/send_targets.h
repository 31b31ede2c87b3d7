#pragma once
// Who a message in a conversation is for. The members come from the local store (asked from the
// server with group_info when this device does not know the conversation yet); their devices are
// the ones their signed device lists name (as accepted by the E2eEngine), narrowed to what the
// server last called current in a STALE_DEVICES answer for this conversation, so a revoked
// device drops out at once. Never widened: a device only the server names gets nothing.
#include "core/e2e/e2e_engine.h"
#include "core/net/frame_sink.h"
#include "core/store/records.h"

#include <QHash>
#include <QList>
#include <QSet>

#include <functional>

namespace tidings::client {

class Storage;

class SendTargets {
public:
    //! `me` (this device's account) must outlive this object.
    SendTargets(e2e::E2eEngine *engine, Storage *store, FrameSink *sink, const AccountSettings &me);

    //! A new socket: what the server called current in the last one no longer applies.
    void reset() {
        m_serverCurrent.clear();
        m_serverOnly.clear();
    }

    //! Whether this device verified the group's signed state (its members are the signed ones).
    bool hasVerifiedState(quint64 conversationId) const;
    //! Devices the server counts in the group whose users no admin signed in (from the last
    //! STALE_DEVICES answer): only in the device digest, never given a key or a message.
    QList<e2e::DeviceAddress> serverOnly(quint64 conversationId) const {
        return m_serverOnly.value(conversationId) + m_withheld.value(conversationId);
    }

    //! Me first, then the peer (1:1) or the other members (group: the verified members when
    //! the group has signed state). NoSuchConversation when the conversation or its kind is not
    //! known here yet.
    Result<QList<quint64>> memberUsers(quint64 conversationId) const;
    //! The verified current devices of `users` but mine, narrowed to what the server last called
    //! current for `conversationId` (0: not narrowed). In a group with signed state, a member
    //! whose pinned account key is not the one the admins recorded gets none.
    QList<e2e::DeviceAddress> devicesFor(quint64 conversationId, const QList<quint64> &users) const;
    //! group_info for a conversation this device does not know yet; stores the answer.
    void fetchConversation(quint64 conversationId, std::function<void(Status)> done);
    //! Records the server's current device set from a STALE_DEVICES answer (members it does not
    //! name have none) and returns the users whose signed lists must be fetched again. In a group
    //! with signed state, devices of users outside the verified members become serverOnly() and
    //! each such user leaves a notice in the chat once.
    QSet<quint64> applyStale(quint64 conversationId, const QList<quint64> &users,
                             const wire::StaleDevices &stale);

private:
    e2e::E2eEngine *m_engine;
    Storage *m_store;
    FrameSink *m_sink;
    const AccountSettings &m_me;
    //! What the server last called current per conversation and user (from STALE_DEVICES
    //! answers). Per conversation: a group's answer leaves out a member it no longer has, which
    //! says nothing about that user's devices in my 1:1 with them.
    QHash<quint64, QHash<quint64, QSet<quint64>>> m_serverCurrent;
    QHash<quint64, QList<e2e::DeviceAddress>> m_serverOnly;
    //! Devices of verified members whose pinned key is not the one the admins recorded, from
    //! the last devicesFor(): named in the digest like serverOnly(), given nothing.
    mutable QHash<quint64, QList<e2e::DeviceAddress>> m_withheld;
    //! Usernames the server gave for members of groups (group_info), for notices about users
    //! no admin signed in.
    QHash<quint64, QString> m_serverNames;
};

} // namespace tidings::client
