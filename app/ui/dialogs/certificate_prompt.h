#pragma once
// Asks the user about a server certificate no authority signed (docs/SECURITY.md, TLS): on first
// contact, whether it is the one the server's admin handed out (compare the fingerprint, then
// trust it); when it differs from the one trusted before, a loud warning whose default is to stay
// disconnected. Not modal (open()): the window behind it keeps painting, tests find the box.
#include "protocol/result.h"

#include <QMessageBox>
#include <QObject>
#include <QPointer>
#include <QPushButton>

namespace tidings::ui {

class CertificatePrompt : public QObject {
    Q_OBJECT
public:
    //! `refusal` is UntrustedCertificate or CertificateChanged; `presented` the certificate's
    //! fingerprint, `trustedBefore` the one trusted before (CertificateChanged). Opens at once over
    //! `window`; deletes itself when answered.
    CertificatePrompt(const Error &refusal, const QString &server, const QString &presented,
                      const QString &trustedBefore, QWidget *window);

    QMessageBox *messageBox() const { return m_box; }
    QPushButton *trustButton() const { return m_trust; }
    QPushButton *cancelButton() const { return m_cancel; }

    //! The window title for a refusal of `code`.
    static QString title(ErrorCode code);

signals:
    //! The user trusts the certificate with this fingerprint.
    void trusted(const QString &fingerprint);
    void declined();

private:
    QPointer<QMessageBox> m_box;
    QPushButton *m_trust = nullptr;
    QPushButton *m_cancel = nullptr;
};

} // namespace tidings::ui
