#include "http_connection.h"

#include "http_logging.h"

#include <QDateTime>
#include <QIODevice>
#include <QLocale>
#include <QTcpSocket>

#include <chrono>

#include <sys/socket.h>

namespace tidings::http {

namespace {

constexpr qint64 kPiece = 64 * 1024;
// The socket stops reading from the kernel once this much is buffered: with the sink paused,
// TCP flow control then slows the sender instead of our memory growing.
constexpr qint64 kSocketReadBuffer = 128 * 1024;
constexpr qint64 kWriteHighWater = 256 * 1024;
constexpr qint64 kLingerMaxBytes = 4 * 1024 * 1024;

} // namespace

QByteArray httpDate() {
    // IMF-fixdate in English whatever the locale: "Sun, 06 Nov 1994 08:49:37 GMT".
    return QLocale::c()
        .toString(QDateTime::currentDateTimeUtc(),
                  QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
        .toLatin1();
}

qint64 httpClockMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

HttpConnection::HttpConnection(QTcpSocket *socket, const Router &router, const HttpLimits &limits,
                               QThreadPool *readPool, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_router(router)
    , m_limits(limits)
    , m_scanner(limits)
    , m_readPool(readPool) {
    m_socket->setParent(this);
    m_socket->setReadBufferSize(kSocketReadBuffer);
    // Without TCP_NODELAY the tail of every 64 KiB write waits for a delayed ACK (~40 ms on
    // loopback): downloads crawl at a few MB/s.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_headStartedMs = m_lastProgressMs = now();
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::process);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        m_lastProgressMs = now();
        pump();
    });
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::onDisconnected);
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        QMetaObject::invokeMethod(this, &HttpConnection::onDisconnected, Qt::QueuedConnection);
        return;
    }
    // Bytes a front door peeked at are already in the socket's buffer: no readyRead will come.
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::process, Qt::QueuedConnection);
}

HttpConnection::~HttpConnection() {
    m_socket->disconnect(this);
    abortBody();
}

qint64 HttpConnection::now() const {
    return httpClockMs();
}

void HttpConnection::refuse(const HttpError &error) {
    m_state = State::Handler; // no request is read on this connection
    m_keepAlive = false;
    sendError(error, {}, true);
}

void HttpConnection::process() {
    if (m_processing) {
        m_processAgain = true;
        return;
    }
    m_processing = true;
    do {
        m_processAgain = false;
        bool progressed = true;
        while (progressed) {
            switch (m_state) {
            case State::Head:
                progressed = readHead();
                break;
            case State::Body:
                progressed = readBody();
                break;
            case State::Lingering:
                discardInput();
                progressed = false;
                break;
            default:
                progressed = false;
                break;
            }
        }
    } while (m_processAgain);
    m_processing = false;
}

bool HttpConnection::readHead() {
    // Read no more than the head limit can use; the rest waits in the socket (bounded buffer).
    const qint64 room = qint64(m_limits.maxHeaderBytes) + 16 - m_buffer.size();
    if (room > 0 && m_socket->bytesAvailable() > 0) {
        if (m_buffer.isEmpty()) {
            m_headStartedMs = now();
            m_idle = false;
        }
        m_buffer += m_socket->read(qMin(room, m_socket->bytesAvailable()));
    }
    if (m_buffer.isEmpty())
        return false;
    switch (m_scanner.scan(m_buffer)) {
    case HeadScanner::State::NeedMore:
        return false;
    case HeadScanner::State::Failed:
        m_buffer.clear();
        sendError(m_scanner.error(), {}, true);
        return true;
    case HeadScanner::State::Complete:
        break;
    }
    const qsizetype start = m_scanner.headStart();
    const qsizetype end = m_scanner.headEnd();
    ParsedHead parsed = parseHead(QByteArrayView(m_buffer).sliced(start, end - start), m_limits);
    m_buffer.remove(0, end);
    m_scanner.reset();
    if (!parsed.head) {
        m_buffer.clear();
        sendError(parsed.error, {}, true);
        return true;
    }
    dispatch(std::move(*parsed.head));
    return true;
}

void HttpConnection::dispatch(RequestHead head) {
    m_state = State::Handler;
    m_keepAlive = head.keepAlive;
    m_expectContinue = head.expectContinue;
    m_bodyRemaining = head.contentLength;
    m_paused = false;
    m_closeAfterResponse = !m_keepAlive;
    m_lingerAfterResponse = false;
    m_sinkEnded = false;
    m_lastProgressMs = now();

    const RouteMatch match = m_router.match(head.method, head.path);
    switch (match.kind) {
    case RouteMatch::Kind::BadPath:
        sendError({400, "BAD_FRAME", QStringLiteral("malformed path")});
        return;
    case RouteMatch::Kind::NoPath:
        sendError({404, "NOT_FOUND", QStringLiteral("no such resource")});
        return;
    case RouteMatch::Kind::WrongMethod:
        sendError({405, "METHOD_NOT_ALLOWED", QStringLiteral("method not allowed here")},
                  {{"allow", match.allow}});
        return;
    case RouteMatch::Kind::Found:
        break;
    }
    // The size check comes from the declared length, before a single body byte is read.
    if (head.contentLength > match.route->maxBody) {
        sendError({413, "TOO_LARGE",
                   QStringLiteral("request body of %1 bytes exceeds %2")
                       .arg(head.contentLength)
                       .arg(match.route->maxBody)});
        return;
    }
    auto *exchange = new HttpExchange(this, std::move(head), match.params);
    m_exchange = exchange;
    match.route->handler(exchange);
}

void HttpConnection::acceptBody(std::unique_ptr<BodySink> sink) {
    if (m_state != State::Handler) {
        qCWarning(lcHttp) << "receiveBody called twice or after the body";
        return;
    }
    m_sink = std::move(sink);
    m_sink->attached(m_exchange);
    m_state = State::Body;
    m_lastProgressMs = now();
    if (m_expectContinue && m_bodyRemaining > 0 && m_buffer.isEmpty() &&
        m_socket->bytesAvailable() == 0) {
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    }
    m_expectContinue = false;
    if (m_bodyRemaining == 0) {
        m_state = State::AwaitResponse;
        m_sinkEnded = true;
        m_sink->finished(m_exchange);
        return;
    }
    // Continue in the next event loop turn: the handler's own code finishes first.
    QMetaObject::invokeMethod(this, &HttpConnection::process, Qt::QueuedConnection);
}

void HttpConnection::resumeBody() {
    if (!m_paused)
        return;
    m_paused = false;
    m_lastProgressMs = now();
    QMetaObject::invokeMethod(this, &HttpConnection::process, Qt::QueuedConnection);
}

bool HttpConnection::readBody() {
    if (m_paused || !m_sink)
        return false;
    QByteArray piece;
    if (!m_buffer.isEmpty()) {
        const qsizetype n = qsizetype(qMin<quint64>(m_bodyRemaining, quint64(m_buffer.size())));
        piece = m_buffer.first(n);
        m_buffer.remove(0, n);
    } else {
        const qint64 n =
            qMin<qint64>(qMin<quint64>(m_bodyRemaining, kPiece), m_socket->bytesAvailable());
        if (n <= 0)
            return false;
        piece = m_socket->read(n);
        if (piece.isEmpty())
            return false;
    }
    m_bodyRemaining -= quint64(piece.size());
    m_lastProgressMs = now();
    const SinkStatus status = m_sink->take(std::move(piece));
    if (m_state != State::Body)
        return true; // the handler responded from inside write()
    if (status.error) {
        sendError(*status.error);
        return true;
    }
    m_paused = status.pause;
    if (m_bodyRemaining == 0) {
        m_state = State::AwaitResponse;
        m_paused = false;
        m_sinkEnded = true;
        m_sink->finished(m_exchange);
    }
    return true;
}

void HttpConnection::sendError(const HttpError &error, Headers headers, bool fatal) {
    if (m_state == State::Head) {
        m_state = State::Handler; // an error before dispatch: answer it like a request
        m_bodyRemaining = 0;
    }
    if (fatal) {
        m_closeAfterResponse = true;
        m_lingerAfterResponse = true;
    }
    if (m_exchange && !m_exchange->hasResponded()) {
        m_exchange->respondError(error, {}, std::move(headers));
        return;
    }
    // No exchange (a malformed head): build the same JSON error without one.
    RequestHead none;
    none.method = "GET";
    auto *exchange = new HttpExchange(this, std::move(none), {});
    m_exchange = exchange;
    exchange->respondError(error, {}, std::move(headers));
}

void HttpConnection::startResponse(Response response) {
    if (m_state != State::Handler && m_state != State::Body && m_state != State::AwaitResponse)
        return;
    const bool bodyComplete =
        m_state == State::AwaitResponse || (m_state == State::Handler && m_bodyRemaining == 0);
    if (!bodyComplete) {
        // The rest of the body cannot be skipped safely: answer, then close after lingering.
        abortBody();
        m_closeAfterResponse = true;
        m_lingerAfterResponse = true;
    }

    QByteArray head = "HTTP/1.1 " + QByteArray::number(response.status) + ' ' +
                      reasonPhrase(response.status) + "\r\n";
    for (const auto &[name, value] : response.headers)
        head += name + ": " + value + "\r\n";
    head += "date: " + httpDate() + "\r\n";
    if (response.status == 204 || response.status == 304) {
        response.contentLength = 0; // RFC 9110 §8.6: no Content-Length, and never a body
        response.device.reset();
    } else {
        head += "content-length: " + QByteArray::number(response.contentLength) + "\r\n";
    }
    head += m_closeAfterResponse ? QByteArray("connection: close\r\n")
                                 : QByteArray("connection: keep-alive\r\n");
    head += "\r\n";
    if (response.sendBody && !response.device)
        head += response.body;
    m_socket->write(head);
    if (response.sendBody && response.device && response.contentLength > 0) {
        m_source = std::make_unique<ReadAhead>(std::move(response.device), response.contentLength,
                                               m_readPool, [this] { pump(); });
    }
    m_state = State::Writing;
    m_lastProgressMs = now();
    pump();
}

void HttpConnection::pump() {
    if (m_state != State::Writing)
        return;
    // The file is read on the pool; here only ready blocks are handed to the socket.
    while (m_source && m_source->remaining() > 0 && m_socket->bytesToWrite() < kWriteHighWater) {
        ReadAhead::Next next = m_source->take();
        if (auto *error = std::get_if<ReadError>(&next)) {
            qCWarning(lcHttp) << "response source failed:" << error->detail;
            closeNow(); // the headers promised more bytes: the peer must see a cut
            return;
        }
        auto *block = std::get_if<QByteArray>(&next);
        if (!block)
            return; // reading; the read-ahead calls pump() again
        m_socket->write(*block);
    }
    if ((!m_source || m_source->remaining() == 0) && m_socket->bytesToWrite() == 0)
        responseDone();
}

void HttpConnection::responseDone() {
    m_source.reset();
    m_sink.reset();
    if (m_exchange)
        m_exchange->deleteLater();
    m_exchange = nullptr;
    if (m_closeAfterResponse) {
        if (m_lingerAfterResponse) {
            // Half-close and drain for a moment, so the peer reads the answer instead of a reset
            // caused by the body bytes it is still sending.
            ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
            m_state = State::Lingering;
            m_lingerUntilMs = now() + m_limits.lingerTimeout.count();
            m_discarded = 0;
            process();
        } else {
            m_state = State::Closed;
            m_socket->disconnectFromHost();
        }
        return;
    }
    m_state = State::Head;
    m_idle = m_buffer.isEmpty();
    m_headStartedMs = m_lastProgressMs = now();
    process();
}

void HttpConnection::discardInput() {
    while (m_socket->bytesAvailable() > 0) {
        const QByteArray junk = m_socket->read(kPiece);
        m_discarded += quint64(junk.size());
        if (junk.isEmpty() || m_discarded > quint64(kLingerMaxBytes)) {
            closeNow();
            return;
        }
    }
}

void HttpConnection::abortBody() {
    // The sink is not destroyed here: this may run from inside its own write().
    if (m_sink && !m_sinkEnded) {
        m_sinkEnded = true;
        m_sink->aborted();
    }
}

void HttpConnection::closeNow() {
    if (m_state == State::Closed)
        return;
    abortBody();
    m_state = State::Closed;
    m_socket->abort(); // emits disconnected() when it was connected
    QMetaObject::invokeMethod(this, &HttpConnection::onDisconnected, Qt::QueuedConnection);
}

void HttpConnection::onDisconnected() {
    if (m_exchange && !m_exchange->hasResponded())
        emit m_exchange->aborted();
    abortBody();
    m_state = State::Closed;
    if (!m_closedSignalled) {
        m_closedSignalled = true;
        emit closed(this);
    }
}

void HttpConnection::checkDeadlines(qint64 nowMs) {
    switch (m_state) {
    case State::Head:
        if (m_idle && m_buffer.isEmpty()) {
            if (nowMs - m_lastProgressMs > m_limits.idleTimeout.count())
                closeNow();
        } else if (nowMs - m_headStartedMs > m_limits.headerTimeout.count()) {
            if (m_buffer.isEmpty() && m_socket->bytesAvailable() == 0)
                closeNow(); // never said anything: nothing to answer
            else
                sendError(HttpError::fromCode(408, ErrorCode::Timeout,
                                              QStringLiteral("request head not received in time")),
                          {}, true);
        }
        break;
    case State::Body:
        if (!m_paused && nowMs - m_lastProgressMs > m_limits.bodyIdleTimeout.count()) {
            qCInfo(lcHttp) << "request body stalled; closing";
            sendError(HttpError::fromCode(408, ErrorCode::Timeout,
                                          QStringLiteral("request body stalled")),
                      {}, true);
        }
        break;
    case State::Writing:
        if (nowMs - m_lastProgressMs > m_limits.writeIdleTimeout.count())
            closeNow();
        break;
    case State::Lingering:
        if (nowMs > m_lingerUntilMs)
            closeNow();
        break;
    default:
        break;
    }
}

} // namespace tidings::http
