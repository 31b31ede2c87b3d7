#include "core/store/key_store.h"

#include "core/store/database.h"

#include <QSqlError>

namespace tidings::client {

namespace {
constexpr char kLocalInfo[] = "TidingsLocalE2ev1";

Error storageError(const QString &what) {
    return Error{ErrorCode::Storage, QStringLiteral("e2e storage: ") + what, 0};
}

QByteArray adFor(const char *table, const QByteArray &rowKey) {
    QByteArray ad(table);
    ad.append('\x1f');
    ad.append(rowKey);
    return ad;
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

Result<QSqlQuery> KeyStore::exec(const QString &sql, std::initializer_list<QVariant> binds) const {
    QSqlQuery q = m_db.query();
    if (!q.prepare(sql))
        return storageError(q.lastError().text());
    for (const QVariant &v : binds)
        q.addBindValue(v);
    if (auto s = m_db.exec(q); !s)
        return storageError(q.lastError().text());
    return q;
}

Status KeyStore::transaction(const std::function<Status()> &work) const {
    return m_db.transaction(work);
}

Result<QByteArray> KeyStore::ownValue(const QString &key) const {
    auto q = exec(QStringLiteral("SELECT v FROM e2e_own WHERE k = ?"), {key});
    if (!q)
        return q.error();
    if (!q->next())
        return QByteArray();
    return q->value(0).toByteArray();
}

Status KeyStore::setOwnValue(const QString &key, const QByteArray &value) const {
    auto q =
        exec(QStringLiteral("INSERT OR REPLACE INTO e2e_own (k, v) VALUES (?, ?)"), {key, value});
    if (!q)
        return q.error();
    return {};
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
        return storageError(QStringLiteral("seal failed"));
    return setOwnValue(key, sealed);
}

} // namespace tidings::client
