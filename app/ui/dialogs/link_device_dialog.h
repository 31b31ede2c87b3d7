#pragma once
// Settings → Devices → "Link a new device…": asks the client for a one-use link code, shows it
// large and copyable, and waits until the new device has used it ("Linked") or the code expired.
// A device that logged in (instead of registering) holds no account key until it is linked.
#include <QDialog>

class QLabel;
class QPushButton;

namespace tidings::client {
class Devices;
} // namespace tidings::client

namespace tidings::ui {

class LinkDeviceDialog : public QDialog {
    Q_OBJECT
public:
    enum class State { WaitingForCode, WaitingForDevice, Linked, Failed };

    explicit LinkDeviceDialog(client::Devices *devices, QWidget *parent = nullptr);

    State state() const { return m_state; }
    //! The code to type into the new device (empty until the client made one).
    QString code() const;
    QString statusText() const;
    QPushButton *copyButton() const { return m_copy; }

signals:
    void linked();

private:
    void setState(State state, const QString &status);

    client::Devices *m_devices;
    State m_state = State::WaitingForCode;
    QLabel *m_code;
    QLabel *m_status;
    QPushButton *m_copy;
};

} // namespace tidings::ui
