#include "http_server.h"

#include "http_connection.h"
#include "http_logging.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace tidings::http {

namespace {

// One timer for all connections (no QTimer per connection): deadlines are checked a few times
// per shortest timeout, so they fire at most ~25% late.
int sweepIntervalMs(const HttpLimits &l) {
    const auto shortest = std::min(
        {l.headerTimeout, l.idleTimeout, l.bodyIdleTimeout, l.writeIdleTimeout, l.lingerTimeout});
    return int(std::clamp<qint64>(shortest.count() / 4, 20, 1000));
}

} // namespace

HttpServer::HttpServer(HttpLimits limits, QObject *parent)
    : QObject(parent)
    , m_limits(limits)
    , m_sweepTimer(new QTimer(this)) {
    m_sweepTimer->setInterval(sweepIntervalMs(m_limits));
    connect(m_sweepTimer, &QTimer::timeout, this, &HttpServer::sweep);
    // Two threads: a read from a slow disk holds one, the other keeps the rest streaming.
    m_reads.setMaxThreadCount(2);
}

HttpServer::~HttpServer() {
    // Connections are children; their sinks are told the bodies were aborted.
    const auto connections = m_connections;
    m_connections.clear();
    qDeleteAll(connections);
}

bool HttpServer::route(QByteArray method, QByteArrayView pattern, quint64 maxBody,
                       Handler handler) {
    return m_router.add(std::move(method), pattern, maxBody, std::move(handler));
}

void HttpServer::handleConnection(QTcpSocket *socket) {
    auto *connection = new HttpConnection(socket, m_router, m_limits, &m_reads, this);
    m_connections.insert(connection);
    connect(connection, &HttpConnection::closed, this, [this](HttpConnection *c) {
        if (m_connections.remove(c)) {
            c->deleteLater();
            emit connectionClosed();
        }
        if (m_connections.isEmpty())
            m_sweepTimer->stop();
    });
    if (!m_sweepTimer->isActive())
        m_sweepTimer->start();
    if (m_connections.size() > m_limits.maxConnections) {
        qCWarning(lcHttp) << "connection limit reached:" << m_limits.maxConnections;
        connection->refuse(HttpError{503, "UNAVAILABLE", QStringLiteral("too many connections")});
    }
}

bool HttpServer::listen(const QHostAddress &address, quint16 port) {
    if (!m_listener) {
        m_listener = new QTcpServer(this);
        connect(m_listener, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_listener->nextPendingConnection())
                handleConnection(socket);
        });
    }
    if (!m_listener->listen(address, port)) {
        qCWarning(lcHttp) << "cannot listen:" << m_listener->errorString();
        return false;
    }
    return true;
}

quint16 HttpServer::serverPort() const {
    return m_listener ? m_listener->serverPort() : 0;
}

void HttpServer::sweep() {
    const qint64 now = httpClockMs();
    const auto connections = m_connections; // checking may close (and remove) connections
    for (HttpConnection *c : connections) {
        if (m_connections.contains(c))
            c->checkDeadlines(now);
    }
}

} // namespace tidings::http
