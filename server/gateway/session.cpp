#include "gateway/session.h"

#include "gateway/gateway.h"
#include "protocol/limits.h"
#include "server_logging.h"

#include <QWebSocket>

namespace tidings::server {

Session::Session(QWebSocket *socket, Gateway *gateway)
    : QObject(gateway)
    , m_socket(socket)
    , m_gateway(gateway)
    , m_lastActivityMs(gateway->nowMs())
    , m_connectedAtMs(m_lastActivityMs) {
    m_socket->setParent(this);
    // Enforced by QtWebSockets before it buffers the message: no allocation past the limit.
    m_socket->setMaxAllowedIncomingMessageSize(limits::kMaxClientFrameBytes);
    m_socket->setMaxAllowedIncomingFrameSize(limits::kMaxClientFrameBytes);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &Session::onBinary);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &Session::onText);
    connect(m_socket, &QWebSocket::disconnected, this, [this] {
        m_state = State::Closing;
        emit closed(this);
    });
}

Session::~Session() = default;

QString Session::peer() const {
    return m_socket->peerAddress().toString();
}

void Session::send(const protocol::Frame &frame) {
    if (m_state == State::Closing)
        return;
    m_socket->sendBinaryMessage(protocol::encodeFrame(frame));
}

void Session::sendError(quint64 requestId, const Error &error) {
    send(protocol::makeError(requestId, error.code, error.detail, error.retryAfterMs));
}

void Session::queueMessage(const wire::Message &message) {
    if (m_state != State::Authenticated)
        return;
    const std::size_t size = message.payload().size() + message.envelope().size();
    if (m_pushQueueBytes + size > limits::kMaxPushPayloadBytes)
        flushPushes();
    m_pushQueueBytes += size;
    m_pushQueue.push_back(message);
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

void Session::authenticated(quint64 userId, quint64 deviceId, const QString &username) {
    m_state = State::Authenticated;
    m_userId = userId;
    m_deviceId = deviceId;
    m_username = username;
}

void Session::close(const QString &reason) {
    if (m_state == State::Closing)
        return;
    qCDebug(lcGateway) << "closing session" << m_deviceId << reason;
    flushPushes();
    m_state = State::Closing;
    m_socket->close(QWebSocketProtocol::CloseCodePolicyViolated, reason.left(120));
    // A peer that never answers the close handshake is cut off.
    m_socket->abort();
}

void Session::onText(const QString &) {
    m_lastActivityMs = m_gateway->nowMs();
    badFrame(
        0, Error{ErrorCode::BadFrame, QStringLiteral("text frames are not part of the protocol")});
}

void Session::onBinary(const QByteArray &data) {
    m_lastActivityMs = m_gateway->nowMs();
    if (m_state == State::Closing)
        return;
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
    m_gateway->handle(this, *decoded);
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
