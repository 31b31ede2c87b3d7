#pragma once
// The first screen of a new profile: server address, username and password, "Create account"
// or "Log in", with errors a person can act on (unreachable server, wrong password, taken name).
#include "protocol/result.h"

#include <QPointer>
#include <QUrl>
#include <QWidget>

class QCheckBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;

namespace tidings::client {
class Account;
}

namespace tidings::ui {

class CertificatePrompt;

class FirstRunPage : public QWidget {
    Q_OBJECT
public:
    explicit FirstRunPage(client::Account *account, QWidget *parent = nullptr);
    void setServer(const QString &url);

    QLineEdit *serverEdit() const { return m_server; }
    QLineEdit *usernameEdit() const { return m_username; }
    QLineEdit *passwordEdit() const { return m_password; }
    //! Shown once the server says it takes new accounts by invitation.
    QLineEdit *inviteEdit() const { return m_invite; }
    QPushButton *registerButton() const { return m_register; }
    QPushButton *loginButton() const { return m_login; }
    //! "Connect without encryption": shown for a ws:// address of another machine.
    QCheckBox *insecureBox() const { return m_insecure; }
    QString errorText() const;
    //! The question about a certificate no authority signed, while it is open.
    CertificatePrompt *certificatePrompt() const;

    //! What a person reads for an account error.
    static QString errorMessage(const Error &error, const QString &server, const QString &username);

signals:
    void accountReady();

private:
    void submit(bool registering);
    void setBusy(bool busy);
    void showError(const QString &text);
    //! The address as typed, with a scheme: ws:// for this machine, wss:// for any other.
    QUrl serverUrl() const;
    void updateInsecureBox();
    //! The server's certificate was refused: ask, and on trust send the same request again.
    void askAboutCertificate(const Error &refusal, bool registering);

    client::Account *m_account;
    QLineEdit *m_server;
    QLineEdit *m_username;
    QLineEdit *m_password;
    QLineEdit *m_invite;
    QFormLayout *m_form = nullptr;
    QCheckBox *m_insecure;
    QPushButton *m_register;
    QPushButton *m_login;
    QLabel *m_error;
    QLabel *m_status;
    QPointer<CertificatePrompt> m_certificatePrompt;
};

} // namespace tidings::ui
