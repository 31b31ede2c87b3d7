#pragma once
// One device's WebSocket: decodes frames, enforces the authentication-first rule, counts bad
// frames, and hands requests to the services. Pushes are queued and flushed once per event loop
// turn so that many messages for one device share a frame.
#include "protocol/codec.h"

#include <QObject>
#include <QPointer>

#include <vector>

class QWebSocket;

namespace tidings::server {

class Gateway;

class Session : public QObject {
    Q_OBJECT
public:
    enum class State { New, Authenticating, Authenticated, Closing };

    Session(QWebSocket *socket, Gateway *gateway);
    ~Session() override;

    State state() const { return m_state; }
    quint64 userId() const { return m_userId; }
    quint64 deviceId() const { return m_deviceId; }
    const QString &username() const { return m_username; }
    qint64 lastActivityMs() const { return m_lastActivityMs; }
    qint64 connectedAtMs() const { return m_connectedAtMs; }
    QString peer() const;

    void send(const protocol::Frame &frame);
    void sendError(quint64 requestId, const Error &error);
    //! Queues a message for this device; sent with others in one MessagePush.
    void queueMessage(const wire::Message &message);
    void flushPushes();

    void setAuthenticating() { m_state = State::Authenticating; }
    void setUnauthenticated() { m_state = State::New; }
    void authenticated(quint64 userId, quint64 deviceId, const QString &username);
    void close(const QString &reason);

signals:
    void closed(tidings::server::Session *session);

private:
    void onBinary(const QByteArray &data);
    void onText(const QString &text);
    void badFrame(quint64 requestId, const Error &error);

    QWebSocket *m_socket;
    Gateway *m_gateway;
    State m_state = State::New;
    quint64 m_userId = 0;
    quint64 m_deviceId = 0;
    QString m_username;
    qint64 m_lastActivityMs = 0;
    qint64 m_connectedAtMs = 0;
    std::size_t m_pushQueueBytes = 0;
    int m_badFrames = 0;
    std::vector<wire::Message> m_pushQueue;
    bool m_flushScheduled = false;
};

} // namespace tidings::server
