#include "setup_wizard.h"

#include <QCheckBox>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSaveFile>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace tidings::admin {

namespace {

QWizardPage *makePage(const QString &title, const QString &subtitle) {
    auto *p = new QWizardPage;
    p->setTitle(title);
    p->setSubTitle(subtitle);
    return p;
}

QLabel *note(const QString &text) {
    auto *l = new QLabel(text);
    l->setWordWrap(true);
    l->setForegroundRole(QPalette::PlaceholderText);
    return l;
}

//! A line edit with a "Choose…" button that picks a directory or a file.
QWidget *withChooser(QLineEdit *edit, bool directory, QWidget *parent) {
    auto *row = new QWidget;
    auto *h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(edit, 1);
    auto *choose = new QPushButton(SetupWizard::tr("Choose…"));
    h->addWidget(choose);
    QObject::connect(choose, &QPushButton::clicked, parent, [edit, directory, parent] {
        const QString picked = directory
                                   ? QFileDialog::getExistingDirectory(parent, {}, edit->text())
                                   : QFileDialog::getOpenFileName(parent, {}, edit->text());
        if (!picked.isEmpty())
            edit->setText(QDir::toNativeSeparators(picked));
    });
    return row;
}

} // namespace

SetupWizard::SetupWizard(QWidget *parent)
    : QWizard(parent)
    , m_runHere(new QRadioButton(tr("Run a Tidings server on this computer")))
    , m_attach(new QRadioButton(tr("Look after the server that runs as a service here")))
    , m_dataDir(new QLineEdit)
    , m_localOnly(new QRadioButton(tr("Only this computer (for trying it out)")))
    , m_network(new QRadioButton(tr("Other computers: the local network or the internet")))
    , m_port(new QSpinBox)
    , m_ownCert(new QCheckBox(tr("Use my own certificate (e.g. from Let's Encrypt)")))
    , m_certFile(new QLineEdit)
    , m_keyFile(new QLineEdit)
    , m_open(new QRadioButton(tr("Anyone who reaches the server")))
    , m_invite(new QRadioButton(tr("Only people with an invite code you give them")))
    , m_closed(new QRadioButton(tr("Nobody: you create the accounts"))) {
    setWindowTitle(tr("Set up Tidings Server"));
    setObjectName(QStringLiteral("setupWizard"));
    setWizardStyle(QWizard::ModernStyle);

    auto *where = makePage(tr("Where the server lives"),
                           tr("Tidings keeps its database, photos and files in one directory."));
    auto *wl = new QVBoxLayout(where);
    wl->addWidget(m_runHere);
    wl->addWidget(m_attach);
    m_runHere->setChecked(true);
    auto *wf = new QFormLayout;
    m_dataDir->setText(
        QDir::toNativeSeparators(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                                 QStringLiteral("/server")));
    m_dataDir->setAccessibleName(tr("Data directory"));
    wf->addRow(tr("&Data directory:"), withChooser(m_dataDir, true, this));
    wl->addLayout(wf);
    wl->addWidget(note(tr("Back it up with the rest of your files: it is everything the server "
                          "has. A service installed from the package keeps it in "
                          "/var/lib/tidings.")));
    connect(m_attach, &QRadioButton::toggled, this, [this](bool on) {
        m_dataDir->setText(on ? QStringLiteral("/var/lib/tidings")
                              : QDir::toNativeSeparators(QStandardPaths::writableLocation(
                                                             QStandardPaths::AppDataLocation) +
                                                         QStringLiteral("/server")));
    });
    setPage(WherePage, where);

    auto *address = makePage(tr("Who connects"),
                             tr("The address and port your users' Tidings apps connect to."));
    auto *al = new QVBoxLayout(address);
    al->addWidget(m_localOnly);
    al->addWidget(m_network);
    m_network->setChecked(true);
    auto *af = new QFormLayout;
    m_port->setRange(1, 65535);
    m_port->setValue(7700);
    m_port->setAccessibleName(tr("Port"));
    af->addRow(tr("&Port:"), m_port);
    al->addLayout(af);
    al->addWidget(note(tr("For other computers the connection is encrypted (wss://). Unless you "
                          "give your own certificate, the server makes one on its first start; "
                          "your users then compare its fingerprint, which you copy from the "
                          "tray menu, with what their app shows.")));
    al->addWidget(m_ownCert);
    auto *cf = new QFormLayout;
    m_certFile->setAccessibleName(tr("Certificate file"));
    m_keyFile->setAccessibleName(tr("Key file"));
    cf->addRow(tr("&Certificate (PEM):"), withChooser(m_certFile, false, this));
    cf->addRow(tr("&Key (PEM):"), withChooser(m_keyFile, false, this));
    al->addLayout(cf);
    for (QWidget *w : {static_cast<QWidget *>(m_certFile), static_cast<QWidget *>(m_keyFile)})
        w->setEnabled(false);
    connect(m_ownCert, &QCheckBox::toggled, this, [this](bool on) {
        m_certFile->setEnabled(on);
        m_keyFile->setEnabled(on);
    });
    connect(m_localOnly, &QRadioButton::toggled, m_ownCert, &QWidget::setDisabled);
    setPage(AddressPage, address);

    auto *registration = makePage(tr("Who may create an account"),
                                  tr("You can change this later in the Settings page."));
    auto *rl = new QVBoxLayout(registration);
    rl->addWidget(m_open);
    rl->addWidget(m_invite);
    rl->addWidget(m_closed);
    m_invite->setChecked(true);
    rl->addWidget(note(tr("Invite codes are made in the Settings page, each for one or more "
                          "accounts, for a week or longer.")));
    setPage(RegistrationPage, registration);
}

int SetupWizard::nextId() const {
    if (currentId() == WherePage && m_attach->isChecked())
        return -1; // a service has its own config
    return QWizard::nextId();
}

QString SetupWizard::configText() const {
    // Quoted as QSettings reads INI values: a path may hold ';', '"', '\\' or spaces.
    const auto quoted = [](QString v) {
        v.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('"'), QLatin1String("\\\""));
        return QLatin1Char('"') + v + QLatin1Char('"');
    };
    const QString dir = QDir::fromNativeSeparators(m_dataDir->text().trimmed());
    const bool network = m_network->isChecked();
    QString text = QStringLiteral("# Written by tidings-admin's first-run wizard; see "
                                  "docs/OPERATIONS.md for every option.\n[server]\n");
    text += QStringLiteral("data-dir = %1\n").arg(quoted(dir));
    text += QStringLiteral("listen = %1:%2\n")
                .arg(network ? QStringLiteral("0.0.0.0") : QStringLiteral("127.0.0.1"))
                .arg(m_port->value());
    if (network) {
        const bool own = m_ownCert->isChecked();
        const QString cert = own ? QDir::fromNativeSeparators(m_certFile->text().trimmed())
                                 : dir + QStringLiteral("/tls/certificate.pem");
        const QString key = own ? QDir::fromNativeSeparators(m_keyFile->text().trimmed())
                                : dir + QStringLiteral("/tls/key.pem");
        text += QStringLiteral("tls-cert = %1\ntls-key = %2\n").arg(quoted(cert), quoted(key));
        if (!own)
            text += QStringLiteral("tls-self-signed = true\n");
    }
    return text;
}

std::optional<TrayProfile> SetupWizard::apply(QString *error) {
    TrayProfile p;
    p.managed = m_runHere->isChecked();
    p.dataDir = QDir::fromNativeSeparators(m_dataDir->text().trimmed());
    if (p.dataDir.isEmpty()) {
        *error = tr("Choose a data directory.");
        return std::nullopt;
    }
    if (!p.managed)
        return p;
    if (m_network->isChecked() && m_ownCert->isChecked() &&
        (m_certFile->text().trimmed().isEmpty() || m_keyFile->text().trimmed().isEmpty())) {
        *error = tr("Choose the certificate and its key, or let the server make a certificate.");
        return std::nullopt;
    }
    if (!QDir().mkpath(p.dataDir + QStringLiteral("/tls"))) {
        *error = tr("Cannot create %1.").arg(p.dataDir);
        return std::nullopt;
    }
    p.configFile = p.dataDir + QStringLiteral("/tidingsd.conf");
    QSaveFile f(p.configFile);
    if (!f.open(QIODevice::WriteOnly) || f.write(configText().toUtf8()) < 0 || !f.commit()) {
        *error = tr("Cannot write %1: %2").arg(p.configFile, f.errorString());
        return std::nullopt;
    }
    QSettings().setValue(QStringLiteral("server/pending-registration"),
                         m_open->isChecked()     ? QStringLiteral("open")
                         : m_invite->isChecked() ? QStringLiteral("invite")
                                                 : QStringLiteral("closed"));
    return p;
}

} // namespace tidings::admin
