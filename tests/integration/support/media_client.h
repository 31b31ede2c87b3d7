#pragma once
// A plain HTTP/1.1 client for the media endpoints, as a test or a benchmark drives them: one
// kept-alive connection, requests answered by running the event loop (the server may live in the
// same thread), uploads streamed from a file chunk by chunk and downloads streamed into a file,
// either of them cut off part-way on request. Depends on Qt Network only (the media benchmark
// compiles it too).
#include <QByteArray>
#include <QHash>
#include <QIODevice>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QTcpSocket>

#include <functional>
#include <optional>

namespace tidings::test {

struct HttpReply {
    int status = 0;                        //!< 0: no answer (connection failed, cut or timed out)
    QHash<QByteArray, QByteArray> headers; //!< lower-case names
    QByteArray body;

    QByteArray header(const QByteArray &name) const { return headers.value(name); }
    QJsonObject json() const;
    //! The JSON body's "error" (a wire error name), empty for none.
    QString error() const { return json().value(QStringLiteral("error")).toString(); }
};

class MediaClient {
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    MediaClient(quint16 port, QByteArray token = {});

    void setToken(QByteArray token) { m_token = std::move(token); }
    //! Runs while waiting for a response (e.g. to sample a server's memory).
    void setIdle(std::function<void()> idle) { m_idle = std::move(idle); }

    //! One request with the bearer token (unless `headers` names an authorization itself).
    HttpReply request(const QByteArray &method, const QByteArray &path, Headers headers = {},
                      const QByteArray &body = {}, int timeoutMs = 60000);
    //! Sends raw bytes on a fresh connection and reads one response.
    HttpReply raw(const QByteArray &bytes, int timeoutMs = 20000);

    HttpReply createUpload(quint64 size);
    HttpReply progress(const QString &upload);
    HttpReply patch(const QString &upload, quint64 offset, const QByteArray &chunk);
    HttpReply finish(const QString &upload, const QByteArray &sha256);
    HttpReply cancel(const QString &upload);
    HttpReply get(const QString &blob, Headers headers = {});

    //! Uploads `in` (positioned at `offset`) to `upload` in chunks of `chunk` bytes until its
    //! end. With `cutAt`, stops once the upload reaches that offset: the chunk that crosses it is
    //! sent only up to there and the connection is then cut (as a dropped network would).
    HttpReply upload(const QString &upload, QIODevice &in, quint64 offset, quint64 chunk,
                     std::optional<quint64> cutAt = {});

    struct Download {
        HttpReply reply; //!< status and headers (the body went to the device)
        quint64 bytes = 0;
        bool cut = false;
    };
    //! GET streamed into `out`, from `from` on (a Range request when > 0, with If-Range
    //! `ifRange` when given); with `cutAfter`, the connection is cut after that many body bytes.
    Download download(const QString &blob, QIODevice &out, quint64 from = 0,
                      std::optional<quint64> cutAfter = {}, const QByteArray &ifRange = {});

    //! Cuts the connection (the next request opens a new one).
    void cut();

private:
    bool connectNow();
    bool spin(const std::function<bool()> &done, int timeoutMs);
    bool writeAll(const QByteArray &bytes, int timeoutMs);
    std::optional<HttpReply> parseHead();
    HttpReply readReply(bool head, int timeoutMs);
    QByteArray headFor(const QByteArray &method, const QByteArray &path, const Headers &headers,
                       qint64 contentLength) const;

    quint16 m_port;
    QByteArray m_token;
    std::unique_ptr<QTcpSocket> m_socket;
    QByteArray m_buf;
    std::function<void()> m_idle;
};

} // namespace tidings::test
