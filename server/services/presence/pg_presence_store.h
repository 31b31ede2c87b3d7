#pragma once
// PresenceStore on PostgreSQL: one query per subscription or re-evaluation computes everything
// visibility depends on.
#include "services/presence/presence_store.h"

namespace tidings::server {

class PgPool;

class PgPresenceStore final : public PresenceStore {
public:
    explicit PgPresenceStore(PgPool &pool)
        : m_pool(pool) {}

    void factsByName(quint64 viewer, const QStringList &usernames,
                     Callback<std::vector<VisibilityFacts>> cb) override;
    void factsById(quint64 viewer, const std::vector<quint64> &userIds,
                   Callback<std::vector<VisibilityFacts>> cb) override;
    void setLastSeen(quint64 userId, qint64 atMs) override;
    void setVisibility(quint64 userId, Visibility visibility,
                       std::function<void(Status)> cb) override;

private:
    void facts(quint64 viewer, bool byName, const QByteArray &targets,
               Callback<std::vector<VisibilityFacts>> cb);

    PgPool &m_pool;
};

} // namespace tidings::server
