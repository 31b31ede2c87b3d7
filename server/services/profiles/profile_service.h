#pragma once
// Profiles have no logic beyond the canonical form of usernames: the store does the work.
#include "services/profiles/profile_store.h"
#include "services/profiles/profiles.h"

namespace tidings::server {

class ProfileService final : public Profiles {
public:
    explicit ProfileService(ProfileStore &store)
        : m_store(store) {}

    void setDisplayName(const Caller &caller, const QString &displayName,
                        StatusReply reply) override;
    void profiles(const Caller &caller, const QStringList &usernames,
                  Reply<std::vector<Profile>> reply) override;

private:
    ProfileStore &m_store;
};

} // namespace tidings::server
