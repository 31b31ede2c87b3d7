#pragma once
// The account of this profile and the start of every session: register or log in (creating this
// device on the server), the authentication handshake of each fresh socket with the saved device
// token, start and stop. It owns the AccountSettings the other modules read.
#include "core/net/requester.h"
#include "core/net/socket_control.h"
#include "core/store/records.h"
#include "crypto/secret_bytes.h"

#include <QObject>
#include <QUrl>

#include <functional>
#include <optional>

namespace tidings::client {

class AccountStore;
class SecretStore;

class Account : public QObject {
    Q_OBJECT
public:
    using AccountHandler = std::function<void(Result<AccountSettings>)>;
    //! Runs after the server accepted a register/login and the account was saved, before anyone
    //! hears of it; an error fails the operation. `registering`: the account is new.
    using AccountHook = std::function<Status(const AccountSettings &account, bool registering)>;

    Account(AccountStore *accounts, SecretStore *secrets, SocketControl *socket,
            Requester *requests, QObject *parent = nullptr);

    //! Creates the account and this device on `server`, saves the device token and the account,
    //! and leaves the socket authenticated. One attempt: a network failure is reported, not
    //! retried (a retry could race the first attempt's commit). `inviteCode`: for a server whose
    //! admin takes new accounts by invitation only (BAD_INVITE without a valid one).
    void registerAccount(const QUrl &server, const QString &username, const QString &password,
                         const QString &deviceName, AccountHandler done,
                         const QString &inviteCode = {});
    //! The same for an existing account (a new device).
    void login(const QUrl &server, const QString &username, const QString &password,
               const QString &deviceName, AccountHandler done);
    //! Connects with the saved token and keeps reconnecting until stop(). `server` overrides the
    //! saved address for this session.
    Status start(const QUrl &server = QUrl());
    //! Closes the socket; requests waiting for a session are dropped.
    void stop();

    //! A fresh socket is open: its first frame is register/login or the token (Client wires it).
    void onSocketOpened();
    //! The socket went away: a register/login in flight fails with `reason`.
    void onSocketClosed(const Error &reason);
    //! An error the server sent outside any request (Client wires it). SESSION_REPLACED (this
    //! device connected again elsewhere) and BAD_TOKEN (it was logged out) end the session:
    //! reconnecting would only take the connection back from the newer one, or fail.
    void onServerError(const Error &error);

    const AccountSettings &settings() const { return m_settings; }
    quint64 userId() const { return m_settings.userId; }
    quint64 deviceId() const { return m_settings.deviceId; }
    bool hasAccount() const { return m_settings.userId != 0; }
    //! The user's consent to ws:// (no TLS) to a server on another machine: without it such an
    //! address is refused (core/net/server_url.h). Applies to the next register/login (and is
    //! saved with that account) and to the saved account at once.
    Status allowInsecureServer(bool allow);
    bool insecureAllowed() const { return m_allowInsecure || m_settings.allowInsecure; }
    //! Trust the server's TLS certificate with this SHA-256 fingerprint although no authority
    //! signed it (the user compared it with what the server's admin handed out): applies to the
    //! next register/login (saved with that account) and to the saved account at once. Empty:
    //! authorities only again.
    Status trustServerCertificate(const QString &sha256);
    QString presentedCertificate() const { return m_socket->presentedCertificate(); }
    //! The fingerprint trusted for the next connection (empty: authorities only).
    QString trustedCertificate() const { return m_trustedCertificate; }
    //! My display name changed on the server: the saved account follows (a failure is logged).
    void setDisplayName(const QString &name);
    //! See AccountHook (the end-to-end keys of the new device are made there).
    void setAccountHook(AccountHook hook) { m_hook = std::move(hook); }

signals:
    //! Register/login saved a new account (settings() holds it).
    void accountChanged();
    //! The session cannot continue (the device token was revoked, or the device's connection
    //! was replaced by a newer one: SESSION_REPLACED); the client stopped. start() resumes.
    void fatalError(const tidings::Error &error);

private:
    struct AccountOp {
        bool registering = false;
        QString username;
        QString password;
        QString deviceName;
        AccountHandler done;
        QString inviteCode = {};
    };

    void beginAccountOp(const QUrl &server, AccountOp op);
    void onAccountResponse(Result<wire::LoginResponse> result);
    void onAuthResponse(Result<wire::AuthResponse> result);
    void failAccountOp(const Error &error);
    //! The saved device token; the only place that reads it.
    Result<crypto::SecretBytes> deviceToken() const;
    Status saveDeviceToken(const QByteArray &token);

    AccountStore *m_accounts;
    SecretStore *m_secrets;
    SocketControl *m_socket;
    Requester *m_requests;
    AccountSettings m_settings;
    std::optional<AccountOp> m_accountOp;
    AccountHook m_hook;
    bool m_allowInsecure = false;
    QString m_trustedCertificate;
};

} // namespace tidings::client
