#include "services/accounts/pg_account_store.h"

#include "core/logging.h"
#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "services/common/errors.h"

namespace tidings::server {

void PgAccountStore::usernameTaken(const QString &username, Callback<bool> cb) {
    m_pool.any()->exec(PgQuery{"SELECT 1 FROM users WHERE username = $1", {}, {}}.arg(username),
                       [cb](PgResult r) {
                           if (!r.ok())
                               return cb(databaseError(r, lcAccounts()));
                           cb(r.rows() > 0);
                       });
}

void PgAccountStore::createAccount(const QString &username, const QString &displayName,
                                   const QByteArray &passwordHash, const QString &deviceName,
                                   const QByteArray &tokenHash, qint64 nowMs, qint64 tokenExpiresMs,
                                   Callback<std::optional<NewDevice>> cb) {
    m_pool.any()->exec(
        PgQuery{"WITH u AS (INSERT INTO users (username, display_name, password_hash) "
                "VALUES ($1, $2, $3) ON CONFLICT (username) DO NOTHING RETURNING id), "
                "d AS (INSERT INTO devices (user_id, name, created_at) SELECT id, $4, "
                "to_timestamp($6::double precision / 1000) FROM u RETURNING id, user_id), "
                "t AS (INSERT INTO device_tokens (token_hash, device_id, created_at, expires_at) "
                "SELECT $5, id, to_timestamp($6::double precision / 1000), "
                "to_timestamp($7::double precision / 1000) FROM d RETURNING device_id) "
                "SELECT d.user_id, d.id AS device_id FROM d",
                {},
                {}}
            .arg(username)
            .arg(displayName)
            .arg(passwordHash)
            .arg(deviceName)
            .argBytes(tokenHash)
            .arg(nowMs)
            .arg(tokenExpiresMs),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcAccounts()));
            if (r.rows() == 0)
                return cb(std::optional<NewDevice>{});
            cb(std::optional<NewDevice>{
                NewDevice{quint64(r.int64(0, "user_id")), quint64(r.int64(0, "device_id"))}});
        });
}

void PgAccountStore::password(const QString &username, Callback<std::optional<StoredPassword>> cb) {
    m_pool.any()->exec(
        PgQuery{"SELECT id, password_hash, disabled_at IS NOT NULL AS disabled FROM users "
                "WHERE username = $1",
                {},
                {}}
            .arg(username),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcAccounts()));
            if (r.rows() == 0)
                return cb(std::optional<StoredPassword>{});
            cb(std::optional<StoredPassword>{StoredPassword{
                quint64(r.int64(0, "id")), r.text(0, "password_hash"), r.boolean(0, "disabled")}});
        });
}

void PgAccountStore::createDevice(quint64 userId, const QString &deviceName,
                                  const QByteArray &tokenHash, qint64 nowMs, qint64 tokenExpiresMs,
                                  Callback<quint64> cb) {
    m_pool.any()->exec(
        PgQuery{"WITH d AS (INSERT INTO devices (user_id, name, created_at) VALUES ($1, $2, "
                "to_timestamp($4::double precision / 1000)) RETURNING id), "
                "t AS (INSERT INTO device_tokens (token_hash, device_id, created_at, expires_at) "
                "SELECT $3, id, to_timestamp($4::double precision / 1000), "
                "to_timestamp($5::double precision / 1000) FROM d RETURNING device_id) "
                "SELECT id FROM d",
                {},
                {}}
            .arg(userId)
            .arg(deviceName)
            .argBytes(tokenHash)
            .arg(nowMs)
            .arg(tokenExpiresMs),
        [cb](PgResult r) {
            if (!r.ok() || r.rows() == 0)
                return cb(databaseError(r, lcAccounts()));
            cb(quint64(r.int64(0, "id")));
        });
}

void PgAccountStore::deviceOfToken(const QByteArray &tokenHash, const TokenRenewal &renewal,
                                   Callback<std::optional<Login>> cb) {
    m_pool.any()->exec(PgQuery{"SELECT * FROM tidings_authenticate($1, $2, $3, $4, $5, $6)", {}, {}}
                           .argBytes(tokenHash)
                           .argBytes(renewal.newTokenHash)
                           .arg(renewal.nowMs)
                           .arg(renewal.lifetimeMs)
                           .arg(renewal.renewAfterMs)
                           .arg(renewal.graceMs),
                       [cb](PgResult r) {
                           if (!r.ok())
                               return cb(databaseError(r, lcAccounts()));
                           if (r.rows() == 0)
                               return cb(std::optional<Login>{});
                           Login login{quint64(r.int64(0, "r_user")),
                                       quint64(r.int64(0, "r_device")),
                                       r.string(0, "r_username"),
                                       r.string(0, "r_display_name"),
                                       {}};
                           login.tokenRenewed = r.boolean(0, "r_renewed");
                           login.tokenExpiresMs = r.int64(0, "r_expires_ms");
                           login.disabled = r.boolean(0, "r_disabled");
                           cb(std::optional<Login>{std::move(login)});
                       });
}

void PgAccountStore::devices(quint64 userId, Callback<std::vector<DeviceRow>> cb) {
    m_pool.any()->exec(
        PgQuery{"SELECT id, name, (extract(epoch FROM created_at) * 1000)::bigint AS created_ms, "
                "COALESCE((extract(epoch FROM last_seen_at) * 1000)::bigint, 0) AS last_seen_ms "
                "FROM devices WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id",
                {},
                {}}
            .arg(userId),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcAccounts()));
            const int cId = r.column("id"), cName = r.column("name"),
                      cCreated = r.column("created_ms"), cSeen = r.column("last_seen_ms");
            std::vector<DeviceRow> out;
            for (int i = 0; i < r.rows(); ++i)
                out.push_back(DeviceRow{quint64(r.int64(i, cId)), r.string(i, cName),
                                        r.int64(i, cCreated), r.int64(i, cSeen)});
            cb(std::move(out));
        });
}

void PgAccountStore::revokeDevice(quint64 userId, quint64 callerDevice, quint64 deviceId,
                                  Callback<RevokeStatus> cb) {
    // One function: the authority check and the revocation under the user's row lock.
    m_pool.any()->exec(
        PgQuery{"SELECT tidings_revoke_device($1, $2, $3)", {}, {}}
            .arg(userId)
            .arg(callerDevice)
            .arg(deviceId),
        [cb](PgResult r) {
            if (!r.ok() || r.rows() != 1)
                return cb(databaseError(r, lcAccounts()));
            switch (r.int64(0, 0)) {
            case 0:
                return cb(RevokeStatus::Revoked);
            case 1:
                return cb(RevokeStatus::NoSuchDevice);
            case 2:
                return cb(RevokeStatus::NotLinked);
            }
            return cb(Error{ErrorCode::Internal, QStringLiteral("database error, try again")});
        });
}

void PgAccountStore::mayActForAccount(quint64 userId, quint64 deviceId, Callback<bool> cb) {
    m_pool.any()->exec(
        PgQuery{"SELECT NOT EXISTS (SELECT 1 FROM device_lists WHERE user_id = $1) OR EXISTS "
                "(SELECT 1 FROM device_lists WHERE user_id = $1 AND $2 = ANY (devices)) AS may",
                {},
                {}}
            .arg(userId)
            .arg(deviceId),
        [cb](PgResult r) {
            if (!r.ok() || r.rows() != 1)
                return cb(databaseError(r, lcAccounts()));
            cb(r.boolean(0, "may"));
        });
}

void PgAccountStore::changePassword(quint64 userId, quint64 callerDevice,
                                    const QByteArray &passwordHash,
                                    Callback<std::optional<std::vector<quint64>>> cb) {
    // One function: the authority check, the new hash and the logouts under the user's row lock.
    m_pool.any()->exec(PgQuery{"SELECT tidings_change_password($1, $2, $3) AS out", {}, {}}
                           .arg(userId)
                           .arg(callerDevice)
                           .arg(passwordHash),
                       [cb](PgResult r) {
                           if (!r.ok() || r.rows() != 1)
                               return cb(databaseError(r, lcAccounts()));
                           if (r.isNull(0, 0))
                               return cb(std::optional<std::vector<quint64>>{});
                           cb(std::optional<std::vector<quint64>>{pgarray::parseIds(r.text(0, 0))});
                       });
}

void PgAccountStore::consumeInvite(const QByteArray &codeHash, qint64 nowMs, Callback<bool> cb) {
    m_pool.any()->exec(PgQuery{"UPDATE invites SET uses_left = uses_left - 1 WHERE code_hash = $1 "
                               "AND uses_left > 0 AND expires_at > "
                               "to_timestamp($2::double precision / 1000) RETURNING id",
                               {},
                               {}}
                           .argBytes(codeHash)
                           .arg(nowMs),
                       [cb](PgResult r) {
                           if (!r.ok())
                               return cb(databaseError(r, lcAccounts()));
                           cb(r.rows() == 1);
                       });
}

void PgAccountStore::refundInvite(const QByteArray &codeHash) {
    m_pool.any()->exec(
        PgQuery{"UPDATE invites SET uses_left = uses_left + 1 WHERE code_hash = $1", {}, {}}
            .argBytes(codeHash),
        [](PgResult r) {
            if (!r.ok())
                qCWarning(lcAccounts)
                    << "an invite's use was not given back:" << r.error().toString();
        });
}

} // namespace tidings::server
