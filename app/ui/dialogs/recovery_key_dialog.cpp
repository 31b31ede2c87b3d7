#include "dialogs/recovery_key_dialog.h"

#include "core/devices/devices.h"
#include "protocol/limits.h"

#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace tidings::ui {

RecoveryKeyDialog::RecoveryKeyDialog(client::Devices *devices, Mode mode, QWidget *parent)
    : QDialog(parent)
    , m_devices(devices)
    , m_mode(mode)
    , m_input(new QLineEdit)
    , m_status(new QLabel)
    , m_key(new QLabel)
    , m_copy(new QPushButton(tr("&Copy")))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel)) {
    const bool create = mode == Mode::Create;
    setWindowTitle(create ? tr("Recovery key") : tr("Recover your account"));
    auto *layout = new QVBoxLayout(this);
    auto *what = new QLabel(
        create ? tr("A recovery key lets you take your account back on a new device if you lose "
                    "every device linked to it. Write it down and keep it somewhere safe: it is "
                    "shown only once, and a new one replaces the old one.")
               : tr("If every device linked to your account is lost, type the recovery key you "
                    "wrote down. Your other devices are logged out, and your contacts see that "
                    "your security code changed."));
    what->setWordWrap(true);
    layout->addWidget(what);
    m_form = new QWidget;
    auto *form = new QFormLayout(m_form);
    form->setContentsMargins(0, 0, 0, 0);
    if (create) {
        m_input->setEchoMode(QLineEdit::Password);
        m_input->setAccessibleName(tr("Your password"));
        m_input->setMaxLength(limits::kMaxPasswordBytes / 4);
        form->addRow(tr("Your password:"), m_input);
    } else {
        m_input->setAccessibleName(tr("Recovery key"));
        m_input->setPlaceholderText(tr("ABCD-EFGH-…"));
        m_input->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        form->addRow(tr("Recovery key:"), m_input);
    }
    layout->addWidget(m_form);
    QFont keyFont = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    keyFont.setPointSizeF(keyFont.pointSizeF() * 1.3);
    m_key->setFont(keyFont);
    m_key->setAlignment(Qt::AlignCenter);
    m_key->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_key->setAccessibleName(tr("Your recovery key"));
    m_key->hide();
    layout->addWidget(m_key);
    m_copy->setAccessibleName(tr("Copy the recovery key"));
    m_copy->hide();
    layout->addWidget(m_copy, 0, Qt::AlignLeft);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    m_buttons->button(QDialogButtonBox::Ok)
        ->setText(create ? tr("Create recovery key") : tr("Recover"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &RecoveryKeyDialog::submit);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_input, &QLineEdit::textChanged, this, &RecoveryKeyDialog::updateState);
    connect(m_copy, &QPushButton::clicked, this, [this] {
        QGuiApplication::clipboard()->setText(m_keyText);
        m_status->setText(tr("Copied. Clear your clipboard once you stored it."));
    });
    if (create && m_devices->hasRecoveryKey())
        m_status->setText(tr("Your account has a recovery key. A new one replaces it."));
    updateState();
    // A fixed width: the wrapped explanations then get the height they need (adjustSize() after
    // every change of what is shown).
    setFixedWidth(500);
    adjustSize();
}

QString RecoveryKeyDialog::recoveryKey() const {
    return m_keyText;
}

QString RecoveryKeyDialog::statusText() const {
    return m_status->text();
}

bool RecoveryKeyDialog::canSubmit() const {
    const auto *ok = m_buttons->button(QDialogButtonBox::Ok);
    return ok && ok->isEnabled();
}

void RecoveryKeyDialog::updateState() {
    if (auto *ok = m_buttons->button(QDialogButtonBox::Ok))
        ok->setEnabled(!m_busy && !m_done && !m_input->text().trimmed().isEmpty());
}

QString RecoveryKeyDialog::errorText(Mode mode, const Error &error) {
    switch (error.code) {
    case ErrorCode::BadCredentials:
        return tr("That is not your password.");
    case ErrorCode::BadRecoveryKey:
        return tr("That is not this account's recovery key. Check each group of letters.");
    case ErrorCode::NoKeys:
        return tr("This account has no recovery key, so it cannot be recovered with one.");
    case ErrorCode::RateLimited:
        return tr("Too many attempts. Try again later.");
    case ErrorCode::Network:
    case ErrorCode::Timeout:
        return tr("Not connected to the server. Try again when you are online.");
    case ErrorCode::Usage:
        return mode == Mode::Create
                   ? tr("Only a linked device can make a recovery key.")
                   : tr("This device is linked already: there is nothing to recover.");
    default:
        return mode == Mode::Create ? tr("No recovery key made: %1").arg(error.detail)
                                    : tr("Not recovered: %1").arg(error.detail);
    }
}

void RecoveryKeyDialog::showKey(const QString &key) {
    m_done = true;
    m_keyText = key;
    m_input->clear();
    m_form->hide();
    // Two lines of seven groups: easier to copy by hand than one line that wraps anywhere.
    const QStringList groups = key.split(QLatin1Char('-'));
    m_key->setText(groups.mid(0, 7).join(QLatin1Char('-')) + QLatin1Char('\n') +
                   groups.mid(7).join(QLatin1Char('-')));
    m_key->show();
    m_copy->show();
    m_status->setText(tr("Write this key down now. It will not be shown again."));
    adjustSize();
    m_buttons->setStandardButtons(QDialogButtonBox::Close);
    connect(m_buttons->button(QDialogButtonBox::Close), &QPushButton::clicked, this,
            &QDialog::accept);
}

void RecoveryKeyDialog::submit() {
    if (!canSubmit())
        return;
    m_busy = true;
    m_input->setReadOnly(true);
    updateState();
    const QString text = m_input->text().trimmed();
    QPointer<RecoveryKeyDialog> self(this);
    auto failed = [self](const Error &e) {
        self->m_busy = false;
        self->m_input->setReadOnly(false);
        self->m_status->setText(errorText(self->m_mode, e));
        self->updateState();
    };
    if (m_mode == Mode::Create) {
        m_status->setText(tr("Making a recovery key…"));
        m_devices->createRecoveryKey(text, [self, failed](Result<QString> key) {
            if (!self)
                return;
            if (!key)
                return failed(key.error());
            self->m_busy = false;
            self->showKey(*key);
        });
        return;
    }
    m_status->setText(tr("Recovering…"));
    m_devices->recoverAccount(text, [self, failed](Status s) {
        if (!self)
            return;
        if (!s)
            return failed(s.error());
        self->m_busy = false;
        self->m_done = true;
        self->m_input->clear();
        self->m_input->setEnabled(false);
        self->m_status->setText(tr("Your account is recovered on this device. Your other devices "
                                   "were logged out."));
        self->m_buttons->setStandardButtons(QDialogButtonBox::Close);
        connect(self->m_buttons->button(QDialogButtonBox::Close), &QPushButton::clicked, self,
                &QDialog::accept);
        emit self->recovered();
    });
}

} // namespace tidings::ui
