#include "gateway/gateway.h"

#include "core/clock.h"
#include "core/logging.h"
#include "core/metrics.h"
#include "gateway/front_door.h"
#include "gateway/session.h"
#include "gateway/tls.h"
#include "http/http_server.h"
#include "protocol/limits.h"
#include "routing/local_router.h"
#include "services/messaging/messaging.h"
#include "services/presence/presence.h"

#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

namespace tidings::server {

namespace {
//! What a connection refused for its address's WebSocket bound is told to wait.
constexpr quint32 kSessionCapRetryMs = 30'000;
//! How often a drain looks for the connections due to close: fine enough for any window.
constexpr int kDrainTickMs = 20;
} // namespace

Gateway::Gateway(const ServerConfig &config, const Clock &clock, LocalRouter &router,
                 Services services, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_clock(clock)
    , m_router(router)
    , m_services(services)
    , m_dispatcher(services)
    , m_handshake(*services.accounts, clock, [this](Session *s) { onSignedIn(s); })
    , m_tcp(config.tlsCertFile.isEmpty() ? new QTcpServer(this) : new QSslServer(this))
    , m_server(
          new QWebSocketServer(QStringLiteral("tidingsd"), QWebSocketServer::NonSecureMode, this))
    , m_heartbeat(new QTimer(this))
    , m_resumeAccepting(new QTimer(this)) {
    // Our own TCP listener so every socket gets TCP_NODELAY before the WebSocket handshake:
    // small frames must not wait for Nagle's algorithm and delayed ACKs (~40 ms stalls).
    if (auto *tls = qobject_cast<QSslServer *>(m_tcp)) {
        // A QSslServer queues a connection once its handshake is done; its own timeout cuts
        // handshakes that never finish.
        connect(tls, &QTcpServer::pendingConnectionAvailable, this, &Gateway::acceptPending);
        tls->setHandshakeTimeout(m_config.authTimeoutMs);
    } else {
        connect(m_tcp, &QTcpServer::newConnection, this, &Gateway::acceptPending);
    }
    // On EMFILE/ENFILE (or any accept error) QTcpServer pauses accepting and never resumes by
    // itself: the listener would stay deaf after the burst. Try again shortly, logging once.
    m_resumeAccepting->setSingleShot(true);
    m_resumeAccepting->setInterval(250);
    connect(m_resumeAccepting, &QTimer::timeout, this, [this] { m_tcp->resumeAccepting(); });
    connect(m_tcp, &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError) {
        if (!std::exchange(m_acceptFailing, true))
            qCWarning(lcGateway) << "cannot accept connections:" << m_tcp->errorString()
                                 << "- retrying every" << m_resumeAccepting->interval() << "ms";
        if (!m_resumeAccepting->isActive())
            m_resumeAccepting->start();
    });
    connect(m_server, &QWebSocketServer::newConnection, this, &Gateway::onNewConnection);
    setHttp(nullptr);
    connect(m_heartbeat, &QTimer::timeout, this, &Gateway::checkHeartbeats);
    m_heartbeat->start(m_config.heartbeatCheckMs);
}

Gateway::~Gateway() {
    closeAll();
    // Sessions whose sockets have not reported the close yet go with this object: the router
    // must not keep them.
    for (Session *s : std::as_const(m_sessions))
        m_router.remove(s, s->userId(), s->deviceId());
}

void Gateway::setHttp(http::HttpServer *http) {
    if (!http) {
        // Plain HTTP requests (no media store here) are told so; WebSockets go on as before.
        makeFrontDoor(
            [](QTcpSocket *s) {
                answerAndClose(s, "HTTP/1.1 404 Not Found\r\nConnection: close\r\n"
                                  "Content-Length: 0\r\n\r\n");
            },
            kDefaultMaxHeadBytes);
        return;
    }
    makeFrontDoor([http](QTcpSocket *s) { http->handleConnection(s); },
                  http->limits().maxHeaderBytes);
}

void Gateway::makeFrontDoor(std::function<void(QTcpSocket *)> http, int maxHeadBytes) {
    delete m_frontDoor;
    // Every connection passes it, media store or not: a WebSocket handshake that never ends is
    // cut at the deadline a connection has to authenticate (QWebSocketServer's own handshake
    // timeout does not apply to sockets handed to it). A request head is at most what the HTTP
    // server accepts; a WebSocket handshake is far smaller.
    m_frontDoor = new FrontDoor(
        [this](QTcpSocket *s) {
            uncount(s); // a WebSocket: authenticated and bounded as a session
            m_server->handleConnection(s);
        },
        std::move(http), maxHeadBytes, m_config.authTimeoutMs, m_config.maxWaitingConnections,
        this);
}

void Gateway::acceptPending() {
    m_acceptFailing = false;
    while (QTcpSocket *socket = m_tcp->nextPendingConnection()) {
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        // Connections that are not (yet) WebSockets are bounded per peer address.
        const QString ip = socket->peerAddress().toString();
        if (m_perIp.value(ip) >= m_config.maxConnectionsPerIp) {
            if (!std::exchange(m_ipCapLogged, true))
                qCWarning(lcGateway) << "a peer reached" << m_config.maxConnectionsPerIp
                                     << "connections; closing its new ones";
            socket->abort();
            socket->deleteLater();
            continue;
        }
        ++m_perIp[ip];
        m_counted.insert(socket, ip);
        connect(socket, &QObject::destroyed, this, [this, socket] { uncount(socket); });
        m_frontDoor->accept(socket);
    }
}

void Gateway::uncount(QTcpSocket *socket) {
    const auto it = m_counted.find(socket);
    if (it == m_counted.end())
        return;
    const QString ip = it.value();
    m_counted.erase(it);
    if (--m_perIp[ip] <= 0)
        m_perIp.remove(ip);
    if (m_perIp.isEmpty())
        m_ipCapLogged = false;
}

bool Gateway::listen(const QHostAddress &host, quint16 port, QString *error) {
    m_tcp->setMaxPendingConnections(1024);
    // Qt's default listen backlog is 50: a burst of reconnecting clients (after a restart)
    // would see dropped SYNs and wait seconds for the retransmit.
    m_tcp->setListenBacklogSize(1024);
    m_server->setMaxPendingConnections(1024);
    if (auto *tls = qobject_cast<QSslServer *>(m_tcp)) {
        auto config = loadTlsConfiguration(TlsFiles{m_config.tlsCertFile, m_config.tlsKeyFile});
        if (!config) {
            if (error)
                *error = config.error().detail;
            return false;
        }
        tls->setSslConfiguration(*config);
        m_tlsFingerprint = certificateFingerprint(config->localCertificate());
        qCInfo(lcGateway) << "TLS certificate" << m_tlsFingerprint;
        watchTlsFiles();
    }
    if (!m_tcp->listen(host, port)) {
        if (error)
            *error = m_tcp->errorString();
        return false;
    }
    return true;
}

void Gateway::watchTlsFiles() {
    // A renewal (certbot, an admin's copy) usually replaces the files, which drops them from the
    // watch: the directories are watched too, and every change is read once things settle.
    auto *watcher = new QFileSystemWatcher(this);
    auto *settle = new QTimer(this);
    settle->setSingleShot(true);
    settle->setInterval(kTlsSettleMs);
    const QStringList files{m_config.tlsCertFile, m_config.tlsKeyFile};
    const auto watchAll = [watcher, files] {
        for (const QString &f : files) {
            if (!watcher->files().contains(f) && QFileInfo::exists(f))
                watcher->addPath(f);
            const QString dir = QFileInfo(f).absolutePath();
            if (!watcher->directories().contains(dir))
                watcher->addPath(dir);
        }
    };
    watchAll();
    connect(watcher, &QFileSystemWatcher::fileChanged, settle, qOverload<>(&QTimer::start));
    connect(watcher, &QFileSystemWatcher::directoryChanged, settle, qOverload<>(&QTimer::start));
    connect(settle, &QTimer::timeout, this, [this, watchAll] {
        watchAll();
        (void)reloadTls();
    });
}

Status Gateway::reloadTls() {
    auto *tls = qobject_cast<QSslServer *>(m_tcp);
    if (!tls)
        return Error{ErrorCode::Usage, QStringLiteral("this server does not use TLS")};
    auto config = loadTlsConfiguration(TlsFiles{m_config.tlsCertFile, m_config.tlsKeyFile});
    if (!config) {
        qCWarning(lcGateway) << "TLS certificate not reloaded:" << config.error().detail;
        return config.error();
    }
    const QString fingerprint = certificateFingerprint(config->localCertificate());
    tls->setSslConfiguration(*config);
    if (fingerprint != m_tlsFingerprint)
        qCInfo(lcGateway) << "TLS certificate reloaded:" << fingerprint;
    m_tlsFingerprint = fingerprint;
    return {};
}

quint16 Gateway::port() const {
    return m_tcp->serverPort();
}

void Gateway::closeAll() {
    m_tcp->close();
    m_server->close();
    m_frontDoor->closeAll();
    const auto sessions = m_sessions;
    for (Session *s : sessions)
        s->close(QStringLiteral("server shutting down"));
}

void Gateway::drain(int windowMs) {
    if (m_draining)
        return;
    m_draining = true;
    m_drainWindowMs = std::max(0, windowMs);
    m_drainClock.start();
    // New connections are refused from now on; a load balancer's health check on this port
    // fails the same way, so it sends no one here any more.
    m_tcp->close();
    m_resumeAccepting->stop();
    m_frontDoor->closeAll();
    int others = 0;
    const auto sessions = m_sessions;
    for (Session *s : sessions) {
        if (s->state() == Session::State::Authenticated) {
            m_drainQueue.append(s);
        } else if (s->state() != Session::State::Closing) {
            ++others; // nothing of theirs is in flight: they log in again elsewhere
            s->closeForRestart(0);
        }
    }
    m_drainQueued = true;
    qCInfo(lcGateway).nospace() << "draining: " << m_drainQueue.size()
                                << " connected devices are closed over " << m_drainWindowMs
                                << " ms, " << others << " connections not authenticated at once";
    m_drainTimer = new QTimer(this);
    m_drainTimer->setInterval(kDrainTickMs);
    connect(m_drainTimer, &QTimer::timeout, this, &Gateway::drainStep);
    m_drainTimer->start();
    drainStep();
}

void Gateway::drainStep() {
    // The queue stays as it is until the gateway goes: a session may close synchronously in
    // the loop, and the last one's close reports the end of the drain from inside it.
    const qsizetype n = m_drainQueue.size();
    const qint64 elapsed = m_drainClock.elapsed();
    // The i-th of n is due at window * i / n: the first at once, the last one step before the
    // end of the window.
    while (m_drainNext < n && elapsed * n >= qint64(m_drainWindowMs) * m_drainNext) {
        const QPointer<Session> s = m_drainQueue.at(m_drainNext++);
        if (s && s->closeForRestart(kDrainRequestBoundMs))
            ++m_drainWaited;
    }
    if (m_drainNext < n)
        return;
    m_drainTimer->stop();
    checkDrained();
}

void Gateway::checkDrained() {
    if (!m_drainQueued || m_drainReported || m_drainNext < m_drainQueue.size() ||
        !m_sessions.isEmpty())
        return;
    m_drainReported = true;
    qCInfo(lcGateway).nospace() << "drained: " << m_drainQueue.size()
                                << " devices told to reconnect elsewhere in "
                                << m_drainClock.elapsed() << " ms, " << m_drainWaited
                                << " of them after their requests in flight were answered";
    // From the event loop: whoever stops the server on it is never inside drain() or a
    // session's signal.
    QMetaObject::invokeMethod(this, &Gateway::drained, Qt::QueuedConnection);
}

void Gateway::onNewConnection() {
    const Session::Limits limits{
        m_config.sendPauseBytes, m_config.sendDropBytes,
        Admission::Limits{m_config.maxRequestsInFlight, m_config.maxRequestBytesInFlight,
                          m_config.maxReadsInFlight, m_config.maxWaitingRequestBytes}};
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        auto *session = new Session(socket, this, m_clock, limits);
        m_sessions.insert(session);
        connect(session, &Session::closed, this, &Gateway::onSessionClosed);
        if (m_draining) {
            // A handshake that was under way when the drain began: off to another node too.
            session->closeForRestart(0);
            continue;
        }
        // Connections per address are bounded as WebSockets too (each costs memory and a slot in
        // every broadcast): past the bound the new one hears why and is closed.
        const QString ip = session->peer();
        if (m_config.maxSessionsPerIp > 0 &&
            m_sessionsPerIp.value(ip) >= m_config.maxSessionsPerIp) {
            if (!std::exchange(m_sessionCapLogged, true))
                qCWarning(lcGateway) << "a peer reached" << m_config.maxSessionsPerIp
                                     << "WebSocket connections; closing its new ones";
            session->sendError(0, Error{ErrorCode::RateLimited,
                                        QStringLiteral("too many connections from your address"),
                                        kSessionCapRetryMs});
            session->close(QStringLiteral("too many connections from this address"));
            continue;
        }
        ++m_sessionsPerIp[ip];
        m_sessionIp.insert(session, ip);
    }
}

void Gateway::onSignedIn(Session *session) {
    const Caller &caller = session->caller();
    m_router.add(session, caller.userId, caller.deviceId);
    m_services.presence->deviceConnected(caller);
    drainInbox(session);
}

void Gateway::drainAgain(const QList<quint64> &devices) {
    const QSet<quint64> wanted(devices.cbegin(), devices.cend());
    const auto sessions = m_sessions;
    for (Session *s : sessions)
        if (s->state() == Session::State::Authenticated &&
            (wanted.isEmpty() || wanted.contains(s->caller().deviceId)) &&
            m_router.endpointOf(s->caller().deviceId) == s)
            drainInbox(s);
}

void Gateway::drainInbox(Session *session) {
    QPointer<Session> guard(session);
    m_services.messaging->drainInbox(
        session->caller(), [guard](Result<InboxPage> page, std::function<void()> more) {
            if (!guard || guard->state() == Session::State::Closing)
                return;
            if (!page) {
                guard->sendError(0, page.error());
                guard->close(QStringLiteral("inbox unavailable"));
                return;
            }
            protocol::Frame f;
            std::size_t bytes = 0;
            const std::size_t n = page->messages.size();
            for (std::size_t i = 0; i < n; ++i) {
                auto *m = f.mutable_message_push()->add_messages();
                *m = std::move(page->messages[i]);
                bytes += m->payload().size() + m->envelope().size();
                if (bytes >= limits::kMaxPushPayloadBytes || i == n - 1) {
                    guard->send(f); // frames stay under the client's frame limit
                    f.Clear();
                    bytes = 0;
                }
            }
            if (!guard || guard->state() == Session::State::Closing)
                return;
            if (page->last) {
                protocol::Frame done;
                done.mutable_inbox_drained()->set_count(page->total);
                guard->send(done);
                return;
            }
            // The next page waits while this reader is behind.
            guard->whenWritable(std::move(more));
        });
}

void Gateway::onSessionClosed(Session *session) {
    if (!m_sessions.remove(session))
        return;
    if (const auto ip = m_sessionIp.find(session); ip != m_sessionIp.end()) {
        if (--m_sessionsPerIp[*ip] <= 0)
            m_sessionsPerIp.remove(*ip);
        if (m_sessionsPerIp.isEmpty())
            m_sessionCapLogged = false;
        m_sessionIp.erase(ip);
    }
    const Caller &caller = session->caller();
    // Only the device's current connection going away makes it offline (a replaced one does not).
    if (caller.userId != 0 && m_router.remove(session, caller.userId, caller.deviceId))
        m_services.presence->deviceDisconnected(caller);
    session->deleteLater();
    if (m_draining)
        checkDrained();
}

void Gateway::checkHeartbeats() {
    const qint64 now = m_clock.elapsedMs(); // never the wall clock: it may jump
    const auto sessions = m_sessions;
    for (Session *s : sessions) {
        // A peer that sends WebSocket pings and never reads makes QtWebSockets queue a pong for
        // each, which no count of ours sees (188 MB held in issue 11's test).
        if (s->state() != Session::State::Closing && s->socketBacklog() > m_config.sendDropBytes) {
            qCInfo(lcGateway) << "dropping a connection with" << s->socketBacklog()
                              << "bytes it does not read";
            s->close(QStringLiteral("too far behind"));
            continue;
        }
        const qint64 silent = now - s->lastActivityMs();
        if (s->state() == Session::State::Authenticated) {
            if (silent > m_config.idleTimeoutMs)
                s->close(QStringLiteral("heartbeat timeout"));
        } else if (s->state() == Session::State::New &&
                   now - s->connectedAtMs() > m_config.authTimeoutMs) {
            // Counted from the connection's start: pings do not keep an anonymous socket open.
            s->close(QStringLiteral("authentication timeout"));
        } else if (now - s->connectedAtMs() > 6 * m_config.authTimeoutMs) {
            // A login waiting in the password-hashing queue is not the client's fault; give it
            // longer, but not forever.
            s->close(QStringLiteral("authentication timeout"));
        }
    }
    emit heartbeat();
}

void Gateway::scheduleFlush(Session *session) {
    m_dirty.append(session);
    if (!m_flushScheduled) {
        m_flushScheduled = true;
        QTimer::singleShot(0, this, &Gateway::flushAll);
    }
}

void Gateway::flushAll() {
    m_flushScheduled = false;
    const auto dirty = std::move(m_dirty);
    m_dirty.clear();
    for (const auto &s : dirty)
        if (s)
            s->flushPushes();
}

void Gateway::handle(Session *session, const protocol::Frame &frame) {
    if (frame.body_case() == protocol::Frame::kPing) {
        protocol::Frame pong;
        pong.set_request_id(frame.request_id());
        pong.mutable_pong()->set_client_time_ms(frame.ping().client_time_ms());
        pong.mutable_pong()->set_server_time_ms(m_clock.nowMs());
        session->send(pong);
        return;
    }
    // Frame types only (never contents): enough to follow a client's conversation with the server.
    qCDebug(lcGateway) << "device" << session->deviceId() << "request" << frame.request_id()
                       << "body" << int(frame.body_case());
    if (session->state() == Session::State::Authenticated) {
        if (Metrics *m = metrics())
            m->frameReceived();
        m_dispatcher.dispatch(session, frame);
    } else {
        m_handshake.handle(session, frame);
    }
}

} // namespace tidings::server
