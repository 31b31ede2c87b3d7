#pragma once
// ProfileStore on PostgreSQL.
#include "services/profiles/profile_store.h"

namespace tidings::server {

class PgPool;

class PgProfileStore final : public ProfileStore {
public:
    explicit PgProfileStore(PgPool &pool)
        : m_pool(pool) {}

    void setDisplayName(quint64 userId, const QString &displayName,
                        std::function<void(Status)> cb) override;
    void profiles(const QStringList &usernames,
                  std::function<void(Result<std::vector<Profile>>)> cb) override;

private:
    PgPool &m_pool;
};

} // namespace tidings::server
