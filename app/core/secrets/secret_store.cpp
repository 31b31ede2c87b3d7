#include "core/secrets/secret_store.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <sodium.h>

#include <filesystem>
#include <system_error>

namespace tidings::client {

namespace {
Error storageError(const QString &detail) {
    return Error{ErrorCode::Storage, detail};
}
} // namespace

Result<crypto::SecretBytes> SecretStore::readSecret(const QString &key) {
    auto value = read(key);
    if (!value)
        return value.error();
    crypto::SecretBytes secret =
        crypto::SecretBytes::fromRaw(value->constData(), size_t(value->size()));
    if (!value->isEmpty())
        sodium_memzero(value->data(), size_t(value->size()));
    if (!secret.valid())
        return Error{ErrorCode::Internal, QStringLiteral("cannot allocate secure memory")};
    return secret;
}

void SecretStore::readAsync(const QString &key, ReadHandler done) {
    done(readSecret(key));
}

void SecretStore::writeAsync(const QString &key, const crypto::SecretBytes &value,
                             StatusHandler done) {
    // The sync interface takes a QByteArray: a short-lived copy, wiped right after.
    QByteArray copy(value.constChar(), qsizetype(value.size()));
    Status written = write(key, copy);
    if (!copy.isEmpty())
        sodium_memzero(copy.data(), size_t(copy.size()));
    done(std::move(written));
}

void SecretStore::removeAsync(const QString &key, StatusHandler done) {
    done(remove(key));
}

FileSecretStore::FileSecretStore(QString path)
    : m_path(std::move(path)) {}

Result<QHash<QString, QByteArray>> FileSecretStore::load() const {
    QHash<QString, QByteArray> values;
    QFile f(m_path);
    if (!f.exists())
        return values;
    if (!f.open(QIODevice::ReadOnly))
        return storageError(QStringLiteral("cannot read %1: %2").arg(m_path, f.errorString()));
    QJsonParseError err;
    const auto doc = QJsonDocument::fromJson(f.readAll(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return storageError(QStringLiteral("%1 is corrupt").arg(m_path));
    const QJsonObject obj = doc.object();
    for (auto it = obj.begin(); it != obj.end(); ++it)
        values.insert(it.key(), QByteArray::fromBase64(it.value().toString().toLatin1()));
    return values;
}

Status FileSecretStore::save(const QHash<QString, QByteArray> &values) const {
    QJsonObject obj;
    for (auto it = values.begin(); it != values.end(); ++it)
        obj.insert(it.key(), QString::fromLatin1(it.value().toBase64()));
    const QByteArray bytes = QJsonDocument(obj).toJson(QJsonDocument::Compact);

    // The temp file is created 0600 (never readable by others, not even briefly), written,
    // flushed, then renamed over the old file.
    const QString tmp = m_path + QStringLiteral(".tmp");
    QFile::remove(tmp);
    QFile f(tmp);
    if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return storageError(QStringLiteral("cannot create %1: %2").arg(tmp, f.errorString()));
    if (f.write(bytes) != bytes.size() || !f.flush()) {
        f.close();
        QFile::remove(tmp);
        return storageError(QStringLiteral("cannot write %1").arg(tmp));
    }
    f.close();
    std::error_code ec;
    std::filesystem::rename(std::filesystem::path(tmp.toStdString()),
                            std::filesystem::path(m_path.toStdString()), ec);
    if (ec) {
        QFile::remove(tmp);
        return storageError(QStringLiteral("cannot replace %1: %2")
                                .arg(m_path, QString::fromStdString(ec.message())));
    }
    return {};
}

Result<QByteArray> FileSecretStore::read(const QString &key) {
    auto values = load();
    if (!values)
        return values.error();
    return values->value(key);
}

Status FileSecretStore::write(const QString &key, const QByteArray &value) {
    auto values = load();
    if (!values)
        return values.error();
    values->insert(key, value);
    return save(*values);
}

Status FileSecretStore::remove(const QString &key) {
    auto values = load();
    if (!values)
        return values.error();
    if (values->remove(key) == 0)
        return {};
    return save(*values);
}

} // namespace tidings::client
