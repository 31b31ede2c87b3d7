#include "services/profiles/pg_profile_store.h"

#include "core/logging.h"
#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "services/common/errors.h"

namespace tidings::server {

void PgProfileStore::setDisplayName(quint64 userId, const QString &displayName,
                                    std::function<void(Status)> cb) {
    m_pool.any()->exec(
        PgQuery{"UPDATE users SET display_name = $2 WHERE id = $1", {}, {}}.arg(userId).arg(
            displayName),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcAccounts()));
            cb(Status{});
        });
}

void PgProfileStore::profiles(const QStringList &usernames,
                              std::function<void(Result<std::vector<Profile>>)> cb) {
    std::vector<QByteArray> names;
    for (const auto &n : usernames)
        names.push_back(n.toUtf8());
    m_pool.any()->exec(
        PgQuery{"SELECT id, username, display_name FROM users WHERE username = ANY ($1::text[]) "
                "ORDER BY id",
                {},
                {}}
            .arg(pgarray::texts(names)),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcAccounts()));
            const int cId = r.column("id"), cName = r.column("username"),
                      cDisplay = r.column("display_name");
            std::vector<Profile> out;
            for (int i = 0; i < r.rows(); ++i)
                out.push_back(
                    Profile{quint64(r.int64(i, cId)), r.string(i, cName), r.string(i, cDisplay)});
            cb(std::move(out));
        });
}

} // namespace tidings::server
