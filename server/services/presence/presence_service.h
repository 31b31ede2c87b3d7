#pragma once
// The logic of presence and typing.
//
// A connection subscribes to the users whose chats are open; only those subscribers hear about
// online/offline changes, so nothing fans out to whole address books. Only when a user's first
// device connects or last device disconnects are its watchers told (and last seen written). What
// a viewer may see is decided here (mayView): the target's last-seen visibility (everyone /
// contacts / nobody), reciprocity (a viewer who hides its own last seen sees no one's) and
// blocking (a blocked viewer sees nothing). Privacy, contact and block changes re-evaluate the
// affected subscriptions (refresh) and push only flips of visibility.
//
// Typing is a relay: checked against the membership cache, pushed to the other members'
// connected devices with a 5 s expiry, never stored.
#include "services/presence/presence.h"
#include "services/presence/presence_store.h"

#include <QHash>
#include <QSet>

namespace tidings::server {

class Clock;
class Delivery;
class Membership;

class PresenceService final : public Presence {
public:
    PresenceService(PresenceStore &store, Membership &membership, Delivery &delivery,
                    const Clock &clock);

    void subscribe(const Caller &caller, const QStringList &usernames,
                   Reply<std::vector<PresenceState>> reply) override;
    void setPrivacy(const Caller &caller, Visibility lastSeen, StatusReply reply) override;
    void typing(const Caller &caller, quint64 conversationId, bool typing,
                StatusReply reply) override;
    void deviceConnected(const Caller &caller) override;
    void deviceDisconnected(const Caller &caller) override;

    //! Something that decides visibility changed for what `userId` shows or sees (privacy,
    //! contacts, blocks): recompute the affected subscriptions and push what changed.
    //! `announce`: tell the other nodes of a cluster too (setAnnounce); false when another node
    //! made the change.
    void refresh(quint64 userId, bool announce = true);
    void setAnnounce(std::function<void(quint64 userId)> announce) {
        m_announce = std::move(announce);
    }
    //! A user came online or went offline through another node's devices: this node's watchers
    //! of the user hear it.
    void remoteChange(quint64 userId, bool online, qint64 lastSeenMs) {
        broadcastState(userId, online, lastSeenMs);
    }

    //! The privacy rule: may `viewer` see the target these facts describe?
    static bool mayView(quint64 viewer, const VisibilityFacts &facts);

    //! Users watched by the device's connection (tests and diagnostics).
    int watchCount(quint64 deviceId) const;

private:
    struct Watch {
        PresenceState state; //!< as stored; visible/online/last seen combined when sent
    };
    struct Connection {
        quint64 userId = 0;
        quint64 epoch = 0;             //!< a new connection of the device gets a new one
        QHash<quint64, Watch> watches; //!< by target user
    };

    std::vector<Watch> evaluate(quint64 viewer, const std::vector<VisibilityFacts> &facts) const;
    void forgetWatches(quint64 deviceId);
    void pushChange(quint64 deviceId, const Watch &watch);
    void broadcastState(quint64 userId, bool online, qint64 lastSeenMs);
    static PresenceState shown(const Watch &watch);

    PresenceStore &m_store;
    Membership &m_membership;
    Delivery &m_delivery;
    const Clock &m_clock;
    QHash<quint64, Connection> m_connections; //!< by device
    QHash<quint64, QSet<quint64>> m_watchers; //!< target user → watching devices
    quint64 m_nextEpoch = 0;
    std::function<void(quint64)> m_announce;
};

} // namespace tidings::server
