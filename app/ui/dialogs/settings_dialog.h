#pragma once
// Settings: profile (display name), account, privacy (who sees my last seen), devices (list, log
// one out, link a new one), notifications and theme. Choices apply at once.
#include "look.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTabWidget;

namespace tidings::ui {

class LinkDeviceDialog;
class Session;

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(Session *session, QWidget *parent = nullptr);

    QComboBox *themeBox() const { return m_theme; }
    QCheckBox *notificationsBox() const { return m_notifications; }
    QComboBox *privacyBox() const { return m_privacy; }
    QListWidget *deviceList() const { return m_devices; }
    QTabWidget *tabs() const { return m_tabs; }
    QPushButton *linkDeviceButton() const { return m_linkDevice; }
    //! Devices → "Link a new device…": shows a one-use code for a device that logged in.
    LinkDeviceDialog *showLinkDevice();
    QLineEdit *displayNameEdit() const { return m_displayName; }
    QPushButton *saveProfileButton() const { return m_saveProfile; }
    QString profileStatus() const;
    void reloadDevices();

signals:
    void themeChanged(tidings::ui::Theme theme);
    void notificationsChanged(bool enabled);

private:
    //! Saves one app setting; a failure is told to the user (the choice is not kept).
    void saveSetting(const QString &key, const QString &value);
    QWidget *profileTab();
    void saveProfile();
    QWidget *accountTab();
    QWidget *privacyTab();
    QWidget *devicesTab();
    QWidget *generalTab();

    Session *m_session;
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
};

} // namespace tidings::ui
