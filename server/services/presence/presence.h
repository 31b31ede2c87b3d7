#pragma once
// Presence (pull on demand) and typing (ephemeral relay), as the gateway calls them.
#include "core/caller.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace tidings::server {

//! Who may see a user's last seen. Values as on the wire and in users.last_seen_visibility.
enum class Visibility { Everyone = 0, Contacts = 1, Nobody = 2 };

//! What a viewer may see of one user.
struct PresenceState {
    quint64 userId = 0;
    QString username;
    bool visible = false; //!< false: privacy, reciprocity or blocking hides it
    bool online = false;
    qint64 lastSeenMs = 0; //!< when the last device disconnected; 0 unknown or hidden
};

class Presence {
public:
    virtual ~Presence() = default;

    //! Replaces the subscriptions of the caller's connection; answers the current states.
    virtual void subscribe(const Caller &caller, const QStringList &usernames,
                           Reply<std::vector<PresenceState>> reply) = 0;
    virtual void setPrivacy(const Caller &caller, Visibility lastSeen, StatusReply reply) = 0;
    //! Relayed to the other members' connected devices; never stored.
    virtual void typing(const Caller &caller, quint64 conversationId, bool typing,
                        StatusReply reply) = 0;

    //! The caller's device has a new connection (it starts with no subscriptions).
    virtual void deviceConnected(const Caller &caller) = 0;
    //! The device's current connection closed.
    virtual void deviceDisconnected(const Caller &caller) = 0;
};

} // namespace tidings::server
