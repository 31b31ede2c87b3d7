#pragma once
// A minimal WebSocket client for gateway tests: sends frames, keeps everything it receives.
#include "protocol/codec.h"

#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <memory>
#include <optional>
#include <vector>

namespace tidings::server::test {

class WsClient : public QObject {
public:
    std::vector<protocol::Frame> received;
    bool closed = false;

    explicit WsClient(quint16 port) {
        QObject::connect(&m_socket, &QWebSocket::binaryMessageReceived, this,
                         [this](const QByteArray &bytes) {
                             auto f = protocol::decodeServerFrame(bytes);
                             if (f)
                                 received.push_back(*f);
                             else
                                 ++undecodable;
                         });
        QObject::connect(&m_socket, &QWebSocket::disconnected, this, [this] { closed = true; });
        m_socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port)));
    }

    bool waitConnected() {
        return QTest::qWaitFor(
            [this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, 5000);
    }
    void send(const protocol::Frame &f) { m_socket.sendBinaryMessage(protocol::encodeFrame(f)); }
    void sendRaw(const QByteArray &bytes) { m_socket.sendBinaryMessage(bytes); }
    void sendText(const QString &text) { m_socket.sendTextMessage(text); }

    //! The first frame received (and not taken before) with this request id and body.
    std::optional<protocol::Frame>
    take(quint64 requestId, protocol::Frame::BodyCase body = protocol::Frame::BODY_NOT_SET,
         int timeoutMs = 5000) {
        std::optional<protocol::Frame> found;
        (void)QTest::qWaitFor(
            [&] {
                for (auto it = received.begin(); it != received.end(); ++it)
                    if (it->request_id() == requestId &&
                        (body == protocol::Frame::BODY_NOT_SET || it->body_case() == body)) {
                        found = *it;
                        received.erase(it);
                        return true;
                    }
                return false;
            },
            timeoutMs);
        return found;
    }
    //! A request and its answer.
    std::optional<protocol::Frame> request(protocol::Frame f, quint64 requestId) {
        f.set_request_id(requestId);
        send(f);
        return take(requestId);
    }
    bool waitClosed(int timeoutMs = 5000) {
        return QTest::qWaitFor([this] { return closed; }, timeoutMs);
    }

    int undecodable = 0;

private:
    QWebSocket m_socket;
};

//! A connected client registered as "alice" (the fake services sign it in as device 11), or
//! null.
inline std::unique_ptr<WsClient> signedInClient(quint16 port) {
    auto c = std::make_unique<WsClient>(port);
    if (!c->waitConnected())
        return nullptr;
    protocol::Frame reg;
    reg.mutable_register_request()->set_username("alice");
    reg.mutable_register_request()->set_password("password1");
    auto r = c->request(reg, 1);
    if (!r || !r->has_login_response())
        return nullptr;
    return c;
}

} // namespace tidings::server::test
