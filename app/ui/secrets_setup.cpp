#include "secrets_setup.h"

#include "ui_logging.h"
#include "views/keyring_window.h"

#include "core/secrets/keychain_secret_store.h"
#include "core/secrets/master_key.h"
#include "core/secrets/passphrase_secret_store.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>

namespace tidings::ui {

namespace {
QString plainPath(const QString &dir) {
    return QDir(dir).filePath(QStringLiteral("secrets"));
}
} // namespace

SecretsSetup::SecretsSetup(QString profileDir, QObject *parent)
    : SecretsSetup(std::move(profileDir), Options{}, parent) {}

SecretsSetup::SecretsSetup(QString profileDir, Options options, QObject *parent)
    : QObject(parent)
    , m_dir(std::move(profileDir))
    , m_options(std::move(options)) {
    if (!m_options.keyring)
        m_options.keyring = [dir = m_dir] { return systemKeyring(dir); };
    m_waitTimer.setSingleShot(true);
    connect(&m_waitTimer, &QTimer::timeout, this, &SecretsSetup::showWaiting);
}

SecretsSetup::~SecretsSetup() {
    // The loader's answers must not reach a half-destroyed object.
    m_loader.reset();
}

std::unique_ptr<client::AsyncSecretStore> SecretsSetup::systemKeyring(const QString &profileDir) {
    const QByteArray id = QCryptographicHash::hash(QDir(profileDir).absolutePath().toUtf8(),
                                                   QCryptographicHash::Sha256)
                              .toHex()
                              .left(16);
    return std::make_unique<client::KeychainSecretStore>(QStringLiteral("Tidings"),
                                                         QString::fromLatin1(id));
}

PassphraseDialog *SecretsSetup::passphraseDialog() const {
    return m_state == State::Passphrase ? m_dialog.get() : nullptr;
}

void SecretsSetup::setState(State state) {
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged();
}

void SecretsSetup::start(Handler done) {
    m_done = std::move(done);
    // The local cache is sealed with the master key of the store that made it: only a profile
    // without one may choose a passphrase file over the keyring.
    m_fresh = !QFileInfo::exists(QDir(m_dir).filePath(QStringLiteral("client.sqlite")));
    if (QFileInfo::exists(plainPath(m_dir))) {
        openWith(std::make_unique<client::FileSecretStore>(plainPath(m_dir)),
                 QStringLiteral("profile file (tidings-cli)"));
        return;
    }
    if (QFileInfo::exists(client::PassphraseSecretStore::pathIn(m_dir))) {
        askPassphrase(PassphraseDialog::Mode::Unlock);
        return;
    }
    useKeyring();
}

void SecretsSetup::useKeyring() {
    if (!m_keyring)
        m_keyring = m_options.keyring();
    m_heldAnswer.reset();
    m_loader = std::make_unique<client::ProfileSecretsLoader>(*m_keyring);
    if (m_window && m_window->isVisible()) {
        // Trying again: the user is looking at the window, say at once what happens.
        showWaiting();
    } else {
        setState(State::Reading);
        m_waitTimer.start(m_options.waitingDelayMs);
    }
    m_loader->start(
        [this](Result<client::ProfileSecrets> answer) { onKeyringAnswer(std::move(answer)); });
}

void SecretsSetup::showWaiting() {
    if (!m_window) {
        m_window = std::make_unique<KeyringWindow>();
        connect(m_window.get(), &KeyringWindow::passphraseRequested, this,
                [this] { askPassphrase(PassphraseDialog::Mode::CreateInstead); });
        connect(m_window.get(), &KeyringWindow::retryRequested, this, &SecretsSetup::useKeyring);
        connect(m_window.get(), &KeyringWindow::quitRequested, this, [this] {
            m_loader.reset();
            dropKeyringAnswer();
            finish(SecretsChoice{});
        });
    }
    qCInfo(lcUi) << "waiting for the keyring to answer";
    m_window->showWaiting(m_fresh);
    setState(State::Waiting);
    m_window->show();
    m_window->raise();
    m_window->activateWindow();
}

void SecretsSetup::showFailed(const Error &error) {
    m_lastError = error;
    if (!m_window)
        showWaiting(); // creates it
    m_window->showFailed(error, m_fresh);
    setState(State::KeyringFailed);
}

void SecretsSetup::onKeyringAnswer(Result<client::ProfileSecrets> answer) {
    m_waitTimer.stop();
    if (m_state == State::Passphrase) {
        // The user is choosing a passphrase: decide when the dialog closes.
        m_heldAnswer = std::move(answer);
        return;
    }
    m_loader.reset();
    if (answer) {
        if (m_window)
            m_window->hide();
        auto store =
            std::make_unique<client::SessionSecrets>(std::move(m_keyring), std::move(*answer));
        finish(SecretsChoice{std::move(store), QStringLiteral("keychain")});
        return;
    }
    qCInfo(lcUi) << "the keyring answered:" << answer.error().toString();
    if (answer.error().code == ErrorCode::Network && m_fresh) {
        // No keyring at all (no session bus, no Secret Service): as before, a passphrase file.
        if (m_window)
            m_window->hide();
        askPassphrase(PassphraseDialog::Mode::Create);
        return;
    }
    showFailed(answer.error());
}

void SecretsSetup::askPassphrase(PassphraseDialog::Mode mode) {
    m_dialogMode = mode;
    QWidget *parent = m_window && m_window->isVisible() ? m_window.get() : nullptr;
    m_dialog = std::make_unique<PassphraseDialog>(mode, parent);
    const QString path = client::PassphraseSecretStore::pathIn(m_dir);
    m_dialog->setWork([path, mode](const QString &passphrase) {
        return mode == PassphraseDialog::Mode::Unlock
                   ? client::PassphraseSecretStore::unlock(path, passphrase)
                   : client::PassphraseSecretStore::create(path, passphrase);
    });
    connect(m_dialog.get(), &QDialog::accepted, this, &SecretsSetup::onPassphraseAccepted);
    connect(m_dialog.get(), &QDialog::rejected, this, &SecretsSetup::onPassphraseRejected);
    setState(State::Passphrase);
    m_dialog->open();
}

void SecretsSetup::onPassphraseAccepted() {
    // The dialog derived the key off the event loop and said so; a wrong passphrase never
    // gets here (it is asked again in the dialog).
    auto store = m_dialog->takeStore();
    if (!store)
        return;
    // From here on the keyring is not wanted: its answers are dropped, a key it stored removed.
    m_loader.reset();
    dropKeyringAnswer();
    m_dialog.release()->deleteLater();
    if (m_window)
        m_window->hide();
    openWith(std::move(store), QStringLiteral("passphrase file"));
}

void SecretsSetup::onPassphraseRejected() {
    m_dialog.release()->deleteLater();
    if (m_dialogMode != PassphraseDialog::Mode::CreateInstead) {
        // No keyring to go back to: the profile cannot open without its keys.
        finish(SecretsChoice{});
        return;
    }
    // Back to the keyring: whatever it answered meanwhile counts now.
    if (m_heldAnswer) {
        auto answer = std::move(*m_heldAnswer);
        m_heldAnswer.reset();
        setState(State::Reading);
        onKeyringAnswer(std::move(answer));
    } else if (m_loader && m_loader->isRunning()) {
        showWaiting();
    } else {
        showFailed(m_lastError);
    }
}

void SecretsSetup::dropKeyringAnswer() {
    if (m_heldAnswer && m_heldAnswer->ok() && (*m_heldAnswer)->masterKeyCreated && m_keyring)
        m_keyring->removeAsync(client::kMasterKeyKey, [](Status removed) {
            if (!removed)
                qCWarning(lcUi) << "cannot remove an unused master key from the keyring:"
                                << removed.error().toString();
        });
    m_heldAnswer.reset();
}

void SecretsSetup::openWith(std::unique_ptr<client::SecretStore> store,
                            const QString &description) {
    // A store that answers at once: the loader is done when start() returns.
    std::optional<Result<client::ProfileSecrets>> loaded;
    client::ProfileSecretsLoader loader(*store);
    loader.start([&loaded](Result<client::ProfileSecrets> r) { loaded = std::move(r); });
    if (!loaded) {
        finish(
            Error{ErrorCode::Internal, QStringLiteral("the %1 did not answer").arg(description)});
        return;
    }
    if (!*loaded) {
        finish(loaded->error());
        return;
    }
    auto secrets = std::make_unique<client::SessionSecrets>(std::move(store), std::move(**loaded));
    finish(SecretsChoice{std::move(secrets), description});
}

void SecretsSetup::finish(Result<SecretsChoice> result) {
    m_waitTimer.stop();
    if (m_dialog) {
        // Quit while a passphrase dialog was open over the window.
        disconnect(m_dialog.get(), nullptr, this, nullptr);
        m_dialog->hide();
        m_dialog.release()->deleteLater();
    }
    if (m_window)
        m_window->hide();
    setState(State::Done);
    Handler done = std::move(m_done);
    m_done = nullptr;
    if (done)
        done(std::move(result));
}

} // namespace tidings::ui
