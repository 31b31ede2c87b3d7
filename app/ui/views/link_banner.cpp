#include "link_banner.h"

#include "core/account/account.h"
#include "core/devices/devices.h"
#include "core/keys/keys.h"
#include "dialogs/recovery_key_dialog.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace tidings::ui {

LinkBanner::LinkBanner(client::Devices *devices, client::Keys *keys, const client::Account *account,
                       QWidget *parent)
    : QWidget(parent)
    , m_devices(devices)
    , m_keys(keys)
    , m_account(account)
    , m_text(new QLabel)
    , m_code(new QLineEdit)
    , m_link(new QPushButton(tr("&Link")))
    , m_recover(new QPushButton(tr("Lost all your devices? Use your recovery key…")))
    , m_error(new QLabel) {
    setObjectName(QStringLiteral("linkBanner"));
    setAccessibleName(tr("This device is not linked yet"));
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::AlternateBase);
    auto *layout = new QVBoxLayout(this);
    m_text->setText(tr("<b>This device is not linked yet</b> — on one of your other devices open "
                       "Settings → Devices → Link a new device, then enter the code here."));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    layout->addWidget(m_text);
    auto *row = new QHBoxLayout;
    m_code->setAccessibleName(tr("Link code"));
    m_code->setPlaceholderText(tr("Code from your other device"));
    m_code->setClearButtonEnabled(true);
    row->addWidget(m_code, 1);
    m_link->setAccessibleName(tr("Link this device"));
    m_link->setEnabled(false);
    row->addWidget(m_link);
    layout->addLayout(row);
    // Without any linked device left there is nobody to show a code: the recovery key instead.
    m_recover->setAccessibleName(tr("Recover with your recovery key"));
    m_recover->setFlat(true);
    layout->addWidget(m_recover, 0, Qt::AlignLeft);
    connect(m_recover, &QPushButton::clicked, this, [this] { showRecover(); });
    m_error->setWordWrap(true);
    m_error->setAccessibleName(tr("Link error"));
    m_error->hide();
    layout->addWidget(m_error);

    connect(m_code, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_link->setEnabled(!m_busy && !text.trimmed().isEmpty());
    });
    connect(m_code, &QLineEdit::returnPressed, this, &LinkBanner::submit);
    connect(m_link, &QPushButton::clicked, this, &LinkBanner::submit);
    connect(account, &client::Account::accountChanged, this, &LinkBanner::refresh);
    connect(devices, &client::Devices::encryptionReady, this, &LinkBanner::refresh);
    refresh();
}

QString LinkBanner::errorText(const Error &error) {
    // The client's details are for logs; these say what to do next.
    switch (error.code) {
    case ErrorCode::Usage:
        return tr("That is not a link code. Type it exactly as your other device shows it.");
    case ErrorCode::NoSuchDevice:
        return tr("The device showing the code is not online. Keep Link a new device open there "
                  "and try again.");
    case ErrorCode::Timeout:
        return tr("The other device did not answer. Make a new code there and try again.");
    default:
        return tr("Not linked: %1").arg(error.detail);
    }
}

QString LinkBanner::errorText() const {
    return m_error->isHidden() ? QString() : m_error->text();
}

void LinkBanner::refresh() {
    setVisible(m_keys->isEnabled() && m_account->deviceId() != 0 && !m_keys->hasAccountKey());
}

RecoveryKeyDialog *LinkBanner::showRecover() {
    auto *dialog = new RecoveryKeyDialog(m_devices, RecoveryKeyDialog::Mode::Recover, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &RecoveryKeyDialog::recovered, this, [this] {
        refresh();
        emit linked();
    });
    dialog->open();
    return dialog;
}

void LinkBanner::submit() {
    // Pasted codes often carry a trailing newline or spaces.
    const QString code = m_code->text().trimmed();
    if (m_busy || code.isEmpty())
        return;
    m_busy = true;
    m_link->setEnabled(false);
    m_code->setReadOnly(true);
    m_error->setText(tr("Linking…"));
    m_error->show();
    QPointer<LinkBanner> self(this);
    m_devices->linkDevice(code, [self](Status s) {
        if (!self)
            return;
        self->m_busy = false;
        self->m_code->setReadOnly(false);
        if (!s) {
            self->m_error->setText(errorText(s.error()));
            self->m_link->setEnabled(!self->m_code->text().trimmed().isEmpty());
            self->m_code->setFocus();
            return;
        }
        self->m_code->clear();
        self->m_error->hide();
        self->refresh();
        emit self->linked();
    });
}

} // namespace tidings::ui
