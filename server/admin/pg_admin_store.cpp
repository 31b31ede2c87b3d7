#include "admin/pg_admin_store.h"

#include "core/logging.h"
#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "services/common/errors.h"

namespace tidings::server {

namespace {

// A user's devices leave as tidings_change_password logs them out: revoked, their tokens,
// one-time prekeys and pending hand-overs deleted.
constexpr const char *kLogOutDevices =
    "d AS (UPDATE devices SET revoked_at = now() WHERE user_id IN (SELECT id FROM u) "
    "AND revoked_at IS NULL RETURNING id), "
    "t AS (DELETE FROM device_tokens WHERE device_id IN (SELECT id FROM d)), "
    "k AS (DELETE FROM one_time_prekeys WHERE device_id IN (SELECT id FROM d)), "
    "h AS (DELETE FROM account_key_handoffs WHERE device_id IN (SELECT id FROM d)) "
    "SELECT u.id, COALESCE((SELECT array_agg(id ORDER BY id) FROM d), '{}') AS devices FROM u";

} // namespace

void PgAdminStore::users(const QString &search, int limit, int offset,
                         Callback<std::vector<AdminUser>> cb) {
    // The search is a plain substring (LIKE's wildcards escaped), case-insensitive.
    QString pattern = search;
    pattern.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('%'), QLatin1String("\\%"))
        .replace(QLatin1Char('_'), QLatin1String("\\_"));
    m_pool.reader()->exec(
        PgQuery{"SELECT u.id, u.username, u.display_name, "
                "(extract(epoch FROM u.created_at) * 1000)::bigint AS created_ms, "
                "u.disabled_at IS NOT NULL AS disabled, "
                "count(d.id) FILTER (WHERE d.revoked_at IS NULL) AS devices, "
                "COALESCE((extract(epoch FROM max(d.last_seen_at)) * 1000)::bigint, 0) AS seen_ms "
                "FROM users u LEFT JOIN devices d ON d.user_id = u.id "
                "WHERE $1 = '' OR u.username ILIKE '%' || $1 || '%' "
                "OR u.display_name ILIKE '%' || $1 || '%' "
                "GROUP BY u.id ORDER BY u.username LIMIT $2 OFFSET $3",
                {},
                {}}
            .arg(pattern)
            .arg(limit)
            .arg(offset),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcAccounts()));
            const int cId = r.column("id"), cName = r.column("username"),
                      cDisplay = r.column("display_name"), cCreated = r.column("created_ms"),
                      cDisabled = r.column("disabled"), cDevices = r.column("devices"),
                      cSeen = r.column("seen_ms");
            std::vector<AdminUser> out;
            out.reserve(std::size_t(r.rows()));
            for (int i = 0; i < r.rows(); ++i)
                out.push_back(AdminUser{quint64(r.int64(i, cId)), r.string(i, cName),
                                        r.string(i, cDisplay), r.int64(i, cCreated),
                                        r.boolean(i, cDisabled), int(r.int64(i, cDevices)),
                                        r.int64(i, cSeen)});
            cb(std::move(out));
        });
}

void PgAdminStore::createUser(const QString &username, const QString &displayName,
                              const QByteArray &passwordHash, Callback<std::optional<quint64>> cb) {
    m_pool.any()->exec(PgQuery{"INSERT INTO users (username, display_name, password_hash) "
                               "VALUES ($1, $2, $3) ON CONFLICT (username) DO NOTHING RETURNING id",
                               {},
                               {}}
                           .arg(username)
                           .arg(displayName)
                           .arg(passwordHash),
                       [cb](PgResult r) {
                           if (!r.ok())
                               return cb(databaseError(r, lcAccounts()));
                           if (r.rows() == 0)
                               return cb(std::optional<quint64>{});
                           cb(std::optional<quint64>{quint64(r.int64(0, 0))});
                       });
}

void PgAdminStore::setDisabled(const QString &username, bool disabled,
                               Callback<std::optional<quint64>> cb) {
    // Disabling twice keeps the first time.
    m_pool.any()->exec(PgQuery{disabled ? "UPDATE users SET disabled_at = COALESCE(disabled_at, "
                                          "now()) WHERE username = $1 RETURNING id"
                                        : "UPDATE users SET disabled_at = NULL WHERE username = $1 "
                                          "RETURNING id",
                               {},
                               {}}
                           .arg(username),
                       [cb](PgResult r) {
                           if (!r.ok())
                               return cb(databaseError(r, lcAccounts()));
                           if (r.rows() == 0)
                               return cb(std::optional<quint64>{});
                           cb(std::optional<quint64>{quint64(r.int64(0, 0))});
                       });
}

void PgAdminStore::resetPassword(const QString &username, const QByteArray &passwordHash,
                                 Callback<std::optional<LoggedOut>> cb) {
    m_pool.any()->exec(PgQuery{QByteArray("WITH u AS (UPDATE users SET password_hash = $2 WHERE "
                                          "username = $1 RETURNING id), ") +
                                   kLogOutDevices,
                               {},
                               {}}
                           .arg(username)
                           .arg(passwordHash),
                       [cb](PgResult r) {
                           if (!r.ok())
                               return cb(databaseError(r, lcAccounts()));
                           if (r.rows() == 0)
                               return cb(std::optional<LoggedOut>{});
                           cb(std::optional<LoggedOut>{
                               LoggedOut{quint64(r.int64(0, 0)), pgarray::parseIds(r.text(0, 1))}});
                       });
}

void PgAdminStore::deleteUser(const QString &username, Callback<std::optional<LoggedOut>> cb) {
    // The devices are listed first (the caller cuts their connections); the user's row goes with
    // everything that references it (ON DELETE CASCADE: devices, tokens, keys, memberships).
    m_pool.any()->exec(
        PgQuery{"WITH u AS (DELETE FROM users WHERE username = $1 RETURNING id), "
                "d AS (SELECT dv.id FROM devices dv JOIN u ON dv.user_id = u.id "
                "WHERE dv.revoked_at IS NULL), "
                "c AS (SELECT m.conversation_id FROM members m JOIN u ON m.user_id = u.id) "
                "SELECT u.id, COALESCE((SELECT array_agg(id ORDER BY id) FROM d), '{}'), "
                "COALESCE((SELECT array_agg(conversation_id) FROM c), '{}') FROM u",
                {},
                {}}
            .arg(username),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcAccounts()));
            if (r.rows() == 0)
                return cb(std::optional<LoggedOut>{});
            cb(std::optional<LoggedOut>{LoggedOut{quint64(r.int64(0, 0)),
                                                  pgarray::parseIds(r.text(0, 1)),
                                                  pgarray::parseIds(r.text(0, 2))}});
        });
}

void PgAdminStore::createInvite(const QByteArray &codeHash, const QString &note, int uses,
                                qint64 expiresMs, Callback<quint64> cb) {
    m_pool.any()->exec(PgQuery{"INSERT INTO invites (code_hash, note, uses_left, expires_at) "
                               "VALUES ($1, $2, $3, to_timestamp($4::double precision / 1000)) "
                               "RETURNING id",
                               {},
                               {}}
                           .argBytes(codeHash)
                           .arg(note)
                           .arg(uses)
                           .arg(expiresMs),
                       [cb](PgResult r) {
                           if (!r.ok() || r.rows() != 1)
                               return cb(databaseError(r, lcAccounts()));
                           cb(quint64(r.int64(0, 0)));
                       });
}

void PgAdminStore::invites(Callback<std::vector<InviteRow>> cb) {
    m_pool.reader()->exec(
        PgQuery{"SELECT id, note, uses_left, (extract(epoch FROM created_at) * 1000)::bigint, "
                "(extract(epoch FROM expires_at) * 1000)::bigint FROM invites "
                "WHERE uses_left > 0 AND expires_at > now() ORDER BY id",
                {},
                {}},
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcAccounts()));
            std::vector<InviteRow> out;
            for (int i = 0; i < r.rows(); ++i)
                out.push_back(InviteRow{quint64(r.int64(i, 0)), r.string(i, 1), int(r.int64(i, 2)),
                                        r.int64(i, 3), r.int64(i, 4)});
            cb(std::move(out));
        });
}

void PgAdminStore::revokeInvite(quint64 id, Callback<bool> cb) {
    m_pool.any()->exec(PgQuery{"DELETE FROM invites WHERE id = $1 RETURNING id", {}, {}}.arg(id),
                       [cb](PgResult r) {
                           if (!r.ok())
                               return cb(databaseError(r, lcAccounts()));
                           cb(r.rows() == 1);
                       });
}

void PgAdminStore::settings(Callback<QHash<QString, QString>> cb) {
    m_pool.any()->exec(PgQuery{"SELECT key, value FROM server_settings", {}, {}}, [cb](PgResult r) {
        if (!r.ok())
            return cb(databaseError(r, lcAccounts()));
        QHash<QString, QString> out;
        for (int i = 0; i < r.rows(); ++i)
            out.insert(r.string(i, 0), r.string(i, 1));
        cb(std::move(out));
    });
}

void PgAdminStore::setSettings(const QList<std::pair<QString, QString>> &values,
                               Callback<bool> cb) {
    QByteArray sql = "INSERT INTO server_settings (key, value) VALUES ";
    for (qsizetype i = 0; i < values.size(); ++i)
        sql += (i ? ", ($" : "($") + QByteArray::number(2 * i + 1) + ", $" +
               QByteArray::number(2 * i + 2) + ")";
    sql += " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()";
    PgQuery q{sql, {}, {}};
    for (const auto &[key, value] : values)
        q.arg(key).arg(value);
    m_pool.any()->exec(std::move(q), [cb](PgResult r) {
        if (!r.ok())
            return cb(databaseError(r, lcAccounts()));
        cb(true);
    });
}

} // namespace tidings::server
