#include "safety_number_dialog.h"

#include "core/keys/keys.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace tidings::ui {

SafetyNumberDialog::SafetyNumberDialog(client::Keys *keys, const QString &username,
                                       const QString &displayName, QWidget *parent)
    : QDialog(parent)
    , m_keys(keys)
    , m_username(username)
    , m_name(displayName.isEmpty() ? username : displayName)
    , m_digits(new QLabel)
    , m_status(new QLabel)
    , m_verify(new QPushButton(tr("Mark as verified"))) {
    setWindowTitle(tr("Verify security code"));
    setAccessibleName(tr("Verify security code"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(
        tr("Compare this code with the one on %1's device, in person or over a call you trust. "
           "If they match, your messages with %1 cannot be read by anyone else.")
            .arg(m_name));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(mono.pointSizeF() * 1.5);
    m_digits->setFont(mono);
    m_digits->setAlignment(Qt::AlignCenter);
    m_digits->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_digits->setAccessibleName(tr("Security code"));
    m_digits->setMinimumHeight(QFontMetrics(mono).lineSpacing() * 3 + 24);
    layout->addWidget(m_digits);
    m_status->setWordWrap(true);
    m_status->setAccessibleName(tr("Verification status"));
    layout->addWidget(m_status);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(m_verify, QDialogButtonBox::ActionRole);
    m_verify->setEnabled(false);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_verify, &QPushButton::clicked, this, &SafetyNumberDialog::toggleVerified);
    layout->addWidget(buttons);
    resize(460, 300);
    load();
}

QString SafetyNumberDialog::grouped(const QString &digits) {
    QString plain;
    for (QChar c : digits)
        if (c.isDigit())
            plain += c;
    if (plain.size() != 60)
        return QString();
    QStringList lines;
    for (int line = 0; line < 3; ++line) {
        QStringList groups;
        for (int g = 0; g < 4; ++g)
            groups.append(plain.mid((line * 4 + g) * 5, 5));
        lines.append(groups.join(QLatin1Char(' ')));
    }
    return lines.join(QLatin1Char('\n'));
}

QString SafetyNumberDialog::digits() const {
    return m_digits->text();
}

QString SafetyNumberDialog::status() const {
    return m_status->text();
}

void SafetyNumberDialog::load() {
    m_status->setText(tr("Loading…"));
    QPointer<SafetyNumberDialog> self(this);
    m_keys->safetyNumber(m_username, [self](Result<client::SafetyNumberInfo> r) {
        if (!self)
            return;
        if (!r) {
            self->m_status->setText(tr("Cannot show the code: %1").arg(r.error().detail));
            return;
        }
        self->display(*r);
    });
}

void SafetyNumberDialog::display(const client::SafetyNumberInfo &info) {
    m_info = info;
    m_digits->setText(grouped(info.digits));
    m_verify->setEnabled(!m_digits->text().isEmpty());
    m_verify->setText(info.verified ? tr("Clear verification") : tr("Mark as verified"));
    if (info.identityChanged)
        m_status->setText(tr("%1's security code changed. Compare the new code before you "
                             "mark it as verified.")
                              .arg(m_name));
    else
        m_status->setText(info.verified ? tr("You have verified %1.").arg(m_name)
                                        : tr("Not verified yet."));
}

void SafetyNumberDialog::toggleVerified() {
    const bool verify = !m_info.verified;
    m_verify->setEnabled(false);
    QPointer<SafetyNumberDialog> self(this);
    m_keys->setVerified(m_username, verify, [self, verify](Status s) {
        if (!self)
            return;
        if (!s) {
            self->m_verify->setEnabled(true);
            self->m_status->setText(tr("Not saved: %1").arg(s.error().detail));
            return;
        }
        self->m_info.verified = verify;
        self->m_info.identityChanged = false;
        self->display(self->m_info);
        emit self->verifiedChanged(self->m_username, verify);
    });
}

} // namespace tidings::ui
