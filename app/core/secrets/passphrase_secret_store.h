#pragma once
// Secrets in a file sealed with a key derived from a passphrase (Argon2id, libsodium
// crypto_pwhash; XSalsa20-Poly1305 secretbox), for machines where no keyring answers.
// The derived key stays in locked memory while the store lives; the passphrase is not kept.
#include "core/secrets/secret_store.h"
#include "crypto/secret_bytes.h"

#include <QString>

#include <map>
#include <memory>

namespace tidings::client {

class PassphraseSecretStore : public SecretStore {
public:
    ~PassphraseSecretStore() override;
    PassphraseSecretStore(const PassphraseSecretStore &) = delete;
    PassphraseSecretStore &operator=(const PassphraseSecretStore &) = delete;

    //! The file's place in a profile directory.
    static QString pathIn(const QString &profileDir) {
        return profileDir + QStringLiteral("/secrets.sealed");
    }

    //! The Argon2id cost of a new file. The file can be copied and attacked offline, so it is
    //! libsodium's "sensitive" cost (1 GiB, several seconds; the UI derives it off the event
    //! loop). Interactive (64 MiB, a tenth of a second) only where many files are made: tests.
    enum class Cost { Interactive, Sensitive };
    //! Sensitive, unless TIDINGS_PASSPHRASE_KDF=interactive (set by the test suite only).
    static Cost defaultCost();

    //! Starts a new, empty file at `path` (replacing any old one).
    static Result<std::unique_ptr<PassphraseSecretStore>>
    create(const QString &path, const QString &passphrase, Cost cost = defaultCost());
    //! Opens an existing file; a wrong passphrase is BadCredentials.
    static Result<std::unique_ptr<PassphraseSecretStore>> unlock(const QString &path,
                                                                 const QString &passphrase);

    Result<QByteArray> read(const QString &key) override;
    Result<crypto::SecretBytes> readSecret(const QString &key) override;
    Status write(const QString &key, const QByteArray &value) override;
    Status remove(const QString &key) override;

private:
    PassphraseSecretStore(QString path, QByteArray salt, unsigned char *key);
    Status save() const;

    QString m_path;
    QByteArray m_salt;
    //! The cost the key was derived with (the file's, which save() must write back unchanged).
    unsigned long long m_ops = 0;
    size_t m_mem = 0;
    unsigned char *m_key; //!< sodium_malloc'd, crypto_secretbox_KEYBYTES
    //! Guarded memory: the values (device token, local master key) live as long as the app.
    std::map<QString, crypto::SecretBytes> m_values;
};

} // namespace tidings::client
