#include "core/account/account.h"

#include "core/net/server_url.h"

#include "core/logging.h"
#include "core/secrets/secret_store.h"
#include "core/store/account_store.h"
#include "protocol/codec.h"

namespace tidings::client {

Account::Account(AccountStore *accounts, SecretStore *secrets, SocketControl *socket,
                 Requester *requests, QObject *parent)
    : QObject(parent)
    , m_accounts(accounts)
    , m_secrets(secrets)
    , m_socket(socket)
    , m_requests(requests) {
    if (auto a = m_accounts->account())
        m_settings = *a;
    m_trustedCertificate = m_settings.serverCertificate;
}

void Account::registerAccount(const QUrl &server, const QString &username, const QString &password,
                              const QString &deviceName, AccountHandler done,
                              const QString &inviteCode) {
    beginAccountOp(server,
                   AccountOp{true, username, password, deviceName, std::move(done), inviteCode});
}

void Account::login(const QUrl &server, const QString &username, const QString &password,
                    const QString &deviceName, AccountHandler done) {
    beginAccountOp(server, AccountOp{false, username, password, deviceName, std::move(done)});
}

void Account::beginAccountOp(const QUrl &server, AccountOp op) {
    if (auto s = checkServerUrl(server, m_allowInsecure); !s) {
        op.done(s.error());
        return;
    }
    m_socket->close();
    m_accountOp = std::move(op);
    m_settings.serverUrl = server.toString();
    m_socket->setPinnedCertificate(m_trustedCertificate);
    m_socket->open(server);
}

Result<crypto::SecretBytes> Account::deviceToken() const {
    // In the desktop app this is the in-memory copy read when the profile opened: reconnects
    // never wait for a keyring.
    return m_secrets->readSecret(kDeviceTokenKey);
}

Status Account::saveDeviceToken(const QByteArray &token) {
    return m_secrets->write(kDeviceTokenKey, token);
}

Status Account::start(const QUrl &server) {
    QUrl url = server.isEmpty() ? QUrl(m_settings.serverUrl) : server;
    if (m_settings.userId == 0)
        return Error{ErrorCode::Usage, QStringLiteral("no account in this profile: register or "
                                                      "log in first")};
    if (!url.isValid() || url.isEmpty())
        return Error{ErrorCode::Usage, QStringLiteral("no server address: pass --server")};
    if (auto s = checkServerUrl(url, m_allowInsecure || m_settings.allowInsecure); !s)
        return s;
    auto token = deviceToken();
    if (!token)
        return token.error();
    if (token->isEmpty())
        return Error{ErrorCode::Usage, QStringLiteral("no device token: log in again")};
    m_socket->setPinnedCertificate(m_settings.serverCertificate);
    m_socket->open(url);
    return {};
}

void Account::stop() {
    m_requests->dropWaiting();
    m_socket->close();
}

void Account::onSocketOpened() {
    Frame f;
    if (m_accountOp) {
        const auto &op = *m_accountOp;
        auto fill = [&op](auto *request) {
            request->set_username(op.username.toStdString());
            request->set_password(op.password.toStdString());
            request->set_device_name(op.deviceName.toStdString());
        };
        if (op.registering) {
            fill(f.mutable_register_request());
            f.mutable_register_request()->set_invite_code(op.inviteCode.trimmed().toStdString());
        } else {
            fill(f.mutable_login_request());
        }
        m_requests->callNow<wire::LoginResponse>(
            std::move(f),
            [this](Result<wire::LoginResponse> r) { onAccountResponse(std::move(r)); });
        return;
    }
    auto token = deviceToken();
    if (!token || token->isEmpty()) {
        const Error e =
            token ? Error{ErrorCode::BadToken, QStringLiteral("no device token")} : token.error();
        stop();
        emit fatalError(e);
        return;
    }
    f.mutable_auth_request()->set_device_token(token->constChar(), token->size());
    m_requests->callNow<wire::AuthResponse>(
        std::move(f), [this](Result<wire::AuthResponse> r) { onAuthResponse(std::move(r)); });
}

void Account::onAccountResponse(Result<wire::LoginResponse> result) {
    if (!m_accountOp)
        return;
    if (!result) {
        Error e = result.error();
        if (isUnexpectedAnswer(e))
            e.detail = QStringLiteral("unexpected answer to login");
        failAccountOp(e);
        return;
    }
    const wire::LoginResponse &lr = *result;
    AccountSettings account;
    account.serverUrl = m_settings.serverUrl;
    account.allowInsecure = m_allowInsecure && isInsecureRemote(QUrl(account.serverUrl));
    account.serverCertificate = m_trustedCertificate;
    account.userId = lr.user_id();
    account.deviceId = lr.device_id();
    account.username = lr.username().empty() ? protocol::normalizeUsername(m_accountOp->username)
                                             : protocol::fromStd(lr.username());
    if (auto s = saveDeviceToken(protocol::bytesFromStd(lr.device_token())); !s) {
        failAccountOp(s.error());
        return;
    }
    if (auto s = m_accounts->saveAccount(account); !s) {
        failAccountOp(s.error());
        return;
    }
    if (m_hook) {
        if (auto s = m_hook(account, m_accountOp->registering); !s) {
            failAccountOp(s.error());
            return;
        }
    }
    m_settings = account;
    emit accountChanged();
    AccountOp op = std::move(*m_accountOp);
    m_accountOp.reset();
    op.password.fill(QChar(0));
    m_socket->markAuthenticated();
    op.done(account);
}

void Account::failAccountOp(const Error &error) {
    if (!m_accountOp)
        return;
    AccountOp op = std::move(*m_accountOp);
    m_accountOp.reset();
    op.password.fill(QChar(0));
    m_socket->close();
    op.done(error);
}

void Account::onAuthResponse(Result<wire::AuthResponse> result) {
    if (result) {
        if (result->user_id() != m_settings.userId || result->device_id() != m_settings.deviceId)
            qCWarning(lcClient) << "server reports another identity for this token";
        if (!result->renewed_token().empty()) {
            // The old token works for a grace period only: keep the renewed one. If it cannot be
            // saved, the next session presents the old one again and gets another renewal.
            if (auto s = saveDeviceToken(protocol::bytesFromStd(result->renewed_token())); !s)
                qCWarning(lcClient) << "renewed device token not saved:" << s.error().toString();
        }
        m_socket->markAuthenticated();
        return;
    }
    const Error &e = result.error();
    if (isUnexpectedAnswer(e)) {
        m_socket->reconnect(QStringLiteral("unexpected answer to auth"));
        return;
    }
    if (isTransport(e.code))
        return; // the connection reconnects by itself
    if (e.code == ErrorCode::Internal || e.code == ErrorCode::RateLimited) {
        m_socket->reconnect(e.toString());
        return;
    }
    // BAD_TOKEN, NOT_AUTHENTICATED, FORBIDDEN...: retrying cannot help.
    qCWarning(lcClient) << "authentication refused:" << e.toString();
    stop();
    emit fatalError(e);
}

void Account::onSocketClosed(const Error &reason) {
    if (m_accountOp)
        failAccountOp(reason);
}

void Account::onServerError(const Error &error) {
    // Ended by the server for good: another connection of this device, a logout, or the admin
    // disabled the account (reconnecting cannot help until they enable it).
    if (error.code != ErrorCode::SessionReplaced && error.code != ErrorCode::BadToken &&
        error.code != ErrorCode::AccountDisabled)
        return;
    qCWarning(lcClient) << "session ended by the server:" << error.toString();
    stop();
    emit fatalError(error);
}

Status Account::allowInsecureServer(bool allow) {
    m_allowInsecure = allow;
    if (!hasAccount() || m_settings.allowInsecure == allow)
        return {};
    AccountSettings changed = m_settings;
    changed.allowInsecure = allow;
    if (auto s = m_accounts->saveAccount(changed); !s)
        return s;
    m_settings = changed;
    return {};
}

Status Account::trustServerCertificate(const QString &sha256) {
    m_trustedCertificate = sha256;
    m_socket->setPinnedCertificate(sha256);
    if (!hasAccount() || m_settings.serverCertificate == sha256)
        return {};
    AccountSettings changed = m_settings;
    changed.serverCertificate = sha256;
    if (auto s = m_accounts->saveAccount(changed); !s)
        return s;
    m_settings = changed;
    qCInfo(lcClient) << "trusting the server certificate" << sha256;
    return {};
}

void Account::setDisplayName(const QString &name) {
    m_settings.displayName = name;
    if (auto saved = m_accounts->saveAccount(m_settings); !saved)
        qCWarning(lcClient) << "display name not saved locally:" << saved.error().toString();
}

} // namespace tidings::client
