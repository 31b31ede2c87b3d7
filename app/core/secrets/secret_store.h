#pragma once
// Where the device token and the local master key live.
//
// Two interfaces, because one kind of store must never be waited for:
//  - AsyncSecretStore: completes through a callback. The OS keychain (KeychainSecretStore) is
//    only this: it can take any time to answer (the keyring may be asking the user for a
//    password), so nobody may block on it.
//  - SecretStore: also answers at once (file, memory, passphrase file, and SessionSecrets, the
//    in-memory copy an open profile reads from). The Client and the CLI use this one.
// Every SecretStore is an AsyncSecretStore that completes before returning.
#include "crypto/secret_bytes.h"
#include "protocol/result.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <functional>

namespace tidings::client {

class AsyncSecretStore {
public:
    //! An empty SecretBytes when the key is absent.
    using ReadHandler = std::function<void(Result<crypto::SecretBytes>)>;
    using StatusHandler = std::function<void(Status)>;

    virtual ~AsyncSecretStore() = default;
    //! `done` runs exactly once on the caller's thread (possibly before the call returns), and
    //! never after the store is destroyed. Errors: ErrorCode::Network when no keyring can be
    //! reached at all (no session bus, no Secret Service), ErrorCode::Forbidden when the user
    //! refused access, ErrorCode::Storage for any other failure (with the store's own words).
    virtual void readAsync(const QString &key, ReadHandler done) = 0;
    virtual void writeAsync(const QString &key, const crypto::SecretBytes &value,
                            StatusHandler done) = 0;
    virtual void removeAsync(const QString &key, StatusHandler done) = 0;
};

class SecretStore : public AsyncSecretStore {
public:
    //! An empty array when the key is absent.
    virtual Result<QByteArray> read(const QString &key) = 0;
    virtual Status write(const QString &key, const QByteArray &value) = 0;
    virtual Status remove(const QString &key) = 0;
    //! read() into guarded memory, the intermediate copy wiped. Stores that keep their values in
    //! SecretBytes override it and never make a QByteArray copy.
    virtual Result<crypto::SecretBytes> readSecret(const QString &key);

    // The asynchronous interface, answered at once.
    void readAsync(const QString &key, ReadHandler done) final;
    void writeAsync(const QString &key, const crypto::SecretBytes &value, StatusHandler done) final;
    void removeAsync(const QString &key, StatusHandler done) final;
};

//! A JSON object {key: base64} in one file, created with mode 0600 and replaced atomically.
class FileSecretStore : public SecretStore {
public:
    explicit FileSecretStore(QString path);
    Result<QByteArray> read(const QString &key) override;
    Status write(const QString &key, const QByteArray &value) override;
    Status remove(const QString &key) override;
    QString path() const { return m_path; }

private:
    Result<QHash<QString, QByteArray>> load() const;
    Status save(const QHash<QString, QByteArray> &values) const;
    QString m_path;
};

class MemorySecretStore : public SecretStore {
public:
    Result<QByteArray> read(const QString &key) override { return m_values.value(key); }
    Status write(const QString &key, const QByteArray &value) override {
        m_values.insert(key, value);
        return {};
    }
    Status remove(const QString &key) override {
        m_values.remove(key);
        return {};
    }

private:
    QHash<QString, QByteArray> m_values;
};

inline const QString kDeviceTokenKey = QStringLiteral("device_token");

} // namespace tidings::client
