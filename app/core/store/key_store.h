#pragma once
// Keys and sessions of the end-to-end engine: the e2e_* tables, with every secret column sealed
// (XChaCha20-Poly1305) under HKDF(masterKey, "TidingsLocalE2ev1"). The AD names the table and the
// row, so a sealed blob moved to another row or table does not open. Writes join the Database's
// transactions, so the engine's state commits together with the messages it decrypted.
#include "crypto/primitives.h"
#include "protocol/result.h"

#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <functional>
#include <initializer_list>

namespace tidings::client {

class Database;

class KeyStore {
public:
    KeyStore(Database &db, const crypto::SecretBytes &masterKey);

    //! False when the master key was too short to derive the sealing key.
    bool valid() const { return !m_key.isEmpty(); }

    //! nonce ‖ ciphertext ‖ tag; empty on failure.
    QByteArray seal(const char *table, const QByteArray &rowKey,
                    const crypto::SecretBytes &plaintext) const;
    Result<crypto::SecretBytes> unseal(const char *table, const QByteArray &rowKey,
                                       const QByteArray &sealed) const;

    //! Prepares, binds in order and executes; Storage error with the driver's text on failure.
    Result<QSqlQuery> exec(const QString &sql, std::initializer_list<QVariant> binds = {}) const;
    //! Runs `work` in one transaction level of the Database (nested in the caller's, if open).
    Status transaction(const std::function<Status()> &work) const;

    // e2e_own: small key/value rows (ids, public keys, sealed secrets).
    Result<QByteArray> ownValue(const QString &key) const; //!< empty when missing
    Status setOwnValue(const QString &key, const QByteArray &value) const;
    Result<crypto::SecretBytes> ownSecret(const QString &key) const; //!< empty when missing
    Status setOwnSecret(const QString &key, const crypto::SecretBytes &value) const;

private:
    Database &m_db;
    crypto::SecretBytes m_key;
};

} // namespace tidings::client
