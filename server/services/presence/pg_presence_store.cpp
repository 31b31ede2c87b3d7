#include "services/presence/pg_presence_store.h"

#include "core/logging.h"
#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "services/common/errors.h"

namespace tidings::server {

namespace {

Visibility visibility(qint64 v) {
    switch (v) {
    case 1:
        return Visibility::Contacts;
    case 2:
        return Visibility::Nobody;
    default:
        return Visibility::Everyone;
    }
}

} // namespace

void PgPresenceStore::factsByName(quint64 viewer, const QStringList &usernames,
                                  Callback<std::vector<VisibilityFacts>> cb) {
    std::vector<QByteArray> names;
    for (const auto &n : usernames)
        names.push_back(n.toUtf8());
    facts(viewer, true, pgarray::texts(names), std::move(cb));
}

void PgPresenceStore::factsById(quint64 viewer, const std::vector<quint64> &userIds,
                                Callback<std::vector<VisibilityFacts>> cb) {
    facts(viewer, false, pgarray::ints(userIds), std::move(cb));
}

void PgPresenceStore::facts(quint64 viewer, bool byName, const QByteArray &targets,
                            Callback<std::vector<VisibilityFacts>> cb) {
    m_pool.any()->exec(
        PgQuery{QByteArray("SELECT u.id, u.username, u.last_seen_visibility, "
                           "COALESCE((extract(epoch FROM u.last_seen_at) * 1000)::bigint, 0) "
                           "AS last_seen_ms, "
                           "EXISTS (SELECT 1 FROM contacts c WHERE c.owner_id = u.id AND "
                           "c.user_id = $1) AS viewer_is_contact, "
                           "EXISTS (SELECT 1 FROM blocks b WHERE b.owner_id = u.id AND "
                           "b.blocked_id = $1) AS blocks_viewer, "
                           "(SELECT v.last_seen_visibility FROM users v WHERE v.id = $1) "
                           "AS viewer_visibility "
                           "FROM users u WHERE ") +
                    (byName ? "u.username = ANY($2::text[])" : "u.id = ANY($2::bigint[])"),
                {},
                {}}
            .arg(viewer)
            .arg(targets),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcPresence()));
            const int cId = r.column("id"), cName = r.column("username"),
                      cVisibility = r.column("last_seen_visibility"),
                      cLastSeen = r.column("last_seen_ms"),
                      cContact = r.column("viewer_is_contact"), cBlocks = r.column("blocks_viewer"),
                      cViewer = r.column("viewer_visibility");
            std::vector<VisibilityFacts> out;
            out.reserve(std::size_t(r.rows()));
            for (int i = 0; i < r.rows(); ++i)
                out.push_back(VisibilityFacts{quint64(r.int64(i, cId)), r.string(i, cName),
                                              visibility(r.int64(i, cVisibility)),
                                              r.int64(i, cLastSeen), r.boolean(i, cContact),
                                              r.boolean(i, cBlocks),
                                              visibility(r.int64(i, cViewer))});
            cb(std::move(out));
        });
}

void PgPresenceStore::setLastSeen(quint64 userId, qint64 atMs) {
    m_pool.any()->exec(PgQuery{"UPDATE users SET last_seen_at = to_timestamp($2::double "
                               "precision / 1000) WHERE id = $1",
                               {},
                               {}}
                           .arg(userId)
                           .arg(atMs),
                       [](PgResult r) {
                           if (!r.ok())
                               qCWarning(lcPresence) << "last seen not saved:" << r.error().detail;
                       });
}

void PgPresenceStore::setVisibility(quint64 userId, Visibility v, std::function<void(Status)> cb) {
    m_pool.any()->exec(
        PgQuery{"UPDATE users SET last_seen_visibility = $2 WHERE id = $1", {}, {}}.arg(userId).arg(
            int(v)),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcPresence()));
            cb(Status{});
        });
}

} // namespace tidings::server
