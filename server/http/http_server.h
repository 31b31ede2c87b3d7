#pragma once
// A small streaming HTTP/1.1 server for media: request bodies stream into sinks with
// backpressure, downloads stream from files with Range support, and every limit (head size,
// header count, body size per route, connections, deadlines) is enforced before memory is spent.
// It can take over sockets another listener accepted, so WebSocket and HTTP share one port:
// the front door peeks at the first request line and passes the socket (its peeked bytes still
// unread) to handleConnection().
//
// Why not QtHttpServer 6.4: it buffers every request body in memory without a limit, ignores
// Expect: 100-continue and cannot adopt an accepted socket.
#include "http_exchange.h"
#include "http_router.h"
#include "http_types.h"

#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <QThreadPool>

class QTcpServer;
class QTcpSocket;
class QTimer;

namespace tidings::http {

class HttpConnection;

class HttpServer : public QObject {
    Q_OBJECT
public:
    explicit HttpServer(HttpLimits limits = {}, QObject *parent = nullptr);
    ~HttpServer() override;

    //! `pattern` like "/media/v1/uploads/{id}"; `maxBody` bounds Content-Length (0: no body).
    //! Returns false for a malformed pattern.
    [[nodiscard]] bool route(QByteArray method, QByteArrayView pattern, quint64 maxBody,
                             Handler handler);

    //! Takes ownership of an accepted, connected socket (unread bytes in its buffer are parsed).
    void handleConnection(QTcpSocket *socket);

    //! For tests and stand-alone use: accept connections itself.
    [[nodiscard]] bool listen(const QHostAddress &address = QHostAddress::LocalHost,
                              quint16 port = 0);
    quint16 serverPort() const;

    int connectionCount() const { return int(m_connections.size()); }
    const HttpLimits &limits() const { return m_limits; }

signals:
    void connectionClosed();

private:
    void sweep();

    HttpLimits m_limits;
    Router m_router;
    QSet<HttpConnection *> m_connections;
    QTcpServer *m_listener = nullptr;
    QTimer *m_sweepTimer;
    //! Response files are read here, never on the event loop (declared last: its destructor
    //! waits for reads in progress after the connections are gone).
    QThreadPool m_reads;
};

} // namespace tidings::http
