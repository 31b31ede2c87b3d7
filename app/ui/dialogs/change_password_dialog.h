#pragma once
// Settings → Account → "Change password…": the current password, the new one twice, and what the
// change does before the user commits to it (every other device of the account is logged out
// and must log in and be linked again). Only a linked device may change the password; the
// dialog says so instead of failing later.
#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace tidings::client {
class Devices;
} // namespace tidings::client

namespace tidings::ui {

class ChangePasswordDialog : public QDialog {
    Q_OBJECT
public:
    //! `linked`: this device holds the account key (the server refuses others).
    ChangePasswordDialog(client::Devices *devices, bool linked, QWidget *parent = nullptr);

    QLineEdit *currentEdit() const { return m_current; }
    QLineEdit *newEdit() const { return m_new; }
    QLineEdit *repeatEdit() const { return m_repeat; }
    QString statusText() const;
    //! The OK button is enabled (the passwords are long enough and match).
    bool canSubmit() const;
    bool changed() const { return m_changed; }

public slots:
    void submit();

signals:
    void passwordChanged();

private:
    void updateState();

    client::Devices *m_devices;
    bool m_linked;
    bool m_busy = false;
    bool m_changed = false;
    bool m_statusIsHint = false; //!< the status line shows a hint about the typed passwords
    QLineEdit *m_current;
    QLineEdit *m_new;
    QLineEdit *m_repeat;
    QLabel *m_status;
    QDialogButtonBox *m_buttons;
};

} // namespace tidings::ui
