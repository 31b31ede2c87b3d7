#pragma once
// An in-test HTTP server of the media endpoints (plan/MEDIA.md) on tidings_http and the blob
// store, for the client's Media module: bearer tokens it issues itself, resumable chunked
// uploads, finish with the hash, range downloads, and knobs that make it misbehave the way a
// real network or a hostile server does (a cut upload or download, a lying HEAD, expired tokens,
// a damaged staging file, tampered or truncated blobs, answers held back).
#include "http/http_server.h"
#include "media/blob_store.h"
#include "media/upload_sink.h"

#include <QBuffer>
#include <QFile>
#include <QPointer>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QTimer>

#include <functional>
#include <memory>

namespace tidings::client::test {

using tidings::http::HttpExchange;
using tidings::http::HttpServer;
using tidings::media::BlobError;
using tidings::media::BlobErrorCode;
using tidings::media::BlobId;
using tidings::media::BlobStore;
using tidings::media::UploadId;

class FakeMediaServer {
public:
    // --- knobs ---
    quint32 chunk = 64 * 1024; //!< announced chunk size (small: many chunks)
    //! Fail the PATCH whose body reaches this many bytes of one upload (a cut at ~50 %).
    quint64 cutUploadAt = 0;
    //! Answer the next HEAD with an offset this much lower than the truth (a 409 follows).
    quint64 headLiesBy = 0;
    //! The next finish names a hash its bytes do not have (HASH_MISMATCH).
    bool corruptNextFinish = false;
    //! GET: serve the blob with one byte flipped / without its last bytes / cut after N bytes.
    bool tamperDownloads = false;
    quint64 truncateDownloadsBy = 0;
    quint64 cutDownloadAt = 0; //!< once
    //! Hold PATCH answers for this long (a slow upload to cancel).
    int patchDelayMs = 0;
    //! Refuse this many PATCHes with a 409 naming the very offset the client sent (a broken
    //! server whose answer never moves the client on).
    int stuckConflicts = 0;

    // --- observations ---
    int creates = 0, patches = 0, heads = 0, finishes = 0, deletes = 0, gets = 0, refused401 = 0;
    int conflicts = 0; //!< PATCHes at the wrong offset (409)
    quint64 patchBytes = 0;
    QList<quint64> patchLengths; //!< the declared body length of every PATCH, in order

    FakeMediaServer() {
        m_store = std::make_unique<BlobStore>(m_dir.path());
        m_ok = m_store->open().ok() && addRoutes() && m_http.listen();
    }
    bool ok() const { return m_ok; }
    quint16 port() const { return m_http.serverPort(); }
    QString wsUrl() const { return QStringLiteral("ws://127.0.0.1:%1").arg(port()); }
    BlobStore &store() { return *m_store; }

    //! A fresh token, valid until expireTokens().
    QByteArray issueToken() {
        const QByteArray t =
            "tok-" + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
        m_tokens.insert(t);
        return t;
    }
    //! Every token issued so far is refused from now on (401).
    void expireTokens() { m_tokens.clear(); }
    bool hasBlob(const QString &hex) const {
        const auto id = BlobId::fromHex(hex);
        return id && m_store->blobSize(*id).ok();
    }

private:
    bool authorised(HttpExchange *ex) {
        const QByteArray h = ex->request().header("authorization");
        if (h.startsWith("Bearer ") && m_tokens.contains(h.mid(7)))
            return true;
        ++refused401;
        ex->respondError(tidings::http::HttpError::fromCode(401, ErrorCode::NotAuthenticated,
                                                            QStringLiteral("bad token")));
        return false;
    }

    //! Counts and optionally cuts the body of a PATCH before the blob store sees the rest.
    class CuttingSink : public tidings::http::BodySink {
    public:
        CuttingSink(std::unique_ptr<tidings::media::UploadSink> inner, quint64 already,
                    quint64 cutAt, FakeMediaServer *server)
            : m_inner(std::move(inner))
            , m_seen(already)
            , m_cutAt(cutAt)
            , m_server(server) {}
        void attached(HttpExchange *ex) override { m_inner->attached(ex); }
        tidings::http::SinkStatus write(QByteArrayView piece) override {
            if (m_cutAt > 0 && m_seen + quint64(piece.size()) >= m_cutAt) {
                m_server->cutUploadAt = 0; // once
                const qsizetype keep = qsizetype(m_cutAt - m_seen);
                if (keep > 0)
                    (void)m_inner->write(piece.first(keep));
                m_server->patchBytes += quint64(std::max<qsizetype>(keep, 0));
                return tidings::http::SinkStatus::failed(tidings::http::HttpError::fromCode(
                    500, ErrorCode::Internal, QStringLiteral("cut")));
            }
            m_seen += quint64(piece.size());
            m_server->patchBytes += quint64(piece.size());
            return m_inner->write(piece);
        }
        void finished(HttpExchange *ex) override {
            if (m_server->patchDelayMs <= 0) {
                m_inner->finished(ex);
                return;
            }
            QPointer<HttpExchange> guard(ex);
            auto inner = std::shared_ptr<tidings::media::UploadSink>(std::move(m_inner));
            QTimer::singleShot(m_server->patchDelayMs, [guard, inner] {
                if (!guard)
                    return;
                inner->finished(guard);
                // The commit answers later: the sink lives as long as the exchange.
                QObject::connect(guard.data(), &QObject::destroyed, [inner] {});
            });
        }
        void aborted() override {
            if (m_inner)
                m_inner->aborted();
        }

    private:
        std::unique_ptr<tidings::media::UploadSink> m_inner;
        quint64 m_seen;
        quint64 m_cutAt;
        FakeMediaServer *m_server;
    };

    bool addRoutes() {
        auto refuseId = [](HttpExchange *ex) {
            tidings::media::respondBlobError(ex, {BlobErrorCode::InvalidId, QStringLiteral("id")});
        };
        bool ok = m_http.route("POST", "/media/v1/uploads", 0, [this](HttpExchange *ex) {
            if (!authorised(ex))
                return;
            ++creates;
            bool valid = false;
            const quint64 size = ex->request().header("upload-length").toULongLong(&valid);
            auto id =
                valid
                    ? m_store->createUpload(size)
                    : tidings::media::BlobResult<UploadId>(BlobError{BlobErrorCode::InvalidId, {}});
            if (!id)
                return tidings::media::respondBlobError(ex, id.error());
            ex->respondJson(201, {{"upload", id->text()}, {"chunk", double(chunk)}, {"offset", 0}});
        });
        ok &= m_http.route("HEAD", "/media/v1/uploads/{id}", 0, [this, refuseId](HttpExchange *ex) {
            if (!authorised(ex))
                return;
            ++heads;
            const auto id = UploadId::parse(ex->param("id"));
            if (!id)
                return refuseId(ex);
            const auto info = m_store->upload(*id);
            if (!info)
                return tidings::media::respondBlobError(ex, info.error());
            quint64 offset = info->offset;
            offset -= std::min(offset, std::exchange(headLiesBy, 0));
            ex->respond(200, {}, {},
                        {{"upload-offset", QByteArray::number(offset)},
                         {"upload-length", QByteArray::number(info->declaredSize)}});
        });
        ok &= m_http.route(
            "PATCH", "/media/v1/uploads/{id}", 4u << 20, [this, refuseId](HttpExchange *ex) {
                if (!authorised(ex))
                    return;
                ++patches;
                patchLengths.append(quint64(ex->request().contentLength));
                const auto id = UploadId::parse(ex->param("id"));
                if (!id)
                    return refuseId(ex);
                bool valid = false;
                const quint64 offset = ex->request().header("upload-offset").toULongLong(&valid);
                if (valid && stuckConflicts > 0) {
                    --stuckConflicts;
                    ++conflicts;
                    return tidings::media::respondBlobError(
                        ex, {BlobErrorCode::OffsetMismatch, QStringLiteral("stuck"), offset});
                }
                if (ex->request().contentLength > chunk)
                    return ex->respondError(tidings::http::HttpError::fromCode(
                        413, ErrorCode::TooLarge, QStringLiteral("chunk too large")));
                auto writer = valid ? m_store->beginAppend(*id, offset)
                                    : tidings::media::BlobResult<tidings::media::UploadWriter>(
                                          BlobError{BlobErrorCode::OffsetMismatch, {}});
                if (!writer) {
                    conflicts += writer.error().code == BlobErrorCode::OffsetMismatch ? 1 : 0;
                    return tidings::media::respondBlobError(ex, writer.error());
                }
                ex->receiveBody(std::make_unique<CuttingSink>(
                    std::make_unique<tidings::media::UploadSink>(std::move(*writer)), offset,
                    cutUploadAt, this));
            });
        ok &= m_http.route(
            "POST", "/media/v1/uploads/{id}/finish", 0, [this, refuseId](HttpExchange *ex) {
                if (!authorised(ex))
                    return;
                ++finishes;
                const auto id = UploadId::parse(ex->param("id"));
                if (!id)
                    return refuseId(ex);
                QByteArray sha = QByteArray::fromHex(ex->request().header("upload-sha256"));
                // The bytes the server holds do not match the client's hash. (Flipping a byte of
                // the staged file no longer does it: the store hashes chunks as they arrive.)
                if (std::exchange(corruptNextFinish, false) && !sha.isEmpty())
                    sha[0] = char(sha[0] ^ 0x55);
                QPointer<HttpExchange> guard(ex);
                m_store->finishInBackground(*id, sha, ex, [guard](auto r) {
                    if (!guard)
                        return;
                    if (!r)
                        return tidings::media::respondBlobError(guard, r.error());
                    guard->respondJson(201, {{"blob", r->id.hex()}, {"size", double(r->size)}});
                });
            });
        ok &=
            m_http.route("DELETE", "/media/v1/uploads/{id}", 0, [this, refuseId](HttpExchange *ex) {
                if (!authorised(ex))
                    return;
                ++deletes;
                const auto id = UploadId::parse(ex->param("id"));
                if (!id)
                    return refuseId(ex);
                (void)m_store->cancel(*id);
                ex->respond(204);
            });
        ok &= m_http.route("GET", "/media/v1/blobs/{blob}", 0, [this, refuseId](HttpExchange *ex) {
            if (!authorised(ex))
                return;
            ++gets;
            const auto id = BlobId::fromHex(ex->param("blob"));
            if (!id)
                return refuseId(ex);
            auto file = m_store->openBlob(*id);
            if (!file)
                return tidings::media::respondBlobError(ex, file.error());
            const QByteArray etag = '"' + id->hex().toLatin1() + '"';
            if (tamperDownloads || truncateDownloadsBy > 0 || cutDownloadAt > 0) {
                QByteArray bytes = (*file)->readAll();
                if (tamperDownloads)
                    bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 1);
                if (truncateDownloadsBy > 0)
                    bytes.chop(qsizetype(std::min<quint64>(truncateDownloadsBy, bytes.size())));
                const quint64 size = quint64(bytes.size());
                auto buffer =
                    std::make_unique<CutBuffer>(std::move(bytes), std::exchange(cutDownloadAt, 0));
                buffer->open(QIODevice::ReadOnly);
                return ex->respondDevice(std::move(buffer), size, "application/octet-stream", {},
                                         etag);
            }
            const quint64 size = quint64((*file)->size());
            ex->respondDevice(std::move(*file), size, "application/octet-stream", {}, etag);
        });
        return ok;
    }

    //! A buffer that ends early (read error) after `cutAt` bytes from where reading started.
    class CutBuffer : public QBuffer {
    public:
        CutBuffer(QByteArray bytes, quint64 cutAt)
            : m_bytes(std::move(bytes))
            , m_cutAt(cutAt) {
            setBuffer(&m_bytes);
        }

    protected:
        qint64 readData(char *data, qint64 maxSize) override {
            if (m_cutAt > 0) {
                if (m_read >= m_cutAt)
                    return -1;
                maxSize = std::min<qint64>(maxSize, qint64(m_cutAt - m_read));
            }
            const qint64 n = QBuffer::readData(data, maxSize);
            if (n > 0)
                m_read += quint64(n);
            return n;
        }

    private:
        QByteArray m_bytes;
        quint64 m_cutAt;
        quint64 m_read = 0;
    };

    QTemporaryDir m_dir;
    std::unique_ptr<BlobStore> m_store;
    HttpServer m_http;
    QSet<QByteArray> m_tokens;
    bool m_ok = false;
};

} // namespace tidings::client::test
