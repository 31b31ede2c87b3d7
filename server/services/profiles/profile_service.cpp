#include "services/profiles/profile_service.h"

#include "protocol/codec.h"

namespace tidings::server {

void ProfileService::setDisplayName(const Caller &caller, const QString &displayName,
                                    StatusReply reply) {
    m_store.setDisplayName(caller.userId, displayName, std::move(reply));
}

void ProfileService::profiles(const Caller &, const QStringList &usernames,
                              Reply<std::vector<Profile>> reply) {
    QStringList names;
    for (const auto &u : usernames)
        names << protocol::normalizeUsername(u);
    m_store.profiles(names, std::move(reply));
}

} // namespace tidings::server
