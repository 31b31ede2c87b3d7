#include "passphrase_dialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace tidings::ui {

PassphraseDialog::PassphraseDialog(Mode mode, QWidget *parent)
    : QDialog(parent)
    , m_mode(mode)
    , m_first(new QLineEdit)
    , m_error(new QLabel) {
    const bool create = mode != Mode::Unlock;
    setWindowTitle(create ? tr("Protect this device") : tr("Unlock Tidings"));
    setMinimumWidth(420);
    auto *layout = new QVBoxLayout(this);
    QString text;
    switch (mode) {
    case Mode::Create:
        text = tr("No system keyring answered, so Tidings keeps this device's key in a file "
                  "protected by a passphrase. Choose one; you will type it when Tidings starts.");
        break;
    case Mode::CreateInstead:
        text = tr("Tidings keeps this device's key in a file protected by a passphrase instead of "
                  "the keyring. Choose one; you will type it when Tidings starts.");
        break;
    case Mode::Unlock:
        text = tr("Enter the passphrase that protects this device's key.");
        break;
    }
    auto *intro = new QLabel(text);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *form = new QFormLayout;
    m_first->setEchoMode(QLineEdit::Password);
    m_first->setAccessibleName(tr("Passphrase"));
    form->addRow(tr("&Passphrase:"), m_first);
    if (create) {
        m_second = new QLineEdit;
        m_second->setEchoMode(QLineEdit::Password);
        m_second->setAccessibleName(tr("Repeat passphrase"));
        form->addRow(tr("&Repeat:"), m_second);
    }
    layout->addLayout(form);
    m_error->setStyleSheet(QStringLiteral("color: #d93a3a"));
    m_error->setWordWrap(true);
    m_error->hide();
    layout->addWidget(m_error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &PassphraseDialog::check);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

QString PassphraseDialog::passphrase() const {
    return m_first->text();
}

void PassphraseDialog::setError(const QString &text) {
    m_error->setText(text);
    m_error->setVisible(!text.isEmpty());
}

QString PassphraseDialog::errorText() const {
    return m_error->isVisible() ? m_error->text() : QString();
}

void PassphraseDialog::check() {
    if (m_mode != Mode::Unlock) {
        if (m_first->text().size() < 8) {
            setError(tr("Use at least 8 characters."));
            return;
        }
        if (m_first->text() != m_second->text()) {
            setError(tr("The two passphrases differ."));
            return;
        }
    } else if (m_first->text().isEmpty()) {
        return;
    }
    accept();
}

} // namespace tidings::ui
