#pragma once
// One HTTP/1.1 connection: reads request heads within the limits, hands each request to its
// route's handler, streams the body to the handler's sink with backpressure, writes the response
// (a file read ahead on a thread pool, written as the socket drains) and then reads the next
// pipelined request. Memory per connection is bounded by the head limit plus one 64 KiB piece
// plus the socket's read buffer (and, while a file streams, the read-ahead's blocks and the
// socket's write buffer), whatever the body or file size.
#include "http_exchange.h"
#include "http_router.h"
#include "http_types.h"
#include "read_ahead.h"
#include "request_parser.h"

#include <QObject>
#include <QPointer>

class QTcpSocket;
class QThreadPool;

namespace tidings::http {

//! The monotonic clock (ms) of every deadline.
qint64 httpClockMs();
//! The current time as an HTTP Date header value.
QByteArray httpDate();

class HttpConnection : public QObject {
    Q_OBJECT
public:
    //! Takes ownership of `socket`; bytes already buffered in it (a front door that peeked) are
    //! parsed first. Response files are read on `readPool`.
    HttpConnection(QTcpSocket *socket, const Router &router, const HttpLimits &limits,
                   QThreadPool *readPool, QObject *parent = nullptr);
    ~HttpConnection() override;

    //! Called by the server's sweep timer with a monotonic clock in ms.
    void checkDeadlines(qint64 nowMs);
    //! Refuses the connection at once (server full): 503, then close.
    void refuse(const HttpError &error);

signals:
    void closed(tidings::http::HttpConnection *connection);

private:
    friend class HttpExchange;
    enum class State { Head, Handler, Body, AwaitResponse, Writing, Lingering, Closed };

    void acceptBody(std::unique_ptr<BodySink> sink);
    void resumeBody();
    void startResponse(Response response);

    void process();
    bool readHead();
    bool readBody();
    void dispatch(RequestHead head);
    //! `fatal`: the byte stream itself is in doubt (malformed head): close after answering.
    void sendError(const HttpError &error, Headers headers = {}, bool fatal = false);
    void pump();
    void responseDone();
    void discardInput();
    void abortBody();
    void closeNow();
    void onDisconnected();
    qint64 now() const;

    QTcpSocket *m_socket;
    const Router &m_router;
    const HttpLimits &m_limits;
    HeadScanner m_scanner;
    State m_state = State::Head;
    QByteArray m_buffer; //!< head bytes and what followed them in the same read
    QPointer<HttpExchange> m_exchange;
    std::unique_ptr<BodySink> m_sink;
    quint64 m_bodyRemaining = 0;
    bool m_expectContinue = false;
    bool m_keepAlive = true;
    bool m_paused = false;
    bool m_closeAfterResponse = false;
    bool m_lingerAfterResponse = false;
    bool m_processing = false;
    bool m_processAgain = false;
    QThreadPool *m_readPool;
    std::unique_ptr<ReadAhead> m_source; //!< the response body being streamed
    qint64 m_headStartedMs = 0;          //!< first byte of the current head (or accept time)
    qint64 m_lastProgressMs = 0;
    qint64 m_lingerUntilMs = 0;
    bool m_idle = false; //!< between kept-alive requests, nothing of the next one yet
    bool m_sinkEnded = false;
    bool m_closedSignalled = false;
    quint64 m_discarded = 0;
};

} // namespace tidings::http
