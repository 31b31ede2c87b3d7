#pragma once
// A bar above the chats on a device that logged in but holds no account key yet: it cannot read
// or send encrypted messages until another of my devices shows a link code and it is typed here.
// Hides itself once the client has the account key.
#include "protocol/result.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;

namespace tidings::client {
class Account;
class Devices;
class Keys;
} // namespace tidings::client

namespace tidings::ui {

class RecoveryKeyDialog;

class LinkBanner : public QWidget {
    Q_OBJECT
public:
    //! Links through `devices`; shown while `keys` holds no account key for `account`.
    LinkBanner(client::Devices *devices, client::Keys *keys, const client::Account *account,
               QWidget *parent = nullptr);

    QLineEdit *codeEdit() const { return m_code; }
    QPushButton *linkButton() const { return m_link; }
    QPushButton *recoverButton() const { return m_recover; }
    //! "Lost all your devices?": the recovery key dialog.
    RecoveryKeyDialog *showRecover();
    QString errorText() const;
    //! What a person reads when linkDevice() failed.
    static QString errorText(const Error &error);
    //! Shows the bar exactly while the profile has an account but this device is not linked.
    void refresh();

signals:
    void linked();

private:
    void submit();

    client::Devices *m_devices;
    client::Keys *m_keys;
    const client::Account *m_account;
    QLabel *m_text;
    QLineEdit *m_code;
    QPushButton *m_link;
    QPushButton *m_recover;
    QLabel *m_error;
    bool m_busy = false;
};

} // namespace tidings::ui
