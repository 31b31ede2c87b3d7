#include "settings_dialog.h"

#include "dialogs/change_password_dialog.h"
#include "dialogs/link_device_dialog.h"
#include "dialogs/recovery_key_dialog.h"
#include "models/app_settings.h"
#include "ui_logging.h"

#include "core/account/account.h"
#include "core/contacts/contacts.h"
#include "core/devices/devices.h"
#include "core/keys/keys.h"
#include "core/net/connection.h"
#include "core/net/server_url.h"
#include "core/presence/presence.h"
#include "protocol/limits.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTabWidget>
#include <QVBoxLayout>

namespace tidings::ui {

namespace {
constexpr int kDeviceIdRole = Qt::UserRole + 1;
constexpr int kCurrentRole = Qt::UserRole + 2;
} // namespace

SettingsDialog::SettingsDialog(Deps deps, QWidget *parent)
    : QDialog(parent)
    , m_deps(std::move(deps))
    , m_tabs(new QTabWidget) {
    setWindowTitle(tr("Settings"));
    setAccessibleName(tr("Settings"));
    resize(480, 420);
    auto *layout = new QVBoxLayout(this);
    m_tabs->addTab(generalTab(), tr("General"));
    m_tabs->addTab(profileTab(), tr("Profile"));
    m_tabs->addTab(accountTab(), tr("Account"));
    m_tabs->addTab(privacyTab(), tr("Privacy"));
    m_tabs->addTab(devicesTab(), tr("Devices"));
    layout->addWidget(m_tabs);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

QWidget *SettingsDialog::generalTab() {
    auto *w = new QWidget;
    auto *form = new QFormLayout(w);
    m_theme = new QComboBox;
    m_theme->setAccessibleName(tr("Theme"));
    m_theme->addItem(tr("System"), QStringLiteral("system"));
    m_theme->addItem(tr("Light"), QStringLiteral("light"));
    m_theme->addItem(tr("Dark"), QStringLiteral("dark"));
    m_theme->setCurrentIndex(qMax(0, m_theme->findData(m_deps.settings->theme())));
    form->addRow(tr("&Theme:"), m_theme);
    m_notifications = new QCheckBox(tr("Show a notification for new messages"));
    m_notifications->setAccessibleName(tr("Notifications"));
    m_notifications->setChecked(m_deps.settings->notificationsEnabled());
    form->addRow(tr("Notifications:"), m_notifications);
    auto *hint = new QLabel(tr("Muted chats never notify. Mute a chat from its menu."));
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    form->addRow(QString(), hint);
    connect(m_theme, &QComboBox::currentIndexChanged, this, [this] {
        const QString name = m_theme->currentData().toString();
        warnIfNotSaved(m_deps.settings->setTheme(name));
        emit themeChanged(themeFromString(name));
    });
    connect(m_notifications, &QCheckBox::toggled, this, [this](bool on) {
        warnIfNotSaved(m_deps.settings->setNotificationsEnabled(on));
        emit notificationsChanged(on);
    });
    return w;
}

void SettingsDialog::warnIfNotSaved(const Status &s) {
    if (!s)
        QMessageBox::warning(this, tr("Settings"),
                             tr("This setting could not be saved: %1").arg(s.error().detail));
}

QWidget *SettingsDialog::profileTab() {
    auto *w = new QWidget;
    auto *form = new QFormLayout(w);
    const QString username = m_deps.account->settings().username;
    m_displayName = new QLineEdit;
    m_displayName->setAccessibleName(tr("Display name"));
    m_displayName->setPlaceholderText(username);
    m_displayName->setMaxLength(limits::kMaxDisplayNameBytes);
    m_displayName->setClearButtonEnabled(true);
    form->addRow(tr("&Display name:"), m_displayName);
    auto *hint = new QLabel(
        tr("Shown to people instead of your username (%1). Leave it empty to show the username.")
            .arg(username));
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    form->addRow(QString(), hint);
    m_saveProfile = new QPushButton(tr("Save"));
    m_saveProfile->setAccessibleName(tr("Save the display name"));
    m_saveProfile->setEnabled(false);
    form->addRow(QString(), m_saveProfile);
    m_profileStatus = new QLabel;
    m_profileStatus->setWordWrap(true);
    form->addRow(QString(), m_profileStatus);
    connect(m_displayName, &QLineEdit::textEdited, this, [this] {
        m_displayNameEdited = true;
        m_saveProfile->setEnabled(m_deps.connection->isAuthenticated());
        m_profileStatus->clear();
    });
    connect(m_displayName, &QLineEdit::returnPressed, this, &SettingsDialog::saveProfile);
    connect(m_saveProfile, &QPushButton::clicked, this, &SettingsDialog::saveProfile);
    // The current name comes from the server (it also knows what my other devices set).
    QPointer<SettingsDialog> self(this);
    m_deps.contacts->profiles({username}, [self](Result<QList<client::ProfileInfo>> r) {
        if (!self)
            return;
        if (!r) {
            self->m_profileStatus->setText(tr("Not available offline."));
            return;
        }
        if (!r->isEmpty() && !self->m_displayNameEdited)
            self->m_displayName->setText(r->first().displayName);
    });
    return w;
}

void SettingsDialog::saveProfile() {
    if (!m_displayNameEdited)
        return;
    const QString name = m_displayName->text().simplified();
    // The server counts UTF-8 bytes; QLineEdit's limit counts UTF-16 units.
    if (name.toUtf8().size() > limits::kMaxDisplayNameBytes) {
        m_profileStatus->setText(tr("The name is too long."));
        return;
    }
    m_saveProfile->setEnabled(false);
    m_profileStatus->setText(tr("Saving…"));
    QPointer<SettingsDialog> self(this);
    m_deps.contacts->setProfile(name, [self, name](Status s) {
        if (!self)
            return;
        if (s) {
            self->m_displayNameEdited = false;
            self->m_displayName->setText(name);
            self->m_profileStatus->setText(tr("Saved."));
        } else {
            self->m_saveProfile->setEnabled(true);
            self->m_profileStatus->setText(tr("Not saved: %1").arg(s.error().detail));
        }
    });
}

QString SettingsDialog::profileStatus() const {
    return m_profileStatus->text();
}

QWidget *SettingsDialog::accountTab() {
    auto *w = new QWidget;
    auto *form = new QFormLayout(w);
    const auto &a = m_deps.account->settings();
    auto *user = new QLabel(a.username);
    user->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Username:"), user);
    auto *server = new QLabel(a.serverUrl);
    server->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Server:"), server);
    if (client::isInsecureRemote(QUrl(a.serverUrl))) {
        // The consent given at the first run, visible and revocable here.
        auto *insecure = new QCheckBox(tr("Connect without encryption (ws://)"));
        insecure->setAccessibleName(tr("Connect without encryption"));
        insecure->setToolTip(tr("Without wss:// your password and device token cross the "
                                "network in clear. Only on a network you trust."));
        insecure->setChecked(m_deps.account->insecureAllowed());
        connect(insecure, &QCheckBox::toggled, this, [this](bool on) {
            if (auto s = m_deps.account->allowInsecureServer(on); !s)
                qCWarning(lcUi) << "ws:// consent not saved:" << s.error().toString();
            emit insecureConsentChanged(on);
        });
        form->addRow(QString(), insecure);
    }
    form->addRow(tr("This device:"), new QLabel(tr("#%1").arg(a.deviceId)));
    form->addRow(tr("Profile folder:"), new QLabel(m_deps.profileDirectory));
    m_changePassword = new QPushButton(tr("Change password…"));
    m_changePassword->setAccessibleName(tr("Change password"));
    connect(m_changePassword, &QPushButton::clicked, this, [this] { showChangePassword(); });
    auto *row = new QHBoxLayout;
    row->addWidget(m_changePassword);
    row->addStretch(1);
    form->addRow(tr("Password:"), row);
    m_recoveryKey = new QPushButton(tr("Recovery key…"));
    m_recoveryKey->setAccessibleName(tr("Make a recovery key"));
    m_recoveryKey->setEnabled(m_deps.keys->hasAccountKey());
    m_recoveryKey->setToolTip(m_deps.keys->hasAccountKey()
                                  ? tr("Take your account back if you lose every device")
                                  : tr("Only a linked device can make a recovery key"));
    connect(m_recoveryKey, &QPushButton::clicked, this, [this] { showRecoveryKey(); });
    auto *recoveryRow = new QHBoxLayout;
    recoveryRow->addWidget(m_recoveryKey);
    auto *recoveryState =
        new QLabel(m_deps.devices->hasRecoveryKey() ? tr("Set up") : tr("None yet"));
    recoveryState->setAccessibleName(tr("Recovery key state"));
    recoveryRow->addWidget(recoveryState);
    recoveryRow->addStretch(1);
    form->addRow(tr("Recovery:"), recoveryRow);
    return w;
}

QWidget *SettingsDialog::privacyTab() {
    auto *w = new QWidget;
    auto *form = new QFormLayout(w);
    m_privacy = new QComboBox;
    m_privacy->setAccessibleName(tr("Who sees my last seen and online status"));
    m_privacy->addItem(tr("Everyone"), int(client::Visibility::Everyone));
    m_privacy->addItem(tr("My contacts"), int(client::Visibility::Contacts));
    m_privacy->addItem(tr("Nobody"), int(client::Visibility::Nobody));
    m_privacy->setEnabled(false);
    form->addRow(tr("Last seen && online:"), m_privacy);
    auto *hint = new QLabel(tr("If you hide yours, you cannot see other people's either."));
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    form->addRow(QString(), hint);
    m_privacyStatus = new QLabel;
    form->addRow(QString(), m_privacyStatus);
    // Off: only verified contacts' key changes hold my messages (a notice is shown in every
    // case). On: anyone's, until I acknowledge the new code.
    m_holdOnKeyChange = new QCheckBox(tr("Hold my messages when a contact's security code "
                                         "changes, until I acknowledge it"));
    m_holdOnKeyChange->setAccessibleName(tr("Hold messages on security code changes"));
    m_holdOnKeyChange->setChecked(m_deps.keys->holdsOnIdentityChange());
    m_holdOnKeyChange->setEnabled(m_deps.keys->isEnabled());
    connect(m_holdOnKeyChange, &QCheckBox::toggled, this, [this](bool on) {
        const Status saved = m_deps.keys->setHoldOnIdentityChange(on);
        if (!saved) {
            const QSignalBlocker block(m_holdOnKeyChange);
            m_holdOnKeyChange->setChecked(!on);
        }
        warnIfNotSaved(saved);
    });
    form->addRow(tr("Security codes:"), m_holdOnKeyChange);
    QPointer<SettingsDialog> self(this);
    m_deps.contacts->list([self](Result<client::ContactsInfo> r) {
        if (!self)
            return;
        if (!r) {
            self->m_privacyStatus->setText(tr("Not available offline."));
            return;
        }
        self->m_privacy->setCurrentIndex(self->m_privacy->findData(int(r->lastSeen)));
        self->m_privacy->setEnabled(true);
        connect(self->m_privacy, &QComboBox::currentIndexChanged, self, [self] {
            self->m_privacyStatus->setText(tr("Saving…"));
            self->m_deps.presence->setPrivacy(
                client::Visibility(self->m_privacy->currentData().toInt()), [self](Status s) {
                    if (self)
                        self->m_privacyStatus->setText(
                            s ? tr("Saved.") : tr("Not saved: %1").arg(s.error().detail));
                });
        });
    });
    return w;
}

QWidget *SettingsDialog::devicesTab() {
    auto *w = new QWidget;
    auto *layout = new QVBoxLayout(w);
    m_devices = new QListWidget;
    m_devices->setAccessibleName(tr("My devices"));
    layout->addWidget(m_devices, 1);
    m_deviceStatus = new QLabel;
    m_deviceStatus->setWordWrap(true);
    layout->addWidget(m_deviceStatus);
    m_revoke = new QPushButton(tr("Log out this device"));
    m_revoke->setAccessibleName(tr("Log out the selected device"));
    m_revoke->setEnabled(false);
    m_linkDevice = new QPushButton(tr("Link a new device…"));
    m_linkDevice->setAccessibleName(tr("Link a new device"));
    // Only a linked device holds the account key it hands over.
    m_linkDevice->setEnabled(m_deps.keys->hasAccountKey());
    if (!m_linkDevice->isEnabled())
        m_linkDevice->setToolTip(tr("This device is not linked yet itself."));
    connect(m_linkDevice, &QPushButton::clicked, this, [this] { showLinkDevice(); });
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_linkDevice);
    buttons->addStretch(1);
    buttons->addWidget(m_revoke);
    layout->addLayout(buttons);
    // The server lets only linked devices (those holding the account key) log out others: a
    // password alone must not cut off the account's real devices.
    if (!m_deps.keys->hasAccountKey())
        m_revoke->setToolTip(tr("Only a linked device can log out your other devices."));
    connect(m_devices, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) {
        m_revoke->setEnabled(item && !item->data(kCurrentRole).toBool() &&
                             m_deps.keys->hasAccountKey());
    });
    connect(m_revoke, &QPushButton::clicked, this, [this] {
        auto *item = m_devices->currentItem();
        if (!item || item->data(kCurrentRole).toBool())
            return;
        if (QMessageBox::question(this, tr("Log out device"),
                                  tr("Log out “%1”? It has to log in again to use this account.")
                                      .arg(item->text())) != QMessageBox::Yes)
            return;
        QPointer<SettingsDialog> self(this);
        m_deps.devices->revoke(item->data(kDeviceIdRole).toULongLong(), [self](Status s) {
            if (!self)
                return;
            if (!s)
                self->m_deviceStatus->setText(tr("Not logged out: %1").arg(s.error().detail));
            self->reloadDevices();
        });
    });
    reloadDevices();
    return w;
}

ChangePasswordDialog *SettingsDialog::showChangePassword() {
    auto *dialog = new ChangePasswordDialog(m_deps.devices, m_deps.keys->hasAccountKey(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // The other devices are gone from the list once the password changed.
    connect(dialog, &ChangePasswordDialog::passwordChanged, this, &SettingsDialog::reloadDevices);
    dialog->open();
    return dialog;
}

RecoveryKeyDialog *SettingsDialog::showRecoveryKey() {
    auto *dialog = new RecoveryKeyDialog(m_deps.devices, RecoveryKeyDialog::Mode::Create, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    return dialog;
}

LinkDeviceDialog *SettingsDialog::showLinkDevice() {
    auto *dialog = new LinkDeviceDialog(m_deps.devices, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // The new device shows up in the list once it is linked.
    connect(dialog, &LinkDeviceDialog::linked, this, &SettingsDialog::reloadDevices);
    dialog->open();
    return dialog;
}

void SettingsDialog::reloadDevices() {
    m_deviceStatus->setText(tr("Loading…"));
    QPointer<SettingsDialog> self(this);
    m_deps.devices->list([self](Result<QList<client::DeviceInfo>> r) {
        if (!self)
            return;
        self->m_devices->clear();
        if (!r) {
            self->m_deviceStatus->setText(tr("Not available offline."));
            return;
        }
        self->m_deviceStatus->clear();
        for (const auto &d : *r) {
            QString label = d.name.isEmpty() ? tr("Device #%1").arg(d.deviceId) : d.name;
            if (d.current)
                label += QStringLiteral("  ·  ") + tr("this device");
            else if (d.online)
                label += QStringLiteral("  ·  ") + tr("online");
            else if (d.lastSeenMs > 0)
                label += QStringLiteral("  ·  ") + lastSeenText(d.lastSeenMs);
            auto *item = new QListWidgetItem(label, self->m_devices);
            item->setData(kDeviceIdRole, d.deviceId);
            item->setData(kCurrentRole, d.current);
        }
    });
}

} // namespace tidings::ui
