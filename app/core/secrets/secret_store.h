#pragma once
// Where the device token lives. The desktop app will back this with the OS keychain; the CLI and
// tests use FileSecretStore (a 0600 file in the profile directory) or an in-memory fake.
#include "protocol/result.h"

#include <QByteArray>
#include <QHash>
#include <QString>

namespace tidings::client {

class SecretStore {
public:
    virtual ~SecretStore() = default;
    //! An empty array when the key is absent.
    virtual Result<QByteArray> read(const QString &key) = 0;
    virtual Status write(const QString &key, const QByteArray &value) = 0;
    virtual Status remove(const QString &key) = 0;
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
