// The two server building blocks together, as the media service will wire them (this test is
// the reference sketch of the endpoints): resumable chunked uploads streamed into the blob
// store, an offset query after a cut connection, finish with the hash (hashing off the event
// loop), range downloads of the blob, and typed errors for wrong offsets, oversized chunks,
// wrong hashes, unknown and malformed ids.
//
//   POST   /media/v1/uploads                Upload-Length: n          → 201 {"upload": id}
//   HEAD   /media/v1/uploads/{id}                                     → Upload-Offset, -Length
//   PATCH  /media/v1/uploads/{id}           Upload-Offset: n, ≤ 4 MiB → 200 {"offset": n'}
//   POST   /media/v1/uploads/{id}/finish    Upload-Sha256: hex        → 201 {"blob": hex, ...}
//   DELETE /media/v1/uploads/{id}                                     → 204
//   GET    /media/v1/blobs/{blob}           Range: bytes=a-b          → 200/206/416
#include "../http/raw_client.h"
#include "http/http_server.h"
#include "media/upload_sink.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QPointer>
#include <QRandomGenerator>
#include <QTemporaryDir>

using namespace tidings::http;
using namespace tidings::media;

namespace {

constexpr quint64 kChunk = 4 * 1024 * 1024;

QJsonObject json(const RawResponse &r) {
    return QJsonDocument::fromJson(r.body).object();
}

void refuseId(HttpExchange *ex) {
    respondBlobError(ex, {BlobErrorCode::InvalidId, QStringLiteral("malformed id")});
}

void addRoutes(HttpServer &server, BlobStore &store) {
    bool ok = server.route("POST", "/media/v1/uploads", 0, [&store](HttpExchange *ex) {
        bool valid = false;
        const quint64 size = ex->request().header("upload-length").toULongLong(&valid);
        auto id = valid ? store.createUpload(size)
                        : BlobResult<UploadId>(BlobError{BlobErrorCode::InvalidId, "length"});
        if (!id)
            return respondBlobError(ex, id.error());
        ex->respondJson(201, {{"upload", id->text()}, {"chunk", double(kChunk)}});
    });
    ok &= server.route("HEAD", "/media/v1/uploads/{id}", 0, [&store](HttpExchange *ex) {
        const auto id = UploadId::parse(ex->param("id"));
        if (!id)
            return refuseId(ex);
        // As the media service does: answer once nobody holds the upload (a chunk cut off just
        // now may still be on its way to the disk, and its writer still holds the upload until
        // its exchange is deleted), so the offset is final and the next PATCH is not BUSY.
        QPointer<HttpExchange> guard(ex);
        auto answer = [&store, guard, id = *id] {
            if (!guard)
                return;
            const auto info = store.upload(id);
            if (!info)
                return respondBlobError(guard, info.error());
            guard->respond(200, {}, {},
                           {{"upload-offset", QByteArray::number(info->offset)},
                            {"upload-length", QByteArray::number(info->declaredSize)}});
        };
        if (store.whenIdle(*id, [answer] {
                QMetaObject::invokeMethod(QCoreApplication::instance(), answer,
                                          Qt::QueuedConnection);
            }))
            answer();
    });
    ok &= server.route("PATCH", "/media/v1/uploads/{id}", kChunk, [&store](HttpExchange *ex) {
        const auto id = UploadId::parse(ex->param("id"));
        if (!id)
            return refuseId(ex);
        bool valid = false;
        const quint64 offset = ex->request().header("upload-offset").toULongLong(&valid);
        auto writer =
            valid ? store.beginAppend(*id, offset)
                  : BlobResult<UploadWriter>(BlobError{BlobErrorCode::OffsetMismatch, "no offset"});
        if (!writer)
            return respondBlobError(ex, writer.error()); // before any body byte (100-continue)
        ex->receiveBody(std::make_unique<UploadSink>(std::move(*writer)));
    });
    ok &= server.route("POST", "/media/v1/uploads/{id}/finish", 0, [&store](HttpExchange *ex) {
        const auto id = UploadId::parse(ex->param("id"));
        const QByteArray sha = QByteArray::fromHex(ex->request().header("upload-sha256"));
        if (!id)
            return refuseId(ex);
        QPointer<HttpExchange> guard(ex);
        store.finishInBackground(*id, sha, ex, [guard](BlobResult<FinishedBlob> r) {
            if (!guard)
                return;
            if (!r)
                return respondBlobError(guard, r.error());
            guard->respondJson(201, {{"blob", r->id.hex()},
                                     {"size", double(r->size)},
                                     {"deduplicated", r->deduplicated}});
        });
    });
    ok &= server.route("DELETE", "/media/v1/uploads/{id}", 0, [&store](HttpExchange *ex) {
        const auto id = UploadId::parse(ex->param("id"));
        if (!id)
            return refuseId(ex);
        if (const BlobStatus s = store.cancel(*id); !s)
            return respondBlobError(ex, s.error());
        ex->respond(204);
    });
    ok &= server.route("GET", "/media/v1/blobs/{blob}", 0, [&store](HttpExchange *ex) {
        const auto id = BlobId::fromHex(ex->param("blob"));
        if (!id)
            return refuseId(ex);
        auto file = store.openBlob(*id);
        if (!file)
            return respondBlobError(ex, file.error());
        const quint64 size = quint64((*file)->size());
        // Content-addressed: the id is a strong validator for If-Range.
        ex->respondDevice(std::move(*file), size, "application/octet-stream", {},
                          '"' + id->hex().toLatin1() + '"');
    });
    QVERIFY(ok);
}

QByteArray request(const QByteArray &method, const QByteArray &path, const QByteArray &headers,
                   const QByteArray &body = {}) {
    return method + ' ' + path + " HTTP/1.1\r\nHost: t\r\n" + headers +
           (body.isEmpty() && method != "PATCH"
                ? QByteArray()
                : "Content-Length: " + QByteArray::number(body.size()) + "\r\n") +
           "\r\n" + body;
}

} // namespace

class TestMediaHttp : public QObject {
    Q_OBJECT
private slots:
    void resumableUploadAndRangeDownload() {
        QTemporaryDir dir;
        BlobStore store(dir.path());
        QVERIFY(store.open());
        HttpServer server;
        addRoutes(server, store);
        QVERIFY(server.listen());

        QByteArray content(10 * 1024 * 1024 + 123, Qt::Uninitialized);
        QRandomGenerator(5).fillRange(reinterpret_cast<quint32 *>(content.data()),
                                      content.size() / 4);
        RawClient c(server.serverPort());
        c.send(request("POST", "/media/v1/uploads",
                       "Upload-Length: " + QByteArray::number(content.size()) + "\r\n"));
        auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 201);
        const QByteArray path =
            "/media/v1/uploads/" + json(*r).value("upload").toString().toLatin1();

        // First chunk, then a retry of it: a conflict that tells the current offset.
        const QByteArray chunk1 = content.first(qsizetype(kChunk));
        c.send(request("PATCH", path, "Upload-Offset: 0\r\n", chunk1));
        r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->header("upload-offset"), QByteArray::number(kChunk));
        c.send(request("PATCH", path, "Upload-Offset: 0\r\nExpect: 100-continue\r\n", chunk1)
                   .chopped(chunk1.size()));
        r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 409); // answered instead of 100: no byte of the retry is sent
        QCOMPARE(json(*r).value("error").toString(), QString("OFFSET_MISMATCH"));
        QCOMPARE(qint64(json(*r).value("offset").toDouble()), qint64(kChunk));
        QVERIFY(c.waitClosed());

        // A chunk over the limit is refused from its Content-Length.
        RawClient c2(server.serverPort());
        c2.send("PATCH " + path +
                " HTTP/1.1\r\nHost: t\r\nUpload-Offset: " + QByteArray::number(kChunk) +
                "\r\nContent-Length: " + QByteArray::number(kChunk + 1) + "\r\n\r\n");
        r = c2.read();
        QVERIFY(r);
        QCOMPARE(r->status, 413);

        // The connection is cut in the middle of the second chunk.
        RawClient c3(server.serverPort());
        const QByteArray chunk2 = content.sliced(qsizetype(kChunk), qsizetype(kChunk));
        c3.send(
            request("PATCH", path, "Upload-Offset: " + QByteArray::number(kChunk) + "\r\n", chunk2)
                .chopped(kChunk / 2));
        QVERIFY(spinUntil([&] { return c3.socket().bytesToWrite() == 0; }, 10000));
        QTest::qWait(100);
        c3.socket().abort();
        QTRY_COMPARE(server.connectionCount(), 0);

        // Ask where to resume, and resume from there.
        RawClient c4(server.serverPort());
        c4.send(request("HEAD", path, {}));
        r = c4.read(5000, true);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        quint64 offset = r->header("upload-offset").toULongLong();
        QVERIFY2(offset > kChunk && offset <= kChunk + kChunk / 2,
                 qPrintable(QString::number(offset)));
        QCOMPARE(r->header("upload-length"), QByteArray::number(content.size()));
        while (offset < quint64(content.size())) {
            const QByteArray piece =
                content.sliced(qsizetype(offset))
                    .first(qMin<qsizetype>(kChunk, content.size() - qsizetype(offset)));
            c4.send(request("PATCH", path, "Upload-Offset: " + QByteArray::number(offset) + "\r\n",
                            piece));
            r = c4.read(20000);
            QVERIFY(r);
            QCOMPARE(r->status, 200);
            offset = quint64(json(*r).value("offset").toDouble());
        }

        // Finish (a wrong hash drops the upload: see the end).
        const QByteArray sha = QCryptographicHash::hash(content, QCryptographicHash::Sha256);
        c4.send(request("POST", path + "/finish", "Upload-Sha256: " + sha.toHex() + "\r\n"));
        r = c4.read(20000);
        QVERIFY(r);
        QCOMPARE(r->status, 201);
        const QByteArray blob = json(*r).value("blob").toString().toLatin1();
        QCOMPARE(blob, sha.toHex());
        QCOMPARE(store.usage().uploadCount, 0u);

        // Download: a middle range, then everything.
        c4.send(request("GET", "/media/v1/blobs/" + blob, "Range: bytes=5000000-5000999\r\n"));
        r = c4.read();
        QVERIFY(r);
        QCOMPARE(r->status, 206);
        QCOMPARE(r->body, content.sliced(5'000'000, 1000));
        c4.send(request("GET", "/media/v1/blobs/" + blob, {}));
        r = c4.read(20000);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->header("etag"), '"' + blob + '"');
        QVERIFY(r->body == content);

        // Unknown and malformed ids.
        c4.send(request("GET", "/media/v1/blobs/" + QByteArray(64, 'b'), {}));
        r = c4.read();
        QVERIFY(r);
        QCOMPARE(r->status, 404);
        QCOMPARE(json(*r).value("error").toString(), QString("NO_SUCH_BLOB"));
        c4.send(request("GET", "/media/v1/blobs/..%2F..%2Fetc%2Fpasswd", {}));
        r = c4.read();
        QVERIFY(r);
        QCOMPARE(r->status, 400); // the router refuses a segment that decodes to a slash
        RawClient &c5 = c4;       // still usable: the request itself was well-formed
        c5.send(request("HEAD", "/media/v1/uploads/short", {}));
        r = c5.read(5000, true);
        QVERIFY(r);
        QCOMPARE(r->status, 400);
        c5.send(request("DELETE", path, {}));
        r = c5.read();
        QVERIFY(r);
        QCOMPARE(r->status, 404); // finished uploads are gone

        // A wrong hash: 422, and the upload is dropped (it cannot be made to hash again).
        c5.send(request("POST", "/media/v1/uploads", "Upload-Length: 10\r\n"));
        r = c5.read();
        QVERIFY(r);
        const QByteArray small =
            "/media/v1/uploads/" + json(*r).value("upload").toString().toLatin1();
        c5.send(request("PATCH", small, "Upload-Offset: 0\r\n", QByteArray(10, 'x')));
        r = c5.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        c5.send(
            request("POST", small + "/finish", "Upload-Sha256: " + QByteArray(64, 'a') + "\r\n"));
        r = c5.read(20000);
        QVERIFY(r);
        QCOMPARE(r->status, 422);
        QCOMPARE(json(*r).value("error").toString(), QString("HASH_MISMATCH"));
        const QByteArray right =
            QCryptographicHash::hash(QByteArray(10, 'x'), QCryptographicHash::Sha256).toHex();
        c5.send(request("POST", small + "/finish", "Upload-Sha256: " + right + "\r\n"));
        r = c5.read(20000);
        QVERIFY(r);
        QCOMPARE(r->status, 404);

        // Cancel: 204 carries no Content-Length (RFC 9110) and the connection goes on.
        c5.send(request("POST", "/media/v1/uploads", "Upload-Length: 10\r\n"));
        r = c5.read();
        QVERIFY(r);
        c5.send(request("DELETE",
                        "/media/v1/uploads/" + json(*r).value("upload").toString().toLatin1(), {}));
        r = c5.read();
        QVERIFY(r);
        QCOMPARE(r->status, 204);
        QVERIFY(!r->headers.contains("content-length"));
        QVERIFY(r->header("date").endsWith(" GMT"));
        QCOMPARE(store.usage().uploadCount, 0u);
    }
};

QTEST_GUILESS_MAIN(TestMediaHttp)
#include "test_media_http.moc"
