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
//
// Inbound fairness: authenticated requests pass the connection's Admission (see admission.h)
// before the dispatcher; the reply callbacks carry a Ticket that tells the session when a request
// has been answered, so waiting ones can follow.
//
// Graceful drain (SIGTERM): closeForRestart() lets the requests in flight be answered (a send
// being stored still gets its ack), runs no new ones (never answered, so the client sends them
// again on its next connection, to another node) and then closes with kRestartCloseCode.
#include "core/caller.h"
#include "gateway/admission.h"
#include "gateway/typing_throttle.h"
#include "protocol/codec.h"
#include "routing/endpoint.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QWebSocketProtocol>

#include <functional>
#include <memory>
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
        Admission::Limits admission;
    };
    //! One admitted request, until its answer is handed back (or the reply is dropped unused).
    class Ticket {
    public:
        Ticket(Session *session, Admission::Lane lane, qint64 bytes)
            : m_session(session)
            , m_lane(lane)
            , m_bytes(bytes) {}
        ~Ticket() { finish(); }
        Ticket(const Ticket &) = delete;
        Ticket &operator=(const Ticket &) = delete;
        void finish();

    private:
        QPointer<Session> m_session;
        Admission::Lane m_lane;
        qint64 m_bytes;
        bool m_done = false;
    };

    Session(QWebSocket *socket, Gateway *gateway, const Clock &clock, Limits limits);
    ~Session() override;

    State state() const { return m_state; }
    const Caller &caller() const { return m_caller; }
    quint64 userId() const { return m_caller.userId; }
    quint64 deviceId() const { return m_caller.deviceId; }
    qint64 lastActivityMs() const { return m_lastActivityMs; }
    qint64 connectedAtMs() const { return m_connectedAtMs; }
    //! The clock deadlines, idle times and throttles run on (Clock::elapsedMs: never jumps).
    qint64 elapsedMs() const;
    QString peer() const;

    void send(const protocol::Frame &frame);
    void sendError(quint64 requestId, const Error &error);
    void flushPushes();

    // Endpoint
    void deliver(const Push &push) override;
    void disconnect(const Error &why) override;

    void setAuthenticating() { m_state = State::Authenticating; }
    void setUnauthenticated() { m_state = State::New; }
    void authenticated(const Caller &caller);
    void close(const QString &reason);

    //! The close code of a drain: 1001 Going Away ("a server going down", RFC 6455 7.4.1), not
    //! 1012 Service Restart: QtWebSockets (6.4 and later) takes any code from 1012 to 2999 for a
    //! protocol violation, so a Qt client would see 1002 and no reason at all.
    static constexpr QWebSocketProtocol::CloseCode kRestartCloseCode =
        QWebSocketProtocol::CloseCodeGoingAway;
    //! Ends the connection for a drain: with kRestartCloseCode once its requests in flight are
    //! answered, but after `boundMs` at most; at once when it has none or is not authenticated.
    //! Returns whether it waits for requests.
    bool closeForRestart(int boundMs);
    //! How long a drained connection's client has to answer the close handshake.
    static constexpr int kRestartCloseGraceMs = 2000;
    //! Requests admitted and not answered yet, both lanes.
    int inFlightTotal() const {
        return m_admission.inFlight(Admission::Lane::Normal) +
               m_admission.inFlight(Admission::Lane::Read);
    }

    //! Bytes handed to the socket and not written yet.
    qint64 queuedBytes() const { return m_queuedBytes; }
    //! What the socket itself still has to write, including the control frames (pongs, close)
    //! QtWebSockets writes on its own and `queuedBytes` cannot count.
    qint64 socketBacklog() const;
    bool paused() const { return m_paused; }
    //! The request being dispatched right now (reply callbacks keep it); null outside dispatch.
    std::shared_ptr<Ticket> currentTicket() const { return m_current; }
    int inFlight(Admission::Lane lane) const { return m_admission.inFlight(lane); }
    qint64 waitingBytes() const { return m_admission.waitingBytes(); }
    TypingThrottle &typingThrottle() { return m_typing; }

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
    void run(Admission::Request &request);
    void requestFinished(Admission::Lane lane, qint64 bytes);
    void pump();
    void closeSocket(const QString &reason, QWebSocketProtocol::CloseCode code);
    void finishRestart();

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
    bool m_restarting = false; //!< closeForRestart(): no new requests run, close when answered

    std::size_t m_pushQueueBytes = 0;
    std::vector<wire::Message> m_pushQueue;
    bool m_flushScheduled = false;

    qint64 m_queuedBytes = 0;
    bool m_paused = false;
    QList<QByteArray> m_held; //!< requests received while paused, in order (no std::deque:
                              //!< it allocates ~600 bytes even empty, on every connection)
    qint64 m_heldBytes = 0;
    std::vector<std::function<void()>> m_writableWaiters;

    Admission m_admission;
    std::shared_ptr<Ticket> m_current;
    bool m_pumpScheduled = false;
    TypingThrottle m_typing;
};

} // namespace tidings::server
