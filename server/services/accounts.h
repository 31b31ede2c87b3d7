#pragma once
// Registration, login and device-token authentication. Argon2id hashing and verification run
// on a small thread pool: they take tens of milliseconds and must not stall the event loop.
#include "protocol/codec.h"
#include "server_config.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <deque>
#include <functional>
#include <optional>

class QThreadPool;

namespace tidings::server {

class PgPool;
class Router;
class Session;

class AccountService : public QObject {
    Q_OBJECT
public:
    struct Login {
        quint64 userId = 0;
        quint64 deviceId = 0;
        QString username;
        QString displayName;
        QByteArray token; //!< set for register/login (a new device); empty for auth
    };
    using Callback = std::function<void(Result<Login>)>;

    AccountService(const ServerConfig &config, PgPool *pool, Router *router,
                   QObject *parent = nullptr);
    ~AccountService() override;

    void registerAccount(const wire::RegisterRequest &req, const QString &peer, Callback cb);
    void login(const wire::LoginRequest &req, const QString &peer, Callback cb);
    void authenticate(const wire::AuthRequest &req, const QString &peer, Callback cb);

    void pruneRateLimits();

    //! The caller's devices (not revoked), with which are online now.
    void listDevices(Session *session, quint64 requestId);
    //! Logs out one of the caller's devices: token gone, connection closed at once.
    void revokeDevice(Session *session, quint64 requestId, quint64 deviceId);

    static QByteArray hashToken(const QByteArray &token);
    static QByteArray randomToken();

signals:
    //! A device was logged out remotely (its token and prekeys are gone).
    void deviceRevoked(quint64 userId, quint64 deviceId);

private:
    //! A failure budget per key (username or peer address) over a sliding minute.
    std::optional<Error> checkRateLimit(const QString &username, const QString &peer) const;
    void recordFailure(const QString &username, const QString &peer);
    void createDevice(quint64 userId, const QString &username, const QString &deviceName,
                      Callback cb);
    template <typename Work, typename Done> void offload(Work work, Done done);

    ServerConfig m_config;
    PgPool *m_pool;
    Router *m_router;
    QThreadPool *m_hashPool;
    QHash<QString, std::deque<qint64>> m_failures;
};

} // namespace tidings::server
