#include "core/secrets/session_secrets.h"

#include "core/logging.h"
#include "core/secrets/master_key.h"

namespace tidings::client {

SessionSecrets::SessionSecrets(std::unique_ptr<AsyncSecretStore> backing, ProfileSecrets loaded)
    : m_backing(std::move(backing)) {
    if (!loaded.masterKey.isEmpty())
        m_values[kMasterKeyKey] = std::move(loaded.masterKey);
    if (!loaded.deviceToken.isEmpty())
        m_values[kDeviceTokenKey] = std::move(loaded.deviceToken);
}

SessionSecrets::~SessionSecrets() {
    // The backing store goes first: it answers nothing after its destruction, so no save
    // callback can reach this half-destroyed object.
    m_backing.reset();
}

Result<QByteArray> SessionSecrets::read(const QString &key) {
    const auto it = m_values.find(key);
    if (it == m_values.end())
        return QByteArray();
    return QByteArray(it->second.constChar(), qsizetype(it->second.size()));
}

Result<crypto::SecretBytes> SessionSecrets::readSecret(const QString &key) {
    const auto it = m_values.find(key);
    if (it == m_values.end())
        return crypto::SecretBytes();
    crypto::SecretBytes copy = it->second.clone();
    if (!copy.valid())
        return Error{ErrorCode::Internal, QStringLiteral("cannot allocate secure memory")};
    return copy;
}

Status SessionSecrets::write(const QString &key, const QByteArray &value) {
    crypto::SecretBytes secret =
        crypto::SecretBytes::fromRaw(value.constData(), size_t(value.size()));
    if (!secret.valid())
        return Error{ErrorCode::Internal, QStringLiteral("cannot allocate secure memory")};
    m_values[key] = std::move(secret);
    save(key, nullptr);
    return {};
}

Status SessionSecrets::remove(const QString &key) {
    m_values.erase(key);
    ++m_pendingSaves;
    m_backing->removeAsync(key, [this, key](Status removed) {
        --m_pendingSaves;
        if (!removed && m_saveFailed)
            m_saveFailed(key, removed.error());
    });
    return {};
}

void SessionSecrets::save(const QString &key, AsyncSecretStore::StatusHandler done) {
    const auto it = m_values.find(key);
    if (it == m_values.end()) {
        if (done)
            done({});
        return;
    }
    ++m_pendingSaves;
    m_backing->writeAsync(key, it->second, [this, key, done](Status written) {
        --m_pendingSaves;
        if (!written) {
            qCWarning(lcStore) << "cannot save" << key
                               << "in the secret store:" << written.error().toString();
            if (m_saveFailed)
                m_saveFailed(key, written.error());
        }
        if (done)
            done(written);
    });
}

void SessionSecrets::saveAll(AsyncSecretStore::StatusHandler done) {
    struct Progress {
        int left = 0;
        Status first;
        AsyncSecretStore::StatusHandler done;
    };
    auto progress = std::make_shared<Progress>();
    progress->left = int(m_values.size()) + 1; // +1: done cannot run before every save started
    progress->done = std::move(done);
    auto step = [progress](Status s) {
        if (!s && progress->first.ok())
            progress->first = s;
        if (--progress->left == 0 && progress->done)
            progress->done(progress->first);
    };
    QStringList keys;
    for (const auto &entry : m_values)
        keys.append(entry.first);
    for (const QString &key : keys)
        save(key, step);
    step({});
}

void SessionSecrets::replaceBacking(std::unique_ptr<AsyncSecretStore> backing) {
    // Answers of the old store's pending saves are dropped with it (and their counts).
    m_backing = std::move(backing);
    m_pendingSaves = 0;
}

} // namespace tidings::client
