#include "core/store/key_store.h"

#include "core/store/database.h"
#include "crypto/primitives.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <initializer_list>

namespace tidings::client {

namespace {
constexpr char kLocalInfo[] = "TidingsLocalE2ev1";

Error e2eStorageError(const QString &what) {
    return Error{ErrorCode::Storage, QStringLiteral("e2e storage: ") + what, 0};
}

QByteArray adFor(const char *table, const QByteArray &rowKey) {
    QByteArray ad(table);
    ad.append('\x1f');
    ad.append(rowKey);
    return ad;
}

//! Row keys of sealed rows: big-endian ids, then the rest of the primary key.
QByteArray rowKey(quint64 a, quint64 b, const QByteArray &rest = {}) {
    QByteArray out;
    crypto::appendU64(out, a);
    crypto::appendU64(out, b);
    return out + rest;
}
QByteArray rowKey(quint64 a) {
    QByteArray out;
    crypto::appendU64(out, a);
    return out;
}

//! NULL for an empty value (optional BLOB columns).
QVariant orNull(const QByteArray &value) {
    return value.isEmpty() ? QVariant(QMetaType::fromType<QByteArray>()) : QVariant(value);
}

//! Binds in order and executes a statement prepared once per connection (Database::cached()).
Result<CachedQuery> run(Database &db, const char *sql, std::initializer_list<QVariant> binds = {}) {
    auto c = db.cached(sql);
    if (!c)
        return c.error();
    QSqlQuery &q = c->query();
    int i = 0;
    for (const QVariant &v : binds)
        q.bindValue(i++, v);
    if (!db.exec(q))
        return e2eStorageError(q.lastError().text());
    // Every write here replaces or deletes key material (session states, sender and receiver
    // keys, own secrets): the old pages must not stay behind in the WAL.
    if (sql[0] == 'I' || sql[0] == 'U' || sql[0] == 'D')
        db.scrubJournalSoon();
    return c;
}

Status done(const Result<CachedQuery> &q) {
    if (!q)
        return q.error();
    return {};
}
} // namespace

KeyStore::KeyStore(Database &db, const crypto::SecretBytes &masterKey)
    : m_db(db) {
    if (masterKey.size() >= 16)
        m_key = crypto::hkdf({}, masterKey, QByteArray(kLocalInfo), crypto::kKeySize);
}

QByteArray KeyStore::seal(const char *table, const QByteArray &rowKey,
                          const crypto::SecretBytes &plaintext) const {
    return crypto::aeadSeal(m_key, adFor(table, rowKey), plaintext);
}

Result<crypto::SecretBytes> KeyStore::unseal(const char *table, const QByteArray &rowKey,
                                             const QByteArray &sealed) const {
    return crypto::aeadOpenSecret(m_key, adFor(table, rowKey), sealed);
}

Status KeyStore::transaction(const std::function<Status()> &work) const {
    return m_db.transaction(work);
}

// --- own identity ------------------------------------------------------------------------------

Result<QByteArray> KeyStore::ownValue(const QString &key) const {
    auto q = run(m_db, "SELECT v FROM e2e_own WHERE k = ?", {key});
    if (!q)
        return q.error();
    return q->next() ? q->value(0).toByteArray() : QByteArray();
}

Status KeyStore::setOwnValue(const QString &key, const QByteArray &value) const {
    return done(run(m_db, "INSERT OR REPLACE INTO e2e_own (k, v) VALUES (?, ?)", {key, value}));
}

Result<crypto::SecretBytes> KeyStore::ownSecret(const QString &key) const {
    auto v = ownValue(key);
    if (!v)
        return v.error();
    if (v->isEmpty())
        return crypto::SecretBytes();
    return unseal("e2e_own", key.toUtf8(), *v);
}

Status KeyStore::setOwnSecret(const QString &key, const crypto::SecretBytes &value) const {
    const QByteArray sealed = seal("e2e_own", key.toUtf8(), value);
    if (sealed.isEmpty())
        return e2eStorageError(QStringLiteral("seal failed"));
    return setOwnValue(key, sealed);
}

// --- peers -------------------------------------------------------------------------------------

Result<QHash<quint64, bool>> KeyStore::changedPeers() const {
    auto q = run(m_db, "SELECT user_id, verified_aik IS NOT NULL FROM e2e_peers WHERE changed = 1");
    if (!q)
        return q.error();
    QHash<quint64, bool> out;
    while (q->next())
        out.insert(q->value(0).toULongLong(), q->value(1).toInt() != 0);
    return out;
}

Result<KeyStore::Peer> KeyStore::peer(quint64 userId) const {
    auto q = run(m_db,
                 "SELECT aik, list_version, list_blob, verified_aik, changed FROM e2e_peers"
                 " WHERE user_id = ?",
                 {userId});
    if (!q)
        return q.error();
    Peer p;
    if (!q->next())
        return p;
    p.exists = true;
    p.aik = q->value(0).toByteArray();
    p.listVersion = q->value(1).toULongLong();
    p.listBlob = q->value(2).toByteArray();
    p.verifiedAik = q->value(3).toByteArray();
    p.changed = q->value(4).toInt() != 0;
    return p;
}

Result<QHash<quint64, QByteArray>> KeyStore::accountKeys(const QList<quint64> &userIds) const {
    QStringList ids;
    ids.reserve(userIds.size());
    for (quint64 id : userIds)
        ids.append(QString::number(id));
    auto q = run(m_db,
                 "SELECT user_id, aik FROM e2e_peers WHERE user_id IN (SELECT value FROM"
                 " json_each(?))",
                 {QStringLiteral("[%1]").arg(ids.join(u','))});
    if (!q)
        return q.error();
    QHash<quint64, QByteArray> out;
    while (q->next())
        out.insert(q->value(0).toULongLong(), q->value(1).toByteArray());
    return out;
}

Status KeyStore::pinAccountKey(quint64 userId, const QByteArray &aik) const {
    return done(run(m_db,
                    "INSERT INTO e2e_peers (user_id, aik) VALUES (?, ?)"
                    " ON CONFLICT(user_id) DO UPDATE SET aik = excluded.aik",
                    {userId, aik}));
}

Status KeyStore::storeDeviceList(quint64 userId, const QByteArray &aik, quint64 version,
                                 const QByteArray &blob, bool aikChanged) const {
    return done(run(m_db,
                    "INSERT INTO e2e_peers (user_id, aik, list_version, list_blob, changed)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET"
                    " aik = excluded.aik, list_version = excluded.list_version,"
                    " list_blob = excluded.list_blob,"
                    " changed = CASE WHEN excluded.changed THEN 1 ELSE changed END",
                    {userId, aik, version, blob, aikChanged ? 1 : 0}));
}

Status KeyStore::addChainLink(quint64 userId, const QByteArray &oldAik, const QByteArray &newAik,
                              int authority) const {
    return done(run(m_db,
                    "INSERT OR IGNORE INTO e2e_aik_chain (user_id, old_aik, new_aik, authority)"
                    " VALUES (?, ?, ?, ?)",
                    {userId, oldAik, newAik, authority}));
}

Result<bool> KeyStore::isSuperseded(quint64 userId, const QByteArray &aik) const {
    auto q =
        run(m_db, "SELECT 1 FROM e2e_aik_chain WHERE user_id = ? AND old_aik = ?", {userId, aik});
    if (!q)
        return q.error();
    return q->next();
}

Result<bool> KeyStore::chainReaches(quint64 userId, const QByteArray &from,
                                    const QByteArray &to) const {
    QByteArray at = from;
    for (int hop = 0; hop <= 32; ++hop) {
        if (at == to)
            return true;
        auto q = run(m_db, "SELECT new_aik FROM e2e_aik_chain WHERE user_id = ? AND old_aik = ?",
                     {userId, at});
        if (!q)
            return q.error();
        if (!q->next())
            return false;
        at = q->value(0).toByteArray();
    }
    return false;
}

Status KeyStore::setVerified(quint64 userId, bool verified) const {
    return done(run(m_db,
                    "UPDATE e2e_peers SET verified_aik = CASE WHEN ? THEN aik ELSE NULL END,"
                    " changed = CASE WHEN ? THEN 0 ELSE changed END WHERE user_id = ?",
                    {verified ? 1 : 0, verified ? 1 : 0, userId}));
}

Status KeyStore::acknowledgeIdentityChange(quint64 userId) const {
    return done(run(m_db,
                    "UPDATE e2e_peers SET changed = 0, verified_aik = CASE"
                    " WHEN verified_aik = aik THEN aik ELSE NULL END WHERE user_id = ?",
                    {userId}));
}

// --- devices -----------------------------------------------------------------------------------

Result<std::optional<KeyStore::Device>> KeyStore::device(quint64 userId, quint64 deviceId) const {
    auto q =
        run(m_db, "SELECT dsk, dik, listed FROM e2e_devices WHERE user_id = ? AND device_id = ?",
            {userId, deviceId});
    if (!q)
        return q.error();
    if (!q->next())
        return std::optional<Device>();
    return std::optional<Device>(
        Device{q->value(0).toByteArray(), q->value(1).toByteArray(), q->value(2).toInt() != 0});
}

Status KeyStore::rememberDevice(quint64 userId, quint64 deviceId, const QByteArray &dsk,
                                const QByteArray &dik) const {
    return done(run(m_db,
                    "INSERT INTO e2e_devices (user_id, device_id, dsk, dik) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(user_id, device_id) DO UPDATE SET dsk = excluded.dsk,"
                    " dik = excluded.dik, listed = CASE WHEN dsk = excluded.dsk AND"
                    " dik = excluded.dik THEN listed ELSE 0 END",
                    {userId, deviceId, dsk, dik}));
}

Result<bool> KeyStore::bindsContext(quint64 userId, quint64 deviceId) const {
    auto q = run(m_db, "SELECT binds_context FROM e2e_devices WHERE user_id = ? AND device_id = ?",
                 {userId, deviceId});
    if (!q)
        return q.error();
    return q->next() && q->value(0).toInt() != 0;
}

Status KeyStore::setBindsContext(quint64 userId, quint64 deviceId) const {
    return done(run(m_db,
                    "UPDATE e2e_devices SET binds_context = 1 WHERE user_id = ? AND device_id = ?"
                    " AND binds_context = 0",
                    {userId, deviceId}));
}

Result<QList<quint64>> KeyStore::listedDevices(quint64 userId) const {
    auto q = run(m_db,
                 "SELECT device_id FROM e2e_devices WHERE user_id = ? AND listed = 1"
                 " ORDER BY device_id",
                 {userId});
    if (!q)
        return q.error();
    QList<quint64> out;
    while (q->next())
        out.append(q->value(0).toULongLong());
    return out;
}

Status KeyStore::unlistDevices(quint64 userId) const {
    return done(run(m_db, "UPDATE e2e_devices SET listed = 0 WHERE user_id = ?", {userId}));
}

Status KeyStore::listDevice(quint64 userId, quint64 deviceId, const QByteArray &dsk,
                            const QByteArray &dik) const {
    return done(run(m_db,
                    "INSERT INTO e2e_devices (user_id, device_id, dsk, dik, listed)"
                    " VALUES (?, ?, ?, ?, 1) ON CONFLICT(user_id, device_id) DO UPDATE SET"
                    " dsk = excluded.dsk, dik = excluded.dik, listed = 1",
                    {userId, deviceId, dsk, dik}));
}

Status KeyStore::dropUnlistedSessions(quint64 userId) const {
    return done(run(m_db,
                    "DELETE FROM e2e_sessions WHERE user_id = ? AND device_id NOT IN"
                    " (SELECT device_id FROM e2e_devices WHERE user_id = ? AND listed = 1)",
                    {userId, userId}));
}

Status KeyStore::forgetDevice(quint64 userId, quint64 deviceId) const {
    for (const char *sql : {"DELETE FROM e2e_sessions WHERE user_id = ? AND device_id = ?",
                            "DELETE FROM e2e_group_in WHERE user_id = ? AND device_id = ?",
                            "DELETE FROM e2e_group_sent WHERE user_id = ? AND device_id = ?"}) {
        if (auto s = done(run(m_db, sql, {userId, deviceId})); !s)
            return s;
    }
    return {};
}

// --- pairwise sessions -------------------------------------------------------------------------

Result<std::vector<KeyStore::Session>> KeyStore::sessions(quint64 userId, quint64 deviceId,
                                                          bool activeOnly) const {
    auto q = run(m_db,
                 activeOnly ? "SELECT sid, rank, state, pending, inbound FROM e2e_sessions"
                              " WHERE user_id = ? AND device_id = ? ORDER BY rank DESC LIMIT 1"
                            : "SELECT sid, rank, state, pending, inbound FROM e2e_sessions"
                              " WHERE user_id = ? AND device_id = ? ORDER BY rank DESC",
                 {userId, deviceId});
    if (!q)
        return q.error();
    std::vector<Session> out;
    while (q->next()) {
        Session s;
        s.sid = q->value(0).toByteArray();
        s.rank = q->value(1).toLongLong();
        s.sealed = q->value(2).toByteArray();
        auto state = unseal("e2e_sessions", rowKey(userId, deviceId, s.sid), s.sealed);
        if (!state)
            return e2eStorageError(QStringLiteral("session state does not open"));
        s.state = std::move(*state);
        s.pending = q->value(3).toByteArray();
        s.inbound = q->value(4).toByteArray();
        out.push_back(std::move(s));
    }
    return out;
}

Result<QByteArray> KeyStore::sealedSession(quint64 userId, quint64 deviceId,
                                           const QByteArray &sid) const {
    auto q =
        run(m_db, "SELECT state FROM e2e_sessions WHERE user_id = ? AND device_id = ? AND sid = ?",
            {userId, deviceId, sid});
    if (!q)
        return q.error();
    return q->next() ? q->value(0).toByteArray() : QByteArray();
}

Result<bool> KeyStore::hasSession(quint64 userId, quint64 deviceId) const {
    auto q = run(m_db, "SELECT 1 FROM e2e_sessions WHERE user_id = ? AND device_id = ? LIMIT 1",
                 {userId, deviceId});
    if (!q)
        return q.error();
    return q->next();
}

Status KeyStore::saveSession(quint64 userId, quint64 deviceId, const QByteArray &sid,
                             const crypto::SecretBytes &state, const QByteArray &pending,
                             const QByteArray &inbound, bool makeActive, int keep) const {
    const QByteArray sealed = seal("e2e_sessions", rowKey(userId, deviceId, sid), state);
    if (sealed.isEmpty())
        return e2eStorageError(QStringLiteral("seal session"));
    qint64 maxRank = 0; // only needed to make it the active one
    if (makeActive) {
        auto top = run(m_db,
                       "SELECT COALESCE(MAX(rank), 0) FROM e2e_sessions WHERE user_id = ? AND"
                       " device_id = ?",
                       {userId, deviceId});
        if (!top)
            return top.error();
        maxRank = top->next() ? top->value(0).toLongLong() : 0;
    }
    auto q = run(m_db,
                 "INSERT INTO e2e_sessions (user_id, device_id, sid, rank, state, pending, inbound)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id, device_id, sid) DO UPDATE SET"
                 " state = excluded.state, pending = excluded.pending,"
                 " inbound = excluded.inbound, rank = CASE WHEN ? THEN excluded.rank ELSE rank END",
                 {userId, deviceId, sid, maxRank + 1, sealed, orNull(pending), orNull(inbound),
                  makeActive ? 1 : 0});
    if (!q)
        return q.error();
    if (!makeActive) // the set of sessions did not change
        return {};
    return done(run(m_db,
                    "DELETE FROM e2e_sessions WHERE user_id = ? AND device_id = ? AND sid NOT IN"
                    " (SELECT sid FROM e2e_sessions WHERE user_id = ? AND device_id = ?"
                    " ORDER BY rank DESC LIMIT ?)",
                    {userId, deviceId, userId, deviceId, keep}));
}

// --- group sender keys -------------------------------------------------------------------------

Result<std::optional<KeyStore::SenderKey>> KeyStore::senderKey(quint64 groupId) const {
    auto q = run(m_db, "SELECT state, rotate FROM e2e_group_out WHERE group_id = ?", {groupId});
    if (!q)
        return q.error();
    if (!q->next())
        return std::optional<SenderKey>();
    auto state = unseal("e2e_group_out", rowKey(groupId), q->value(0).toByteArray());
    if (!state)
        return e2eStorageError(QStringLiteral("sender key does not open"));
    return std::optional<SenderKey>(SenderKey{std::move(*state), q->value(1).toInt() != 0});
}

Status KeyStore::saveSenderKey(quint64 groupId, const crypto::SecretBytes &state) const {
    const QByteArray sealed = seal("e2e_group_out", rowKey(groupId), state);
    if (sealed.isEmpty())
        return e2eStorageError(QStringLiteral("seal sender key"));
    return done(run(m_db,
                    "INSERT OR REPLACE INTO e2e_group_out (group_id, state, rotate)"
                    " VALUES (?, ?, 0)",
                    {groupId, sealed}));
}

Status KeyStore::markRotationNeeded(quint64 groupId) const {
    return done(run(m_db, "UPDATE e2e_group_out SET rotate = 1 WHERE group_id = ?", {groupId}));
}

Result<QList<std::pair<quint64, quint64>>>
KeyStore::distributionHolders(quint64 groupId, const QByteArray &distId) const {
    auto q = run(m_db,
                 "SELECT user_id, device_id FROM e2e_group_sent WHERE group_id = ? AND"
                 " dist_id = ?",
                 {groupId, distId});
    if (!q)
        return q.error();
    QList<std::pair<quint64, quint64>> out;
    while (q->next())
        out.append({q->value(0).toULongLong(), q->value(1).toULongLong()});
    return out;
}

Status KeyStore::markDistributed(quint64 groupId, const QByteArray &distId, quint64 userId,
                                 quint64 deviceId) const {
    return done(run(m_db,
                    "INSERT OR IGNORE INTO e2e_group_sent (group_id, dist_id, user_id, device_id)"
                    " VALUES (?, ?, ?, ?)",
                    {groupId, distId, userId, deviceId}));
}

Status KeyStore::clearDistributions(quint64 groupId) const {
    return done(run(m_db, "DELETE FROM e2e_group_sent WHERE group_id = ?", {groupId}));
}

Status KeyStore::clearDistribution(quint64 groupId, quint64 userId, quint64 deviceId) const {
    return done(run(m_db,
                    "DELETE FROM e2e_group_sent WHERE group_id = ? AND user_id = ? AND"
                    " device_id = ?",
                    {groupId, userId, deviceId}));
}

Result<bool> KeyStore::hasReceiverKey(quint64 userId, quint64 deviceId,
                                      const QByteArray &distId) const {
    auto q =
        run(m_db, "SELECT 1 FROM e2e_group_in WHERE user_id = ? AND device_id = ? AND dist_id = ?",
            {userId, deviceId, distId});
    if (!q)
        return q.error();
    return q->next();
}

Result<std::optional<KeyStore::ReceiverKey>> KeyStore::receiverKey(quint64 userId, quint64 deviceId,
                                                                   const QByteArray &distId) const {
    auto q = run(m_db,
                 "SELECT state, group_id FROM e2e_group_in WHERE user_id = ? AND device_id = ?"
                 " AND dist_id = ?",
                 {userId, deviceId, distId});
    if (!q)
        return q.error();
    if (!q->next())
        return std::optional<ReceiverKey>();
    ReceiverKey key;
    key.sealed = q->value(0).toByteArray();
    key.groupId = q->value(1).toULongLong();
    auto state = unseal("e2e_group_in", rowKey(userId, deviceId, distId), key.sealed);
    if (!state)
        return e2eStorageError(QStringLiteral("sender key state does not open"));
    key.state = std::move(*state);
    return std::optional<ReceiverKey>(std::move(key));
}

Result<QByteArray> KeyStore::sealedReceiverKey(quint64 userId, quint64 deviceId,
                                               const QByteArray &distId) const {
    auto q = run(m_db,
                 "SELECT state FROM e2e_group_in WHERE user_id = ? AND device_id = ? AND"
                 " dist_id = ?",
                 {userId, deviceId, distId});
    if (!q)
        return q.error();
    return q->next() ? q->value(0).toByteArray() : QByteArray();
}

Status KeyStore::saveReceiverKey(quint64 userId, quint64 deviceId, const QByteArray &distId,
                                 quint64 groupId, const crypto::SecretBytes &state) const {
    const QByteArray sealed = seal("e2e_group_in", rowKey(userId, deviceId, distId), state);
    if (sealed.isEmpty())
        return e2eStorageError(QStringLiteral("seal sender key"));
    return done(run(m_db,
                    "INSERT OR REPLACE INTO e2e_group_in (user_id, device_id, dist_id, group_id,"
                    " state) VALUES (?, ?, ?, ?, ?)",
                    {userId, deviceId, distId, groupId, sealed}));
}

} // namespace tidings::client
