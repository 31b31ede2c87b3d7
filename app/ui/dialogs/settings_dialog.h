#pragma once
// Settings: profile (display name), account, privacy (who sees my last seen), devices (list, log
// one out, link a new one), notifications and theme. Choices apply at once.
#include "look.h"
#include "protocol/result.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTabWidget;

namespace tidings::client {
class Account;
class Connection;
class Contacts;
class Devices;
class Keys;
class Presence;
} // namespace tidings::client

namespace tidings::ui {

class AppSettings;
class ChangePasswordDialog;
class LinkDeviceDialog;
class RecoveryKeyDialog;

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    //! What the tabs show and change.
    struct Deps {
        AppSettings *settings = nullptr;      //!< General: theme, notifications
        client::Account *account = nullptr;   //!< Account: who, where, this device, ws:// consent
        client::Contacts *contacts = nullptr; //!< Profile (display name); privacy (current)
        client::Presence *presence = nullptr; //!< Privacy (changing it)
        client::Devices *devices = nullptr;   //!< Devices: list, log out, link
        client::Keys *keys = nullptr;         //!< Devices: only a linked device can link
        const client::Connection *connection = nullptr; //!< saving needs a session
        QString profileDirectory;
    };
    explicit SettingsDialog(Deps deps, QWidget *parent = nullptr);

    QComboBox *themeBox() const { return m_theme; }
    QCheckBox *notificationsBox() const { return m_notifications; }
    QComboBox *privacyBox() const { return m_privacy; }
    QCheckBox *holdOnKeyChangeBox() const { return m_holdOnKeyChange; }
    QListWidget *deviceList() const { return m_devices; }
    QTabWidget *tabs() const { return m_tabs; }
    QPushButton *linkDeviceButton() const { return m_linkDevice; }
    //! Devices → "Link a new device…": shows a one-use code for a device that logged in.
    LinkDeviceDialog *showLinkDevice();
    //! Account → "Change password…".
    ChangePasswordDialog *showChangePassword();
    QPushButton *changePasswordButton() const { return m_changePassword; }
    //! Account → "Recovery key…" (a linked device only).
    RecoveryKeyDialog *showRecoveryKey();
    QPushButton *recoveryKeyButton() const { return m_recoveryKey; }
    QLineEdit *displayNameEdit() const { return m_displayName; }
    QPushButton *saveProfileButton() const { return m_saveProfile; }
    QString profileStatus() const;
    void reloadDevices();

signals:
    void themeChanged(tidings::ui::Theme theme);
    void notificationsChanged(bool enabled);
    //! Account → "Connect without encryption" was toggled (saved with the account).
    void insecureConsentChanged(bool allowed);

private:
    //! A setting that could not be saved is told to the user (the choice is not kept).
    void warnIfNotSaved(const Status &saved);
    QWidget *profileTab();
    void saveProfile();
    QWidget *accountTab();
    QWidget *privacyTab();
    QWidget *devicesTab();
    QWidget *generalTab();

    Deps m_deps;
    QTabWidget *m_tabs;
    QLineEdit *m_displayName = nullptr;
    QPushButton *m_saveProfile = nullptr;
    QLabel *m_profileStatus = nullptr;
    bool m_displayNameEdited = false;
    QComboBox *m_theme = nullptr;
    QCheckBox *m_notifications = nullptr;
    QComboBox *m_privacy = nullptr;
    QLabel *m_privacyStatus = nullptr;
    QListWidget *m_devices = nullptr;
    QPushButton *m_revoke = nullptr;
    QLabel *m_deviceStatus = nullptr;
    QPushButton *m_linkDevice = nullptr;
    QPushButton *m_changePassword = nullptr;
    QPushButton *m_recoveryKey = nullptr;
    QCheckBox *m_holdOnKeyChange = nullptr;
};

} // namespace tidings::ui
