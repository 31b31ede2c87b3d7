#pragma once
// The secrets of an open profile, kept in guarded memory (SecretBytes) for the whole session: the
// Client's reconnects read the device token here and never wait for a keyring. Writes (a new
// device token after logging in) change the memory at once and are saved to the backing store
// in the background; a save that fails is reported, and the value stays usable until the app
// quits.
#include "core/secrets/profile_secrets.h"
#include "core/secrets/secret_store.h"

#include <functional>
#include <map>
#include <memory>

namespace tidings::client {

class SessionSecrets : public SecretStore {
public:
    using SaveFailedHandler = std::function<void(const QString &key, const Error &error)>;

    //! `backing` is where `loaded` came from and where writes go.
    SessionSecrets(std::unique_ptr<AsyncSecretStore> backing, ProfileSecrets loaded);
    ~SessionSecrets() override;

    Result<QByteArray> read(const QString &key) override;
    Result<crypto::SecretBytes> readSecret(const QString &key) override;
    Status write(const QString &key, const QByteArray &value) override;
    Status remove(const QString &key) override;

    //! Called on the GUI thread when a background save fails (the user should hear of it: the
    //! value is lost when the app quits).
    void setSaveFailedHandler(SaveFailedHandler handler) { m_saveFailed = std::move(handler); }
    //! Saves every value again, e.g. after a failed save, or into a new backing store (the user
    //! chose a passphrase file instead of the keyring). `done` gets the first failure.
    void saveAll(AsyncSecretStore::StatusHandler done);
    void replaceBacking(std::unique_ptr<AsyncSecretStore> backing);
    AsyncSecretStore *backing() const { return m_backing.get(); }
    //! Background saves not answered yet.
    int pendingSaves() const { return m_pendingSaves; }

private:
    void save(const QString &key, AsyncSecretStore::StatusHandler done);

    std::unique_ptr<AsyncSecretStore> m_backing;
    std::map<QString, crypto::SecretBytes> m_values;
    SaveFailedHandler m_saveFailed;
    int m_pendingSaves = 0;
};

} // namespace tidings::client
