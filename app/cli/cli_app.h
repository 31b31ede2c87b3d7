#pragma once
// One device profile of the CLI: DIR/client.sqlite, DIR/secrets (0600) and the Client over them.
#include "core/client.h"
#include "core/secrets/secret_store.h"
#include "core/store/storage.h"

#include <QUrl>

#include <memory>

namespace tidings::cli {

struct GlobalOptions {
    QString profileDir;
    QUrl server; //!< empty: the address saved at register/login
    bool verbose = false;
    //! --allow-insecure: ws:// to another machine (saved with the account at register/login).
    bool allowInsecure = false;
    //! --trust-certificate SHA256: the server's self-signed certificate, as its admin gave it.
    QString trustCertificate;
};

class Profile {
public:
    //! Creates DIR (0700) if needed and opens its database.
    static Result<std::unique_ptr<Profile>> open(const QString &dir);
    ~Profile();

    client::Storage *store() const { return m_store.get(); }
    client::SecretStore *secrets() const { return m_secrets.get(); }
    client::Client *client() const { return m_client.get(); }

private:
    Profile() = default;
    std::unique_ptr<client::Storage> m_store;
    std::unique_ptr<client::SecretStore> m_secrets;
    std::unique_ptr<client::Client> m_client;
};

//! Client options, with overrides from the environment for tests:
//! TIDINGS_BACKOFF_BASE_MS, TIDINGS_BACKOFF_CAP_MS, TIDINGS_REQUEST_TIMEOUT_MS.
client::Client::Options clientOptionsFromEnvironment();

} // namespace tidings::cli
