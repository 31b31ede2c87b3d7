#include "http_exchange.h"

#include "http_connection.h"
#include "http_logging.h"
#include "http_range.h"

#include <QIODevice>
#include <QJsonDocument>
#include <QUrlQuery>

namespace tidings::http {

HttpError HttpError::fromError(const Error &error) {
    int status = 400;
    switch (error.code) {
    case ErrorCode::TooLarge:
        status = 413;
        break;
    case ErrorCode::NotAuthenticated:
    case ErrorCode::BadToken:
    case ErrorCode::BadCredentials:
        status = 401;
        break;
    case ErrorCode::Forbidden:
    case ErrorCode::NotMember:
    case ErrorCode::NotAdmin:
        status = 403;
        break;
    case ErrorCode::NoSuchUser:
    case ErrorCode::NoSuchConversation:
    case ErrorCode::NoSuchDevice:
        status = 404;
        break;
    case ErrorCode::RateLimited:
        status = 429;
        break;
    case ErrorCode::Internal:
        status = 500;
        break;
    case ErrorCode::Timeout:
        status = 504;
        break;
    case ErrorCode::Storage:
        status = 507;
        break;
    default:
        status = 400;
        break;
    }
    return fromCode(status, error.code, error.detail);
}

const char *reasonPhrase(int status) {
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 416:
        return "Range Not Satisfiable";
    case 417:
        return "Expectation Failed";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    case 507:
        return "Insufficient Storage";
    default:
        return "Unknown";
    }
}

HttpExchange::HttpExchange(HttpConnection *connection, RequestHead request,
                           QHash<QString, QString> params)
    : QObject(connection)
    , m_connection(connection)
    , m_request(std::move(request))
    , m_params(std::move(params)) {}

HttpExchange::~HttpExchange() = default;

QString HttpExchange::queryItem(const QString &name) const {
    const QUrlQuery q(QString::fromLatin1(m_request.query));
    if (!q.hasQueryItem(name))
        return {};
    return q.queryItemValue(name, QUrl::FullyDecoded);
}

void HttpExchange::receiveBody(std::unique_ptr<BodySink> sink) {
    if (m_responded || !sink) {
        qCWarning(lcHttp) << "receiveBody after a response or without a sink";
        return;
    }
    m_connection->acceptBody(std::move(sink));
}

void HttpExchange::resumeBody() {
    m_connection->resumeBody();
}

void HttpExchange::send(Response response) {
    if (m_responded) {
        qCWarning(lcHttp) << "second response to one request ignored";
        return;
    }
    m_responded = true;
    if (isHead())
        response.sendBody = false;
    m_connection->startResponse(std::move(response));
}

void HttpExchange::respond(int status, QByteArray body, QByteArray contentType, Headers headers) {
    Response r;
    r.status = status;
    r.headers = std::move(headers);
    if (!contentType.isEmpty())
        r.headers.emplaceBack(QByteArray("content-type"), std::move(contentType));
    r.contentLength = quint64(body.size());
    r.body = std::move(body);
    send(std::move(r));
}

void HttpExchange::respondJson(int status, const QJsonObject &json, Headers headers) {
    respond(status, QJsonDocument(json).toJson(QJsonDocument::Compact), "application/json",
            std::move(headers));
}

void HttpExchange::respondError(const HttpError &error, const QJsonObject &extra, Headers headers) {
    QJsonObject body = extra;
    body.insert(QStringLiteral("error"), QString::fromLatin1(error.code));
    body.insert(QStringLiteral("detail"), error.detail);
    respondJson(error.status, body, std::move(headers));
}

void HttpExchange::respondDevice(std::unique_ptr<QIODevice> device, quint64 size,
                                 QByteArray contentType, Headers headers, QByteArray etag) {
    headers.emplaceBack(QByteArray("accept-ranges"), "bytes");
    if (!etag.isEmpty())
        headers.emplaceBack(QByteArray("etag"), etag);
    QByteArray rangeHeader = m_request.header("range");
    const QByteArray ifRange = m_request.header("if-range");
    if (!ifRange.isNull() && (etag.isEmpty() || ifRange != etag))
        rangeHeader.clear(); // the client's copy is another version: send the whole thing
    const ByteRange range = parseRange(rangeHeader, size);

    if (range.kind == ByteRange::Kind::Unsatisfiable) {
        headers.emplaceBack(QByteArray("content-range"), "bytes */" + QByteArray::number(size));
        respondError({416, "RANGE_NOT_SATISFIABLE",
                      QStringLiteral("the range starts past the end (size %1)").arg(size)},
                     {}, std::move(headers));
        return;
    }
    Response r;
    r.headers = std::move(headers);
    if (!contentType.isEmpty())
        r.headers.emplaceBack(QByteArray("content-type"), std::move(contentType));
    r.status = 200;
    r.contentLength = size;
    if (range.kind == ByteRange::Kind::Partial) {
        r.status = 206;
        r.contentLength = range.length();
        r.headers.append({"content-range", "bytes " + QByteArray::number(range.first) + '-' +
                                               QByteArray::number(range.last) + '/' +
                                               QByteArray::number(size)});
    }
    if (!isHead()) {
        if (!device || !device->isOpen() ||
            (range.first != 0 && !device->seek(qint64(range.first)))) {
            respondError(HttpError::fromCode(500, ErrorCode::Internal,
                                             QStringLiteral("cannot read the stored file")));
            return;
        }
        r.device = std::move(device);
    }
    send(std::move(r));
}

} // namespace tidings::http
