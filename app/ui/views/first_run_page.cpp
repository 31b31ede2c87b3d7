#include "first_run_page.h"

#include "core/account/account.h"
#include "core/net/server_url.h"
#include "dialogs/certificate_prompt.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSvgWidget>
#include <QSysInfo>
#include <QUrl>
#include <QVBoxLayout>

namespace tidings::ui {

FirstRunPage::FirstRunPage(client::Account *account, QWidget *parent)
    : QWidget(parent)
    , m_account(account)
    , m_server(new QLineEdit)
    , m_username(new QLineEdit)
    , m_password(new QLineEdit)
    , m_invite(new QLineEdit)
    , m_insecure(new QCheckBox(tr("Connect without encryption (ws://)")))
    , m_register(new QPushButton(tr("Create account")))
    , m_login(new QPushButton(tr("Log in")))
    , m_error(new QLabel)
    , m_status(new QLabel) {
    setObjectName(QStringLiteral("firstRunPage"));
    auto *outer = new QVBoxLayout(this);
    outer->addStretch(1);
    auto *card = new QWidget;
    card->setObjectName(QStringLiteral("firstRunCard"));
    card->setAutoFillBackground(true);
    card->setBackgroundRole(QPalette::Base);
    card->setFixedWidth(420);
    auto *layout = new QVBoxLayout(card);
    layout->setContentsMargins(32, 28, 32, 28);
    layout->setSpacing(12);

    auto *logo = new QSvgWidget(QStringLiteral(":/icons/tidings.svg"));
    logo->setFixedSize(64, 64);
    layout->addWidget(logo, 0, Qt::AlignHCenter);
    auto *title = new QLabel(tr("Welcome to Tidings"));
    QFont tf = title->font();
    tf.setPointSizeF(tf.pointSizeF() * 1.5);
    tf.setBold(true);
    title->setFont(tf);
    title->setAlignment(Qt::AlignCenter);
    layout->addWidget(title);
    auto *intro = new QLabel(tr("Connect to your Tidings server, then create an account or log "
                                "in with an existing one."));
    intro->setWordWrap(true);
    intro->setAlignment(Qt::AlignCenter);
    intro->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(intro);

    auto *form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight);
    m_server->setPlaceholderText(QStringLiteral("wss://chat.example.org:7700"));
    m_server->setAccessibleName(tr("Server address"));
    m_username->setPlaceholderText(tr("e.g. alice"));
    m_username->setAccessibleName(tr("Username"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setAccessibleName(tr("Password"));
    form->addRow(tr("&Server:"), m_server);
    form->addRow(tr("&Username:"), m_username);
    form->addRow(tr("&Password:"), m_password);
    m_invite->setPlaceholderText(QStringLiteral("XXXX-XXXX-XXXX-XXXX"));
    m_invite->setAccessibleName(tr("Invite code"));
    form->addRow(tr("&Invite code:"), m_invite);
    // Most servers need none: the row appears when the server asks for a code.
    form->setRowVisible(m_invite, false);
    m_form = form;
    layout->addLayout(form);
    // Without TLS the password (and every later connection's device token) can be read by
    // anyone on the way: the user must choose it, knowing that, for each such server.
    m_insecure->setAccessibleName(tr("Connect without encryption"));
    m_insecure->setToolTip(tr("Only on a network you trust: without wss:// your password and "
                              "device token cross the network in clear."));
    m_insecure->hide();
    layout->addWidget(m_insecure);
    connect(m_server, &QLineEdit::textChanged, this, [this] { updateInsecureBox(); });

    m_error->setWordWrap(true);
    m_error->setObjectName(QStringLiteral("firstRunError"));
    m_error->setStyleSheet(QStringLiteral("color: #d93a3a"));
    m_error->setAccessibleName(tr("Error"));
    m_error->hide();
    layout->addWidget(m_error);
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_status->hide();
    layout->addWidget(m_status);

    auto *buttons = new QHBoxLayout;
    m_login->setAccessibleName(tr("Log in"));
    m_register->setAccessibleName(tr("Create account"));
    m_register->setDefault(true);
    buttons->addWidget(m_login);
    buttons->addWidget(m_register);
    layout->addLayout(buttons);

    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(card);
    row->addStretch(1);
    outer->addLayout(row);
    outer->addStretch(2);

    connect(m_register, &QPushButton::clicked, this, [this] { submit(true); });
    connect(m_login, &QPushButton::clicked, this, [this] { submit(false); });
    connect(m_password, &QLineEdit::returnPressed, this, [this] { submit(true); });
}

void FirstRunPage::setServer(const QString &url) {
    m_server->setText(url);
    if (!url.isEmpty())
        m_username->setFocus();
}

QUrl FirstRunPage::serverUrl() const {
    QString text = m_server->text().trimmed();
    if (!text.isEmpty() && !text.contains(QLatin1String("://"))) {
        const QString host = QUrl(QStringLiteral("ws://") + text).host();
        text.prepend(client::isLoopbackHost(host) ? QStringLiteral("ws://")
                                                  : QStringLiteral("wss://"));
    }
    return QUrl(text);
}

void FirstRunPage::updateInsecureBox() {
    const bool insecure = client::isInsecureRemote(serverUrl());
    m_insecure->setVisible(insecure);
    if (!insecure)
        m_insecure->setChecked(false);
}

QString FirstRunPage::errorText() const {
    return m_error->isVisible() ? m_error->text() : QString();
}

QString FirstRunPage::errorMessage(const Error &error, const QString &server,
                                   const QString &username) {
    switch (error.code) {
    case ErrorCode::Network:
    case ErrorCode::Timeout:
        return tr("Cannot reach the server at %1. Check the address and your connection.")
            .arg(server);
    case ErrorCode::BadCredentials:
        return tr("Wrong username or password.");
    case ErrorCode::UsernameTaken:
        return tr("The name “%1” is already taken. Choose another one, or log in.").arg(username);
    case ErrorCode::InvalidUsername:
        return tr("“%1” cannot be used as a name: use 3–32 characters, a letter first, then "
                  "letters, digits, dots, dashes or underscores.")
            .arg(username);
    case ErrorCode::WeakPassword:
        return tr("This password is too weak: use at least 8 characters.");
    case ErrorCode::RateLimited:
        return tr("Too many attempts. Try again in %n seconds.", nullptr,
                  int(qMax<quint32>(1, (error.retryAfterMs + 999) / 1000)));
    case ErrorCode::RegistrationClosed:
        return tr("This server takes no new accounts. Ask its admin for one, or log in.");
    case ErrorCode::BadInvite:
        return tr("This server takes new accounts by invitation. Enter the invite code its admin "
                  "gave you (one that is not used up or expired).");
    case ErrorCode::AccountDisabled:
        return tr("The server's admin disabled this account. Ask them to enable it again.");
    case ErrorCode::UntrustedCertificate:
        return tr("%1 uses a certificate no authority signed. Compare its fingerprint with the one "
                  "the server's admin gave you.")
            .arg(server);
    case ErrorCode::CertificateChanged:
        return tr("The certificate of %1 is not the one you trusted. Not connected.").arg(server);
    case ErrorCode::Usage:
        if (client::isInsecureRemote(QUrl(server)))
            return tr("%1 is not encrypted: your password would cross the network in clear. Use "
                      "wss://, or tick “Connect without encryption” if you trust this network.")
                .arg(server);
        return tr("The server address must start with ws:// or wss://.");
    default:
        return tr("Something went wrong: %1").arg(error.detail);
    }
}

void FirstRunPage::showError(const QString &text) {
    m_error->setText(text);
    m_error->setVisible(!text.isEmpty());
}

void FirstRunPage::setBusy(bool busy) {
    for (QWidget *w : {static_cast<QWidget *>(m_server), static_cast<QWidget *>(m_username),
                       static_cast<QWidget *>(m_password), static_cast<QWidget *>(m_invite),
                       static_cast<QWidget *>(m_insecure), static_cast<QWidget *>(m_register),
                       static_cast<QWidget *>(m_login)})
        w->setEnabled(!busy);
    m_status->setText(tr("Connecting…"));
    m_status->setVisible(busy);
}

CertificatePrompt *FirstRunPage::certificatePrompt() const {
    return m_certificatePrompt;
}

void FirstRunPage::askAboutCertificate(const Error &refusal, bool registering) {
    const QString presented = m_account->presentedCertificate();
    if (presented.isEmpty())
        return;
    auto *prompt = new CertificatePrompt(refusal, serverUrl().host(), presented,
                                         m_account->trustedCertificate(), window());
    m_certificatePrompt = prompt;
    connect(prompt, &CertificatePrompt::trusted, this,
            [this, registering](const QString &fingerprint) {
                if (auto s = m_account->trustServerCertificate(fingerprint); !s) {
                    showError(errorMessage(s.error(), serverUrl().toString(), QString()));
                    return;
                }
                submit(registering); // the same request, now over the trusted certificate
            });
}

void FirstRunPage::submit(bool registering) {
    const QString server = serverUrl().toString();
    const QString username = m_username->text().trimmed();
    const QString password = m_password->text();
    if (server.isEmpty() || username.isEmpty() || password.isEmpty()) {
        showError(tr("Fill in the server address, a username and a password."));
        return;
    }
    showError(QString());
    const bool insecure = m_insecure->isVisible() && m_insecure->isChecked();
    if (client::isInsecureRemote(QUrl(server)) && !insecure) {
        showError(errorMessage(Error{ErrorCode::Usage, {}}, server, username));
        return;
    }
    if (auto s = m_account->allowInsecureServer(insecure); !s) {
        showError(errorMessage(s.error(), server, username));
        return;
    }
    setBusy(true);
    const QString device = tr("%1 (desktop)").arg(QSysInfo::machineHostName());
    QPointer<FirstRunPage> self(this);
    auto done = [self, server, username, registering](Result<client::AccountSettings> r) {
        if (!self)
            return;
        self->setBusy(false);
        if (!r) {
            self->showError(errorMessage(r.error(), server, username));
            if (r.error().code == ErrorCode::BadInvite) {
                self->m_form->setRowVisible(self->m_invite, true);
                self->m_invite->setFocus();
            }
            if (r.error().code == ErrorCode::UntrustedCertificate ||
                r.error().code == ErrorCode::CertificateChanged)
                self->askAboutCertificate(r.error(), registering);
            return;
        }
        self->m_password->clear();
        emit self->accountReady();
    };
    if (registering)
        m_account->registerAccount(QUrl(server), username, password, device, done,
                                   m_invite->text());
    else
        m_account->login(QUrl(server), username, password, device, done);
}

} // namespace tidings::ui
