#pragma once
// Storage for the E2E engine: the e2e_* tables on the LocalStore's connection, with every secret
// column sealed (XChaCha20-Poly1305) under a subkey of the local master key. The AD names the
// table and the row, so a sealed blob moved to another row or table does not open.
#include "crypto/primitives.h"
#include "protocol/result.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <functional>
#include <initializer_list>

namespace tidings::client::e2e {

class E2eStore {
public:
    E2eStore(QString connectionName, crypto::SecretBytes masterKey);

    QSqlDatabase db() const { return QSqlDatabase::database(m_connection, false); }
    Status createTables();

    //! nonce ‖ ciphertext ‖ tag; empty on failure.
    QByteArray seal(const char *table, const QByteArray &rowKey,
                    const crypto::SecretBytes &plaintext) const;
    Result<crypto::SecretBytes> unseal(const char *table, const QByteArray &rowKey,
                                       const QByteArray &sealed) const;

    //! Prepares, binds in order and executes; Storage error with the driver's text on failure.
    Result<QSqlQuery> exec(const QString &sql, std::initializer_list<QVariant> binds = {}) const;
    //! Runs `work` inside SAVEPOINT e2e: its own transaction when none is open on the
    //! connection, nested in the caller's otherwise; released on success, rolled back on failure.
    Status transaction(const std::function<Status()> &work) const;

    // e2e_own: small key/value rows (ids, public keys, sealed secrets).
    Result<QByteArray> ownValue(const QString &key) const; //!< empty when missing
    Status setOwnValue(const QString &key, const QByteArray &value) const;
    Result<crypto::SecretBytes> ownSecret(const QString &key) const; //!< empty when missing
    Status setOwnSecret(const QString &key, const crypto::SecretBytes &value) const;

    bool valid() const { return !m_key.isEmpty(); }

private:
    QString m_connection;
    crypto::SecretBytes m_key;
};

Error storageError(const QString &what);
QByteArray u64Key(quint64 a);
QByteArray u64Key(quint64 a, quint64 b);

} // namespace tidings::client::e2e
