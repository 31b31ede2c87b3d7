#include "core/media/media_http.h"

#include "core/logging.h"
#include "core/media/chunk_upload.h"
#include "core/net/connection.h"

#include <QIODevice>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslConfiguration>
#include <QSslError>

#include <memory>

namespace tidings::client {

namespace {

constexpr qint64 kReadBufferBytes = 1 << 20;
//! Every answer but a blob's body is a small JSON object (or nothing): a server that sends more
//! is broken or hostile, and the client must not buffer it.
constexpr qint64 kMaxAnswerBytes = 64 * 1024;

} // namespace

MediaHttp::MediaHttp(QObject *parent)
    : QObject(parent)
    , m_nam(new QNetworkAccessManager(this))
    , m_chunks(new ChunkUploads(this)) {
    m_nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

MediaHttp::~MediaHttp() = default;

QUrl MediaHttp::baseUrlFor(const QUrl &serverUrl) {
    if (!serverUrl.isValid() || serverUrl.host().isEmpty())
        return QUrl();
    QUrl base;
    if (serverUrl.scheme() == u"ws" || serverUrl.scheme() == u"http")
        base.setScheme(QStringLiteral("http"));
    else if (serverUrl.scheme() == u"wss" || serverUrl.scheme() == u"https")
        base.setScheme(QStringLiteral("https"));
    else
        return QUrl();
    base.setHost(serverUrl.host());
    base.setPort(serverUrl.port());
    base.setPath(QStringLiteral("/media/v1"));
    return base;
}

QNetworkReply *MediaHttp::send(const QByteArray &method, const QString &path,
                               const QByteArray &token,
                               const QList<QPair<QByteArray, QByteArray>> &headers,
                               const QByteArray &body, Done done) {
    if (!m_base.isValid()) {
        MediaAnswer a;
        a.error = Error{ErrorCode::Usage, QStringLiteral("no media server address")};
        done(std::move(a));
        return nullptr;
    }
    QUrl url = m_base;
    url.setPath(m_base.path() + path);
    QNetworkRequest req(url);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    req.setTransferTimeout(m_stallTimeoutMs);
    req.setRawHeader("Authorization", "Bearer " + token);
    for (const auto &[name, value] : headers)
        req.setRawHeader(name, value);
    QNetworkReply *reply = nullptr;
    if (method == "HEAD") {
        reply = m_nam->head(req);
    } else if (method == "PATCH") {
        req.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/offset+octet-stream"));
        reply = m_nam->sendCustomRequest(req, method, body);
    } else if (method == "POST") {
        req.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/octet-stream"));
        reply = m_nam->post(req, body);
    } else if (method == "DELETE") {
        reply = m_nam->deleteResource(req);
    } else {
        reply = m_nam->get(req);
    }
    watch(reply, std::move(done));
    return reply;
}

void MediaHttp::watch(QNetworkReply *reply, Done done, bool streamsBody) {
    // A self-signed server: exactly the certificate the user trusted for the WebSocket.
    connect(reply, &QNetworkReply::sslErrors, reply,
            [reply, pin = m_pin](const QList<QSslError> &errors) {
                if (!pin.isEmpty() &&
                    certificateSha256(reply->sslConfiguration().peerCertificate()) == pin)
                    reply->ignoreSslErrors(errors);
            });
    // The answer's body is buffered until it ends: abort once it is (or says it will be) larger
    // than any answer can be. A download's 200/206 body is streamed by fetchBlob instead.
    auto oversized = std::make_shared<bool>(false);
    const auto check = [reply, oversized, streamsBody] {
        if (*oversized)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (streamsBody && (status == 200 || status == 206))
            return;
        const QVariant declared = reply->header(QNetworkRequest::ContentLengthHeader);
        if (reply->bytesAvailable() > kMaxAnswerBytes ||
            (declared.isValid() && declared.toLongLong() > kMaxAnswerBytes)) {
            *oversized = true;
            reply->abort();
        }
    };
    connect(reply, &QNetworkReply::metaDataChanged, this, check);
    connect(reply, &QNetworkReply::readyRead, this, check);
    connect(reply, &QNetworkReply::finished, this, [reply, oversized, done = std::move(done)] {
        reply->deleteLater();
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (*oversized) {
            MediaAnswer a;
            a.status = status.isValid() ? status.toInt() : 0;
            a.error = Error{ErrorCode::BadFrame,
                            QStringLiteral("the media server's answer is larger than %1 bytes")
                                .arg(kMaxAnswerBytes)};
            done(std::move(a));
            return;
        }
        MediaAnswer a =
            parseMediaAnswer(status.isValid() ? status.toInt() : 0, reply->readAll(),
                             {reply->rawHeader("Upload-Offset"), reply->rawHeader("Upload-Length"),
                              reply->rawHeader("Retry-After")});
        if (a.status == 0 || (a.status < 400 && reply->error() != QNetworkReply::NoError)) {
            const bool timeout = reply->error() == QNetworkReply::OperationCanceledError ||
                                 reply->error() == QNetworkReply::TimeoutError;
            a.error =
                Error{timeout ? ErrorCode::Timeout : ErrorCode::Network, reply->errorString()};
        }
        done(std::move(a));
    });
}

QNetworkReply *MediaHttp::createUpload(const QByteArray &token, quint64 length, Done done) {
    return send("POST", QStringLiteral("/uploads"), token,
                {{"Upload-Length", QByteArray::number(length)}}, QByteArray(), std::move(done));
}

QNetworkReply *MediaHttp::uploadOffset(const QByteArray &token, const QString &upload, Done done) {
    return send("HEAD", QStringLiteral("/uploads/") + upload, token, {}, QByteArray(),
                std::move(done));
}

QNetworkReply *MediaHttp::appendChunk(const QByteArray &token, const QString &upload,
                                      quint64 offset, const QByteArray &chunk, Done done) {
    if (!m_base.isValid()) {
        MediaAnswer a;
        a.error = Error{ErrorCode::Usage, QStringLiteral("no media server address")};
        done(std::move(a));
        return nullptr;
    }
    // Not through QNetworkAccessManager: it feeds a body to its HTTP thread 16 KiB per round
    // trip through this (the GUI) thread (chunk_upload.h).
    ChunkUploadRequest r;
    r.url = m_base;
    r.url.setPath(m_base.path() + QStringLiteral("/uploads/") + upload);
    r.method = "PATCH";
    r.headers = {{"Authorization", "Bearer " + token},
                 {"Upload-Offset", QByteArray::number(offset)},
                 {"Content-Type", "application/offset+octet-stream"}};
    r.body = chunk;
    r.stallTimeoutMs = m_stallTimeoutMs;
    r.pinnedCertificate = m_pin;
    r.maxAnswerBytes = kMaxAnswerBytes;
    QNetworkReply *reply = m_chunks->start(std::move(r));
    watch(reply, std::move(done));
    return reply;
}

QNetworkReply *MediaHttp::finishUpload(const QByteArray &token, const QString &upload,
                                       const QByteArray &sha256, Done done) {
    return send("POST", QStringLiteral("/uploads/%1/finish").arg(upload), token,
                {{"Upload-Sha256", sha256.toHex()}}, QByteArray(), std::move(done));
}

QNetworkReply *MediaHttp::cancelUpload(const QByteArray &token, const QString &upload, Done done) {
    return send("DELETE", QStringLiteral("/uploads/") + upload, token, {}, QByteArray(),
                std::move(done));
}

QNetworkReply *MediaHttp::fetchBlob(const QByteArray &token, const QString &blob, quint64 offset,
                                    quint64 maxBytes, QIODevice *sink,
                                    std::function<void(quint64)> progress, Done done) {
    if (!m_base.isValid()) {
        MediaAnswer a;
        a.error = Error{ErrorCode::Usage, QStringLiteral("no media server address")};
        done(std::move(a));
        return nullptr;
    }
    QUrl url = m_base;
    url.setPath(m_base.path() + QStringLiteral("/blobs/") + blob);
    QNetworkRequest req(url);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    req.setTransferTimeout(m_stallTimeoutMs);
    req.setRawHeader("Authorization", "Bearer " + token);
    req.setRawHeader("Accept-Encoding", "identity");
    if (offset > 0) {
        req.setRawHeader("Range", "bytes=" + QByteArray::number(offset) + '-');
        // Content-addressed: the id is the blob's ETag, so a range is always of the same bytes.
        req.setRawHeader("If-Range", '"' + blob.toLatin1() + '"');
    }
    QNetworkReply *reply = m_nam->get(req);
    reply->setReadBufferSize(kReadBufferBytes);
    struct State {
        quint64 written = 0;
        quint64 start = 0;
        bool started = false;
        bool failed = false;
        bool tooLong = false;
    };
    auto state = std::make_shared<State>();
    connect(reply, &QNetworkReply::readyRead, this, [=] {
        if (state->failed)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status != 200 && status != 206)
            return; // an error body: read in finished()
        if (!state->started) {
            state->started = true;
            // A 200 to a range request is the whole blob: start the sink over.
            state->start = status == 206 ? offset : 0;
            if (status == 200 && offset > 0 && !sink->seek(0)) {
                state->failed = true;
                reply->abort();
                return;
            }
        }
        while (reply->bytesAvailable() > 0) {
            const QByteArray piece = reply->read(kReadBufferBytes);
            state->tooLong = state->start + state->written + quint64(piece.size()) > maxBytes;
            if (state->tooLong || sink->write(piece) != piece.size()) {
                state->failed = true;
                reply->abort();
                return;
            }
            state->written += quint64(piece.size());
        }
        if (progress)
            progress(state->start + state->written);
    });
    watch(
        reply,
        [done = std::move(done), state](MediaAnswer a) {
            if (state->failed) {
                a.error =
                    state->tooLong
                        ? Error{ErrorCode::BadFrame, QStringLiteral("the blob is longer than "
                                                                    "announced")}
                        : Error{ErrorCode::Storage, QStringLiteral("cannot write the download")};
            } else if (a.ok()) {
                a.offset = state->start;
            }
            done(std::move(a));
        },
        true);
    return reply;
}

} // namespace tidings::client
