// The Media module's sending side against the in-test media endpoints and relay: chunked
// uploads, a pending row at once and the message only after its upload, resume after a cut, a
// 409 after a lying HEAD, token renewal after a 401, a hash mismatch at finish, cancel and retry,
// a restart in the middle of an upload, refused inputs, a video's poster and an audio file's
// waveform probed before sending, and the outbox order around a held send.
#include "media_fixture.h"

#include <QElapsedTimer>
#include <QImage>
#include <QPainter>
#include <QProcess>
#include <QStandardPaths>

#include <algorithm>

#include "core/sync/payload_codec.h"

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

namespace {
constexpr int kWait = 20000;

using Transfer = AttachmentRecord::Transfer;

Transfer stateOf(const MediaDevice &d, const QString &id) {
    const auto a = d.attachmentsOf(id);
    return a.isEmpty() ? Transfer::None : a.first().record.transfer;
}
} // namespace

class TestClientMedia : public QObject {
    Q_OBJECT
private slots:
    void aFileGoesInChunksAndArrivesWhole() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"report 2024.pdf"_qs, 300'000);
        QSignalSpy changed(r.alice().media.get(), &Media::transferChanged);
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)}, u"the report"_qs);
        QVERIFY(ids);
        QCOMPARE(ids->size(), 1);
        // At once: a pending row with its caption and a queued attachment; nothing sent yet.
        auto history = r.alice().store->messages().history(kChat, 10);
        QVERIFY(history);
        QCOMPARE(history->size(), 1);
        QCOMPARE(history->first().text, u"the report"_qs);
        QCOMPARE(history->first().seq, quint64(0));
        QCOMPARE(history->first().attachments.size(), 1);
        QCOMPARE(history->first().attachments.first().fileName, u"report 2024.pdf"_qs);
        QVERIFY(!changed.isEmpty());
        QVERIFY(r.sends.isEmpty());

        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        const MessageRecord got = r.bob().message(1);
        QCOMPARE(got.text, u"the report"_qs);
        QCOMPARE(got.attachments.size(), 1);
        const AttachmentRecord &a = got.attachments.first();
        QCOMPARE(a.fileName, u"report 2024.pdf"_qs);
        QCOMPARE(a.size, quint64(300'000));
        QCOMPARE(a.mimeType, u"application/pdf"_qs); // random bytes: the name decides
        QCOMPARE(a.transfer, Transfer::None);        // files wait for a click
        QVERIFY(r.server.patches >= 5);              // 64 KiB chunks
        QCOMPARE(r.server.creates, 1);
        // The send names its blob for the server; the blob is the one the pointer names.
        QCOMPARE(r.sends.size(), 1);
        QCOMPARE(r.sends.first().attachment_blob_ids_size(), 1);
        QCOMPARE(QString::fromStdString(r.sends.first().attachment_blob_ids(0)), a.blobId);
        QVERIFY(r.server.hasBlob(a.blobId));
        // The sender's row is stored, its attachment done, its copy in the profile.
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(r.alice(), ids->first()), Transfer::Done, kWait);
        const auto mine = r.alice().attachmentsOf(ids->first());
        QVERIFY(mine.first().record.localPath.startsWith(r.alice().media->directory()));
        QCOMPARE(sha256Of(mine.first().record.localPath), sha256Of(path));
        QCOMPARE(r.alice().media->activeCount(), 0);

        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        r.bob().media->download(kChat, 1);
        QVERIFY(downloaded.wait(kWait));
        const QString local = downloaded.first().at(2).toString();
        QCOMPARE(sha256Of(local), sha256Of(path));
        QCOMPARE(QFileInfo(local).fileName(), u"report 2024.pdf"_qs);
        QCOMPARE(r.bob().message(1).attachments.first().transfer, Transfer::Done);
        QCOMPARE(r.bob().message(1).attachments.first().localPath, local);
    }

    void aPhotoCarriesItsPreviewAndDownloadsByItself() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        QImage image(640, 480, QImage::Format_RGB32);
        image.fill(Qt::darkCyan);
        QPainter(&image).fillRect(100, 100, 200, 100, Qt::yellow);
        const QString path = files.filePath(u"holiday.png"_qs);
        QVERIFY(image.save(path));
        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        QVERIFY(r.alice().media->sendFiles(kChat, {outgoing(path)}));
        QVERIFY(downloaded.wait(kWait));
        const AttachmentRecord a = r.bob().message(1).attachments.first();
        QCOMPARE(a.kind, AttachmentRecord::Kind::Image);
        QCOMPARE(a.width, 640);
        QCOMPARE(a.height, 480);
        QVERIFY(!a.thumbnail.isEmpty());
        QVERIFY(a.thumbnail.size() <= client::kMaxAttachmentThumbnailBytes);
        QVERIFY(a.fileName.endsWith(u".jpg"_qs) || a.fileName.endsWith(u".png"_qs));
        QCOMPARE(QImage(downloaded.first().at(2).toString()).size(), QSize(640, 480));
    }

    void aVideoCarriesItsPosterAndAnAudioFileItsWaveform() {
        const QString ffmpeg = QStandardPaths::findExecutable(u"ffmpeg"_qs);
        if (ffmpeg.isEmpty())
            QSKIP("ffmpeg is not installed: no test video can be made");
        QTemporaryDir files;
        const QString video = files.filePath(u"boat.mp4"_qs);
        const QString audio = files.filePath(u"song.ogg"_qs);
        QProcess p;
        p.start(ffmpeg, {u"-loglevel"_qs, u"error"_qs, u"-y"_qs, u"-f"_qs, u"lavfi"_qs, u"-i"_qs,
                         u"testsrc=size=320x180:rate=15:duration=2"_qs, u"-pix_fmt"_qs,
                         u"yuv420p"_qs, video});
        QVERIFY(p.waitForFinished(60000) && p.exitCode() == 0);
        p.start(ffmpeg, {u"-loglevel"_qs, u"error"_qs, u"-y"_qs, u"-f"_qs, u"lavfi"_qs, u"-i"_qs,
                         u"sine=frequency=440:duration=3"_qs, u"-c:a"_qs, u"libopus"_qs, audio});
        QVERIFY(p.waitForFinished(60000) && p.exitCode() == 0);
        Relay r;
        QVERIFY(r.open());
        QVERIFY(r.alice().media->sendFiles(kChat, {outgoing(video), outgoing(audio)}));
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(2).seq == 2, kWait);
        // The receiver sees the poster, size and duration before downloading anything. (The
        // two uploads race: either may be sent first.)
        const bool videoFirst =
            r.bob().message(1).attachments.first().kind == AttachmentRecord::Kind::Video;
        const AttachmentRecord v = r.bob().message(videoFirst ? 1 : 2).attachments.first();
        QCOMPARE(v.kind, AttachmentRecord::Kind::Video);
        QCOMPARE(QSize(v.width, v.height), QSize(320, 180));
        QVERIFY2(qAbs(v.durationMs - 2000) < 200, qPrintable(QString::number(v.durationMs)));
        QVERIFY(!v.thumbnail.isEmpty());
        QVERIFY(!QImage::fromData(v.thumbnail).isNull());
        const AttachmentRecord a = r.bob().message(videoFirst ? 2 : 1).attachments.first();
        QCOMPARE(a.kind, AttachmentRecord::Kind::Audio);
        QVERIFY2(qAbs(a.durationMs - 3000) < 200, qPrintable(QString::number(a.durationMs)));
        QCOMPARE(a.waveform.size(), 64);
        QVERIFY(quint8(*std::max_element(a.waveform.cbegin(), a.waveform.cend())) >
                16); // ffmpeg: 1/8 of full scale
    }

    void anUploadCutInTheMiddleResumesFromTheServersOffset() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const qsizetype size = 1'000'000;
        const QString path = makeFile(files, u"big.bin"_qs, size, 7);
        r.server.cutUploadAt = size / 2;
        r.server.headLiesBy = r.server.chunk; // the resume first hits a 409
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        QCOMPARE(r.server.creates, 1);
        QVERIFY(r.server.heads >= 1);
        QVERIFY(r.server.conflicts >= 1);
        // Resumed, not restarted: well under twice the blob went over the wire.
        QVERIFY2(r.server.patchBytes < quint64(size) * 13 / 10,
                 qPrintable(QString::number(r.server.patchBytes)));
        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        r.bob().media->download(kChat, 1);
        QVERIFY(downloaded.wait(kWait));
        QCOMPARE(sha256Of(downloaded.first().at(2).toString()), sha256Of(path));
    }

    void aConflictThatNeverMovesOnBacksOffThenFails() {
        // A broken server answers every chunk with 409 naming the offset the client just sent:
        // the client waits between tries and gives up with a typed error instead of spinning.
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"stuck.bin"_qs, 200'000, 9);
        r.server.stuckConflicts = 1'000'000;
        QElapsedTimer clock;
        clock.start();
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(r.alice(), ids->first()), Transfer::Failed, kWait);
        QVERIFY2(r.server.conflicts <= 8, qPrintable(QString::number(r.server.conflicts)));
        QVERIFY(r.server.conflicts >= 3);
        QVERIFY(r.sends.isEmpty());
        // It waited between the tries (the fixture's backoff starts at 20 ms).
        QVERIFY(clock.elapsed() >= 20);
        // A server that recovers: retry() uploads it.
        r.server.stuckConflicts = 0;
        r.alice().media->retry(ids->first());
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
    }

    void anExpiredTokenIsRenewedAndTheUploadGoesOn() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"a.bin"_qs, 400'000, 3);
        r.server.patchDelayMs = 30;
        QVERIFY(r.alice().media->sendFiles(kChat, {outgoing(path)}));
        QTRY_VERIFY_WITH_TIMEOUT(r.server.patches >= 2, kWait);
        r.server.expireTokens();
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        QVERIFY(r.server.refused401 >= 1);
        QVERIFY(r.tokenRequests >= 2);
        QCOMPARE(r.server.creates, 1);
    }

    void aHashMismatchAtFinishUploadsAgain() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"a.bin"_qs, 200'000, 4);
        r.server.corruptNextFinish = true;
        QVERIFY(r.alice().media->sendFiles(kChat, {outgoing(path)}));
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        QCOMPARE(r.server.creates, 2);
        QCOMPARE(r.server.finishes, 2);
        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        r.bob().media->download(kChat, 1);
        QVERIFY(downloaded.wait(kWait));
        QCOMPARE(sha256Of(downloaded.first().at(2).toString()), sha256Of(path));
    }

    void cancelStopsTheUploadAndRetryFinishesIt() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"slow.bin"_qs, 1'000'000, 5);
        r.server.patchDelayMs = 50;
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        QTRY_VERIFY_WITH_TIMEOUT(r.server.patches >= 2, kWait);
        r.alice().media->cancel(ids->first());
        QCOMPARE(stateOf(r.alice(), ids->first()), Transfer::Cancelled);
        QTRY_COMPARE_WITH_TIMEOUT(r.server.deletes, 1, kWait);
        QTest::qWait(300);
        QVERIFY(r.sends.isEmpty()); // nothing of a cancelled upload is sent
        QCOMPARE(r.alice().media->activeCount(), 0);

        r.server.patchDelayMs = 0;
        r.alice().media->retry(ids->first());
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        QCOMPARE(r.server.creates, 2);
        QCOMPARE(stateOf(r.alice(), ids->first()), Transfer::Done);
    }

    void aRestartInTheMiddleOfAnUploadResumesIt() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const qsizetype size = 1'000'000;
        const QString path = makeFile(files, u"resume.bin"_qs, size, 6);
        r.server.patchDelayMs = 20;
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        QTRY_VERIFY_WITH_TIMEOUT(r.server.patches >= 6, kWait);
        r.alice().stop(); // the app quits mid-upload
        const quint64 before = r.server.patchBytes;
        QVERIFY(before < quint64(size));
        r.server.patchDelayMs = 0;
        r.alice().start(&r, 0); // and starts again
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        QCOMPARE(r.server.creates, 1);
        QVERIFY(r.server.heads >= 1);
        QVERIFY2(r.server.patchBytes < quint64(size) * 13 / 10,
                 qPrintable(QString::number(r.server.patchBytes)));
        QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
        r.bob().media->download(kChat, 1);
        QVERIFY(downloaded.wait(kWait));
        QCOMPARE(sha256Of(downloaded.first().at(2).toString()), sha256Of(path));
        // No scratch file is left once everything is done.
        QTRY_COMPARE_WITH_TIMEOUT(
            QDir(r.alice().media->directory() + u"/tmp"_qs).entryList(QDir::Files).size(), 0,
            kWait);
    }

    void unreadableAndEmptyFilesAreRefusedBeforeAnythingIsWritten() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString empty = files.filePath(u"empty"_qs);
        QFile f(empty);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        const QString good = makeFile(files, u"good.bin"_qs, 1000);
        auto a = r.alice().media->sendFiles(kChat, {outgoing(good), outgoing(empty)});
        QVERIFY(!a);
        QCOMPARE(a.error().code, ErrorCode::Usage);
        auto b = r.alice().media->sendFiles(kChat, {outgoing(files.filePath(u"nope"_qs))});
        QVERIFY(!b);
        auto c = r.alice().media->sendFiles(kChat, {});
        QVERIFY(!c);
        auto history = r.alice().store->messages().history(kChat, 10);
        QVERIFY(history);
        QVERIFY(history->isEmpty());
    }

    void aTextWrittenAfterAFileDoesNotWaitForItsUpload() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"later.bin"_qs, 600'000, 8);
        r.server.patchDelayMs = 30;
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        auto text = r.alice().sync->enqueueTexts(kChat, {u"meanwhile"_qs});
        QVERIFY(text);
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(2).seq == 2, kWait);
        QCOMPARE(r.bob().message(1).text, u"meanwhile"_qs);
        QCOMPARE(r.bob().message(2).attachments.size(), 1);
    }

    void severalFilesAreSeveralMessagesAndAtMostThreeRunAtOnce() {
        Relay r;
        QVERIFY(r.open());
        QTemporaryDir files;
        QList<OutgoingFile> list;
        for (int i = 0; i < 5; ++i)
            list.append(outgoing(makeFile(files, u"f%1.bin"_qs.arg(i), 150'000, 10 + i)));
        r.server.patchDelayMs = 10;
        int most = 0;
        QTimer probe;
        QObject::connect(&probe, &QTimer::timeout, [&] {
            const auto jobs = r.alice().store->transfers().jobs();
            int running = 0;
            if (jobs) {
                for (const TransferJob &j : *jobs) {
                    const auto a = r.alice().store->transfers().attachment(j.messageRowId, 0);
                    running += a && a->has_value() && (*a)->record.transfer == Transfer::Running;
                }
            }
            most = std::max(most, running);
        });
        probe.start(5);
        auto ids = r.alice().media->sendFiles(kChat, list, u"five"_qs);
        QVERIFY(ids);
        QCOMPARE(ids->size(), 5);
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(5).seq == 5, kWait);
        QVERIFY2(most <= 3, qPrintable(QString::number(most)));
        QVERIFY(most >= 2);
        int captions = 0;
        for (quint64 s = 1; s <= 5; ++s)
            captions += r.bob().message(s).text == u"five"_qs;
        QCOMPARE(captions, 1);
    }
};

QTEST_MAIN(TestClientMedia)
#include "test_client_media.moc"
