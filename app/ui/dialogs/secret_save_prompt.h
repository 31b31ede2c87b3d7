#pragma once
// Tells the user when a secret could not be saved in the background (SessionSecrets: a new
// device token after logging in, while the keyring refused or had been locked meanwhile). The
// value works until Tidings quits; the prompt offers to try again or, when the keys are in the
// keyring, to keep them in a passphrase file from now on.
#include "dialogs/passphrase_dialog.h"

#include <QMessageBox>
#include <QObject>
#include <QPointer>
#include <QPushButton>
#include <QString>

namespace tidings::client {
class SessionSecrets;
}

namespace tidings::ui {

class SecretSavePrompt : public QObject {
    Q_OBJECT
public:
    //! Watches `secrets` (which must outlive this object); prompts over `window`, its parent.
    SecretSavePrompt(client::SessionSecrets *secrets, QString profileDir, QWidget *window);
    ~SecretSavePrompt() override;

    //! The open prompt, or null.
    QMessageBox *messageBox() const { return m_box; }
    QPushButton *retryButton() const { return m_retry; }
    QPushButton *passphraseButton() const { return m_passphrase; }
    PassphraseDialog *passphraseDialog() const { return m_dialog; }

signals:
    //! Every value was saved again (after "Try again" or into the new passphrase file).
    void saved();

private:
    void onSaveFailed(const QString &detail);
    void retry();
    void usePassphrase();
    void saveAllAgain();

    client::SessionSecrets *m_secrets;
    QString m_dir;
    QWidget *m_window;
    QPointer<QMessageBox> m_box;
    QPointer<QPushButton> m_retry;
    QPointer<QPushButton> m_passphrase;
    QPointer<PassphraseDialog> m_dialog;
};

} // namespace tidings::ui
