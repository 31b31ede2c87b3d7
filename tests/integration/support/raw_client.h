#pragma once
// A lean protocol client for server tests: one WebSocket, requests answered synchronously (with
// a local event loop), pushes collected in order. It uses the real codec, nothing else.
#include "protocol/codec.h"

#include <QObject>
#include <QUrl>
#include <QWebSocket>

#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace tidings::test {

//! How long tests wait for something that should happen. Generous: CI runs on 2 loaded cores
//! with sanitizers, and the waits end on the event itself, so a fast machine does not pay it.
constexpr int kWaitMs = 20000;

//! Runs the event loop until `predicate` holds or `timeoutMs` passes. Unlike QTest::qWaitFor,
//! which sleeps 10 ms between passes, it wakes on every event: an in-process server and its
//! clients share this thread, and each hop of a request would otherwise cost a sleep.
bool waitFor(const std::function<bool()> &predicate, int timeoutMs = kWaitMs);

//! The error code of a response, ERROR_NONE for a success (or no response at all).
wire::ErrorCode errorCode(const std::optional<protocol::Frame> &response);

class RawClient : public QObject {
    Q_OBJECT
public:
    explicit RawClient(QUrl url, QObject *parent = nullptr);

    static constexpr const char *kPassword = "password1";

    // These three return a client whose inbox drain has ended (its InboxDrained push is in
    // `pushes`): from then on every message comes live, never once more from the drain.
    //! A connected client of a newly registered user (password kPassword), or null with the
    //! reason logged.
    static std::unique_ptr<RawClient> registered(const QUrl &url, const QString &username);
    //! A new device of an existing user (login with kPassword), or null with the reason logged.
    static std::unique_ptr<RawClient> loggedIn(const QUrl &url, const QString &username);
    //! The device of `token` on a new connection, or null with the reason logged.
    static std::unique_ptr<RawClient> authenticated(const QUrl &url, const QByteArray &token);

    bool connectNow(int timeoutMs = kWaitMs);
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    //! Waits until the server closes the socket.
    bool waitDisconnected(int timeoutMs = kWaitMs);
    void close() { m_socket.close(); }

    //! Sends a frame (a request id is assigned when it has none) and waits for its response.
    std::optional<protocol::Frame> request(protocol::Frame frame, int timeoutMs = kWaitMs);
    //! Sends all frames at once (pipelined) and waits for every response, in request order.
    std::vector<protocol::Frame> pipeline(std::vector<protocol::Frame> frames,
                                          int timeoutMs = 60000);
    //! A ping answered: the server still serves this connection and has read everything sent
    //! before it. Not that the work those frames started is done (a ping is answered at once),
    //! nor that pushes queued for this client are in: for those, wait for an answer that comes
    //! after the work (the *AndWait acks) or for a later push on the same path.
    bool ping(int timeoutMs = kWaitMs);
    //! Sends a request without waiting (concurrency tests); returns its request id.
    quint64 sendRequest(protocol::Frame frame);
    bool hasResponse(quint64 requestId) const { return m_responses.count(requestId) > 0; }
    //! Removes and returns the response to `requestId` if it arrived.
    std::optional<protocol::Frame> takeResponse(quint64 requestId);
    void sendRaw(const QByteArray &bytes) { m_socket.sendBinaryMessage(bytes); }
    void sendFrame(const protocol::Frame &frame);

    // Convenience requests; each returns the response frame.
    std::optional<protocol::Frame> registerUser(const QString &name, const QString &pw = kPassword);
    std::optional<protocol::Frame> login(const QString &name, const QString &pw);
    std::optional<protocol::Frame> auth(const QByteArray &token);
    quint64 openDirect(const QString &peer); //!< 0 on failure
    std::optional<protocol::Frame> send(quint64 conv, const QString &clientId,
                                        const QByteArray &payload = "hello");
    //! Creates a group; returns its conversation id or 0 (the response in *response).
    quint64 createGroup(const QString &name, const QStringList &usernames,
                        std::optional<protocol::Frame> *response = nullptr);
    std::optional<protocol::Frame> groupChange(quint64 conv,
                                               wire::GroupChangeRequest::Action action,
                                               const QString &username = {},
                                               const QString &name = {});
    //! Fire-and-forget acks (request id 0), as clients send them.
    void ackDelivered(quint64 conv, quint64 seq);
    void ackRead(quint64 conv, quint64 seq);
    //! The same acks with a request id: the answer (ok or error) comes once the cursors are
    //! committed, so a test can look at them right after.
    std::optional<protocol::Frame> ackDeliveredAndWait(quint64 conv, quint64 seq);
    std::optional<protocol::Frame> ackReadAndWait(quint64 conv, quint64 seq);

    //! Pushed messages of one conversation in seq order without duplicates, optionally only
    //! system events.
    std::vector<wire::Message> messagesIn(quint64 conv, bool eventsOnly = false) const;
    //! Waits until at least n pushed messages were collected (or time runs out).
    bool waitMessages(int n, int timeoutMs = kWaitMs);
    //! Waits for a push frame of the given body type, removing and returning it (the oldest).
    std::optional<protocol::Frame> waitPush(protocol::Frame::BodyCase type,
                                            int timeoutMs = kWaitMs);
    //! How many pushes of the given body type were collected (and not taken by waitPush).
    int pushCount(protocol::Frame::BodyCase type) const;
    //! Waits for the InboxDrained push that ends the drain after authentication, leaving it in
    //! `pushes`. A large inbox takes a while.
    bool waitDrained(int timeoutMs = 60000);

    std::vector<wire::Message> messages; //!< every pushed message, in arrival order
    std::deque<protocol::Frame> pushes;  //!< other pushes (receipts, drained, errors)
    QByteArray token;
    QString username; //!< as the server spells it (normalised)
    quint64 userId = 0;
    quint64 deviceId = 0;

private:
    void onBinary(const QByteArray &data);

    QUrl m_url;
    QWebSocket m_socket;
    quint64 m_nextId = 1;
    std::map<quint64, protocol::Frame> m_responses;
};

} // namespace tidings::test
