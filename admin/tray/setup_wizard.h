#pragma once
// The tray app's first run (issue 13): three questions — where the data lives, which address and
// port (with TLS for anything but this computer: a self-signed certificate made on first start,
// or the admin's own), and who may register — then a config file for tidingsd in the data
// directory. Or: administer the server that already runs as a service on this machine.
#include "tray_app.h"

#include <QWizard>

class QCheckBox;
class QLineEdit;
class QRadioButton;
class QSpinBox;

namespace tidings::admin {

class SetupWizard : public QWizard {
    Q_OBJECT
public:
    enum Page { WherePage, AddressPage, RegistrationPage };

    explicit SetupWizard(QWidget *parent = nullptr);

    //! Writes DATA/tidingsd.conf (managed) and returns what the tray app should remember; the
    //! registration answer is kept until the server has it. Nothing and `error` on failure.
    std::optional<TrayProfile> apply(QString *error);
    //! The config file's text for the answers given.
    QString configText() const;

    // The answers' widgets (tests fill them in).
    QRadioButton *runHere() const { return m_runHere; }
    QRadioButton *attach() const { return m_attach; }
    QLineEdit *dataDir() const { return m_dataDir; }
    QRadioButton *localOnly() const { return m_localOnly; }
    QRadioButton *network() const { return m_network; }
    QSpinBox *port() const { return m_port; }
    QCheckBox *ownCertificate() const { return m_ownCert; }
    QLineEdit *certFile() const { return m_certFile; }
    QLineEdit *keyFile() const { return m_keyFile; }
    QRadioButton *openRegistration() const { return m_open; }
    QRadioButton *inviteRegistration() const { return m_invite; }
    QRadioButton *closedRegistration() const { return m_closed; }

    int nextId() const override;

private:
    QRadioButton *m_runHere;
    QRadioButton *m_attach;
    QLineEdit *m_dataDir;
    QRadioButton *m_localOnly;
    QRadioButton *m_network;
    QSpinBox *m_port;
    QCheckBox *m_ownCert;
    QLineEdit *m_certFile;
    QLineEdit *m_keyFile;
    QRadioButton *m_open;
    QRadioButton *m_invite;
    QRadioButton *m_closed;
};

} // namespace tidings::admin
