// The Media module's receiving side: a download cut in the middle resumes with a range, a
// tampered or truncated blob is a typed error and leaves no file, auto-download follows the
// policy, the cache evicts the least recently used downloads, "delete from this device",
// forwarding without a new upload, and a damaged pointer shown as an attachment error.
#include "media_fixture.h"

#include "core/sync/payload_codec.h"

#include <QDirIterator>
#include <QImage>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

namespace {
constexpr int kWait = 20000;
using Transfer = AttachmentRecord::Transfer;

QStringList filesUnder(const QString &dir) {
    QStringList out;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        out.append(it.next());
    return out;
}

QString makeImage(const QTemporaryDir &dir, const QString &name, int w, int h, QColor color) {
    QImage image(w, h, QImage::Format_RGB32);
    image.fill(color);
    const QString path = dir.filePath(name);
    return image.save(path) ? path : QString();
}
} // namespace

class TestClientMediaReceive : public QObject {
    Q_OBJECT

    //! alice sends one file and bob has the message at `seq`.
    static void sendOne(Relay &r, const QString &path, quint64 seq) {
        QVERIFY(r.alice().media->sendFiles(kChat, {outgoing(path)}));
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(seq).seq == seq, kWait);
    }

private slots:
    void aDownloadCutInTheMiddleResumesWithARange() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"movie.bin"_qs, 800'000, 21);
        sendOne(r, path, 1);
        r.server.cutDownloadAt = 400'000;
        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        r.bob().media->download(kChat, 1);
        QVERIFY(downloaded.wait(kWait));
        // The cut request and at least one ranged resume (a resume can itself end early under
        // load and be resumed again).
        QVERIFY(r.server.gets >= 2);
        QCOMPARE(sha256Of(downloaded.first().at(2).toString()), sha256Of(path));
        QCOMPARE(filesUnder(r.bob().media->directory() + u"/tmp"_qs), QStringList());
    }

    void aTamperedBlobIsAnErrorAndNothingIsKept() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        sendOne(r, makeFile(files, u"a.bin"_qs, 100'000, 22), 1);
        r.server.tamperDownloads = true;
        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        QList<tidings::Error> failures;
        connect(r.bob().media.get(), &Media::transferFailed, this,
                [&](quint64, const QString &, quint64 seq, const tidings::Error &e) {
                    QCOMPARE(seq, quint64(1));
                    failures.append(e);
                });
        r.bob().media->download(kChat, 1);
        QTRY_COMPARE_WITH_TIMEOUT(r.bob().message(1).attachments.first().transfer, Transfer::Failed,
                                  kWait);
        // The typed error behind the words (the CLI's exit status depends on it).
        QCOMPARE(failures.size(), 1);
        QVERIFY(failures.first().code == tidings::ErrorCode::HashMismatch ||
                failures.first().code == tidings::ErrorCode::BadFrame);
        const AttachmentRecord a = r.bob().message(1).attachments.first();
        QVERIFY(a.localPath.isEmpty());
        QVERIFY(a.transferError.contains(u"altered"_qs));
        QVERIFY(downloaded.isEmpty());
        QCOMPARE(filesUnder(r.bob().media->directory()), QStringList());
        // An honest server again: retry gets the real file.
        r.server.tamperDownloads = false;
        r.bob().media->retry(r.bob().message(1).clientMessageId);
        QVERIFY(downloaded.wait(kWait));
    }

    void aTruncatedBlobIsAnError() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        sendOne(r, makeFile(files, u"a.bin"_qs, 300'000, 23), 1);
        r.server.truncateDownloadsBy = 1000;
        r.bob().media->download(kChat, 1);
        QTRY_COMPARE_WITH_TIMEOUT(r.bob().message(1).attachments.first().transfer, Transfer::Failed,
                                  kWait);
        QVERIFY(r.bob().message(1).attachments.first().transferError.contains(u"incomplete"_qs));
        QCOMPARE(filesUnder(r.bob().media->directory()), QStringList());
    }

    void autoDownloadFollowsThePolicy() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        sendOne(r, makeFile(files, u"notes.txt"_qs, 5000, 24), 1); // a file: on request
        sendOne(r, makeImage(files, u"p.png"_qs, 300, 200, Qt::red), 2);
        // The download may already have finished while sendOne waited for the message.
        QTRY_COMPARE_WITH_TIMEOUT(downloaded.size(), 1, kWait);
        QCOMPARE(downloaded.first().at(1).toULongLong(), quint64(2));
        QCOMPARE(r.bob().message(1).attachments.first().transfer, Transfer::None);
        // Images up to 0 bytes: nothing by itself any more.
        Media::AutoDownload policy;
        policy.imagesUpToBytes = 0;
        r.bob().media->setAutoDownload(policy);
        sendOne(r, makeImage(files, u"q.png"_qs, 300, 200, Qt::blue), 3);
        QTest::qWait(300);
        QCOMPARE(downloaded.size(), 1);
        QCOMPARE(r.bob().message(3).attachments.first().transfer, Transfer::None);
    }

    void theCacheEvictsTheLeastRecentlyUsedDownloads() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        for (int i = 1; i <= 3; ++i) {
            sendOne(r, makeFile(files, u"f%1.bin"_qs.arg(i), 100'000, 30 + i), quint64(i));
            r.bob().media->download(kChat, quint64(i));
            QVERIFY(downloaded.wait(kWait));
            QTest::qWait(5); // distinct last-use times
        }
        QCOMPARE(r.bob().media->cacheBytes(), quint64(300'000));
        r.bob().media->setCacheLimit(250'000);
        QCOMPARE(r.bob().media->cacheBytes(), quint64(200'000));
        const AttachmentRecord oldest = r.bob().message(1).attachments.first();
        QVERIFY(oldest.localPath.isEmpty());
        QCOMPARE(oldest.transfer, Transfer::None);
        QVERIFY(!r.bob().message(3).attachments.first().localPath.isEmpty());
        QCOMPARE(filesUnder(r.bob().media->directory() + u"/files"_qs).size(), 2);
        // A new download pushes out the next oldest.
        r.bob().media->download(kChat, 1);
        QVERIFY(downloaded.wait(kWait));
        QVERIFY(r.bob().media->cacheBytes() <= 250'000);
        QVERIFY(r.bob().message(2).attachments.first().localPath.isEmpty());
        QVERIFY(!r.bob().message(1).attachments.first().localPath.isEmpty());
    }

    void deleteFromThisDeviceAndFetchAgain() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"x.bin"_qs, 50'000, 40);
        sendOne(r, path, 1);
        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        r.bob().media->download(kChat, 1);
        QVERIFY(downloaded.wait(kWait));
        const QString local = downloaded.first().at(2).toString();
        QVERIFY(r.bob().media->deleteLocalCopy(kChat, 1));
        QVERIFY(!QFileInfo::exists(local));
        QVERIFY(r.bob().message(1).attachments.first().localPath.isEmpty());
        QCOMPARE(r.bob().media->cacheBytes(), quint64(0));
        QVERIFY(!r.bob().media->deleteLocalCopy(kChat, 99));
        r.bob().media->download(kChat, 1);
        QVERIFY(downloaded.wait(kWait));
        QCOMPARE(sha256Of(downloaded.last().at(2).toString()), sha256Of(path));
    }

    void forwardingReusesTheBlob() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        sendOne(r, makeFile(files, u"fw.bin"_qs, 70'000, 41), 1);
        const int creates = r.server.creates;
        const quint64 otherChat = kChat + 1;
        auto id = r.bob().media->forward(kChat, 1, otherChat);
        QVERIFY(id);
        QTRY_COMPARE_WITH_TIMEOUT(r.sends.size(), 2, kWait);
        QCOMPARE(r.server.creates, creates);
        QCOMPARE(r.sends.last().attachment_blob_ids_size(), 1);
        QCOMPARE(r.sends.last().attachment_blob_ids(0), r.sends.first().attachment_blob_ids(0));
        QVERIFY(!r.bob().media->forward(kChat, 99, otherChat));
    }

    void aDamagedPointerShowsAsAnAttachmentError() {
        Relay r;
        QVERIFY(r.open());
        wire::Content c;
        c.set_text("look at this");
        auto *p = c.add_attachments();
        p->set_blob_id(std::string(64, 'a'));
        p->set_key(std::string(16, 'k')); // not 32 bytes
        p->set_ciphertext_sha256(std::string(32, 's'));
        Frame push;
        auto *m = push.mutable_message_push()->add_messages();
        m->set_conversation_id(kChat);
        m->set_seq(1);
        m->set_sender_user_id(1);
        m->set_sender_device_id(11);
        m->set_sender_username("alice");
        m->set_client_message_id("evil");
        m->set_payload(c.SerializeAsString());
        r.bob().sync->handlePush(push);
        const MessageRecord got = r.bob().message(1);
        QCOMPARE(got.text, u"look at this"_qs);
        QCOMPARE(got.attachments.size(), 1);
        QCOMPARE(got.attachments.first().transfer, Transfer::Failed);
        QVERIFY(!got.attachments.first().transferError.isEmpty());
        r.bob().media->download(kChat, 1); // nothing to fetch, nothing breaks
        r.bob().media->retry(u"evil"_qs);
        QCOMPARE(r.bob().media->activeCount(), 0);
    }
};

QTEST_MAIN(TestClientMediaReceive)
#include "test_client_media_receive.moc"
