#pragma once
// The device token and master key in the OS keychain (Secret Service, macOS Keychain, Windows
// Credential Store) through QtKeychain, asynchronously: there is no timeout, because a keyring
// may be asking the user for a password (a new keyring's "choose a password", a locked one's
// "unlock") and a person takes as long as they take. The jobs run on a worker thread, so even a
// backend that blocks (a hung session bus, KWallet's detection calls) never stalls the caller;
// answers come back as queued calls on the thread that owns the store.
#include "core/secrets/secret_store.h"

#include <QObject>
#include <QString>

#include <unordered_map>

class QThread;

namespace tidings::client {

class KeychainWorker;

class KeychainSecretStore : public QObject, public AsyncSecretStore {
    Q_OBJECT
public:
    //! `account` separates profiles in the one "Tidings" keychain service.
    KeychainSecretStore(QString service, QString account, QObject *parent = nullptr);
    //! Never waits: a worker stuck inside the keychain is left to finish (or to the process
    //! exit), and its answers are dropped.
    ~KeychainSecretStore() override;
    KeychainSecretStore(const KeychainSecretStore &) = delete;
    KeychainSecretStore &operator=(const KeychainSecretStore &) = delete;

    //! False when no keyring can possibly answer (on Linux: no session bus). Every call then
    //! fails with ErrorCode::Network at once, instead of blocking in D-Bus autolaunch.
    bool reachable() const { return m_thread != nullptr; }

    void readAsync(const QString &key, ReadHandler done) override;
    void writeAsync(const QString &key, const crypto::SecretBytes &value,
                    StatusHandler done) override;
    void removeAsync(const QString &key, StatusHandler done) override;

    //! Maps a QtKeychain error (QKeychain::Error and its text) onto the AsyncSecretStore codes.
    static Error toError(int keychainError, const QString &text);

private:
    enum class Op { Read, Write, Remove };
    struct Pending {
        Op op;
        ReadHandler read;
        StatusHandler status;
    };
    void run(Op op, const QString &key, QByteArray value, Pending pending);
    void onFinished(quint64 id, int error, const QString &errorString, QByteArray data);

    QString m_service;
    QString m_account;
    QThread *m_thread = nullptr;
    KeychainWorker *m_worker = nullptr;
    quint64 m_nextId = 1;
    std::unordered_map<quint64, Pending> m_pending;
};

} // namespace tidings::client
