#pragma once
// The device token in the OS keychain (Secret Service, macOS Keychain, Windows Credential Store)
// through QtKeychain. Every call waits at most `timeoutMs`: on a headless machine the Secret
// Service call can block forever, so the jobs run on a worker thread that is abandoned when it
// does not answer, and the caller falls back to a passphrase-protected file.
#include "core/secrets/secret_store.h"

#include <QString>

class QThread;
class QObject;

namespace tidings::client {

class KeychainSecretStore : public SecretStore {
public:
    //! `account` separates profiles in the one "Tidings" keychain service.
    KeychainSecretStore(QString service, QString account, int timeoutMs = 3000);
    ~KeychainSecretStore() override;
    KeychainSecretStore(const KeychainSecretStore &) = delete;
    KeychainSecretStore &operator=(const KeychainSecretStore &) = delete;

    //! True when a keyring answered a read (an absent entry counts as an answer) in time.
    bool probe();
    bool isBroken() const { return m_broken; }

    Result<QByteArray> read(const QString &key) override;
    Status write(const QString &key, const QByteArray &value) override;
    Status remove(const QString &key) override;

private:
    enum class Op { Read, Write, Remove };
    Result<QByteArray> run(Op op, const QString &key, const QByteArray &value);

    QString m_service;
    QString m_account;
    int m_timeoutMs;
    bool m_broken = false;
    QThread *m_thread = nullptr;
    QObject *m_worker = nullptr;
};

} // namespace tidings::client
