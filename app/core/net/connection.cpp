#include "core/net/connection.h"

#include "core/logging.h"
#include "protocol/codec.h"
#include "protocol/limits.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QWebSocket>

#include <utility>

namespace tidings::client {

namespace {
constexpr int kSweepIntervalMs = 200;
// A draining server's close codes (RFC 6455 7.4.1 and the IANA registry). QtWebSockets knows
// no name for 1012, and as of 6.4 even reports it as 1002 (it takes codes from 1012 to 2999 for
// protocol errors), which is why tidingsd sends 1001; 1012 is kept for other servers and a Qt
// that accepts it.
constexpr int kCloseGoingAway = 1001;
constexpr int kCloseRestart = 1012;

Error networkError(const QString &detail) {
    return Error{ErrorCode::Network, detail};
}
} // namespace

Connection::Connection(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_backoff(options.backoffBaseMs, options.backoffCapMs) {
    m_clock.start();
    m_pingTimer.setInterval(m_options.pingIntervalMs);
    connect(&m_pingTimer, &QTimer::timeout, this, &Connection::sendPing);
    m_sweepTimer.setInterval(kSweepIntervalMs);
    connect(&m_sweepTimer, &QTimer::timeout, this, &Connection::sweepTimeouts);
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &Connection::startSocket);
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        qCInfo(lcNet) << "connect timed out";
        onSocketGone(Error{ErrorCode::Timeout, QStringLiteral("connect timed out")});
    });
}

Connection::~Connection() {
    // Handlers may point into objects that are being destroyed too: drop them uncalled.
    m_pending.clear();
    m_wantOpen = false;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        delete m_socket;
    }
}

void Connection::setState(State state) {
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

void Connection::open(const QUrl &url) {
    m_url = url;
    m_wantOpen = true;
    if (m_state == State::Idle)
        startSocket();
}

void Connection::close() {
    m_wantOpen = false;
    m_reconnectTimer.stop();
    if (m_socket)
        onSocketGone(networkError(QStringLiteral("connection closed")));
    setState(State::Idle);
}

void Connection::reconnect(const QString &reason) {
    qCInfo(lcNet) << "dropping connection:" << reason;
    if (m_socket)
        onSocketGone(networkError(reason));
}

void Connection::startSocket() {
    if (!m_wantOpen || m_socket)
        return;
    auto *socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    socket->setMaxAllowedIncomingMessageSize(quint64(limits::kMaxServerFrameBytes));
    socket->setMaxAllowedIncomingFrameSize(quint64(limits::kMaxServerFrameBytes));
    m_socket = socket;
    connect(socket, &QWebSocket::connected, this, &Connection::onConnected);
    connect(socket, &QWebSocket::binaryMessageReceived, this, &Connection::onBinaryMessage);
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        onSocketEnded(socket, networkError(QStringLiteral("server closed the connection")));
    });
    connect(socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this, socket](QAbstractSocket::SocketError) {
                onSocketEnded(socket, m_certificateRefusal ? *m_certificateRefusal
                                                           : networkError(socket->errorString()));
            });
    connect(socket, &QWebSocket::sslErrors, this,
            [this, socket](const QList<QSslError> &errors) { onSslErrors(socket, errors); });
    m_certificateRefusal.reset();
    setState(State::Connecting);
    m_connectTimer.start(m_options.connectTimeoutMs);
    qCDebug(lcNet) << "connecting to" << m_url.toString();
    socket->open(m_url);
}

void Connection::onSslErrors(QWebSocket *socket, const QList<QSslError> &errors) {
    if (socket != m_socket)
        return;
    const QSslCertificate cert = socket->sslConfiguration().peerCertificate();
    m_presented = cert.isNull() ? QString() : certificateSha256(cert);
    // Trust on first use: a certificate no authority signed (a self-signed server) is accepted
    // only when it is the one whose fingerprint the user compared and trusted. Host name and
    // expiry do not matter then: the pin names this very certificate.
    if (!m_pinned.isEmpty() && !m_presented.isEmpty() && m_presented == m_pinned) {
        socket->ignoreSslErrors(errors);
        return;
    }
    QStringList why;
    for (const QSslError &e : errors)
        why << e.errorString();
    if (m_pinned.isEmpty()) {
        m_certificateRefusal = Error{
            ErrorCode::UntrustedCertificate,
            QStringLiteral("the server's certificate is not signed by an authority this system "
                           "trusts (%1). Its SHA-256 fingerprint is %2: trust it only if it is "
                           "the one the server's admin gave you")
                .arg(why.join(QStringLiteral("; ")), m_presented)};
    } else {
        m_certificateRefusal =
            Error{ErrorCode::CertificateChanged,
                  QStringLiteral("the server's certificate changed: it was %1, it is now %2. "
                                 "Someone may be intercepting the connection; ask the server's "
                                 "admin before you trust the new one")
                      .arg(m_pinned, m_presented)};
    }
    qCWarning(lcNet) << "certificate refused:" << errorCodeName(m_certificateRefusal->code)
                     << m_presented;
    // Retrying cannot help until the user decides: no reconnects.
    m_wantOpen = false;
    emit certificateRefused(*m_certificateRefusal);
}

QString certificateSha256(const QSslCertificate &cert) {
    return QString::fromLatin1(cert.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

void Connection::onConnected() {
    m_connectTimer.stop();
    qCInfo(lcNet) << "connected to" << m_url.toString();
    setState(State::Open);
    emit opened();
}

void Connection::markAuthenticated() {
    if (m_state != State::Open)
        return;
    m_backoff.reset();
    setState(State::Authenticated);
    m_pingTimer.start();
    emit authenticated();
}

void Connection::onSocketEnded(QWebSocket *socket, const Error &otherwise) {
    if (socket != m_socket)
        return;
    // The close frame is read before the end of the stream, so its code is known by either
    // signal. Only a connection that was serving counts: a node that answers every new socket
    // with it (still draining) goes through the backoff like any refusal.
    const int code = int(socket->closeCode());
    if (m_state == State::Authenticated && (code == kCloseGoingAway || code == kCloseRestart)) {
        qCInfo(lcNet) << "the server is going away (close code" << code << socket->closeReason()
                      << "): reconnecting soon";
        onSocketGone(networkError(QStringLiteral("the server closed the connection to restart")),
                     true);
        return;
    }
    onSocketGone(otherwise);
}

void Connection::onSocketGone(const Error &reason, bool serverRestart) {
    if (!m_socket)
        return;
    QWebSocket *socket = m_socket;
    m_socket = nullptr;
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
    m_connectTimer.stop();
    m_pingTimer.stop();
    qCInfo(lcNet) << "connection lost:" << reason.toString();
    failAllPending(reason.code == ErrorCode::Timeout ? networkError(reason.detail) : reason);
    setState(m_wantOpen ? State::WaitingToReconnect : State::Idle);
    emit closed(reason);
    // A slot of closed() may have called close() or open(); only reconnect if still wanted.
    if (m_wantOpen && !m_socket && !m_reconnectTimer.isActive())
        scheduleReconnect(serverRestart);
}

void Connection::scheduleReconnect(bool serverRestart) {
    // A drain is no failure: the backoff stays where it is (at 0 after the authentication), and
    // the delay only spreads the devices of the node over the others.
    const int delay =
        serverRestart
            ? int(QRandomGenerator::global()->bounded(m_options.restartReconnectMaxMs + 1))
            : m_backoff.nextDelayMs();
    qCInfo(lcNet) << "reconnecting in" << delay << "ms";
    setState(State::WaitingToReconnect);
    m_reconnectTimer.start(delay);
    emit reconnectScheduled(delay);
}

void Connection::failAllPending(const Error &error) {
    auto pending = std::exchange(m_pending, {});
    m_sweepTimer.stop();
    // Sort by id so owners see failures in the order they sent the requests.
    QList<quint64> ids = pending.keys();
    std::sort(ids.begin(), ids.end());
    for (quint64 id : ids)
        dispatch(std::move(pending[id].handler), error);
}

void Connection::dispatch(ResponseHandler handler, Result<Frame> result) {
    if (handler)
        handler(std::move(result));
}

quint64 Connection::request(Frame frame, ResponseHandler handler, int timeoutMs) {
    const quint64 id = m_nextRequestId++;
    frame.set_request_id(id);
    if (!isOpen() || !m_socket) {
        // Never call the handler from inside request(): callers are often mid-iteration.
        QTimer::singleShot(0, this, [handler = std::move(handler)]() mutable {
            if (handler)
                handler(Error{ErrorCode::Network, QStringLiteral("not connected")});
        });
        return id;
    }
    Pending p;
    p.handler = std::move(handler);
    p.deadlineMs = m_clock.elapsed() + (timeoutMs > 0 ? timeoutMs : m_options.requestTimeoutMs);
    p.isPing = frame.body_case() == Frame::kPing;
    m_pending.insert(id, std::move(p));
    if (!m_sweepTimer.isActive())
        m_sweepTimer.start();
    m_socket->sendBinaryMessage(protocol::encodeFrame(frame));
    return id;
}

bool Connection::post(const Frame &frame) {
    if (!isOpen() || !m_socket)
        return false;
    m_socket->sendBinaryMessage(protocol::encodeFrame(frame));
    return true;
}

void Connection::sendPing() {
    Frame f;
    f.mutable_ping()->set_client_time_ms(QDateTime::currentMSecsSinceEpoch());
    request(
        std::move(f), [](Result<Frame>) {}, m_options.pingIntervalMs);
}

void Connection::sweepTimeouts() {
    const qint64 now = m_clock.elapsed();
    QList<quint64> expired;
    for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it) {
        if (it.value().deadlineMs <= now)
            expired.append(it.key());
    }
    if (expired.isEmpty())
        return;
    std::sort(expired.begin(), expired.end());
    qCWarning(lcNet) << expired.size() << "request(s) timed out; reconnecting";
    for (quint64 id : expired) {
        auto handler = m_pending.take(id).handler;
        dispatch(std::move(handler), Error{ErrorCode::Timeout, QStringLiteral("no response")});
    }
    if (m_pending.isEmpty())
        m_sweepTimer.stop();
    // No answer within the timeout: the link is stalled or the server is wedged. A fresh socket
    // is the only way to know; owners resend what was not acknowledged.
    if (m_socket && isOpen())
        onSocketGone(Error{ErrorCode::Timeout, QStringLiteral("request timed out")});
}

void Connection::onBinaryMessage(const QByteArray &bytes) {
    auto decoded = protocol::decodeServerFrame(bytes);
    if (!decoded) {
        qCWarning(lcNet) << "dropping bad server frame:" << decoded.error().toString();
        return;
    }
    Frame &frame = *decoded;
    if (frame.request_id() != 0) {
        auto it = m_pending.find(frame.request_id());
        if (it == m_pending.end()) {
            qCDebug(lcNet) << "response to unknown or expired request" << frame.request_id();
            return;
        }
        auto handler = std::move(it->handler);
        m_pending.erase(it);
        if (m_pending.isEmpty())
            m_sweepTimer.stop();
        if (frame.body_case() == Frame::kError)
            dispatch(std::move(handler), protocol::errorFromFrame(frame));
        else
            dispatch(std::move(handler), std::move(frame));
        return;
    }
    if (frame.body_case() == Frame::kError) {
        const Error e = protocol::errorFromFrame(frame);
        qCWarning(lcNet) << "server error:" << e.toString();
        emit serverError(e);
        return;
    }
    emit pushReceived(frame);
}

} // namespace tidings::client
