// Media through the real client core (client::Media, end-to-end encryption on) against the real
// server in-process and PostgreSQL, with a TCP proxy between them: a photo and a file to one
// person (the photo's preview arrives before any download, both arrive byte-identical), a file
// and a photo in a group of three, an upload and a download cut off half-way that resume from
// where the server (or the local file) stood, and sizes over the server's limit or the user's
// quota failing in words while another upload goes on; and afterwards neither the server's data
// directory nor a dump of its database holds a byte of plaintext, a file name or a type.
// Damaged and missing blobs, expired tokens, expiry and what the server keeps are
// test_media_client_store.cpp; a killed server and the server's memory are
// test_media_client_process.cpp.
#include "test_media_client.h"

#include "support/integration_fixture.h"

#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::test;

namespace {

const QByteArray kMarker = "TIDINGS-CLIENT-PLAINTEXT-MARKER-91c2";
constexpr qint64 kMiB = 1024 * 1024;

} // namespace

class TestMediaClient : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QTemporaryDir m_tmp;
    std::unique_ptr<CutProxy> m_proxy;
    int m_files = 0;
    // The 14 MiB file of the cut upload, downloaded with a cut by the next test.
    std::unique_ptr<MediaPeer> m_sender, m_receiver;
    QString m_cutFile, m_cutId;

    std::unique_ptr<MediaPeer> peer(const QString &prefix) {
        return mediaPeer(m_tmp.path(), m_proxy->url(), m_fx.uniqueName(prefix));
    }
    //! A file with the marker planted in it, under a name of its own.
    QString markedFile(const QString &name, qint64 size) {
        const QString dir = m_tmp.filePath(QStringLiteral("out%1").arg(++m_files));
        QDir().mkpath(dir);
        const QString path = dir + u'/' + name;
        return writeMarkedFile(path, size, kMarker, quint32(m_files)) ? path : QString();
    }
    static QString username(const MediaPeer &p) { return p.name; }
    static bool ready(MediaPeer &p) { return p.device->ready; }

private slots:
    void initTestCase() {
        server::ServerConfig config;
        config.mediaMaxBytes = 40 * kMiB;
        config.mediaQuotaBytes = 64 * kMiB;
        const QString err = m_fx.start(config);
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_proxy = std::make_unique<CutProxy>(quint16(m_fx.url().port()));
        QVERIFY(m_proxy->listen());
    }

    void aPhotoAndAFileToOnePerson() {
        auto alice = peer("alice");
        auto bob = peer("bob");
        QVERIFY(alice && bob);
        MEDIA_WAIT(ready(*alice) && ready(*bob), 30000);
        const quint64 conv = alice->openDirect(username(*bob));
        QVERIFY(conv != 0);

        const QString photo = m_tmp.filePath(QStringLiteral("holiday-at-the-lake.jpg"));
        QVERIFY(writePhoto(photo, 1600, 1200, 1));
        const QString file = markedFile(QStringLiteral("quarterly-report.bin"), 3 * kMiB + 777);
        QVERIFY(!file.isEmpty());
        auto ids =
            alice->media().sendFiles(conv, outgoing({photo, file}), QStringLiteral("two things"));
        QVERIFY2(ids.ok(), qPrintable(ids ? QString() : ids.error().toString()));
        QCOMPARE(ids->size(), 2);
        const QString photoId = ids->at(0), fileId = ids->at(1);
        MEDIA_WAIT_COMPARE(alice->uploaded.size(), 2, 30000);

        // Bob's messages carry the pointers: the photo's preview is there before any download.
        MEDIA_WAIT(bob->received(photoId) && bob->received(fileId), 30000);
        const client::MessageRecord photoMsg = *bob->received(photoId);
        QCOMPARE(photoMsg.text, QStringLiteral("two things"));
        QCOMPARE(photoMsg.attachments.size(), 1);
        const client::AttachmentRecord &p = photoMsg.attachments.first();
        QCOMPARE(p.kind, client::AttachmentRecord::Kind::Image);
        QVERIFY(!p.thumbnail.isEmpty());
        QVERIFY(!QImage::fromData(p.thumbnail).isNull());
        QCOMPARE(QSize(p.width, p.height), QSize(1600, 1200));
        QVERIFY(p.localPath.isEmpty());
        QVERIFY(p.fileName.startsWith(QStringLiteral("holiday-at-the-lake")));
        const client::MessageRecord fileMsg = *bob->received(fileId);
        QVERIFY(fileMsg.text.isEmpty());
        const client::AttachmentRecord &f = fileMsg.attachments.first();
        QCOMPARE(f.kind, client::AttachmentRecord::Kind::File);
        QCOMPARE(f.fileName, QStringLiteral("quarterly-report.bin"));
        QCOMPARE(f.size, quint64(3 * kMiB + 777));
        QVERIFY(f.thumbnail.isEmpty());
        QCOMPARE(f.transfer, Transfer::None); // files wait for a click

        // The photo downloads by itself: the bytes alice's device sent (re-encoded, no EXIF).
        MEDIA_WAIT(bob->wasDownloaded(photoMsg.seq), 30000);
        const auto sent = alice->mine(photoId);
        const auto got = bob->attachmentAt(conv, photoMsg.seq);
        QVERIFY(sent && got);
        QCOMPARE(got->record.transfer, Transfer::Done);
        QVERIFY(!got->record.localPath.isEmpty());
        QCOMPARE(sha256OfFile(got->record.localPath), sha256OfFile(sent->record.localPath));
        QCOMPARE(QImage(got->record.localPath).size(), QSize(1600, 1200));

        // The file on a click, identical to the original.
        QCOMPARE(bob->stateOf(conv, fileMsg.seq), Transfer::None);
        bob->media().download(conv, fileMsg.seq);
        MEDIA_WAIT(bob->wasDownloaded(fileMsg.seq), 30000);
        const auto gotFile = bob->attachmentAt(conv, fileMsg.seq);
        QCOMPARE(gotFile->record.transfer, Transfer::Done);
        QCOMPARE(gotFile->record.size, quint64(3 * kMiB + 777));
        QCOMPARE(sha256OfFile(gotFile->record.localPath), sha256OfFile(file));
    }

    void aFileAndAPhotoInAGroupOfThree() {
        auto alice = peer("alice");
        auto bob = peer("bob");
        auto carol = peer("carol");
        QVERIFY(alice && bob && carol);
        MEDIA_WAIT(ready(*alice) && ready(*bob) && ready(*carol), 30000);
        quint64 group = 0;
        alice->client().groups().create(QStringLiteral("trip"), {username(*bob), username(*carol)},
                                        [&](Result<client::ConversationInfo> r) {
                                            QVERIFY2(r.ok(), "group not created");
                                            group = r->id;
                                        });
        MEDIA_WAIT(group != 0, 30000);

        const QString file = markedFile(QStringLiteral("packing-list.pdf"), 5 * kMiB + 3);
        auto sent =
            alice->media().sendFiles(group, outgoing({file}), QStringLiteral("for everyone"));
        QVERIFY(sent.ok());
        const QString fileId = sent->first();
        const QString photo = m_tmp.filePath(QStringLiteral("summit.jpg"));
        QVERIFY(writePhoto(photo, 800, 600, 2));
        auto fromCarol = carol->media().sendFiles(group, outgoing({photo}));
        QVERIFY(fromCarol.ok());
        const QString photoId = fromCarol->first();

        for (MediaPeer *member : {bob.get(), carol.get()}) {
            MEDIA_WAIT(member->received(fileId), 30000);
            const client::MessageRecord m = *member->received(fileId);
            QCOMPARE(m.text, QStringLiteral("for everyone"));
            QCOMPARE(m.attachments.first().fileName, QStringLiteral("packing-list.pdf"));
            QCOMPARE(m.attachments.first().mimeType, QStringLiteral("application/pdf"));
            member->media().download(group, m.seq);
        }
        for (MediaPeer *member : {bob.get(), carol.get()}) {
            const quint64 seq = member->received(fileId)->seq;
            MEDIA_WAIT(member->wasDownloaded(seq), 30000);
            QCOMPARE(sha256OfFile(member->attachmentAt(group, seq)->record.localPath),
                     sha256OfFile(file));
        }
        // Carol's photo: a preview for both others, then the picture by itself.
        const auto carolsCopy = [&] { return carol->mine(photoId); };
        MEDIA_WAIT(carolsCopy() && carolsCopy()->record.transfer == Transfer::Done, 30000);
        for (MediaPeer *member : {alice.get(), bob.get()}) {
            MEDIA_WAIT(member->received(photoId), 30000);
            const client::MessageRecord m = *member->received(photoId);
            QVERIFY(!m.attachments.first().thumbnail.isEmpty());
            QCOMPARE(m.attachments.first().width, 800);
            MEDIA_WAIT(member->wasDownloaded(m.seq), 30000);
            QCOMPARE(sha256OfFile(member->attachmentAt(group, m.seq)->record.localPath),
                     sha256OfFile(carolsCopy()->record.localPath));
        }
    }

    void anUploadCutHalfWayResumesFromTheServersOffset() {
        m_sender = peer("alice");
        m_receiver = peer("bob");
        QVERIFY(m_sender && m_receiver);
        MEDIA_WAIT(ready(*m_sender) && ready(*m_receiver), 30000);
        const quint64 conv = m_sender->openDirect(username(*m_receiver));
        m_cutFile = markedFile(QStringLiteral("film.mkv.bin"), 14 * kMiB);
        QVERIFY(!m_cutFile.isEmpty());

        m_proxy->resetCounts();
        const quint64 half = 7 * kMiB;
        m_proxy->cutUpAt(half);
        auto ids = m_sender->media().sendFiles(conv, outgoing({m_cutFile}));
        QVERIFY(ids.ok());
        m_cutId = ids->first();
        MEDIA_WAIT(m_sender->uploaded.contains(m_cutId), 60000);
        QCOMPARE(m_proxy->cuts, 1);

        // Chunks at 0 and 4 MiB; the second was cut near 7 MiB. The server kept what arrived of
        // it and told the client where it stood, and the client went on from exactly there.
        // What was on its way at the cut is lost: the bytes in the sockets' buffers between the
        // client, the proxy and the server (the client writes a chunk to its socket as fast as
        // the kernel takes it, so that can be a few MiB: the resume may even repeat the chunk
        // from 4 MiB). A request cut off before its answer may also be sent once more and be
        // refused at once with 409 and the server's offset.
        const quint64 blobSize = m_sender->mine(m_cutId)->pointer.ciphertextSize;
        const QList<quint64> offsets = m_proxy->chunkOffsets;
        QVERIFY2(offsets.size() >= 4, qPrintable(QString::number(offsets.size())));
        QCOMPARE(offsets.at(0), quint64(0));
        QCOMPARE(offsets.at(1), quint64(4 * kMiB));
        // The resumed run: the last offsets, 4 MiB apart (before it only refused attempts).
        qsizetype i = offsets.size() - 1;
        while (i > 2 && offsets.at(i) - offsets.at(i - 1) == quint64(4 * kMiB))
            --i;
        const quint64 resumed = offsets.at(i);
        QVERIFY2(resumed >= quint64(4 * kMiB) && resumed < half,
                 qPrintable(QString::number(resumed)));
        QVERIFY(m_proxy->serverOffsets.contains(resumed)); // where the server said it stood
        for (qsizetype j = i; j < offsets.size(); ++j)
            QCOMPARE(offsets.at(j), resumed + quint64(j - i) * quint64(4 * kMiB));
        // Nothing went twice but what was lost at the cut (less than the cut chunk) and the
        // heads of the requests.
        QVERIFY2(
            m_proxy->up < blobSize + (half - resumed) + 64 * 1024,
            qPrintable(QStringLiteral("%1 bytes for a blob of %2").arg(m_proxy->up).arg(blobSize)));

        MEDIA_WAIT(m_receiver->received(m_cutId), 30000);
        const auto m = *m_receiver->received(m_cutId);
        m_receiver->media().download(conv, m.seq);
        MEDIA_WAIT(m_receiver->wasDownloaded(m.seq), 60000);
        QCOMPARE(sha256OfFile(m_receiver->attachmentAt(conv, m.seq)->record.localPath),
                 sha256OfFile(m_cutFile));
    }

    void aDownloadCutHalfWayResumesWithARange() {
        QVERIFY(m_sender && m_receiver && !m_cutId.isEmpty());
        QVERIFY(m_receiver->received(m_cutId)); // the test before got that far
        const auto m = *m_receiver->received(m_cutId);
        const quint64 conv = m.conversationId;
        QVERIFY(m_receiver->media().deleteLocalCopy(conv, m.seq).ok());
        QCOMPARE(m_receiver->stateOf(conv, m.seq), Transfer::None);
        m_receiver->downloaded.clear();

        m_proxy->resetCounts();
        const quint64 blobSize = m_sender->mine(m_cutId)->pointer.ciphertextSize;
        const quint64 half = blobSize / 2;
        m_proxy->cutDownAt(half);
        m_receiver->media().download(conv, m.seq);
        MEDIA_WAIT(m_receiver->wasDownloaded(m.seq), 60000);
        QCOMPARE(m_proxy->cuts, 1);
        // One range request, from the bytes already on disk (what arrived before the cut, less
        // what was still in the network stack's buffers).
        QCOMPARE(m_proxy->rangeStarts.size(), 1);
        const quint64 from = m_proxy->rangeStarts.first();
        QVERIFY2(from > half - 2 * kMiB && from < half, qPrintable(QString::number(from)));
        QVERIFY(m_proxy->statuses.contains(206));
        QVERIFY2(m_proxy->down < blobSize + 64 * 1024 + (half - from),
                 qPrintable(
                     QStringLiteral("%1 bytes for a blob of %2").arg(m_proxy->down).arg(blobSize)));
        const auto got = m_receiver->attachmentAt(conv, m.seq);
        QCOMPARE(got->record.transfer, Transfer::Done);
        QCOMPARE(sha256OfFile(got->record.localPath), sha256OfFile(m_cutFile));
    }

    void sizeAndQuotaLimitsFailInWordsWhileAnotherUploadGoesOn() {
        auto erin = peer("erin");
        auto frank = peer("frank");
        QVERIFY(erin && frank);
        MEDIA_WAIT(ready(*erin) && ready(*frank), 30000);
        const quint64 conv = erin->openDirect(username(*frank));

        // Over the server's largest file: refused once the device learns the limit (with its
        // first token), as a failed transfer in words; afterwards sendFiles says so at once.
        const QString huge = markedFile(QStringLiteral("huge.iso"), 41 * kMiB);
        auto tooLarge = erin->media().sendFiles(conv, outgoing({huge}));
        QVERIFY(tooLarge.ok());
        const QString hugeId = tooLarge->first();
        MEDIA_WAIT_COMPARE(erin->transfers.value(hugeId).transfer, Transfer::Failed, 30000);
        QCOMPARE(erin->transfers.value(hugeId).transferError,
                 QStringLiteral("The file is larger than the server accepts."));
        QVERIFY(erin->mine(hugeId)->pointer.blobId.isEmpty());
        auto refused = erin->media().sendFiles(conv, outgoing({huge}));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::TooLarge);

        // Over the quota (64 MiB): a 30 MiB upload is half-way (the proxy holds it there), and
        // a 38 MiB one fails in words; the first then finishes and frank gets it whole.
        const QString first = markedFile(QStringLiteral("first.tar"), 30 * kMiB);
        const QString second = markedFile(QStringLiteral("second.tar"), 38 * kMiB);
        m_proxy->resetCounts();
        m_proxy->holdUpAt(15 * kMiB);
        auto a = erin->media().sendFiles(conv, outgoing({first}));
        QVERIFY(a.ok());
        const QString firstId = a->first();
        MEDIA_WAIT(m_proxy->holding(), 30000);
        auto b = erin->media().sendFiles(conv, outgoing({second}));
        QVERIFY(b.ok());
        const QString secondId = b->first();
        MEDIA_WAIT_COMPARE(erin->transfers.value(secondId).transfer, Transfer::Failed, 30000);
        QCOMPARE(erin->transfers.value(secondId).transferError,
                 QStringLiteral("Your storage on the server is full."));
        QVERIFY(m_proxy->statuses.contains(507));
        QCOMPARE(erin->transfers.value(firstId).transfer, Transfer::Running);
        // The refused upload left nothing on the server; the held one is still there.
        QCOMPARE(m_fx.sql(QStringLiteral("SELECT count(*) FROM media_uploads u JOIN users s ON "
                                         "s.id = u.user_id WHERE s.username = '%1'")
                              .arg(username(*erin))),
                 QStringLiteral("1"));
        m_proxy->release();
        MEDIA_WAIT(erin->uploaded.contains(firstId), 60000);
        MEDIA_WAIT(frank->received(firstId), 30000);
        QVERIFY(!frank->received(secondId) && !frank->received(hugeId));
        const quint64 seq = frank->received(firstId)->seq;
        frank->media().download(conv, seq);
        MEDIA_WAIT(frank->wasDownloaded(seq), 60000);
        QCOMPARE(sha256OfFile(frank->attachmentAt(conv, seq)->record.localPath),
                 sha256OfFile(first));
        // The failed one stays failed (retry is the user's choice), and says why.
        QCOMPARE(erin->mine(secondId)->record.transfer, Transfer::Failed);
    }

    void theServerHoldsNoPlaintextAndNoFileName() {
        // Every file of the tests above carries the marker, and their names were known to the
        // clients only. The search works: the senders' and receivers' copies hold the marker.
        QVERIFY(!filesContaining(m_tmp.path(), kMarker).isEmpty());
        const QString dataDir = m_fx.server().dataDir();
        QVERIFY(!namesContaining(dataDir + QStringLiteral("/media/blobs"), QString()).isEmpty());
        QCOMPARE(filesContaining(dataDir, kMarker), QStringList{});
        const QByteArray dump = pgDump(m_fx.conninfo());
        QVERIFY(dump.contains("media_blobs"));
        QVERIFY(!dump.contains(kMarker));
        const QStringList secrets{
            QStringLiteral("holiday-at-the-lake"), QStringLiteral("quarterly-report"),
            QStringLiteral("packing-list"),        QStringLiteral("film.mkv"),
            QStringLiteral("summit.jpg"),          QStringLiteral("two things"),
            QStringLiteral("for everyone"),        QStringLiteral("application/pdf"),
            QStringLiteral("image/jpeg")};
        for (const QString &s : secrets) {
            QCOMPARE(namesContaining(dataDir, s), QStringList{});
            QCOMPARE(filesContaining(dataDir, s.toUtf8()), QStringList{});
            QVERIFY2(!dump.contains(s.toUtf8()), qPrintable(s));
        }
    }
};

QTEST_MAIN(TestMediaClient)
#include "test_media_client.moc"
