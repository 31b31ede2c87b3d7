#pragma once
// The WebSocket front door: accepts connections and owns their sessions, runs the single
// heartbeat timer (no per-connection timers), registers authenticated sessions with the router,
// and hands frames to the handshake (before authentication) or the dispatcher (after).
#include "core/server_config.h"
#include "gateway/dispatcher.h"
#include "gateway/handshake.h"
#include "gateway/services.h"
#include "protocol/codec.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <functional>

class QTcpServer;
class QTcpSocket;
class QTimer;
class QWebSocketServer;

namespace tidings::http {
class HttpServer;
}

namespace tidings::server {

class Clock;
class FrontDoor;
class LocalRouter;
class Session;

class Gateway : public QObject {
    Q_OBJECT
public:
    Gateway(const ServerConfig &config, const Clock &clock, LocalRouter &router, Services services,
            QObject *parent = nullptr);
    ~Gateway() override;

    //! Serves HTTP on the same port (media): each new connection's first request head decides
    //! whether it is a WebSocket or goes to `http` (null: answered 404). Call before listen().
    void setHttp(http::HttpServer *http);
    //! With TLS configured the certificate is loaded first (a file that does not load is the
    //! error).
    bool listen(const QHostAddress &host, quint16 port, QString *error);
    bool usesTls() const { return !m_config.tlsCertFile.isEmpty(); }
    //! Loads the TLS files again (SIGHUP, or the files changed): new connections use the new
    //! certificate, open ones keep theirs. On an error the one in use stays.
    Status reloadTls();
    //! A new bound (SIGHUP) for connections per address; open ones are kept.
    void setMaxSessionsPerIp(int max) { m_config.maxSessionsPerIp = max; }
    //! The SHA-256 fingerprint of the certificate in use (empty without TLS).
    QString tlsFingerprint() const { return m_tlsFingerprint; }
    quint16 port() const;
    void closeAll();
    //! Graceful drain (SIGTERM): stops accepting (the listener closes, so new connections are
    //! refused and a load balancer's GET /healthz on this port fails: it takes the node out),
    //! closes connections not authenticated at once, and the authenticated ones spread evenly
    //! over `windowMs` (the i-th of n at about windowMs * i / n), each after its requests in
    //! flight are answered (kDrainRequestBoundMs at most) with Session::kRestartCloseCode, which
    //! tells its client to reconnect soon (through the balancer, to another node). Spreading
    //! keeps the other nodes from a reconnect storm of every device at once. drained() follows
    //! when the last connection has gone. Calling it again does nothing.
    void drain(int windowMs);
    bool draining() const { return m_draining; }
    static constexpr int kDrainRequestBoundMs = 2000;
    int sessionCount() const { return int(m_sessions.size()); }
    //! Sends these signed-in devices their inboxes again (empty: every signed-in device), as
    //! when they connected: a cluster node whose bus lost pushes (clients drop what they have).
    void drainAgain(const QList<quint64> &devices);
    //! Null: nothing is counted.
    Metrics *metrics() const { return m_services.metrics; }

    //! A decoded frame from `session`.
    void handle(Session *session, const protocol::Frame &frame);
    //! `session` has messages queued: flush them at the end of this event loop turn.
    void scheduleFlush(Session *session);

signals:
    //! Every tick of the heartbeat timer, after idle connections were dropped: the place for
    //! other periodic housekeeping (rate-limit windows), so there is one timer for all of it.
    void heartbeat();
    //! After drain(): every connection has gone (emitted once, from the event loop).
    void drained();

private:
    static constexpr int kDefaultMaxHeadBytes = 16 * 1024;
    void makeFrontDoor(std::function<void(QTcpSocket *)> http, int maxHeadBytes);
    void onNewConnection();
    void onSessionClosed(Session *session);
    void onSignedIn(Session *session);
    void drainInbox(Session *session);
    void checkHeartbeats();
    //! Closes the drain's connections that are due by now.
    void drainStep();
    void checkDrained();
    void flushAll();
    //! A socket no longer counted against its peer address (handed to WebSocket, or gone).
    void uncount(QTcpSocket *socket);
    //! New connections from the listener (after the TLS handshake with TLS).
    void acceptPending();
    //! Reloads the TLS files when they (or their directories) change.
    void watchTlsFiles();
    static constexpr int kTlsSettleMs = 500;

    ServerConfig m_config;
    const Clock &m_clock;
    LocalRouter &m_router;
    Services m_services;
    Dispatcher m_dispatcher;
    Handshake m_handshake;
    QTcpServer *m_tcp;
    QWebSocketServer *m_server;
    FrontDoor *m_frontDoor = nullptr;
    QTimer *m_heartbeat;
    QTimer *m_resumeAccepting; //!< after an accept error (EMFILE): Qt pauses, this resumes
    bool m_acceptFailing = false;
    QHash<QString, int> m_perIp;            //!< peer address → sockets counted
    QHash<QTcpSocket *, QString> m_counted; //!< non-WebSocket sockets and their peer address
    bool m_ipCapLogged = false;
    QSet<Session *> m_sessions;
    //! WebSocket sessions by peer address (maxSessionsPerIp), and each counted one's address.
    QHash<QString, int> m_sessionsPerIp;
    QHash<Session *, QString> m_sessionIp;
    bool m_sessionCapLogged = false;
    QString m_tlsFingerprint;
    QList<QPointer<Session>> m_dirty;
    bool m_flushScheduled = false;

    // The drain: the authenticated sessions in the order they are closed, the next one's index.
    bool m_draining = false;
    bool m_drainQueued = false; //!< every authenticated session is in m_drainQueue
    bool m_drainReported = false;
    int m_drainWindowMs = 0;
    QElapsedTimer m_drainClock;
    QTimer *m_drainTimer = nullptr;
    QList<QPointer<Session>> m_drainQueue;
    qsizetype m_drainNext = 0;
    int m_drainWaited = 0; //!< sessions that had requests in flight when their turn came
};

} // namespace tidings::server
