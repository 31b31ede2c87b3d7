#include "passphrase_dialog.h"

#include "core/secrets/passphrase_secret_store.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QThreadPool>
#include <QVBoxLayout>

namespace tidings::ui {

PassphraseDialog::PassphraseDialog(Mode mode, QWidget *parent)
    : QDialog(parent)
    , m_mode(mode)
    , m_first(new QLineEdit)
    , m_error(new QLabel)
    , m_status(new QLabel) {
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
    m_status->setWordWrap(true);
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_status->hide();
    layout->addWidget(m_status);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &PassphraseDialog::check);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(m_buttons);
}

PassphraseDialog::~PassphraseDialog() = default;

void PassphraseDialog::setWork(Work work) {
    m_work = std::move(work);
}

std::unique_ptr<client::PassphraseSecretStore> PassphraseDialog::takeStore() {
    return std::move(m_store);
}

void PassphraseDialog::setWorking(bool working) {
    m_working = working;
    m_first->setEnabled(!working);
    if (m_second)
        m_second->setEnabled(!working);
    m_buttons->setEnabled(!working);
    m_status->setText(m_mode == Mode::Unlock
                          ? tr("Unlocking… this takes a few seconds, to make guessing the "
                               "passphrase slow for anyone who copies the file.")
                          : tr("Protecting the key… this takes a few seconds, to make guessing "
                               "the passphrase slow for anyone who copies the file."));
    m_status->setVisible(working);
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
    if (!m_work) {
        accept();
        return;
    }
    if (m_working)
        return;
    setError(QString());
    setWorking(true);
    // Off the event loop: the window keeps drawing and the rest of the app keeps running.
    QPointer<PassphraseDialog> self(this);
    QThreadPool::globalInstance()->start([self, work = m_work, passphrase = passphrase()] {
        auto result = std::make_shared<Result<std::unique_ptr<client::PassphraseSecretStore>>>(
            work(passphrase));
        QMetaObject::invokeMethod(
            qApp,
            [self, result] {
                if (!self)
                    return;
                self->setWorking(false);
                if (!*result) {
                    self->setError(
                        result->error().code == ErrorCode::BadCredentials
                            ? QCoreApplication::translate("PassphraseDialog", "Wrong passphrase.")
                            : result->error().detail);
                    self->m_first->selectAll();
                    self->m_first->setFocus();
                    return;
                }
                self->m_store = std::move(**result);
                self->accept();
            },
            Qt::QueuedConnection);
    });
}

} // namespace tidings::ui
