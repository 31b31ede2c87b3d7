#include "dialogs/change_password_dialog.h"

#include "core/devices/devices.h"
#include "protocol/limits.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace tidings::ui {

namespace {

QLineEdit *passwordEdit(const QString &accessibleName) {
    auto *edit = new QLineEdit;
    edit->setEchoMode(QLineEdit::Password);
    edit->setAccessibleName(accessibleName);
    edit->setMaxLength(limits::kMaxPasswordBytes / 4); // UTF-8: at most 4 bytes a character
    return edit;
}

} // namespace

ChangePasswordDialog::ChangePasswordDialog(client::Devices *devices, bool linked, QWidget *parent)
    : QDialog(parent)
    , m_devices(devices)
    , m_linked(linked)
    , m_current(passwordEdit(tr("Current password")))
    , m_new(passwordEdit(tr("New password")))
    , m_repeat(passwordEdit(tr("New password again")))
    , m_status(new QLabel)
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel)) {
    setWindowTitle(tr("Change password"));
    auto *layout = new QVBoxLayout(this);
    auto *what = new QLabel(tr("Changing your password logs out all your other devices. Log them "
                               "in with the new password and link them again afterwards."));
    what->setWordWrap(true);
    layout->addWidget(what);
    auto *form = new QFormLayout;
    form->addRow(tr("Current password:"), m_current);
    form->addRow(tr("New password:"), m_new);
    form->addRow(tr("Repeat it:"), m_repeat);
    layout->addLayout(form);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Change password"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ChangePasswordDialog::submit);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    for (QLineEdit *edit : {m_current, m_new, m_repeat})
        connect(edit, &QLineEdit::textChanged, this, &ChangePasswordDialog::updateState);
    if (!m_linked) {
        for (QLineEdit *edit : {m_current, m_new, m_repeat})
            edit->setEnabled(false);
        m_status->setText(tr("Only a linked device can change the password. Link this device "
                             "from one of your others first."));
    }
    updateState();
    setMinimumWidth(420);
}

QString ChangePasswordDialog::statusText() const {
    return m_status->text();
}

bool ChangePasswordDialog::canSubmit() const {
    const auto *ok = m_buttons->button(QDialogButtonBox::Ok);
    return ok && ok->isEnabled();
}

void ChangePasswordDialog::updateState() {
    const QString fresh = m_new->text();
    bool ok = m_linked && !m_busy && !m_changed && !m_current->text().isEmpty();
    if (m_linked && !m_busy && !m_changed) {
        QString hint;
        if (!fresh.isEmpty() && fresh.toUtf8().size() < limits::kMinPasswordBytes)
            hint =
                tr("The new password needs at least %1 characters.").arg(limits::kMinPasswordBytes);
        else if (!m_repeat->text().isEmpty() && m_repeat->text() != fresh)
            hint = tr("The two new passwords differ.");
        else if (!fresh.isEmpty() && fresh == m_current->text())
            hint = tr("The new password is the current one.");
        // A hint replaces an earlier hint; the server's answer stays until a hint replaces it.
        if (!hint.isEmpty() || m_statusIsHint)
            m_status->setText(hint);
        m_statusIsHint = !hint.isEmpty();
    }
    ok = ok && fresh.toUtf8().size() >= limits::kMinPasswordBytes && m_repeat->text() == fresh &&
         fresh != m_current->text();
    if (auto *button = m_buttons->button(QDialogButtonBox::Ok)) // gone once changed
        button->setEnabled(ok);
}

void ChangePasswordDialog::submit() {
    if (!canSubmit())
        return;
    m_busy = true;
    for (QLineEdit *edit : {m_current, m_new, m_repeat})
        edit->setEnabled(false);
    m_status->setText(tr("Changing…"));
    m_statusIsHint = false;
    updateState();
    QPointer<ChangePasswordDialog> self(this);
    m_devices->changePassword(m_current->text(), m_new->text(), [self](Status s) {
        if (!self)
            return;
        self->m_busy = false;
        if (s) {
            self->m_changed = true;
            for (QLineEdit *edit : {self->m_current, self->m_new, self->m_repeat})
                edit->clear();
            self->m_status->setText(tr("Password changed. Your other devices were logged out."));
            self->m_buttons->setStandardButtons(QDialogButtonBox::Close);
            emit self->passwordChanged();
            return;
        }
        for (QLineEdit *edit : {self->m_current, self->m_new, self->m_repeat})
            edit->setEnabled(true);
        QString why = s.error().detail;
        if (s.error().code == ErrorCode::BadCredentials)
            why = tr("the current password is wrong");
        else if (s.error().code == ErrorCode::RateLimited)
            why = tr("too many attempts; try again in a minute");
        else if (s.error().code == ErrorCode::Network || s.error().code == ErrorCode::Timeout)
            why = tr("no connection to the server");
        self->updateState();
        self->m_status->setText(tr("Not changed: %1").arg(why));
        self->m_statusIsHint = false;
    });
}

} // namespace tidings::ui
