#include "gateway/media_http.h"

#include "gateway/media_request.h"
#include "http/http_server.h"
#include "media/upload_sink.h"
#include "services/media/media_errors.h"
#include "services/media/media_service.h"

#include <QFile>
#include <QPointer>

#include <atomic>

namespace tidings::server {

using http::Headers;
using http::HttpExchange;

namespace {

constexpr QByteArrayView kUploads = "/media/v1/uploads";

QByteArray number(quint64 n) {
    return QByteArray::number(n);
}

//! Every refusal: the status for its code, the JSON body, and what the code needs besides.
void respond(HttpExchange *ex, const Error &e) {
    QJsonObject extra;
    Headers headers{{"cache-control", "no-store"}};
    if (e.uploadOffset) {
        extra.insert(QStringLiteral("offset"), double(*e.uploadOffset));
        headers.emplaceBack(QByteArray("upload-offset"), number(*e.uploadOffset));
    }
    if (e.code == ErrorCode::RateLimited) {
        extra.insert(QStringLiteral("retry_after_ms"), double(e.retryAfterMs));
        headers.emplaceBack(QByteArray("retry-after"),
                            number(qMax<quint32>(1, (e.retryAfterMs + 999) / 1000)));
    }
    if (e.code == ErrorCode::NotAuthenticated)
        headers.emplaceBack(QByteArray("www-authenticate"), QByteArray("Bearer"));
    ex->respondError(http::HttpError::fromError(e), extra, std::move(headers));
}

Error badHeader(const char *what) {
    return Error{ErrorCode::BadFrame, QString::fromLatin1(what)};
}

//! Authenticates the request, then runs `then` with its caller (if the exchange still exists).
template <typename Then> void withCaller(MediaService &media, HttpExchange *ex, Then then) {
    if (mediarequest::upgradesToWebSocket(ex->request().header("upgrade")))
        return respond(ex, badHeader("media paths do not speak WebSocket; connect to /"));
    const QByteArray authorization = ex->request().header("authorization");
    QPointer<HttpExchange> guard(ex);
    media.authorize(mediarequest::bearerToken(authorization),
                    [guard, then](Result<MediaCaller> caller) mutable {
                        if (!guard)
                            return;
                        if (!caller)
                            return respond(guard, caller.error());
                        then(guard.data(), *caller);
                    });
}

//! One chunk from the socket into the upload's file: written and committed on the media pool
//! (media::UploadQueue), answered here with the service's typed errors.
std::unique_ptr<http::BodySink> chunkSink(ChunkGrant grant) {
    media::UploadSink::Hooks hooks;
    hooks.done = [](HttpExchange *ex, media::BlobResult<quint64> offset) {
        if (!offset)
            return respond(ex, mediaError(offset.error()));
        ex->respondJson(200, {{QStringLiteral("offset"), double(*offset)}},
                        {{"upload-offset", number(*offset)}, {"cache-control", "no-store"}});
    };
    hooks.refusal = [](const media::BlobError &e) {
        return http::HttpError::fromError(mediaError(e));
    };
    return std::make_unique<media::UploadSink>(std::move(grant.queue), std::move(hooks));
}

void createUpload(MediaService &media, HttpExchange *ex) {
    const auto length = mediarequest::parseByteCount(ex->request().header("upload-length"));
    if (!length)
        return respond(ex, badHeader("Upload-Length must be the blob's size in bytes"));
    withCaller(media, ex, [&media, size = *length](HttpExchange *ex, const MediaCaller &caller) {
        QPointer<HttpExchange> guard(ex);
        media.createUpload(caller, size, [guard, size](Result<UploadCreated> r) {
            if (!guard)
                return;
            if (!r)
                return respond(guard, r.error());
            guard->respondJson(201,
                               {{QStringLiteral("upload"), r->uploadId},
                                {QStringLiteral("chunk"), double(r->chunkBytes)},
                                {QStringLiteral("offset"), 0},
                                {QStringLiteral("used"), double(r->usedBytes)}},
                               {{"location", kUploads.toByteArray() + '/' + r->uploadId.toLatin1()},
                                {"upload-offset", "0"},
                                {"upload-length", number(size)},
                                {"cache-control", "no-store"}});
        });
    });
}

void uploadProgress(MediaService &media, HttpExchange *ex) {
    withCaller(media, ex, [&media](HttpExchange *ex, const MediaCaller &caller) {
        QPointer<HttpExchange> guard(ex);
        media.progress(caller, ex->param(QStringLiteral("id")), [guard](Result<UploadProgress> r) {
            if (!guard)
                return;
            if (!r)
                return respond(guard, r.error());
            guard->respond(200, {}, {},
                           {{"upload-offset", number(r->offset)},
                            {"upload-length", number(r->length)},
                            {"cache-control", "no-store"}});
        });
    });
}

void uploadChunk(MediaService &media, HttpExchange *ex) {
    if (!ex->request().hasContentLength) {
        return ex->respondError(
            {411, "LENGTH_REQUIRED", QStringLiteral("a chunk needs a Content-Length")});
    }
    const auto offset = mediarequest::parseByteCount(ex->request().header("upload-offset"));
    if (!offset)
        return respond(ex, badHeader("Upload-Offset must be the chunk's offset in bytes"));
    const quint64 length = ex->request().contentLength;
    withCaller(media, ex,
               [&media, offset = *offset, length](HttpExchange *ex, const MediaCaller &caller) {
                   QPointer<HttpExchange> guard(ex);
                   // Every check happens here, before a byte of the body is read (with Expect:
                   // 100-continue the client has not even sent it).
                   media.beginChunk(caller, ex->param(QStringLiteral("id")), offset, length,
                                    [guard](Result<ChunkGrant> grant) {
                                        if (!guard)
                                            return;
                                        if (!grant)
                                            return respond(guard, grant.error());
                                        guard->receiveBody(chunkSink(std::move(*grant)));
                                    });
               });
}

void finishUpload(MediaService &media, HttpExchange *ex) {
    const auto sha = mediarequest::parseSha256Hex(ex->request().header("upload-sha256"));
    if (!sha)
        return respond(ex, badHeader("Upload-Sha256 must be the blob's SHA-256 in hex"));
    withCaller(media, ex, [&media, sha = *sha](HttpExchange *ex, const MediaCaller &caller) {
        QPointer<HttpExchange> guard(ex);
        // Read on the hashing thread: a finish whose client went away is not hashed.
        auto abandoned = std::make_shared<std::atomic_bool>(false);
        const auto abandon = [abandoned] { abandoned->store(true); };
        QObject::connect(ex, &HttpExchange::aborted, ex, abandon);
        QObject::connect(ex, &QObject::destroyed, abandon);
        media.finishUpload(
            caller, ex->param(QStringLiteral("id")), sha,
            [guard](Result<FinishedUpload> r) {
                if (!guard)
                    return;
                if (!r)
                    return respond(guard, r.error());
                guard->respondJson(201,
                                   {{QStringLiteral("blob"), r->blobId},
                                    {QStringLiteral("size"), double(r->size)}},
                                   {{"cache-control", "no-store"}});
            },
            abandoned);
    });
}

void cancelUpload(MediaService &media, HttpExchange *ex) {
    withCaller(media, ex, [&media](HttpExchange *ex, const MediaCaller &caller) {
        QPointer<HttpExchange> guard(ex);
        media.cancelUpload(caller, ex->param(QStringLiteral("id")), [guard](Status s) {
            if (!guard)
                return;
            if (!s)
                return respond(guard, s.error());
            guard->respond(204);
        });
    });
}

void download(MediaService &media, HttpExchange *ex) {
    withCaller(media, ex, [&media](HttpExchange *ex, const MediaCaller &caller) {
        QPointer<HttpExchange> guard(ex);
        media.openBlob(caller, ex->param(QStringLiteral("blob")), [guard](Result<BlobDownload> r) {
            if (!guard)
                return;
            HttpExchange *ex = guard.data();
            if (!r)
                return respond(ex, r.error());
            // Content-addressed: the id is a strong validator, and the bytes
            // behind it never change.
            const QByteArray etag = '"' + r->blobId.toLatin1() + '"';
            // The user's download slot lives as long as the exchange streaming the body.
            QObject::connect(ex, &QObject::destroyed, [slot = std::move(r->slot)] {});
            ex->respondDevice(std::move(r->file), r->size, "application/octet-stream",
                              {{"cache-control", "private, max-age=31536000, "
                                                 "immutable"}},
                              etag);
        });
    });
}

} // namespace

bool MediaHttp::addRoutes(http::HttpServer &server) {
    MediaService &m = m_media;
    const QByteArray upload = kUploads.toByteArray() + "/{id}";
    bool ok = server.route("POST", kUploads, 0, [&m](HttpExchange *ex) { createUpload(m, ex); });
    ok &= server.route("HEAD", upload, 0, [&m](HttpExchange *ex) { uploadProgress(m, ex); });
    ok &= server.route("PATCH", upload, m.options().chunkBytes,
                       [&m](HttpExchange *ex) { uploadChunk(m, ex); });
    ok &= server.route("DELETE", upload, 0, [&m](HttpExchange *ex) { cancelUpload(m, ex); });
    ok &= server.route("POST", upload + "/finish", 0,
                       [&m](HttpExchange *ex) { finishUpload(m, ex); });
    ok &= server.route("GET", "/media/v1/blobs/{blob}", 0,
                       [&m](HttpExchange *ex) { download(m, ex); });
    // The WebSocket lives at "/": plain HTTP there is told what to do instead.
    ok &= server.route("GET", "/", 0, [](HttpExchange *ex) {
        ex->respondError({426, "UPGRADE_REQUIRED",
                          QStringLiteral("this path speaks WebSocket only; media is under "
                                         "/media/v1")},
                         {}, {{"upgrade", "websocket"}});
    });
    return ok;
}

} // namespace tidings::server
