// The media store end to end, against the real server and PostgreSQL over real sockets, with
// files encrypted as a client encrypts attachments: the token flow (and what it refuses), an
// upload in chunks and a byte-identical download, resuming an upload and a download cut off
// half-way, references recorded by sends and expiry collecting what no message points to,
// media retention, a full disk (media refused, messages flowing), a disk write that blocks
// (messages still delivered meanwhile), and a data directory and
// database dump that contain no plaintext and no file name.
// Bad input is test_media_errors.cpp; real processes (SIGKILL, memory) are test_media_process.cpp.
#include "support/integration_fixture.h"
#include "support/media_client.h"
#include "support/media_helpers.h"

#include "services/media/media_service.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QScopeGuard>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <unistd.h>

using namespace tidings;
using namespace tidings::test;

namespace {

const QByteArray kMarker = "TIDINGS-PLAINTEXT-MARKER-5b1e0c";
const QString kFileName = QStringLiteral("holiday-at-the-lake.jpg");
constexpr quint64 kChunk = 4 * 1024 * 1024;
constexpr qint64 kHour = 3600 * 1000;

} // namespace

class TestMedia : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QTemporaryDir m_tmp;
    std::unique_ptr<RawClient> m_alice;
    std::unique_ptr<RawClient> m_bob;
    QByteArray m_aliceToken;
    std::optional<EncryptedFile> m_file; //!< uploaded by uploadInChunksAndDownload
    QString m_blob;

    quint16 port() const { return quint16(m_fx.url().port()); }
    QString path(const QString &name) const { return m_tmp.filePath(name); }

    std::optional<EncryptedFile> makeFile(const QString &name, quint64 plainSize) {
        return encryptedFile(path(name), path(name + ".blob"), plainSize, kMarker);
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_alice = m_fx.newUser("alice");
        m_bob = m_fx.newUser("bob");
        QVERIFY(m_alice && m_bob);
        const auto t = mediaToken(*m_alice);
        QVERIFY(t);
        m_aliceToken = QByteArray::fromStdString(t->token());
    }

    void tokenFlow() {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const auto t = mediaToken(*m_alice);
        QVERIFY(t);
        QCOMPARE(t->token().size(), size_t(76));
        QVERIFY(t->expires_at_ms() > now + 9 * 60'000 && t->expires_at_ms() < now + 11 * 60'000);
        QCOMPARE(t->max_file_bytes(), quint64(2) << 30);
        QCOMPARE(t->chunk_bytes(), quint32(kChunk));
        QCOMPARE(t->quota_bytes(), quint64(10) << 30);
        const quint64 usedBefore = t->used_bytes();

        MediaClient c(port(), QByteArray::fromStdString(t->token()));
        const HttpReply created = c.createUpload(1000);
        QCOMPARE(created.status, 201);
        const QString upload = created.json().value("upload").toString();
        QCOMPARE(upload.size(), 22);
        QCOMPARE(created.json().value("chunk").toInteger(), qint64(kChunk));
        QCOMPARE(created.json().value("offset").toInteger(), 0);
        // The unfinished upload counts against the quota at once.
        QCOMPARE(mediaToken(*m_alice)->used_bytes(), usedBefore + 1000);

        // Refused tokens: none, another scheme, forged, expired.
        const auto refused = [&](MediaClient &client, const char *what) {
            const HttpReply r = client.progress(upload);
            QVERIFY2(r.status == 401, what);
            QCOMPARE(r.header("www-authenticate"), QByteArray("Bearer"));
            // HEAD has no body: ask again with GET on a blob for the JSON.
            QCOMPARE(client.get(QString(64, 'a')).error(), QString("NOT_AUTHENTICATED"));
        };
        MediaClient none(port());
        refused(none, "no token");
        QCOMPARE(none.request("HEAD", "/media/v1/uploads/" + upload.toLatin1(),
                              {{"Authorization", "Basic YWxpY2U6cHc="}})
                     .status,
                 401);
        QByteArray forged = QByteArray::fromStdString(t->token());
        forged[10] = forged[10] == 'A' ? 'B' : 'A';
        MediaClient bad(port(), forged);
        refused(bad, "forged token");
        m_fx.shiftClock(11 * 60'000);
        refused(c, "expired token");
        m_fx.shiftClock(-11 * 60'000);
        QCOMPARE(c.progress(upload).status, 200);

        // Another device of alice; once revoked, its token stops working at once.
        auto phone = m_fx.newDevice(m_alice->username);
        QVERIFY(phone);
        const auto phoneToken = mediaToken(*phone);
        QVERIFY(phoneToken);
        MediaClient onPhone(port(), QByteArray::fromStdString(phoneToken->token()));
        QCOMPARE(onPhone.progress(upload).status, 200); // the user's upload, any of its devices
        protocol::Frame revoke;
        revoke.mutable_revoke_device_request()->set_device_id(phone->deviceId);
        QCOMPARE(errorCode(m_alice->request(revoke)), wire::ERROR_NONE);
        refused(onPhone, "revoked device");

        QCOMPARE(c.cancel(upload).status, 204);
        QCOMPARE(c.progress(upload).status, 404);
        QCOMPARE(mediaToken(*m_alice)->used_bytes(), usedBefore);
    }

    void uploadInChunksAndDownload() {
        m_file = makeFile(kFileName, 9 * 1024 * 1024 + 12345);
        QVERIFY(m_file);
        MediaClient c(port(), m_aliceToken);
        const HttpReply created = c.createUpload(m_file->blobSize);
        QCOMPARE(created.status, 201);
        const QString upload = created.json().value("upload").toString();
        QFile in(m_file->blobPath);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const HttpReply last = c.upload(upload, in, 0, kChunk);
        QCOMPARE(last.status, 200);
        QCOMPARE(last.json().value("offset").toInteger(), qint64(m_file->blobSize));
        // Not fetchable before it is finished (and verified).
        QCOMPARE(c.get(QString::fromLatin1(m_file->sha256.toHex())).status, 404);
        const HttpReply done = c.finish(upload, m_file->sha256);
        QCOMPARE(done.status, 201);
        m_blob = done.json().value("blob").toString();
        QCOMPARE(m_blob, QString::fromLatin1(m_file->sha256.toHex()));
        QCOMPARE(done.json().value("size").toInteger(), qint64(m_file->blobSize));
        QCOMPARE(c.progress(upload).status, 404); // the upload is gone, the blob is there

        QFile out(path("download.blob"));
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        const auto d = c.download(m_blob, out);
        out.close();
        QCOMPARE(d.reply.status, 200);
        QCOMPARE(d.reply.header("etag"), '"' + m_blob.toLatin1() + '"');
        QCOMPARE(d.bytes, m_file->blobSize);
        QCOMPARE(sha256OfFile(out.fileName()), m_file->sha256);
        QVERIFY(decryptsToPlaintext(*m_file, out.fileName()));

        // A range in the middle, and HEAD.
        QFile blob(m_file->blobPath);
        QVERIFY(blob.open(QIODevice::ReadOnly));
        QVERIFY(blob.seek(5'000'000));
        const QByteArray middle = blob.read(1000);
        const HttpReply part = c.get(m_blob, {{"Range", "bytes=5000000-5000999"}});
        QCOMPARE(part.status, 206);
        QCOMPARE(part.body, middle);
        QCOMPARE(part.header("content-range"),
                 "bytes 5000000-5000999/" + QByteArray::number(m_file->blobSize));
        const HttpReply head = c.request("HEAD", "/media/v1/blobs/" + m_blob.toLatin1());
        QCOMPARE(head.status, 200);
        QCOMPARE(head.header("content-length").toULongLong(), m_file->blobSize);

        // Bob fetches it too (any authenticated user who knows the id), and uploading the same
        // bytes again lands on the same blob.
        MediaClient asBob(port(), QByteArray::fromStdString(mediaToken(*m_bob)->token()));
        QCOMPARE(asBob.get(m_blob, {{"Range", "bytes=0-9"}}).status, 206);
        QCOMPARE(uploadFile(asBob, *m_file), m_blob);
        QCOMPARE(m_fx.sql("SELECT count(*) FROM media_blobs WHERE id = '" + m_blob + "'"), "1");
    }

    void uploadResumesAfterTheConnectionIsCut() {
        auto f = makeFile("resume.bin", 12 * 1024 * 1024);
        QVERIFY(f);
        MediaClient c(port(), m_aliceToken);
        const QString upload = c.createUpload(f->blobSize).json().value("upload").toString();
        QVERIFY(!upload.isEmpty());
        QFile in(f->blobPath);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const quint64 half = f->blobSize / 2;
        QCOMPARE(c.upload(upload, in, 0, kChunk, half).status, 0); // cut
        // Once the server noticed, ask where to go on: the chunks before the cut are in, and of
        // the one that crossed half-way whatever arrived before the connection went.
        auto *media = m_fx.server().server()->media();
        QVERIFY(waitFor([&] { return media->activeChunks() == 0; }));
        const quint64 offset = c.progress(upload).header("upload-offset").toULongLong();
        QVERIFY2(offset >= kChunk && offset <= half, qPrintable(QString::number(offset)));
        QCOMPARE(c.progress(upload).header("upload-length").toULongLong(), f->blobSize);
        QVERIFY(in.seek(qint64(offset)));
        QCOMPARE(c.upload(upload, in, offset, kChunk).status, 200);
        const HttpReply done = c.finish(upload, f->sha256);
        QCOMPARE(done.status, 201);
        QFile out(path("resume.download"));
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(c.download(done.json().value("blob").toString(), out).bytes, f->blobSize);
        out.close();
        QCOMPARE(sha256OfFile(out.fileName()), f->sha256);
        QVERIFY(decryptsToPlaintext(*f, out.fileName()));
    }

    void downloadResumesWithARangeAfterTheConnectionIsCut() {
        QVERIFY(m_file);
        MediaClient c(port(), m_aliceToken);
        QFile out(path("resumed.download"));
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        const quint64 half = m_file->blobSize / 2;
        const auto first = c.download(m_blob, out, 0, half);
        QVERIFY(first.cut);
        QCOMPARE(first.bytes, half);
        const QByteArray etag = first.reply.header("etag");
        // The rest, only if it is still the same blob (it always is: ids are content hashes).
        const auto rest = c.download(m_blob, out, half, {}, etag);
        out.close();
        QCOMPARE(rest.reply.status, 206);
        QCOMPARE(rest.bytes, m_file->blobSize - half);
        QCOMPARE(sha256OfFile(out.fileName()), m_file->sha256);
        QVERIFY(decryptsToPlaintext(*m_file, out.fileName()));
        // Another validator: the whole blob again (200), as If-Range says.
        QFile whole(path("whole.download"));
        QVERIFY(whole.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(c.download(m_blob, whole, half, {}, "\"other\"").reply.status, 200);
    }

    void sendsRecordReferencesAndExpiryCollectsTheRest() {
        MediaClient c(port(), m_aliceToken);
        auto kept = makeFile("kept.bin", 100'000);
        auto dropped = makeFile("dropped.bin", 200'000);
        QVERIFY(kept && dropped);
        const QString keptId = uploadFile(c, *kept);
        const QString droppedId = uploadFile(c, *dropped);
        QVERIFY(!keptId.isEmpty() && !droppedId.isEmpty());
        const HttpReply half = c.createUpload(kChunk * 2);
        const QString unfinished = half.json().value("upload").toString();
        QCOMPARE(c.patch(unfinished, 0, QByteArray(1000, 'x')).status, 200);
        const QString dataDir = m_fx.server().dataDir();
        QVERIFY(QFileInfo::exists(blobFile(dataDir, droppedId)));
        QVERIFY(QDir(dataDir + "/media/uploads/" + unfinished).exists());

        // A message pointing to `kept` (twice) and to the photo of the first test. (One naming a
        // blob the server does not hold is refused: test_media_race.cpp.)
        const quint64 conv = m_alice->openDirect(m_bob->username);
        QVERIFY(conv);
        protocol::Frame send;
        auto *s = send.mutable_send_request();
        s->set_conversation_id(conv);
        s->set_client_message_id("with-photo");
        s->set_payload("ciphertext of the caption and the pointer");
        s->add_attachment_blob_ids(keptId.toStdString());
        s->add_attachment_blob_ids(keptId.toStdString());
        s->add_attachment_blob_ids(m_blob.toStdString());
        const auto ack = m_alice->request(send);
        QVERIFY(ack && ack->has_send_ack());
        QStringList expected{keptId + '@' + QString::number(ack->send_ack().seq()),
                             m_blob + '@' + QString::number(ack->send_ack().seq())};
        expected.sort();
        QCOMPARE(m_fx.sqlColumn(QStringLiteral("SELECT blob_id || '@' || seq FROM media_refs "
                                               "WHERE conversation_id = %1 ORDER BY 1")
                                    .arg(conv)),
                 expected);
        QCOMPARE(m_fx.sql("SELECT last_referenced_at IS NOT NULL FROM media_blobs WHERE id = '" +
                          keptId + "'"),
                 "t");
        // Text messages take the path without media.
        QVERIFY(m_alice->send(conv, "plain")->has_send_ack());

        // A day later: the unreferenced blob and the unfinished upload are gone.
        m_fx.shiftClock(25 * kHour);
        QVERIFY(runMaintenance(m_fx.server()));
        MediaClient later(port(), QByteArray::fromStdString(mediaToken(*m_alice)->token()));
        QCOMPARE(later.get(keptId, {{"Range", "bytes=0-0"}}).status, 206);
        const HttpReply gone = later.get(droppedId);
        QCOMPARE(gone.status, 404);
        QCOMPARE(gone.error(), QString("NO_SUCH_BLOB"));
        QCOMPARE(later.progress(unfinished).status, 404);
        QVERIFY(!QFileInfo::exists(blobFile(dataDir, droppedId)));
        QVERIFY(QFileInfo::exists(blobFile(dataDir, keptId)));
        QVERIFY(!QDir(dataDir + "/media/uploads/" + unfinished).exists());
        QCOMPARE(m_fx.sql("SELECT count(*) FROM media_blobs WHERE id IN ('" + keptId + "', '" +
                          droppedId + "')"),
                 "1");
        m_fx.shiftClock(-25 * kHour);
    }

    void mediaRetentionCollectsEvenReferencedBlobs() {
        server::ServerConfig config;
        config.mediaRetentionDays = 2;
        QString error;
        auto h = m_fx.freshServer(config, &error);
        QVERIFY2(h, qPrintable(error));
        auto a = RawClient::registered(h->url(), "carol");
        auto b = RawClient::registered(h->url(), "dave");
        QVERIFY(a && b);
        MediaClient c(quint16(h->url().port()), QByteArray::fromStdString(mediaToken(*a)->token()));
        auto f = makeFile("retained.bin", 50'000);
        const QString id = uploadFile(c, *f);
        QVERIFY(!id.isEmpty());
        const quint64 conv = a->openDirect("dave");
        protocol::Frame send;
        send.mutable_send_request()->set_conversation_id(conv);
        send.mutable_send_request()->set_client_message_id("old-photo");
        send.mutable_send_request()->set_payload("pointer");
        send.mutable_send_request()->add_attachment_blob_ids(id.toStdString());
        QVERIFY(a->request(send)->has_send_ack());
        h->shiftClock(26 * kHour);
        QVERIFY(runMaintenance(*h));
        c.setToken(QByteArray::fromStdString(mediaToken(*a)->token())); // the old one expired
        QCOMPARE(c.get(id, {{"Range", "bytes=0-0"}}).status, 206);      // referenced, within 2 days
        h->shiftClock(48 * kHour);
        QVERIFY(runMaintenance(*h));
        MediaClient later(quint16(h->url().port()),
                          QByteArray::fromStdString(mediaToken(*a)->token()));
        QCOMPARE(later.get(id).status, 404);
    }

    void fullDiskRefusesMediaWhileMessagesFlow() {
        auto full = std::make_shared<std::atomic<bool>>(false);
        auto freeBytes = std::make_shared<std::atomic<quint64>>(quint64(100) << 30);
        server::ServerConfig config;
        config.mediaWrite = [full](int fd, const void *data, size_t size) -> ssize_t {
            if (*full) {
                errno = ENOSPC;
                return -1;
            }
            return ::write(fd, data, size);
        };
        config.mediaFreeBytes = [freeBytes] { return freeBytes->load(); };
        QString error;
        auto h = m_fx.freshServer(config, &error);
        QVERIFY2(h, qPrintable(error));
        auto a = RawClient::registered(h->url(), "erin");
        auto b = RawClient::registered(h->url(), "frank");
        QVERIFY(a && b);
        MediaClient c(quint16(h->url().port()), QByteArray::fromStdString(mediaToken(*a)->token()));
        const QString upload = c.createUpload(3 * kChunk).json().value("upload").toString();
        QVERIFY(!upload.isEmpty());

        *full = true; // the disk fills up under a chunk
        const HttpReply refused = c.patch(upload, 0, QByteArray(int(kChunk), 'z'));
        QCOMPARE(refused.status, 507);
        QCOMPARE(refused.error(), QString("STORAGE_FULL"));
        const quint64 conv = a->openDirect("frank");
        QVERIFY(conv);
        QVERIFY(a->send(conv, "during-disk-full")->has_send_ack());
        QVERIFY(b->waitMessages(1));

        *freeBytes = 10 * 1024 * 1024; // the server sees it coming: refused before any byte
        const HttpReply early = c.createUpload(kChunk);
        QCOMPARE(early.status, 507);
        QCOMPARE(early.error(), QString("STORAGE_FULL"));

        *full = false; // space again: the upload goes on where the disk says it stands
        *freeBytes = quint64(100) << 30;
        const quint64 offset = c.progress(upload).header("upload-offset").toULongLong();
        QCOMPARE(offset, quint64(0));
        QCOMPARE(c.patch(upload, 0, QByteArray(int(kChunk), 'z')).status, 200);
    }

    // The media disk blocks in the middle of a chunk (a write stuck in writeback throttling):
    // the event loop is not the thread in that write, so a message is sent and delivered
    // meanwhile, and the chunk completes once the disk moves again.
    void aBlockedDiskWriteDoesNotDelayMessages() {
        struct Gate {
            std::mutex mutex;
            std::condition_variable changed;
            bool open = false;
            bool timedOut = false;
            std::atomic<int> entered{0};
        };
        auto gate = std::make_shared<Gate>();
        server::ServerConfig config;
        config.mediaWrite = [gate](int fd, const void *data, size_t size) -> ssize_t {
            ++gate->entered;
            std::unique_lock lock(gate->mutex);
            // A safety valve, not a timing: were this write on the event loop (the bug), the
            // test's own thread would be stuck here, and only this lets it report the failure.
            if (!gate->changed.wait_for(lock, std::chrono::seconds(30),
                                        [&] { return gate->open; })) {
                gate->timedOut = true;
                gate->open = true;
            }
            lock.unlock();
            return ::write(fd, data, size);
        };
        const auto openGate = [gate] {
            std::lock_guard lock(gate->mutex);
            gate->open = true;
            gate->changed.notify_all();
        };
        QString error;
        auto h = m_fx.freshServer(config, &error);
        QVERIFY2(h, qPrintable(error));
        // Before the server goes (declared after it): its pools wait for the write.
        const auto opener = qScopeGuard(openGate);
        auto a = RawClient::registered(h->url(), "gina");
        auto b = RawClient::registered(h->url(), "hank");
        QVERIFY(a && b);
        const quint64 conv = a->openDirect("hank");
        QVERIFY(conv);
        const QByteArray token = QByteArray::fromStdString(mediaToken(*a)->token());
        MediaClient c(quint16(h->url().port()), token);
        const QString upload = c.createUpload(kChunk).json().value("upload").toString();
        QVERIFY(!upload.isEmpty());

        QTcpSocket patch;
        patch.connectToHost(QHostAddress::LocalHost, quint16(h->url().port()));
        patch.write("PATCH /media/v1/uploads/" + upload.toLatin1() +
                    " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token +
                    "\r\nUpload-Offset: 0\r\nContent-Length: " + QByteArray::number(kChunk) +
                    "\r\n\r\n" + QByteArray(int(kChunk), 'q'));
        QVERIFY(waitFor([&] { return gate->entered > 0; }));

        QVERIFY(a->send(conv, "while-the-disk-is-stuck")->has_send_ack());
        QVERIFY(b->waitMessages(1));
        {
            std::lock_guard lock(gate->mutex);
            QVERIFY(!gate->timedOut); // the round trip happened while the write was stuck
        }
        QCOMPARE(gate->entered.load(), 1);

        openGate();
        QByteArray answer;
        QVERIFY(waitFor([&] {
            answer += patch.readAll();
            return answer.contains("\r\n\r\n") && answer.endsWith('}');
        }));
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
        QVERIFY(answer.contains("{\"offset\":" + QByteArray::number(kChunk) + '}'));
        QCOMPARE(c.progress(upload).header("upload-offset").toULongLong(), kChunk);
    }

    // A chunk's connection is cut while what arrived of it still waits for the disk: the
    // client's offset query right after the cut is answered once those bytes are written, so it
    // resumes exactly behind them (not at an older offset, to be refused after sending 4 MiB).
    void theOffsetAfterACutCountsTheBytesStillBeingWritten() {
        auto gate = std::make_shared<std::atomic_bool>(false);
        server::ServerConfig config;
        config.mediaWrite = [gate](int fd, const void *data, size_t size) -> ssize_t {
            for (int i = 0; i < 3000 && !*gate; ++i) // a slow disk, at most 30 s
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            return ::write(fd, data, size);
        };
        QString error;
        auto h = m_fx.freshServer(config, &error);
        QVERIFY2(h, qPrintable(error));
        // Before the server goes (declared after it): its pools wait for the writes.
        const auto opener = qScopeGuard([gate] { *gate = true; });
        auto a = RawClient::registered(h->url(), "ivy");
        QVERIFY(a);
        const QByteArray token = QByteArray::fromStdString(mediaToken(*a)->token());
        MediaClient c(quint16(h->url().port()), token);
        const QString upload = c.createUpload(kChunk).json().value("upload").toString();
        QVERIFY(!upload.isEmpty());

        const qint64 arrived = 512 * 1024 + 1234; // under the queue's high water: all read
        {
            QTcpSocket patch;
            patch.connectToHost(QHostAddress::LocalHost, quint16(h->url().port()));
            patch.write("PATCH /media/v1/uploads/" + upload.toLatin1() +
                        " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token +
                        "\r\nUpload-Offset: 0\r\nContent-Length: " + QByteArray::number(kChunk) +
                        "\r\n\r\n" + QByteArray(int(arrived), 'c'));
            QVERIFY(waitFor([&] {
                patch.waitForBytesWritten(10);
                return patch.bytesToWrite() == 0;
            }));
            QTest::qWait(100); // the server reads what was sent
            patch.abort();     // the cut
        }
        QTimer::singleShot(300, [gate] { *gate = true; }); // the disk catches up meanwhile
        const HttpReply p = c.progress(upload);
        QCOMPARE(p.status, 200);
        QCOMPARE(p.header("upload-offset").toLongLong(), arrived);
        QCOMPARE(c.patch(upload, quint64(arrived), QByteArray(int(kChunk - arrived), 'c')).status,
                 200);
    }

    void noPlaintextAndNoFileNameInTheDataDirectoryOrTheDatabase() {
        QVERIFY(m_file);
        // The search works: the plaintext file holds the marker.
        QVERIFY(filesContaining(m_tmp.path(), kMarker).contains(m_file->plainPath));
        const QString dataDir = m_fx.server().dataDir();
        QVERIFY(QFileInfo::exists(blobFile(dataDir, m_blob)));
        QCOMPARE(filesContaining(dataDir, kMarker), QStringList{});
        QCOMPARE(namesContaining(dataDir, QStringLiteral("holiday")), QStringList{});
        QCOMPARE(filesContaining(dataDir, kFileName.toUtf8()), QStringList{});
        const QByteArray dump = pgDump(m_fx.conninfo());
        QVERIFY(dump.contains("media_blobs"));
        QVERIFY(dump.contains(m_blob.toLatin1()));
        QVERIFY(!dump.contains(kMarker));
        QVERIFY(!dump.contains(kFileName.toUtf8()));
    }
};

QTEST_GUILESS_MAIN(TestMedia)
#include "test_media.moc"
