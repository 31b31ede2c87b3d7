#pragma once
// Contacts (who counts for the "my contacts" privacy setting) and blocking, as the gateway calls
// them.
#include "core/caller.h"
#include "services/presence/presence.h"

#include <vector>

namespace tidings::server {

//! Values as on the wire.
enum class ContactAction { Add = 0, Remove = 1, Block = 2, Unblock = 3 };

struct ContactEntry {
    quint64 userId = 0;
    QString username;
    bool contact = false;
    bool blocked = false;
};

struct ContactList {
    Visibility lastSeen = Visibility::Everyone; //!< the caller's own privacy setting
    std::vector<ContactEntry> entries;          //!< by username
};

class Contacts {
public:
    virtual ~Contacts() = default;

    virtual void change(const Caller &caller, ContactAction action, const QString &username,
                        StatusReply reply) = 0;
    virtual void list(const Caller &caller, Reply<ContactList> reply) = 0;
};

} // namespace tidings::server
