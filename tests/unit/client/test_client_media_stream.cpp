// The upload streams while its blob is being encrypted (UploadRunner + BlobProgress): the first
// chunk reaches the server before the preparation finished, a chunk that catches up with the
// encryption waits for its bytes (never short data), cancel and a restart in the middle of it
// (the job starts over with a new key; the half upload is dropped, never finished), and
// BlobProgress's wake-ups. The encryption is held at a known point by a gate in the test hook
// Media::Options::blobWritten (no sleeps: the worker waits on a condition variable).
#include "media_fixture.h"

#include "core/media/blob_progress.h"
#include "crypto/media_stream.h"

#include <QDir>

#include <condition_variable>
#include <mutex>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

namespace {
constexpr int kWait = 20000;
constexpr qsizetype kFileSize = 1'000'000;
//! The encryption stops at the first write that reaches this many blob bytes: 25 + 4 × 65553
//! = 262,237 (a header, then 64 KiB plaintext chunks with their 17-byte tags), i.e. four whole
//! 64 KiB upload chunks and 93 bytes of the fifth.
constexpr quint64 kHoldAt = 200'000;

using Transfer = AttachmentRecord::Transfer;

//! Holds the preparing worker once the blob reaches kHoldAt bytes, until release(); after that
//! it never holds again (a second preparation runs freely).
struct Gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool released = false;
    std::atomic<quint64> heldAt{0};

    void onWritten(quint64 written) {
        std::unique_lock lock(mutex);
        if (released || written < kHoldAt)
            return;
        heldAt = written;
        cv.wait(lock, [this] { return released; });
    }
    void release() {
        std::lock_guard lock(mutex);
        released = true;
        cv.notify_all();
    }
};

//! A relay whose alice holds her encryption at the gate. The gate is released when the relay
//! goes (a held worker would keep the media pool from stopping).
struct GatedRelay {
    std::shared_ptr<Gate> gate = std::make_shared<Gate>();
    Relay r;
    GatedRelay() {
        r.alice().options.blobWritten = [g = gate](quint64 written) { g->onWritten(written); };
    }
    ~GatedRelay() { gate->release(); }
};

Transfer stateOf(const MediaDevice &d, const QString &id) {
    const auto a = d.attachmentsOf(id);
    return a.isEmpty() ? Transfer::None : a.first().record.transfer;
}

std::optional<TransferJob> uploadJob(const MediaDevice &d) {
    const auto jobs = d.store->transfers().jobs();
    if (!jobs)
        return std::nullopt;
    for (const TransferJob &j : *jobs) {
        if (j.upload)
            return j;
    }
    return std::nullopt;
}

int scratchFiles(const MediaDevice &d) {
    return int(QDir(d.media->directory() + u"/tmp"_qs).entryList(QDir::Files).size());
}

bool downloadMatches(Relay &r, quint64 seq, const QString &original) {
    QSignalSpy downloaded(r.bob().media.get(), &Media::downloaded);
    r.bob().media->download(kChat, seq);
    return downloaded.wait(kWait) &&
           sha256Of(downloaded.first().at(2).toString()) == sha256Of(original);
}
} // namespace

class TestClientMediaStream : public QObject {
    Q_OBJECT
private slots:
    void theFirstChunksGoWhileTheFileIsStillBeingEncrypted() {
        GatedRelay g;
        Relay &r = g.r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"big.bin"_qs, kFileSize, 21);
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        // Four whole chunks are on disk while the encryption is held: all four go, answered.
        QTRY_COMPARE_WITH_TIMEOUT(r.server.patches, 4, kWait);
        QCOMPARE(g.gate->heldAt.load(), quint64(262'237));
        QCOMPARE(r.server.creates, 1);
        const auto job = uploadJob(r.alice());
        QVERIFY(job);
        // Still preparing (a restart would start over), with the upload it streams into.
        QCOMPARE(job->stage, TransferJob::Stage::Prepare);
        QVERIFY(!job->uploadId.isEmpty());
        QCOMPARE(r.server.finishes, 0);

        g.gate->release();
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        QCOMPARE(r.server.creates, 1);
        QCOMPARE(r.server.finishes, 1);
        QCOMPARE(r.server.conflicts, 0);
        QCOMPARE(stateOf(r.alice(), ids->first()), Transfer::Done);
        QVERIFY(downloadMatches(r, 1, path));
    }

    void aChunkThatCatchesUpWithTheEncryptionWaitsForItsBytes() {
        GatedRelay g;
        Relay &r = g.r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"wait.bin"_qs, kFileSize, 22);
        // The progress alice reports after each answered chunk: the fifth chunk's turn comes
        // (at 4 × 64 KiB) while only 93 of its bytes are written.
        quint64 reported = 0;
        QObject::connect(r.alice().media.get(), &Media::transferChanged,
                         [&](quint64, const QString &, quint64, const AttachmentRecord &a) {
                             reported = std::max(reported, a.transferredBytes);
                         });
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        // (reported in plaintext bytes: the blob's share scaled to the file's size)
        const quint64 fourChunks =
            quint64(double(4 * 65536) / double(crypto::mediaBlobSize(kFileSize)) * kFileSize);
        QTRY_COMPARE_WITH_TIMEOUT(reported, fourChunks, kWait);
        QCOMPARE(r.server.patches, 4);
        g.gate->release();
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        // Every chunk but the last is whole: a chunk sent with the bytes that were there would
        // show up as a short PATCH in the middle (each is answered before the next goes).
        const quint64 blob = r.alice().attachmentsOf(ids->first()).first().pointer.ciphertextSize;
        QVERIFY(!r.server.patchLengths.isEmpty());
        for (qsizetype i = 0; i + 1 < r.server.patchLengths.size(); ++i)
            QCOMPARE(r.server.patchLengths.at(i), quint64(65536));
        QCOMPARE(r.server.patchLengths.last(), blob % 65536 ? blob % 65536 : 65536);
        QCOMPARE(r.server.patchBytes, blob);
        QCOMPARE(r.server.creates, 1);
        QVERIFY(downloadMatches(r, 1, path));
    }

    void cancelWhileStreamingDropsTheUploadAndRetrySendsIt() {
        GatedRelay g;
        Relay &r = g.r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"cancel.bin"_qs, kFileSize, 23);
        auto ids = r.alice().media->sendFiles(kChat, {outgoing(path)});
        QVERIFY(ids);
        QTRY_COMPARE_WITH_TIMEOUT(r.server.patches, 4, kWait);
        r.alice().media->cancel(ids->first());
        QCOMPARE(stateOf(r.alice(), ids->first()), Transfer::Cancelled);
        QTRY_COMPARE_WITH_TIMEOUT(r.server.deletes, 1, kWait);
        g.gate->release(); // the worker sees the cancel and stops
        // It leaves no blob and no profile copy; nothing was finished or sent.
        QTRY_COMPARE_WITH_TIMEOUT(scratchFiles(r.alice()), 0, kWait);
        QCOMPARE(r.alice().media->activeCount(), 0);
        QCOMPARE(r.server.finishes, 0);
        QVERIFY(r.sends.isEmpty());

        r.alice().media->retry(ids->first());
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        QCOMPARE(r.server.creates, 2);
        QCOMPARE(r.server.finishes, 1);
        QCOMPARE(stateOf(r.alice(), ids->first()), Transfer::Done);
        QVERIFY(downloadMatches(r, 1, path));
    }

    void aRestartWhileStreamingStartsOverAndDropsTheHalfUpload() {
        GatedRelay g;
        Relay &r = g.r;
        QVERIFY(r.open());
        QTemporaryDir files;
        const QString path = makeFile(files, u"restart.bin"_qs, kFileSize, 24);
        QVERIFY(r.alice().media->sendFiles(kChat, {outgoing(path)}));
        QTRY_COMPARE_WITH_TIMEOUT(r.server.patches, 4, kWait);
        const auto job = uploadJob(r.alice());
        QVERIFY(job);
        QCOMPARE(job->stage, TransferJob::Stage::Prepare);
        const auto halfUpload = UploadId::parse(job->uploadId);
        QVERIFY(halfUpload);
        QVERIFY(r.server.store().upload(*halfUpload).ok());

        // The app quits mid-encryption (the worker is let go so the pool can stop; it sees the
        // cancel, or finishes a result nobody takes: either way nothing was stored).
        g.gate->release();
        r.alice().stop();
        r.alice().start(&r, 0);
        QTRY_VERIFY_WITH_TIMEOUT(r.bob().message(1).seq == 1, kWait);
        QCOMPARE(r.server.creates, 2);
        QCOMPARE(r.server.finishes, 1);
        QTRY_COMPARE_WITH_TIMEOUT(r.server.deletes, 1, kWait);
        QVERIFY(!r.server.store().upload(*halfUpload).ok()); // dropped, never finished
        QVERIFY(downloadMatches(r, 1, path));
    }

    void blobProgressWakesOnceWhenTheBytesAreThereOrTheWriterEnds() {
        QObject context;
        BlobProgress p;
        int wakes = 0;
        p.advance(100);
        QVERIFY(p.reached(100, &context, [&] { ++wakes; }));
        QVERIFY(!p.reached(300, &context, [&] { ++wakes; }));
        p.advance(200); // not yet
        QCoreApplication::processEvents();
        QCOMPARE(wakes, 0);
        p.advance(300);
        p.advance(400); // disarmed by the first: no second wake
        QTRY_COMPARE(wakes, 1);
        QCoreApplication::processEvents();
        QCOMPARE(wakes, 1);
        // The writer ends (a failure) short of the target: the waiter looks again.
        QVERIFY(!p.reached(1000, &context, [&] { ++wakes; }));
        p.end();
        QTRY_COMPARE(wakes, 2);
        QVERIFY(p.reached(1000, &context, [&] { ++wakes; })); // ended: never waits
    }
};

QTEST_MAIN(TestClientMediaStream)
#include "test_client_media_stream.moc"
