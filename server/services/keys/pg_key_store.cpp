#include "services/keys/pg_key_store.h"

#include "core/logging.h"
#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "services/common/errors.h"

#include <memory>

namespace tidings::server {

namespace {

UploadStatus uploadStatus(qint64 code) {
    switch (code) {
    case 0:
        return UploadStatus::Stored;
    case 1:
        return UploadStatus::IdentityChanged;
    case 2:
        return UploadStatus::AccountKeyMismatch;
    default:
        return UploadStatus::NeedsSignedPreKey;
    }
}

PublishStatus publishStatus(qint64 code) {
    switch (code) {
    case 0:
        return PublishStatus::Stored;
    case 1:
        return PublishStatus::AccountKeyMismatch;
    case 2:
        return PublishStatus::StaleVersion;
    case 3:
        return PublishStatus::ForeignDevice;
    case 4:
        return PublishStatus::KeysDiffer;
    case 6:
        return PublishStatus::NotSuccessor;
    case 7:
        return PublishStatus::NotLinked;
    case 8:
        return PublishStatus::LastVersionMismatch;
    case 9:
        return PublishStatus::TooManySuccessions;
    default:
        return PublishStatus::PasswordRequired;
    }
}

//! The successions from a known key, one statement per row, oldest first.
const char *const kChainQuery = "SELECT c.statement FROM tidings_key_chain($1, $2) "
                                "WITH ORDINALITY AS c(statement, n) ORDER BY c.n";

std::vector<QByteArray> readChain(const PgResult &r) {
    std::vector<QByteArray> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(r.bytea(i, "statement"));
    return out;
}

const char *const kDeviceListQuery = "SELECT l.signed_list, l.account_key FROM users u "
                                     "LEFT JOIN device_lists l ON l.user_id = u.id WHERE u.id = $1";

SignedDeviceList readDeviceList(const PgResult &r, quint64 userId) {
    SignedDeviceList list{userId, {}, {}, {}};
    if (r.rows() > 0 && !r.isNull(0, "signed_list")) {
        list.signedList = r.bytea(0, "signed_list");
        list.accountKey = r.bytea(0, "account_key");
    }
    return list;
}

} // namespace

void PgKeyStore::uploadKeys(quint64 userId, quint64 deviceId, const KeyUpload &upload,
                            int maxStored, Callback<UploadOutcome> cb) {
    PgQuery query{"SELECT status, stock FROM tidings_upload_keys($1, $2, $3, $4, $5, $6, $7, "
                  "$8, $9, $10::bigint[], $11::bytea[], $12)",
                  {},
                  {}};
    query.arg(userId)
        .arg(deviceId)
        .argBytes(upload.signingKey)
        .argBytes(upload.identityKey)
        .argBytes(upload.accountKey)
        .argBytes(upload.bindingSignature);
    if (const auto &spk = upload.signedPreKey)
        query.arg(quint64(spk->keyId)).argBytes(spk->publicKey).argBytes(spk->signature);
    else
        query.argNull().argNull().argNull();
    std::vector<quint64> ids;
    std::vector<QByteArray> pubs;
    for (const auto &k : upload.oneTimePreKeys) {
        ids.push_back(k.keyId);
        pubs.push_back(k.publicKey);
    }
    query.arg(pgarray::ints(ids)).arg(pgarray::byteas(pubs)).arg(maxStored);
    m_pool.forKey(userId)->exec(std::move(query), [cb](PgResult r) {
        if (!r.ok() || r.rows() != 1)
            return cb(databaseError(r, lcKeys()));
        cb(UploadOutcome{uploadStatus(r.int64(0, "status")), int(r.int64(0, "stock"))});
    });
}

void PgKeyStore::fetchBundles(quint64 target, const std::vector<quint64> &deviceIds,
                              const QByteArray &knownAccountKey, Callback<FetchedBundles> cb) {
    auto state = std::make_shared<Result<FetchedBundles>>(FetchedBundles{});
    auto *db = m_pool.forKey(target);
    // The statements go out at once on the user's connection; results arrive in order.
    db->exec(PgQuery{kDeviceListQuery, {}, {}}.arg(target), [state, target](PgResult r) {
        if (!r.ok()) {
            *state = databaseError(r, lcKeys());
            return;
        }
        (*state)->userKnown = r.rows() > 0;
        (*state)->deviceList = readDeviceList(r, target);
    });
    if (!knownAccountKey.isEmpty())
        db->exec(PgQuery{kChainQuery, {}, {}}.arg(target).argBytes(knownAccountKey),
                 [state](PgResult r) {
                     if (!*state)
                         return;
                     if (!r.ok()) {
                         *state = databaseError(r, lcKeys());
                         return;
                     }
                     (*state)->deviceList.successions = readChain(r);
                 });
    db->exec(
        PgQuery{"SELECT r_device, r_dsk, r_dik, r_binding, r_spk_id, r_spk, r_spk_sig, "
                "r_opk_id, r_opk, r_stock, r_taken, r_aik FROM tidings_fetch_bundles($1, "
                "$2::bigint[])",
                {},
                {}}
            .arg(target)
            .arg(pgarray::ints(deviceIds)),
        [state, target, cb](PgResult r) {
            if (!*state)
                return cb(std::move(*state));
            if (!r.ok())
                return cb(databaseError(r, lcKeys()));
            const int cDevice = r.column("r_device"), cDsk = r.column("r_dsk"),
                      cDik = r.column("r_dik"), cBinding = r.column("r_binding"),
                      cSpkId = r.column("r_spk_id"), cSpk = r.column("r_spk"),
                      cSpkSig = r.column("r_spk_sig"), cOpkId = r.column("r_opk_id"),
                      cOpk = r.column("r_opk"), cStock = r.column("r_stock"),
                      cTaken = r.column("r_taken"), cAik = r.column("r_aik");
            auto &out = (*state)->bundles;
            for (int i = 0; i < r.rows(); ++i) {
                FetchedBundle f;
                auto &b = f.bundle;
                b.userId = target;
                b.deviceId = quint64(r.int64(i, cDevice));
                b.signingKey = r.bytea(i, cDsk);
                b.identityKey = r.bytea(i, cDik);
                b.bindingSignature = r.bytea(i, cBinding);
                b.signedPreKey = SignedPreKey{quint32(r.int64(i, cSpkId)), r.bytea(i, cSpk),
                                              r.bytea(i, cSpkSig)};
                if (!r.isNull(i, cOpkId))
                    b.oneTimePreKey = OneTimePreKey{quint32(r.int64(i, cOpkId)), r.bytea(i, cOpk)};
                f.stock = int(r.int64(i, cStock));
                f.taken = r.boolean(i, cTaken);
                b.accountKey = r.bytea(i, cAik);
                out.push_back(std::move(f));
            }
            cb(std::move(*state));
        });
}

void PgKeyStore::publishDeviceList(quint64 userId, const VerifiedDeviceList &list,
                                   Callback<PublishStatus> cb) {
    std::vector<quint64> ids;
    std::vector<QByteArray> dsks, diks;
    for (const auto &d : list.devices) {
        ids.push_back(d.deviceId);
        dsks.push_back(d.signingKey);
        diks.push_back(d.identityKey);
    }
    std::vector<quint64> handoffDevices;
    std::vector<QByteArray> handoffBlobs;
    for (const auto &[device, blob] : list.handoffs) {
        handoffDevices.push_back(device);
        handoffBlobs.push_back(blob);
    }
    PgQuery query{"SELECT tidings_publish_device_list($1, $2, $3, $4, $5, $6::bigint[], "
                  "$7::bytea[], $8::bytea[], $9, $10, $11, $12, $13::bigint[], $14::bytea[], "
                  "$15) AS status",
                  {},
                  {}};
    query.arg(userId)
        .arg(list.callerDevice)
        .arg(list.version)
        .argBytes(list.blob)
        .argBytes(list.accountKey)
        .arg(pgarray::ints(ids))
        .arg(pgarray::byteas(dsks))
        .arg(pgarray::byteas(diks));
    if (list.recoveryKey.isEmpty())
        query.argNull();
    else
        query.argBytes(list.recoveryKey);
    if (list.succession.isEmpty())
        query.argNull().argNull().argNull();
    else
        query.argBytes(list.oldKey).arg(list.lastVersion).argBytes(list.succession);
    query.arg(pgarray::ints(handoffDevices))
        .arg(pgarray::byteas(handoffBlobs))
        .arg(QByteArray(list.passwordVerified ? "true" : "false"));
    m_pool.forKey(userId)->exec(std::move(query), [cb](PgResult r) {
        if (!r.ok() || r.rows() != 1)
            return cb(databaseError(r, lcKeys()));
        cb(publishStatus(r.int64(0, "status")));
    });
}

void PgKeyStore::deviceList(quint64 userId, const QByteArray &knownAccountKey,
                            Callback<std::optional<SignedDeviceList>> cb) {
    auto state = std::make_shared<Result<std::optional<SignedDeviceList>>>(std::nullopt);
    auto *db = m_pool.forKey(userId);
    const bool withChain = !knownAccountKey.isEmpty();
    db->exec(PgQuery{kDeviceListQuery, {}, {}}.arg(userId),
             [state, cb, userId, withChain](PgResult r) {
                 if (!r.ok())
                     *state = databaseError(r, lcKeys());
                 else if (r.rows() > 0)
                     *state = std::optional<SignedDeviceList>{readDeviceList(r, userId)};
                 if (!withChain)
                     cb(std::move(*state));
             });
    if (withChain)
        db->exec(PgQuery{kChainQuery, {}, {}}.arg(userId).argBytes(knownAccountKey),
                 [state, cb](PgResult r) {
                     if (*state && **state) {
                         if (!r.ok())
                             return cb(databaseError(r, lcKeys()));
                         (**state)->successions = readChain(r);
                     }
                     cb(std::move(*state));
                 });
}

void PgKeyStore::accountKeyHandoff(quint64 deviceId, Callback<AccountKeyHandoff> cb) {
    auto state = std::make_shared<Result<AccountKeyHandoff>>(AccountKeyHandoff{});
    auto *db = m_pool.forKey(deviceId);
    db->exec(
        PgQuery{"SELECT h.blob FROM account_key_handoffs h WHERE h.device_id = $1", {}, {}}.arg(
            deviceId),
        [state](PgResult r) {
            if (!r.ok())
                *state = databaseError(r, lcKeys());
            else if (r.rows() > 0)
                (*state)->blob = r.bytea(0, "blob");
        });
    // The chain from the key this device's keys are bound to.
    db->exec(PgQuery{"SELECT c.statement FROM device_keys k, "
                     "tidings_key_chain(k.user_id, k.account_key) WITH ORDINALITY "
                     "AS c(statement, n) WHERE k.device_id = $1 ORDER BY c.n",
                     {},
                     {}}
                 .arg(deviceId),
             [state, cb](PgResult r) {
                 if (!*state)
                     return cb(std::move(*state));
                 if (!r.ok())
                     return cb(databaseError(r, lcKeys()));
                 (*state)->successions = readChain(r);
                 cb(std::move(*state));
             });
}

void PgKeyStore::recoverAccount(quint64 userId, quint64 deviceId, const VerifiedRecovery &rec,
                                int maxStored, Callback<RecoveryOutcome> cb) {
    // One row per logged-out device (one with a NULL device when there are none).
    PgQuery query{"SELECT r.status, d.device FROM tidings_recover_account($1, $2, $3, $4, $5, "
                  "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::bigint[], "
                  "$18::bytea[], $19) AS r LEFT JOIN LATERAL unnest(r.logged_out) AS d(device) "
                  "ON true",
                  {},
                  {}};
    query.arg(userId)
        .arg(deviceId)
        .argBytes(rec.oldKey)
        .arg(rec.lastVersion)
        .argBytes(rec.embeddedList)
        .argBytes(rec.accountKey)
        .argBytes(rec.succession)
        .arg(rec.version)
        .argBytes(rec.signedList);
    if (rec.recoveryKey.isEmpty())
        query.argNull();
    else
        query.argBytes(rec.recoveryKey);
    query.argBytes(rec.keys.signingKey)
        .argBytes(rec.keys.identityKey)
        .argBytes(rec.keys.bindingSignature);
    const SignedPreKey spk = rec.keys.signedPreKey.value_or(SignedPreKey{});
    query.arg(quint64(spk.keyId)).argBytes(spk.publicKey).argBytes(spk.signature);
    std::vector<quint64> ids;
    std::vector<QByteArray> pubs;
    for (const auto &k : rec.keys.oneTimePreKeys) {
        ids.push_back(k.keyId);
        pubs.push_back(k.publicKey);
    }
    query.arg(pgarray::ints(ids)).arg(pgarray::byteas(pubs)).arg(maxStored);
    m_pool.forKey(userId)->exec(std::move(query), [cb](PgResult r) {
        if (!r.ok() || r.rows() < 1)
            return cb(databaseError(r, lcKeys()));
        RecoveryOutcome out{RecoveryStatus(r.int64(0, "status")), {}};
        for (int i = 0; i < r.rows(); ++i)
            if (!r.isNull(i, "device"))
                out.loggedOut.push_back(quint64(r.int64(i, "device")));
        cb(std::move(out));
    });
}

void PgKeyStore::currentDevices(const std::vector<quint64> &userIds,
                                Callback<QHash<quint64, QList<quint64>>> cb) {
    m_pool.any()->exec(PgQuery{"SELECT l.user_id, dv.id AS device_id FROM device_lists l "
                               "CROSS JOIN LATERAL unnest(l.devices) AS x(id) "
                               "JOIN devices dv ON dv.id = x.id AND dv.user_id = l.user_id "
                               " AND dv.revoked_at IS NULL "
                               "WHERE l.user_id = ANY ($1::bigint[]) ORDER BY 1, 2",
                               {},
                               {}}
                           .arg(pgarray::ints(userIds)),
                       [cb, userIds](PgResult r) {
                           if (!r.ok())
                               return cb(databaseError(r, lcMessaging()));
                           const int cUser = r.column("user_id"), cDevice = r.column("device_id");
                           QHash<quint64, QList<quint64>> out;
                           for (quint64 u : userIds)
                               out.insert(u, {});
                           for (int i = 0; i < r.rows(); ++i)
                               out[quint64(r.int64(i, cUser))].append(quint64(r.int64(i, cDevice)));
                           cb(std::move(out));
                       });
}

} // namespace tidings::server
