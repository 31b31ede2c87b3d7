#include "core/secrets/secret_store.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <filesystem>
#include <system_error>

namespace tidings::client {

namespace {
Error storageError(const QString &detail) {
    return Error{ErrorCode::Storage, detail};
}
} // namespace

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
