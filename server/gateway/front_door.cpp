#include "gateway/front_door.h"

#include "core/clock.h"
#include "core/logging.h"
#include "gateway/media_request.h"

#include <QTcpSocket>
#include <QTimer>

namespace tidings::server {

void answerAndClose(QTcpSocket *socket, const QByteArray &response) {
    socket->write(response);
    QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    socket->disconnectFromHost();
    if (socket->state() == QAbstractSocket::UnconnectedState)
        socket->deleteLater();
}

FrontDoor::FrontDoor(Handoff webSocket, Handoff http, int maxHeadBytes, int timeoutMs,
                     int maxWaiting, QObject *parent)
    : QObject(parent)
    , m_webSocket(std::move(webSocket))
    , m_http(std::move(http))
    , m_maxHeadBytes(maxHeadBytes)
    , m_timeoutMs(timeoutMs)
    , m_maxWaiting(maxWaiting)
    , m_sweep(new QTimer(this)) {
    m_sweep->setInterval(qBound(50, timeoutMs / 8, 1000));
    connect(m_sweep, &QTimer::timeout, this, &FrontDoor::sweep);
}

FrontDoor::~FrontDoor() {
    closeAll();
}

void FrontDoor::accept(QTcpSocket *socket) {
    // Every waiting connection holds a socket and a head's worth of buffer until its deadline:
    // past the cap, new ones are closed rather than queued.
    if (m_waiting.size() >= m_maxWaiting) {
        if (!std::exchange(m_full, true))
            qCWarning(lcGateway) << m_maxWaiting << "connections wait for their first request;"
                                 << "closing new ones until some are served";
        socket->abort();
        socket->deleteLater();
        return;
    }
    m_full = false;
    // Qt stops reading from the kernel at this much, so a peer cannot make us buffer more
    // than a head while we wait for it.
    socket->setReadBufferSize(m_maxHeadBytes);
    m_waiting.insert(socket, monotonicMs());
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { inspect(socket); });
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] { drop(socket); });
    if (!m_sweep->isActive())
        m_sweep->start();
    if (socket->bytesAvailable() > 0)
        inspect(socket);
}

void FrontDoor::inspect(QTcpSocket *socket) {
    if (!m_waiting.contains(socket))
        return;
    const QByteArray head = socket->peek(m_maxHeadBytes);
    switch (mediarequest::classify(head, m_maxHeadBytes)) {
    case mediarequest::Route::NeedMore:
        return;
    case mediarequest::Route::WebSocket:
        // The WebSocket layer buffers frames itself (and bounds their size).
        return handOver(socket, m_webSocket, 0);
    case mediarequest::Route::Http:
        return handOver(socket, m_http, m_maxHeadBytes);
    }
}

void FrontDoor::handOver(QTcpSocket *socket, const Handoff &to, qint64 readBufferSize) {
    m_waiting.remove(socket);
    socket->disconnect(this);
    socket->setReadBufferSize(readBufferSize);
    to(socket);
}

void FrontDoor::drop(QTcpSocket *socket) {
    if (!m_waiting.remove(socket))
        return;
    socket->disconnect(this);
    socket->deleteLater();
}

void FrontDoor::sweep() {
    const qint64 now = monotonicMs();
    const auto waiting = m_waiting; // handing over changes the map
    for (auto it = waiting.cbegin(); it != waiting.cend(); ++it) {
        if (now - it.value() <= m_timeoutMs)
            continue;
        QTcpSocket *socket = it.key();
        m_waiting.remove(socket);
        socket->disconnect(this);
        if (socket->bytesAvailable() > 0) {
            // Part of a head: say why, then close. (Handing it to the HTTP server would start
            // that server's own head deadline from zero: 100 half handshakes stayed 12 s.)
            answerAndClose(socket, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                                   "Content-Length: 0\r\n\r\n");
        } else {
            socket->abort();
            socket->deleteLater();
        }
    }
    if (m_waiting.isEmpty())
        m_sweep->stop();
}

void FrontDoor::closeAll() {
    const auto waiting = m_waiting.keys();
    m_waiting.clear();
    for (QTcpSocket *socket : waiting) {
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
    m_sweep->stop();
}

} // namespace tidings::server
