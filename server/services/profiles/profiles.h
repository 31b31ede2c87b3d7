#pragma once
// Display names: set your own, look up others' by username, as the gateway calls them.
#include "core/caller.h"

#include <QStringList>

#include <vector>

namespace tidings::server {

struct Profile {
    quint64 userId = 0;
    QString username;
    QString displayName;
};

class Profiles {
public:
    virtual ~Profiles() = default;

    virtual void setDisplayName(const Caller &caller, const QString &displayName,
                                StatusReply reply) = 0;
    //! Unknown usernames are left out of the answer.
    virtual void profiles(const Caller &caller, const QStringList &usernames,
                          Reply<std::vector<Profile>> reply) = 0;
};

} // namespace tidings::server
