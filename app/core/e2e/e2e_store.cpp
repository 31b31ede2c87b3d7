#include "core/e2e/e2e_store.h"

#include <QSqlError>

namespace tidings::client::e2e {

namespace {
constexpr char kLocalInfo[] = "TidingsLocalE2ev1";

const char *const kSchema[] = {
    // Own identity and prekeys: k = "user_id", "device_id", "aik_pub", secrets sealed.
    "CREATE TABLE IF NOT EXISTS e2e_own (k TEXT PRIMARY KEY, v BLOB NOT NULL)",
    // Per peer user (me included): pinned AIK, last accepted signed list, verification.
    "CREATE TABLE IF NOT EXISTS e2e_peers (user_id INTEGER PRIMARY KEY, aik BLOB NOT NULL,"
    " list_version INTEGER NOT NULL DEFAULT 0, list_blob BLOB, verified_aik BLOB,"
    " changed INTEGER NOT NULL DEFAULT 0)",
    // Known device identities; listed = in the user's last accepted list.
    "CREATE TABLE IF NOT EXISTS e2e_devices (user_id INTEGER NOT NULL, device_id INTEGER NOT NULL,"
    " dsk BLOB NOT NULL, dik BLOB NOT NULL, listed INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (user_id, device_id))",
    // Pairwise sessions: the highest rank per device is the active one. pending = X3DH
    // parameters while our first message is unacknowledged; inbound = (spk id, EK) of a session
    // created by a peer's PreKeyMessage, so its repeats reach the same session.
    "CREATE TABLE IF NOT EXISTS e2e_sessions (user_id INTEGER NOT NULL,"
    " device_id INTEGER NOT NULL, sid BLOB NOT NULL, rank INTEGER NOT NULL, state BLOB NOT NULL,"
    " pending BLOB, inbound BLOB, PRIMARY KEY (user_id, device_id, sid))",
    "CREATE TABLE IF NOT EXISTS e2e_group_out (group_id INTEGER PRIMARY KEY,"
    " state BLOB NOT NULL, rotate INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS e2e_group_sent (group_id INTEGER NOT NULL, dist_id BLOB NOT NULL,"
    " user_id INTEGER NOT NULL, device_id INTEGER NOT NULL,"
    " PRIMARY KEY (group_id, dist_id, user_id, device_id))",
    "CREATE TABLE IF NOT EXISTS e2e_group_in (user_id INTEGER NOT NULL,"
    " device_id INTEGER NOT NULL, dist_id BLOB NOT NULL, group_id INTEGER NOT NULL,"
    " state BLOB NOT NULL, PRIMARY KEY (user_id, device_id, dist_id))",
};

QByteArray adFor(const char *table, const QByteArray &rowKey) {
    QByteArray ad(table);
    ad.append('\x1f');
    ad.append(rowKey);
    return ad;
}
} // namespace

Error storageError(const QString &what) {
    return Error{ErrorCode::Storage, QStringLiteral("e2e storage: ") + what, 0};
}

QByteArray u64Key(quint64 a) {
    QByteArray out;
    crypto::appendU64(out, a);
    return out;
}

QByteArray u64Key(quint64 a, quint64 b) {
    QByteArray out;
    crypto::appendU64(out, a);
    crypto::appendU64(out, b);
    return out;
}

E2eStore::E2eStore(QString connectionName, crypto::SecretBytes masterKey)
    : m_connection(std::move(connectionName)) {
    if (masterKey.size() >= 16)
        m_key = crypto::hkdf({}, masterKey, QByteArray(kLocalInfo), crypto::kKeySize);
}

Status E2eStore::createTables() {
    if (!db().isOpen())
        return storageError(QStringLiteral("connection %1 is not open").arg(m_connection));
    for (const char *sql : kSchema)
        if (auto r = exec(QString::fromLatin1(sql)); !r)
            return r.error();
    return {};
}

QByteArray E2eStore::seal(const char *table, const QByteArray &rowKey,
                          const crypto::SecretBytes &plaintext) const {
    return crypto::aeadSeal(m_key, adFor(table, rowKey), plaintext);
}

Result<crypto::SecretBytes> E2eStore::unseal(const char *table, const QByteArray &rowKey,
                                             const QByteArray &sealed) const {
    return crypto::aeadOpenSecret(m_key, adFor(table, rowKey), sealed);
}

Result<QSqlQuery> E2eStore::exec(const QString &sql, std::initializer_list<QVariant> binds) const {
    QSqlQuery q(db());
    if (!q.prepare(sql))
        return storageError(q.lastError().text());
    for (const QVariant &v : binds)
        q.addBindValue(v);
    if (!q.exec())
        return storageError(q.lastError().text());
    return q;
}

Status E2eStore::transaction(const std::function<Status()> &work) const {
    // A savepoint is a transaction of its own when none is open, and nests inside the caller's
    // otherwise: either way a failure undoes exactly the engine's writes, and a busy database
    // fails here instead of running the work outside any transaction.
    if (auto begin = exec(QStringLiteral("SAVEPOINT e2e")); !begin)
        return begin.error();
    Status s = work();
    if (!s) {
        (void)exec(QStringLiteral("ROLLBACK TO e2e"));
        (void)exec(QStringLiteral("RELEASE e2e"));
        return s;
    }
    if (auto done = exec(QStringLiteral("RELEASE e2e")); !done) {
        (void)exec(QStringLiteral("ROLLBACK TO e2e"));
        (void)exec(QStringLiteral("RELEASE e2e"));
        return done.error();
    }
    return {};
}

Result<QByteArray> E2eStore::ownValue(const QString &key) const {
    auto q = exec(QStringLiteral("SELECT v FROM e2e_own WHERE k = ?"), {key});
    if (!q)
        return q.error();
    if (!q->next())
        return QByteArray();
    return q->value(0).toByteArray();
}

Status E2eStore::setOwnValue(const QString &key, const QByteArray &value) const {
    auto q =
        exec(QStringLiteral("INSERT OR REPLACE INTO e2e_own (k, v) VALUES (?, ?)"), {key, value});
    if (!q)
        return q.error();
    return {};
}

Result<crypto::SecretBytes> E2eStore::ownSecret(const QString &key) const {
    auto v = ownValue(key);
    if (!v)
        return v.error();
    if (v->isEmpty())
        return crypto::SecretBytes();
    return unseal("e2e_own", key.toUtf8(), *v);
}

Status E2eStore::setOwnSecret(const QString &key, const crypto::SecretBytes &value) const {
    const QByteArray sealed = seal("e2e_own", key.toUtf8(), value);
    if (sealed.isEmpty())
        return storageError(QStringLiteral("seal failed"));
    return setOwnValue(key, sealed);
}

} // namespace tidings::client::e2e
