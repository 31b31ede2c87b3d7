#include "secret_save_prompt.h"

#include "dialogs/passphrase_dialog.h"
#include "ui_logging.h"

#include "core/secrets/passphrase_secret_store.h"
#include "core/secrets/session_secrets.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QPushButton>

namespace tidings::ui {

SecretSavePrompt::SecretSavePrompt(client::SessionSecrets *secrets, QString profileDir,
                                   QWidget *window)
    : QObject(window)
    , m_secrets(secrets)
    , m_dir(std::move(profileDir))
    , m_window(window) {
    m_secrets->setSaveFailedHandler(
        [this](const QString &, const Error &error) { onSaveFailed(error.detail); });
}

SecretSavePrompt::~SecretSavePrompt() {
    m_secrets->setSaveFailedHandler(nullptr);
}

void SecretSavePrompt::onSaveFailed(const QString &detail) {
    if (m_box || m_dialog)
        return; // one question at a time; "Try again" covers every value
    // The keys are in the keyring unless a file holds them: only then can a file take over.
    const bool inKeyring = !QFileInfo::exists(client::PassphraseSecretStore::pathIn(m_dir)) &&
                           !QFileInfo::exists(QDir(m_dir).filePath(QStringLiteral("secrets")));
    m_box = new QMessageBox(QMessageBox::Warning, tr("Tidings"),
                            tr("Tidings could not save this device's key."), QMessageBox::NoButton,
                            m_window);
    m_box->setAttribute(Qt::WA_DeleteOnClose);
    const QString cause = inKeyring ? tr("The keyring said: %1").arg(detail) : detail;
    m_box->setInformativeText(cause + QStringLiteral("\n\n") +
                              tr("The key works until Tidings quits. If it is not saved by then, "
                                 "you have to log in again next time."));
    m_retry = m_box->addButton(tr("Try again"), QMessageBox::AcceptRole);
    if (inKeyring)
        m_passphrase = m_box->addButton(tr("Use a passphrase instead"), QMessageBox::ActionRole);
    m_box->addButton(tr("Not now"), QMessageBox::RejectRole);
    m_box->setDefaultButton(m_retry);
    connect(m_box, &QMessageBox::buttonClicked, this, [this](QAbstractButton *button) {
        if (button == m_retry)
            retry();
        else if (m_passphrase && button == m_passphrase)
            usePassphrase();
    });
    m_box->open();
}

void SecretSavePrompt::retry() {
    saveAllAgain();
}

void SecretSavePrompt::saveAllAgain() {
    QPointer<SecretSavePrompt> self(this);
    m_secrets->saveAll([self](Status saved) {
        // A failure comes back through the save-failed handler (a new prompt).
        if (self && saved)
            emit self->saved();
    });
}

void SecretSavePrompt::usePassphrase() {
    m_dialog = new PassphraseDialog(PassphraseDialog::Mode::CreateInstead, m_window);
    m_dialog->setAttribute(Qt::WA_DeleteOnClose);
    const QString path = client::PassphraseSecretStore::pathIn(m_dir);
    // The dialog derives the key off the event loop and shows a failure itself.
    m_dialog->setWork([path](const QString &passphrase) {
        return client::PassphraseSecretStore::create(path, passphrase);
    });
    connect(m_dialog, &QDialog::accepted, this, [this] {
        auto store = m_dialog->takeStore();
        if (!store)
            return;
        qCInfo(lcUi) << "the device's keys move to a passphrase file";
        m_secrets->replaceBacking(std::move(store));
        saveAllAgain();
    });
    m_dialog->open();
}

} // namespace tidings::ui
