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
    void reset() { m_serverCurrent.clear(); }

    //! Me first, then the peer (1:1) or the other members (group). NoSuchConversation when the
    //! conversation or its kind is not known here yet.
    Result<QList<quint64>> memberUsers(quint64 conversationId) const;
    //! The verified current devices of `users` but mine, narrowed to what the server last called
    //! current for `conversationId` (0: not narrowed).
    QList<e2e::DeviceAddress> devicesFor(quint64 conversationId, const QList<quint64> &users) const;
    //! group_info for a conversation this device does not know yet; stores the answer.
    void fetchConversation(quint64 conversationId, std::function<void(Status)> done);
    //! Records the server's current device set from a STALE_DEVICES answer (members it does not
    //! name have none) and returns the users whose signed lists must be fetched again.
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
};

} // namespace tidings::client
