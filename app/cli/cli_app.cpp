#include "cli/cli_app.h"

#include "core/secrets/master_key.h"

#include <QDir>
#include <QFile>

namespace tidings::cli {

namespace {
int envInt(const char *name, int fallback) {
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok && v > 0 ? v : fallback;
}
} // namespace

client::Client::Options clientOptionsFromEnvironment() {
    client::Client::Options o;
    o.connection.backoffBaseMs = envInt("TIDINGS_BACKOFF_BASE_MS", o.connection.backoffBaseMs);
    o.connection.backoffCapMs = envInt("TIDINGS_BACKOFF_CAP_MS", o.connection.backoffCapMs);
    o.connection.requestTimeoutMs =
        envInt("TIDINGS_REQUEST_TIMEOUT_MS", o.connection.requestTimeoutMs);
    return o;
}

Result<std::unique_ptr<Profile>> Profile::open(const QString &dir) {
    if (dir.isEmpty())
        return Error{ErrorCode::Usage, QStringLiteral("--profile DIR is required")};
    QDir d(dir);
    if (!d.exists()) {
        if (!QDir().mkpath(dir))
            return Error{ErrorCode::Storage, QStringLiteral("cannot create %1").arg(dir)};
        // The profile holds the device token and the message cache: owner only.
        QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                       QFileDevice::ExeOwner);
    }
    std::unique_ptr<Profile> p(new Profile);
    // The master key sealing the cache and the end-to-end keys lives beside them in the 0600
    // secrets file: the CLI has no keychain; the profile directory is its trust boundary.
    p->m_secrets = std::make_unique<client::FileSecretStore>(d.filePath(QStringLiteral("secrets")));
    auto key = client::loadOrCreateMasterKey(*p->m_secrets);
    if (!key)
        return key.error();
    auto store = client::Storage::open(d.filePath(QStringLiteral("client.sqlite")), *key);
    if (!store)
        return store.error();
    p->m_store = std::move(*store);
    p->m_client = std::make_unique<client::Client>(p->m_store.get(), p->m_secrets.get(),
                                                   clientOptionsFromEnvironment());
    if (auto s = p->m_client->enableEncryption(); !s)
        return s.error();
    // Files move only when a command asks (send --file, download): nothing downloads by itself
    // behind `receive`, and a command never ends in the middle of a transfer it did not start.
    client::Media::AutoDownload manual;
    manual.imagesUpToBytes = 0;
    manual.audio = false;
    p->m_client->media().setAutoDownload(manual);
    return p;
}

Profile::~Profile() {
    // The client uses the store until it is gone.
    m_client.reset();
    m_store.reset();
}

} // namespace tidings::cli
