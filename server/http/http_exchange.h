#pragma once
// One request and its response, as a handler sees it. The connection owns it; a handler that
// answers later keeps a QPointer (the exchange is gone when the peer disconnects or a deadline
// passes: aborted() is emitted just before).
//
// A handler either responds at once (no body, or a refusal: the connection then closes, since
// the unread body cannot be skipped safely) or calls receiveBody() with a sink. With
// `Expect: 100-continue` the 100 goes out only when receiveBody() is called, so a refusal costs
// the client no upload.
#include "http_router.h"
#include "http_types.h"

#include <QJsonObject>
#include <QObject>

#include <memory>

class QIODevice;

namespace tidings::http {

class HttpConnection;
class HttpExchange;

//! What a sink says after each piece of a request body.
struct [[nodiscard]] SinkStatus {
    bool pause = false; //!< stop reading the socket until HttpExchange::resumeBody()
    std::optional<HttpError> error;

    static SinkStatus proceed() { return {}; }
    static SinkStatus paused() { return {true, std::nullopt}; }
    static SinkStatus failed(HttpError e) { return {false, std::move(e)}; }
};

//! Receives a request body piece by piece (at most 64 KiB each); the server keeps none of it.
class BodySink {
public:
    virtual ~BodySink() = default;
    //! Once, before the first piece: the exchange, for a sink that works asynchronously (it
    //! resumes a paused body, or answers before the body's end when its worker failed).
    virtual void attached(HttpExchange *exchange) { Q_UNUSED(exchange); }
    //! The next piece, in order. An error ends the request with that error response.
    virtual SinkStatus write(QByteArrayView piece) = 0;
    //! The same, for a sink that keeps the piece beyond the call (e.g. hands it to a disk
    //! thread): the buffer is handed over without a copy. What the connection calls.
    virtual SinkStatus take(QByteArray piece) { return write(piece); }
    //! Every declared byte arrived: respond through `exchange`, now or later.
    virtual void finished(HttpExchange *exchange) = 0;
    //! The body ended early (disconnect, deadline, a response before its end): discard it.
    virtual void aborted() {}
};

//! The response as the connection sends it. Content-Length and Connection are added there.
struct Response {
    int status = 200;
    Headers headers;
    quint64 contentLength = 0;
    QByteArray body;                   //!< sent when there is no device
    std::unique_ptr<QIODevice> device; //!< contentLength bytes from its current position
    bool sendBody = true;              //!< false for HEAD
};

class HttpExchange : public QObject {
    Q_OBJECT
public:
    ~HttpExchange() override;

    const RequestHead &request() const { return m_request; }
    QString param(const QString &name) const { return m_params.value(name); }
    //! A decoded query parameter, or a null QString.
    QString queryItem(const QString &name) const;
    bool isHead() const { return m_request.method == "HEAD"; }
    bool hasResponded() const { return m_responded; }

    //! Accept the request body into `sink` (sends 100 Continue when the client waits for it).
    void receiveBody(std::unique_ptr<BodySink> sink);
    //! After a sink returned SinkStatus::paused().
    void resumeBody();

    void respond(int status, QByteArray body = {}, QByteArray contentType = {},
                 Headers headers = {});
    void respondJson(int status, const QJsonObject &json, Headers headers = {});
    //! {"error": code, "detail": ..., plus `extra`}; 429 with retry information adds Retry-After.
    void respondError(const HttpError &error, const QJsonObject &extra = {}, Headers headers = {});
    //! Streams `size` bytes of an open `device` (seekable for ranges): 200, 206 for a single
    //! satisfiable Range, 416 otherwise; If-Range against `etag`; HEAD sends headers only.
    void respondDevice(std::unique_ptr<QIODevice> device, quint64 size, QByteArray contentType,
                       Headers headers = {}, QByteArray etag = {});

signals:
    //! The connection is going away before the response was sent.
    void aborted();

private:
    friend class HttpConnection;
    HttpExchange(HttpConnection *connection, RequestHead request, QHash<QString, QString> params);
    void send(Response response);

    HttpConnection *m_connection;
    RequestHead m_request;
    QHash<QString, QString> m_params;
    bool m_responded = false;
};

//! The reason phrase for a status code ("Not Found"); "Unknown" for codes this server never uses.
const char *reasonPhrase(int status);

} // namespace tidings::http
