#pragma once
// One port for WebSocket and media: every accepted connection waits here until its first request
// head says where it goes (mediarequest::classify): a WebSocket upgrade to the QWebSocketServer,
// anything else to the HTTP server. Only peeks: the bytes stay in the socket's buffer for whoever
// takes it, and nothing reads the socket before the handover. Bounded: the socket buffers at most
// the head limit meanwhile, and a connection that has not said enough within the deadline is
// passed to HTTP (which answers it) or, when it said nothing at all, closed. One sweep timer for
// all waiting connections.
#include <QHash>
#include <QObject>

#include <functional>

class QTcpSocket;
class QTimer;

namespace tidings::server {

//! Writes `response` (a whole HTTP answer) and closes the socket once it is written; the socket
//! deletes itself then. For connections turned away before any server took them.
void answerAndClose(QTcpSocket *socket, const QByteArray &response);

class FrontDoor : public QObject {
    Q_OBJECT
public:
    using Handoff = std::function<void(QTcpSocket *)>;

    //! At most `maxWaiting` connections wait at once; more are closed at once.
    FrontDoor(Handoff webSocket, Handoff http, int maxHeadBytes, int timeoutMs, int maxWaiting,
              QObject *parent = nullptr);
    ~FrontDoor() override;

    //! Takes an accepted, connected socket.
    void accept(QTcpSocket *socket);
    int waitingCount() const { return int(m_waiting.size()); }
    void closeAll();

private:
    void inspect(QTcpSocket *socket);
    void handOver(QTcpSocket *socket, const Handoff &to, qint64 readBufferSize);
    void drop(QTcpSocket *socket);
    void sweep();

    Handoff m_webSocket;
    Handoff m_http;
    int m_maxHeadBytes;
    int m_timeoutMs;
    int m_maxWaiting;
    bool m_full = false;                   //!< refusing: logged once per burst
    QHash<QTcpSocket *, qint64> m_waiting; //!< socket → accepted at (monotonic ms)
    QTimer *m_sweep;
};

} // namespace tidings::server
