#pragma once
// What profiles need from storage.
#include "services/profiles/profiles.h"

#include <functional>

namespace tidings::server {

class ProfileStore {
public:
    virtual ~ProfileStore() = default;

    virtual void setDisplayName(quint64 userId, const QString &displayName,
                                std::function<void(Status)> cb) = 0;
    //! By user id.
    virtual void profiles(const QStringList &usernames,
                          std::function<void(Result<std::vector<Profile>>)> cb) = 0;
};

} // namespace tidings::server
