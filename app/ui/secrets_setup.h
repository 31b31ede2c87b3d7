#pragma once
// Opens the store of this profile's secrets and reads them once (SessionSecrets), without ever
// blocking the event loop, in this order:
//  1. a plain `secrets` file made by tidings-cli in the profile (the user chose that),
//  2. an existing `secrets.sealed` passphrase file (unlock it),
//  3. the OS keychain, asynchronously and without a timeout: when it takes longer than a moment
//     (it is asking the user for a password in its own window) the KeyringWindow says so and
//     offers a passphrase file instead; an error or a closed keyring prompt offers to retry,
//  4. a new passphrase file, when no keyring can be reached at all.
#include "core/secrets/profile_secrets.h"
#include "core/secrets/session_secrets.h"
#include "dialogs/passphrase_dialog.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace tidings::ui {

class KeyringWindow;

struct SecretsChoice {
    //! Null when the user quit instead.
    std::unique_ptr<client::SessionSecrets> store;
    QString description; //!< for the log: "keychain", "passphrase file", ...
};

class SecretsSetup : public QObject {
    Q_OBJECT
public:
    using KeyringFactory = std::function<std::unique_ptr<client::AsyncSecretStore>()>;
    struct Options {
        //! Makes the keyring store; empty: the OS keychain (systemKeyring). Tests pass a double.
        KeyringFactory keyring;
        //! How long the keyring may take before the KeyringWindow shows.
        int waitingDelayMs = 500;
    };
    enum class State {
        Idle,
        Reading,       //!< asked the keyring, no window yet
        Waiting,       //!< the KeyringWindow says "waiting for your keyring"
        KeyringFailed, //!< the KeyringWindow offers retry (and a passphrase)
        Passphrase,    //!< a passphrase dialog is open
        Done,
    };
    //! An error when the secrets cannot be read (a damaged file, a damaged stored key).
    using Handler = std::function<void(Result<SecretsChoice>)>;

    explicit SecretsSetup(QString profileDir, QObject *parent = nullptr);
    SecretsSetup(QString profileDir, Options options, QObject *parent = nullptr);
    ~SecretsSetup() override;

    //! `done` runs once, possibly before start() returns (a plain secrets file). Keep this object
    //! until the app ends: a keyring the user turned away from may still answer, and a master
    //! key it stored meanwhile is then removed again.
    void start(Handler done);
    State state() const { return m_state; }
    //! Null until the keyring has taken longer than waitingDelayMs.
    KeyringWindow *keyringWindow() const { return m_window.get(); }
    //! The open passphrase dialog, or null.
    PassphraseDialog *passphraseDialog() const;

    //! The OS keychain, one entry per profile directory.
    static std::unique_ptr<client::AsyncSecretStore> systemKeyring(const QString &profileDir);

signals:
    void stateChanged();

private:
    void setState(State state);
    void useKeyring();
    void onKeyringAnswer(Result<client::ProfileSecrets> answer);
    void showWaiting();
    void showFailed(const Error &error);
    void askPassphrase(PassphraseDialog::Mode mode);
    void onPassphraseAccepted();
    void onPassphraseRejected();
    //! Forgets a keyring answer the user no longer wants (a new master key in it is removed).
    void dropKeyringAnswer();
    void openWith(std::unique_ptr<client::SecretStore> store, const QString &description);
    void finish(Result<SecretsChoice> result);

    QString m_dir;
    Options m_options;
    bool m_fresh = false; //!< no local cache yet: a passphrase may replace the keyring
    Handler m_done;
    State m_state = State::Idle;
    std::unique_ptr<client::AsyncSecretStore> m_keyring;
    std::unique_ptr<client::ProfileSecretsLoader> m_loader;
    //! The keyring's answer that arrived while the user was choosing a passphrase.
    std::optional<Result<client::ProfileSecrets>> m_heldAnswer;
    Error m_lastError;
    QTimer m_waitTimer;
    std::unique_ptr<KeyringWindow> m_window;
    std::unique_ptr<PassphraseDialog> m_dialog;
    PassphraseDialog::Mode m_dialogMode = PassphraseDialog::Mode::Unlock;
};

} // namespace tidings::ui
