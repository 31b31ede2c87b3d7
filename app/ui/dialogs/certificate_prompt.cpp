#include "dialogs/certificate_prompt.h"

#include <QFontDatabase>

namespace tidings::ui {

namespace {
//! The fingerprint in two lines of 16 pairs, so it can be read out and compared in halves.
QString grouped(const QString &fingerprint) {
    const QStringList pairs = fingerprint.split(QLatin1Char(':'));
    if (pairs.size() != 32)
        return fingerprint.toHtmlEscaped();
    return pairs.mid(0, 16).join(QLatin1Char(':')) + QStringLiteral("<br>") +
           pairs.mid(16).join(QLatin1Char(':'));
}
} // namespace

QString CertificatePrompt::title(ErrorCode code) {
    return code == ErrorCode::CertificateChanged ? tr("The server's certificate changed")
                                                 : tr("Check the server's certificate");
}

CertificatePrompt::CertificatePrompt(const Error &refusal, const QString &server,
                                     const QString &presented, const QString &trustedBefore,
                                     QWidget *window)
    : QObject(window)
    , m_box(new QMessageBox(window)) {
    const bool changed = refusal.code == ErrorCode::CertificateChanged;
    const QString mono =
        QFontDatabase::systemFont(QFontDatabase::FixedFont).family().toHtmlEscaped();
    const auto print = [&](const QString &fp) {
        return QStringLiteral("<p style=\"font-family:'%1'\">%2</p>").arg(mono, grouped(fp));
    };
    m_box->setObjectName(QStringLiteral("certificatePrompt"));
    m_box->setWindowTitle(title(refusal.code));
    m_box->setTextFormat(Qt::RichText);
    m_box->setAttribute(Qt::WA_DeleteOnClose);
    const QString host = server.toHtmlEscaped();
    if (changed) {
        m_box->setIcon(QMessageBox::Critical);
        m_box->setText(
            tr("<b>%1 presents another certificate than the one you trusted.</b><p>Someone may "
               "be intercepting your connection. Ask the server's admin whether they replaced the "
               "certificate, and compare the new fingerprint with theirs, before you go on.</p>")
                .arg(host) +
            tr("<p>Trusted before:</p>") + print(trustedBefore) + tr("<p>Presented now:</p>") +
            print(presented));
        m_trust = m_box->addButton(tr("Trust the new certificate"), QMessageBox::DestructiveRole);
        m_cancel = m_box->addButton(tr("Stay disconnected"), QMessageBox::RejectRole);
    } else {
        m_box->setIcon(QMessageBox::Warning);
        m_box->setText(
            tr("<b>No authority this computer trusts has signed the certificate of %1.</b><p>That "
               "is normal for a server whose admin made its certificate themselves, but only if "
               "its fingerprint is the one the admin gave you. Compare every pair:</p>")
                .arg(host) +
            print(presented) +
            tr("<p>Tidings remembers this certificate for this account and warns you if it ever "
               "changes.</p>"));
        m_trust = m_box->addButton(tr("Trust this certificate"), QMessageBox::AcceptRole);
        m_cancel = m_box->addButton(QMessageBox::Cancel);
    }
    m_box->setDefaultButton(m_cancel);
    m_box->setEscapeButton(m_cancel);
    connect(m_box, &QMessageBox::buttonClicked, this, [this, presented](QAbstractButton *b) {
        if (b == m_trust)
            emit this->trusted(presented);
        else
            emit declined();
        deleteLater();
    });
    m_box->open();
}

} // namespace tidings::ui
