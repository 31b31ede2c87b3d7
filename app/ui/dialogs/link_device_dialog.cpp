#include "link_device_dialog.h"

#include "core/devices/devices.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace tidings::ui {

LinkDeviceDialog::LinkDeviceDialog(client::Devices *devices, QWidget *parent)
    : QDialog(parent)
    , m_devices(devices)
    , m_code(new QLabel)
    , m_status(new QLabel)
    , m_copy(new QPushButton(tr("&Copy code"))) {
    setObjectName(QStringLiteral("linkDeviceDialog"));
    setWindowTitle(tr("Link a new device"));
    setAccessibleName(tr("Link a new device"));
    auto *layout = new QVBoxLayout(this);
    auto *explain = new QLabel(
        tr("On the new device, log in to this account, then type this code into the bar that "
           "says “This device is not linked yet”. Keep this window open until it says Linked. "
           "The code works once and for 10 minutes."));
    explain->setWordWrap(true);
    layout->addWidget(explain);

    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(mono.pointSizeF() * 1.8);
    mono.setBold(true);
    m_code->setFont(mono);
    m_code->setAlignment(Qt::AlignCenter);
    m_code->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_code->setAccessibleName(tr("Link code"));
    m_code->setMinimumHeight(m_code->fontMetrics().height() * 2);
    layout->addWidget(m_code);

    m_copy->setAccessibleName(tr("Copy the link code"));
    m_copy->setEnabled(false);
    layout->addWidget(m_copy, 0, Qt::AlignCenter);
    connect(m_copy, &QPushButton::clicked, this, [this] {
        if (!code().isEmpty())
            QApplication::clipboard()->setText(code());
    });

    m_status->setWordWrap(true);
    m_status->setAccessibleName(tr("Link status"));
    layout->addWidget(m_status);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    setState(State::WaitingForCode, tr("Making a code…"));

    // The client keeps waiting for the new device even if this window closes; the guards only
    // stop it from writing into a dialog that is gone.
    QPointer<LinkDeviceDialog> self(this);
    m_devices->createLinkCode(
        [self](Result<QString> code) {
            if (!self)
                return;
            if (!code) {
                self->setState(State::Failed, tr("No code: %1").arg(code.error().detail));
                return;
            }
            self->m_code->setText(*code);
            self->m_copy->setEnabled(true);
            self->setState(State::WaitingForDevice, tr("Waiting for the new device…"));
        },
        [self](Status s) {
            if (!self)
                return;
            if (s) {
                self->setState(State::Linked, tr("Linked"));
                emit self->linked();
            } else {
                self->setState(State::Failed,
                               s.error().code == ErrorCode::Timeout
                                   ? tr("The code expired: no device used it in 10 minutes.")
                                   : tr("Not linked: %1").arg(s.error().detail));
            }
        });
}

QString LinkDeviceDialog::code() const {
    return m_code->text();
}

QString LinkDeviceDialog::statusText() const {
    return m_status->text();
}

void LinkDeviceDialog::setState(State state, const QString &status) {
    m_state = state;
    m_status->setText(status);
    if (state == State::Linked || state == State::Failed) {
        // A used or expired code must not be typed anywhere.
        m_copy->setEnabled(false);
        if (state == State::Failed)
            m_code->setEnabled(false);
    }
}

} // namespace tidings::ui
