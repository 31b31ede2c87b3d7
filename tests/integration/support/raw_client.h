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

//! Runs the event loop until `predicate` holds or `timeoutMs` passes. Unlike QTest::qWaitFor,
//! which sleeps 10 ms between passes, it wakes on every event: an in-process server and its
//! clients share this thread, and each hop of a request would otherwise cost a sleep.
bool waitFor(const std::function<bool()> &predicate, int timeoutMs = 5000);

class RawClient : public QObject {
    Q_OBJECT
public:
    explicit RawClient(QUrl url, QObject *parent = nullptr);

    //! A connected client of a newly registered user (password "password1"), or null with the
    //! reason logged.
    static std::unique_ptr<RawClient> registered(const QUrl &url, const QString &username);

    bool connectNow(int timeoutMs = 5000);
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    //! Waits until the server closes the socket.
    bool waitDisconnected(int timeoutMs = 5000);
    void close() { m_socket.close(); }

    //! Sends a frame (a request id is assigned when it has none) and waits for its response.
    std::optional<protocol::Frame> request(protocol::Frame frame, int timeoutMs = 10000);
    //! Sends all frames at once (pipelined) and waits for every response, in request order.
    std::vector<protocol::Frame> pipeline(std::vector<protocol::Frame> frames,
                                          int timeoutMs = 30000);
    //! Sends a request without waiting (concurrency tests); returns its request id.
    quint64 sendRequest(protocol::Frame frame);
    bool hasResponse(quint64 requestId) const { return m_responses.count(requestId) > 0; }
    //! Removes and returns the response to `requestId` if it arrived.
    std::optional<protocol::Frame> takeResponse(quint64 requestId);
    void sendRaw(const QByteArray &bytes) { m_socket.sendBinaryMessage(bytes); }
    void sendFrame(const protocol::Frame &frame);

    // Convenience requests; each returns the response frame.
    std::optional<protocol::Frame> registerUser(const QString &name,
                                                const QString &pw = "password1");
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
    void ackDelivered(quint64 conv, quint64 seq);
    void ackRead(quint64 conv, quint64 seq);

    //! Pushed messages of one conversation in seq order without duplicates, optionally only
    //! system events.
    std::vector<wire::Message> messagesIn(quint64 conv, bool eventsOnly = false) const;
    //! Waits until at least n pushed messages were collected (or time runs out).
    bool waitMessages(int n, int timeoutMs = 10000);
    //! Waits for a push frame of the given body type, removing and returning it.
    std::optional<protocol::Frame> waitPush(protocol::Frame::BodyCase type, int timeoutMs = 5000);

    std::vector<wire::Message> messages; //!< every pushed message, in arrival order
    std::deque<protocol::Frame> pushes;  //!< other pushes (receipts, drained, errors)
    QByteArray token;
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
