#pragma once
// The recovery key (docs/design/account-key-lifecycle.md §2): on a linked device, Settings →
// Account → "Recovery key…" makes one with the account's password and shows it once, to write
// down; on a device that logged in while every linked device is lost, the link banner's "Lost
// all your devices?" opens the same dialog to type it and take the account's keys back.
#include "protocol/result.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace tidings::client {
class Devices;
} // namespace tidings::client

namespace tidings::ui {

class RecoveryKeyDialog : public QDialog {
    Q_OBJECT
public:
    enum class Mode { Create, Recover };

    RecoveryKeyDialog(client::Devices *devices, Mode mode, QWidget *parent = nullptr);

    Mode mode() const { return m_mode; }
    //! Create: the account password; Recover: the recovery key.
    QLineEdit *input() const { return m_input; }
    //! The key made (Create, once done; empty before).
    QString recoveryKey() const;
    QString statusText() const;
    bool canSubmit() const;
    void submit();
    //! What a person reads when making or using a recovery key failed.
    static QString errorText(Mode mode, const Error &error);

signals:
    //! Recover: this device holds the account's keys again.
    void recovered();

private:
    void updateState();
    void showKey(const QString &key);

    client::Devices *m_devices;
    Mode m_mode;
    QLineEdit *m_input;
    QWidget *m_form = nullptr;
    QString m_keyText;
    QLabel *m_status;
    QLabel *m_key;
    QPushButton *m_copy;
    QDialogButtonBox *m_buttons;
    bool m_busy = false;
    bool m_done = false;
};

} // namespace tidings::ui
