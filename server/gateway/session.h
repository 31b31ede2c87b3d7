#pragma once
// One device's WebSocket: decodes frames, counts bad frames, and bounds what waits to be written.
//
// Pushes of messages are queued and flushed once per event loop turn, so that many messages for
// one device share a frame; anything else flushes them first (nothing overtakes a message).
//
// Outbound backpressure: the bytes handed to the socket and not yet written are counted. Past
// `pauseBytes` the session is paused: its requests are held, not processed (their answers would
// only add to what it cannot read), and an inbox drain waits; below half of that it resumes.
// Past `dropBytes` (or when held requests pile up past `pauseBytes`) the connection is dropped.
// Nothing acknowledged is lost: undelivered messages stay in the device's inbox and are drained
// at its next connection.
#include "core/caller.h"
#include "protocol/codec.h"
#include "routing/endpoint.h"

#include <QObject>
#include <QPointer>

#include <deque>
#include <functional>
#include <vector>

class QWebSocket;

namespace tidings::server {

class Clock;
class Gateway;

class Session : public QObject, public Endpoint {
    Q_OBJECT
public:
    enum class State { New, Authenticating, Authenticated, Closing };
    struct Limits {
        qint64 pauseBytes = 4 * 1024 * 1024;
        qint64 dropBytes = 32 * 1024 * 1024;
    };

    Session(QWebSocket *socket, Gateway *gateway, const Clock &clock, Limits limits);
    ~Session() override;

    State state() const { return m_state; }
    const Caller &caller() const { return m_caller; }
    quint64 userId() const { return m_caller.userId; }
    quint64 deviceId() const { return m_caller.deviceId; }
    qint64 lastActivityMs() const { return m_lastActivityMs; }
    qint64 connectedAtMs() const { return m_connectedAtMs; }
    QString peer() const;

    void send(const protocol::Frame &frame);
    void sendError(quint64 requestId, const Error &error);
    void flushPushes();

    // Endpoint
    void deliver(const Push &push) override;
    void disconnect(const QString &reason) override { close(reason); }

    void setAuthenticating() { m_state = State::Authenticating; }
    void setUnauthenticated() { m_state = State::New; }
    void authenticated(const Caller &caller);
    void close(const QString &reason);

    //! Bytes handed to the socket and not written yet.
    qint64 queuedBytes() const { return m_queuedBytes; }
    bool paused() const { return m_paused; }
    //! Runs `next` when the session is not paused (at once if it is not); never if it closes.
    void whenWritable(std::function<void()> next);

signals:
    void closed(tidings::server::Session *session);

private:
    void onBinary(const QByteArray &data);
    void onText(const QString &text);
    void onBytesWritten(qint64 bytes);
    void process(const QByteArray &data);
    void badFrame(quint64 requestId, const Error &error);
    void queueMessage(const wire::Message &message);
    qint64 wireBytes(qint64 payload) const;
    void resume();

    QWebSocket *m_socket;
    Gateway *m_gateway;
    const Clock &m_clock;
    Limits m_limits;
    State m_state = State::New;
    Caller m_caller;
    qint64 m_lastActivityMs = 0;
    qint64 m_connectedAtMs = 0;
    qint64 m_frameSize = 0; //!< the socket's outgoing frame size (messages are split by it)
    int m_badFrames = 0;
    bool m_closing = false;

    std::size_t m_pushQueueBytes = 0;
    std::vector<wire::Message> m_pushQueue;
    bool m_flushScheduled = false;

    qint64 m_queuedBytes = 0;
    bool m_paused = false;
    std::deque<QByteArray> m_held; //!< requests received while paused, in order
    qint64 m_heldBytes = 0;
    std::vector<std::function<void()>> m_writableWaiters;
};

} // namespace tidings::server
