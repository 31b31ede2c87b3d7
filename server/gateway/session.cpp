#include "gateway/session.h"

#include "core/clock.h"
#include "core/logging.h"
#include "core/metrics.h"
#include "gateway/gateway.h"
#include "protocol/limits.h"

#include <QTimer>
#include <QWebSocket>

namespace tidings::server {

Session::Session(QWebSocket *socket, Gateway *gateway, const Clock &clock, Limits limits)
    : QObject(gateway)
    , m_socket(socket)
    , m_gateway(gateway)
    , m_clock(clock)
    , m_limits(limits)
    , m_lastActivityMs(clock.elapsedMs())
    , m_connectedAtMs(m_lastActivityMs)
    , m_frameSize(qint64(socket->outgoingFrameSize()))
    , m_admission(limits.admission) {
    m_socket->setParent(this);
    // Enforced by QtWebSockets before it buffers the message: no allocation past the limit.
    m_socket->setMaxAllowedIncomingMessageSize(limits::kMaxClientFrameBytes);
    m_socket->setMaxAllowedIncomingFrameSize(limits::kMaxClientFrameBytes);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &Session::onBinary);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &Session::onText);
    connect(m_socket, &QWebSocket::bytesWritten, this, &Session::onBytesWritten);
    connect(m_socket, &QWebSocket::disconnected, this, [this] {
        m_state = State::Closing;
        m_writableWaiters.clear();
        m_admission.clear();
        emit closed(this);
    });
}

Session::~Session() = default;

qint64 Session::elapsedMs() const {
    return m_clock.elapsedMs();
}

qint64 Session::socketBacklog() const {
    return m_socket->bytesToWrite();
}

QString Session::peer() const {
    return m_socket->peerAddress().toString();
}

qint64 Session::wireBytes(qint64 payload) const {
    // What the socket will report written for one message: each frame's header (server frames
    // are not masked) plus its payload; QtWebSockets splits messages by the outgoing frame size.
    qint64 total = 0;
    qint64 left = payload;
    do {
        const qint64 part = std::min(left, m_frameSize > 0 ? m_frameSize : left);
        total += part + 2 + (part > 65535 ? 8 : part > 125 ? 2 : 0);
        left -= part;
    } while (left > 0);
    return total;
}

void Session::send(const protocol::Frame &frame) {
    if (m_state == State::Closing)
        return;
    const QByteArray bytes = protocol::encodeFrame(frame);
    m_socket->sendBinaryMessage(bytes);
    m_queuedBytes += wireBytes(bytes.size());
    if (m_queuedBytes > m_limits.dropBytes) {
        qCInfo(lcGateway) << "dropping device" << m_caller.deviceId
                          << "that does not read:" << m_queuedBytes << "bytes waiting";
        close(QStringLiteral("too far behind"));
        return;
    }
    if (!m_paused && m_queuedBytes > m_limits.pauseBytes) {
        qCDebug(lcGateway) << "pausing device" << m_caller.deviceId << m_queuedBytes
                           << "bytes waiting";
        m_paused = true;
    }
}

void Session::onBytesWritten(qint64 bytes) {
    // Control frames the socket writes by itself (pongs, close) are not counted on the way in.
    m_queuedBytes = std::max<qint64>(0, m_queuedBytes - bytes);
    if (m_paused && m_queuedBytes <= m_limits.pauseBytes / 2)
        resume();
}

void Session::resume() {
    m_paused = false;
    qCDebug(lcGateway) << "resuming device" << m_caller.deviceId;
    QPointer<Session> self(this);
    while (self && !m_paused && m_state != State::Closing && !m_held.empty()) {
        const QByteArray data = m_held.takeFirst();
        m_heldBytes -= data.size() + Admission::kWaitingOverhead;
        process(data);
    }
    if (!self || m_paused || m_state == State::Closing)
        return;
    pump();
    if (!self || m_paused || m_state == State::Closing)
        return;
    auto waiters = std::move(m_writableWaiters);
    m_writableWaiters.clear();
    for (auto &w : waiters)
        w();
}

void Session::whenWritable(std::function<void()> next) {
    if (m_state == State::Closing)
        return;
    if (!m_paused) {
        next();
        return;
    }
    m_writableWaiters.push_back(std::move(next));
}

void Session::sendError(quint64 requestId, const Error &error) {
    if (Metrics *m = m_gateway->metrics())
        m->requestFailed(error.code);
    protocol::Frame f =
        protocol::makeError(requestId, error.code, error.detail, error.retryAfterMs);
    if (!error.staleDevices.isEmpty())
        f.mutable_error()->mutable_stale()->ParseFromArray(error.staleDevices.constData(),
                                                           int(error.staleDevices.size()));
    send(f);
}

void Session::disconnect(const Error &why) {
    // Request id 0: not the answer to a request; the client stops this connection for the
    // reason the code gives (SESSION_REPLACED: do not reconnect; BAD_TOKEN: log in again).
    if (m_state != State::Closing && !m_closing)
        sendError(0, why);
    close(why.detail);
}

void Session::deliver(const Push &push) {
    if (m_state != State::Authenticated)
        return;
    if (const auto *message = std::get_if<wire::Message>(&push)) {
        queueMessage(*message);
        return;
    }
    flushPushes(); // e.g. receipts must not overtake the messages they refer to
    protocol::Frame f;
    std::visit(
        [&f](const auto &body) {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, wire::ReceiptPush>)
                *f.mutable_receipt_push() = body;
            else if constexpr (std::is_same_v<T, wire::TypingPush>)
                *f.mutable_typing_push() = body;
            else if constexpr (std::is_same_v<T, wire::PresencePush>)
                *f.mutable_presence_push() = body;
            else if constexpr (std::is_same_v<T, wire::KeysResponse>)
                *f.mutable_keys_response() = body;
            else if constexpr (std::is_same_v<T, wire::LinkRelayPush>)
                *f.mutable_link_relay_push() = body;
            else if constexpr (std::is_same_v<T, wire::AccountKeyPush>)
                *f.mutable_account_key_push() = body;
        },
        push);
    send(f);
}

void Session::queueMessage(const wire::Message &message) {
    const std::size_t size = message.payload().size() + message.envelope().size();
    if (m_pushQueueBytes + size > limits::kMaxPushPayloadBytes)
        flushPushes();
    m_pushQueueBytes += size;
    m_pushQueue.push_back(message);
    if (Metrics *m = m_gateway->metrics())
        m->messagesDelivered(1);
    if (int(m_pushQueue.size()) >= limits::kMaxMessagesPerPush) {
        flushPushes();
        return;
    }
    if (!m_flushScheduled) {
        m_flushScheduled = true;
        m_gateway->scheduleFlush(this);
    }
}

void Session::flushPushes() {
    m_flushScheduled = false;
    if (m_pushQueue.empty())
        return;
    protocol::Frame f;
    auto *push = f.mutable_message_push();
    push->mutable_messages()->Reserve(int(m_pushQueue.size()));
    for (auto &m : m_pushQueue)
        *push->add_messages() = std::move(m);
    m_pushQueue.clear();
    m_pushQueueBytes = 0;
    send(f);
}

void Session::authenticated(const Caller &caller) {
    m_state = State::Authenticated;
    m_caller = caller;
}

void Session::close(const QString &reason) {
    if (m_state == State::Closing || m_closing)
        return;
    closeSocket(reason, QWebSocketProtocol::CloseCodePolicyViolated);
    // A peer that never answers the close handshake is cut off.
    m_socket->abort();
}

void Session::closeSocket(const QString &reason, QWebSocketProtocol::CloseCode code) {
    m_closing = true; // the flush below may find the queue too long and close again
    qCDebug(lcGateway) << "closing session" << m_caller.deviceId << reason;
    flushPushes();
    m_state = State::Closing;
    m_held.clear();
    m_writableWaiters.clear();
    m_admission.clear();
    m_socket->close(code, reason.left(120));
}

bool Session::closeForRestart(int boundMs) {
    if (m_state == State::Closing || m_closing || m_restarting)
        return false;
    m_restarting = true;
    if (m_state != State::Authenticated || inFlightTotal() == 0) {
        finishRestart();
        return false;
    }
    qCDebug(lcGateway) << "device" << m_caller.deviceId << "closes after" << inFlightTotal()
                       << "requests in flight";
    QTimer::singleShot(boundMs, this, [this, boundMs] {
        if (m_state == State::Closing)
            return;
        qCInfo(lcGateway) << "closing device" << m_caller.deviceId << "with" << inFlightTotal()
                          << "requests still unanswered after" << boundMs << "ms";
        finishRestart();
    });
    return true;
}

void Session::finishRestart() {
    if (m_state == State::Closing || m_closing)
        return;
    closeSocket(QStringLiteral("server restarting, reconnect"), kRestartCloseCode);
    // Unlike close(), no abort at once: the answers just sent and the close frame must reach
    // the client, which then knows to reconnect soon. One that never answers the close
    // handshake is cut off a little later.
    QTimer::singleShot(kRestartCloseGraceMs, m_socket, &QWebSocket::abort);
}

void Session::onText(const QString &) {
    m_lastActivityMs = m_clock.elapsedMs();
    badFrame(
        0, Error{ErrorCode::BadFrame, QStringLiteral("text frames are not part of the protocol")});
}

void Session::onBinary(const QByteArray &data) {
    m_lastActivityMs = m_clock.elapsedMs();
    if (m_state == State::Closing)
        return;
    if (m_paused) {
        m_heldBytes += data.size() + Admission::kWaitingOverhead;
        if (m_heldBytes > m_limits.pauseBytes) {
            qCInfo(lcGateway) << "dropping device" << m_caller.deviceId
                              << "that sends but does not read";
            close(QStringLiteral("too far behind"));
            return;
        }
        m_held.push_back(data);
        return;
    }
    process(data);
}

void Session::process(const QByteArray &data) {
    auto decoded = protocol::decodeClientFrame(data);
    if (!decoded) {
        // The request id may still be readable from a frame that failed validation.
        quint64 requestId = 0;
        protocol::Frame probe;
        if (size_t(data.size()) <= limits::kMaxClientFrameBytes &&
            probe.ParseFromArray(data.constData(), int(data.size())))
            requestId = probe.request_id();
        badFrame(requestId, decoded.error());
        return;
    }
    // Before authentication there is one request at a time anyway (the handshake), and pings
    // cost nothing but their answer, which the outbound bound covers.
    if (m_state != State::Authenticated || decoded->body_case() == protocol::Frame::kPing) {
        m_gateway->handle(this, *decoded);
        return;
    }
    // Draining: not run, never answered, so the client sends it again after reconnecting.
    if (m_restarting)
        return;
    const Admission::Lane lane = Admission::laneOf(decoded->body_case());
    Admission::Request request{std::move(*decoded), data.size(), lane};
    switch (m_admission.offer(request)) {
    case Admission::Verdict::Run:
        run(request);
        return;
    case Admission::Verdict::Wait:
        return;
    case Admission::Verdict::Overflow:
        qCInfo(lcGateway) << "dropping device" << m_caller.deviceId << "with"
                          << m_admission.waitingBytes() << "bytes of requests waiting";
        close(QStringLiteral("too many requests at once"));
        return;
    }
}

void Session::run(Admission::Request &request) {
    m_current = std::make_shared<Ticket>(this, request.lane, request.bytes);
    m_gateway->handle(this, request.frame);
    // A request whose reply nobody kept (answered at once, or none) is finished here.
    m_current.reset();
}

void Session::Ticket::finish() {
    if (std::exchange(m_done, true))
        return;
    if (m_session)
        m_session->requestFinished(m_lane, m_bytes);
}

void Session::requestFinished(Admission::Lane lane, qint64 bytes) {
    m_admission.finished(lane, bytes);
    if (m_restarting && inFlightTotal() == 0 && m_state != State::Closing) {
        // Queued: the reply that finished this request sends its answer after this call.
        QMetaObject::invokeMethod(this, &Session::finishRestart, Qt::QueuedConnection);
        return;
    }
    if (!m_admission.hasWaiting() || m_pumpScheduled || m_state == State::Closing)
        return;
    // Never from inside the service's callback that answered: it may be iterating its batch.
    m_pumpScheduled = true;
    QMetaObject::invokeMethod(this, &Session::pump, Qt::QueuedConnection);
}

void Session::pump() {
    m_pumpScheduled = false;
    QPointer<Session> self(this);
    while (self && !m_paused && !m_restarting && m_state == State::Authenticated) {
        auto request = m_admission.next();
        if (!request)
            return;
        run(*request);
    }
}

void Session::badFrame(quint64 requestId, const Error &error) {
    sendError(requestId, error);
    // Only garbage counts: a user mistyping a username is not an attacker.
    const bool garbage = error.code == ErrorCode::BadFrame || error.code == ErrorCode::TooLarge ||
                         error.code == ErrorCode::UnknownFrame;
    if (garbage && ++m_badFrames >= limits::kMaxBadFrames) {
        qCInfo(lcGateway) << "disconnecting a client that keeps sending bad frames";
        close(QStringLiteral("too many bad frames"));
    }
}

} // namespace tidings::server
