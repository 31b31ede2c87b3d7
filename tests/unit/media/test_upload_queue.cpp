// UploadQueue: a chunk's pieces written on a thread pool. Pieces land in order and the commit
// reports the new offset; push() asks to stop beyond the bound while the disk is blocked and the
// resume callback comes once the writer caught up; a failed write (ENOSPC) is reported once,
// cuts the partial piece off, drops what was queued and frees the upload's lock; an abandoned
// queue (the client went away) writes what had come, commits nothing and reports nothing. The disk
// is blocked by a gate in the store's write seam, so every wait is for an event, never for time.
#include "media/blob_store.h"
#include "media/upload_queue.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>

#include <unistd.h>

using namespace tidings::media;

namespace {

constexpr qsizetype kPiece = 64 * 1024;

QByteArray piece(int n) {
    return QByteArray(kPiece, char('a' + n % 26));
}

//! The store's write seam: counts writes, blocks while closed, fails from a given write on.
struct Disk {
    std::mutex mutex;
    std::condition_variable changed;
    bool open = true;
    int entered = 0;             //!< writes started
    int failFrom = -1;           //!< writes with this index and later fail with ENOSPC
    std::atomic<int> blocked{0}; //!< writes waiting at the gate now

    ssize_t write(int fd, const void *data, size_t size) {
        std::unique_lock lock(mutex);
        const int index = entered++;
        changed.notify_all();
        ++blocked;
        changed.wait(lock, [this] { return open; });
        --blocked;
        if (failFrom >= 0 && index >= failFrom) {
            errno = ENOSPC;
            return -1;
        }
        lock.unlock();
        return ::write(fd, data, size);
    }
    void setOpen(bool o) {
        std::lock_guard lock(mutex);
        open = o;
        changed.notify_all();
    }
    int started() {
        std::lock_guard lock(mutex);
        return entered;
    }
};

} // namespace

class TestUploadQueue : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::shared_ptr<Disk> m_disk;
    std::unique_ptr<BlobStore> m_store;
    std::unique_ptr<QThreadPool> m_pool;

    UploadWriter writer(const UploadId &id, quint64 offset = 0) {
        auto w = m_store->beginAppend(id, offset);
        if (!w)
            qFatal("beginAppend failed");
        return std::move(*w);
    }
    QByteArray staged(const UploadId &id) {
        QFile f(m_store->uploadDir(id) + QStringLiteral("/data"));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

private slots:
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        m_disk = std::make_shared<Disk>();
        BlobStoreOptions options;
        options.write = [disk = m_disk](int fd, const void *data, size_t size) {
            return disk->write(fd, data, size);
        };
        m_store = std::make_unique<BlobStore>(m_dir->path(), std::move(options));
        QVERIFY(m_store->open());
        m_pool = std::make_unique<QThreadPool>();
        m_pool->setMaxThreadCount(2);
    }
    void cleanup() {
        m_disk->setOpen(true); // a failed test must not leave a job blocked
        m_pool.reset();
        m_store.reset();
    }

    void piecesLandInOrderAndTheCommitAnswersTheOffset() {
        auto id = m_store->createUpload(quint64(40 * kPiece));
        QVERIFY(id);
        QByteArray expected;
        {
            auto hold = std::make_shared<int>(0);
            std::weak_ptr<int> held = hold;
            // A small budget: the job yields its thread often, and order must survive that.
            UploadQueue q(writer(*id), m_pool.get(), std::move(hold), {1 << 30, 0, 3 * kPiece});
            for (int i = 0; i < 20; ++i) {
                QByteArray p = piece(i);
                p.truncate(kPiece - i); // distinct sizes: a swapped pair would show
                expected += p;
                QVERIFY(q.push(p));
            }
            std::optional<BlobResult<quint64>> done;
            q.close([&](BlobResult<quint64> r) { done.emplace(std::move(r)); });
            QTRY_VERIFY(done.has_value());
            QVERIFY(done->ok());
            QCOMPARE(**done, quint64(expected.size()));
            QVERIFY(held.expired()); // the hold (the user's slot) went before the answer
            // ... and so did the upload's lock: the next chunk can begin at once.
            QVERIFY(m_store->beginAppend(*id, quint64(expected.size())));
        }
        QCOMPARE(staged(*id), expected);
        QCOMPARE(m_store->upload(*id)->offset, quint64(expected.size()));
    }

    void pushAsksToStopBeyondTheBoundAndResumesWhenTheDiskCaughtUp() {
        auto id = m_store->createUpload(quint64(64 * kPiece));
        QVERIFY(id);
        const UploadQueue::Limits limits{4 * kPiece, kPiece, 1 << 30, 0};
        UploadQueue q(writer(*id), m_pool.get(), {}, limits);
        int resumed = 0;
        q.setResumeCallback([&] {
            ++resumed;
            QVERIFY(q.queuedBytes() <= limits.lowWater);
        });
        m_disk->setOpen(false);
        QVERIFY(q.push(piece(0)));
        QTRY_COMPARE(m_disk->blocked.load(), 1); // the first piece is at the disk, stuck
        int pushed = 1;
        while (q.push(piece(pushed)))
            ++pushed;
        ++pushed;
        // It says stop on the first push past the bound, not later: memory stays bounded.
        QCOMPARE(qint64(pushed) * kPiece, limits.highWater + kPiece);
        QCOMPARE(q.queuedBytes(), limits.highWater + kPiece);
        QCOMPARE(m_disk->started(), 1);
        QCOMPARE(resumed, 0);

        m_disk->setOpen(true);
        QTRY_COMPARE(resumed, 1);
        for (int i = 0; i < 3; ++i)
            QVERIFY(q.push(piece(pushed++)));
        std::optional<BlobResult<quint64>> done;
        q.close([&](BlobResult<quint64> r) { done.emplace(std::move(r)); });
        QTRY_VERIFY(done.has_value());
        QVERIFY(done->ok());
        QCOMPARE(**done, quint64(pushed) * kPiece);
        QCOMPARE(resumed, 1);
        QByteArray expected;
        for (int i = 0; i < pushed; ++i)
            expected += piece(i);
        QCOMPARE(staged(*id), expected);
    }

    void aFailedWriteIsReportedOnceAndCutsThePartialPieceOff() {
        auto id = m_store->createUpload(quint64(64 * kPiece));
        QVERIFY(id);
        const quint64 before = m_store->usage().stagingBytes;
        UploadQueue q(writer(*id), m_pool.get(), {}, {1 << 30, 0, 1 << 30});
        QList<BlobError> errors;
        q.setErrorCallback([&](const BlobError &e) { errors.append(e); });
        m_disk->failFrom = 3; // the fourth write fails: the disk is full
        m_disk->setOpen(false);
        for (int i = 0; i < 8; ++i)
            QVERIFY(q.push(piece(i)));
        m_disk->setOpen(true);
        QTRY_COMPARE(errors.size(), 1);
        QCOMPARE(errors[0].code, BlobErrorCode::NoSpace);
        QCOMPARE(q.queuedBytes(), 0); // the rest was dropped, not written
        QCOMPARE(m_disk->started(), 4);
        QVERIFY(q.push(piece(9))); // after a failure pieces are dropped
        // The upload's lock is free again (the client may retry at once), and its file ends on
        // the last whole piece.
        QVERIFY(m_store->beginAppend(*id, 3 * kPiece));
        QCOMPARE(staged(*id), piece(0) + piece(1) + piece(2));
        QCOMPARE(m_store->usage().stagingBytes, before + 3 * kPiece);
        // close() after the failure answers the same failure (and nothing is synced as good).
        std::optional<BlobResult<quint64>> done;
        q.close([&](BlobResult<quint64> r) { done.emplace(std::move(r)); });
        QTRY_VERIFY(done.has_value());
        QVERIFY(!done->ok());
        QCOMPARE(done->error().code, BlobErrorCode::NoSpace);
        QCOMPARE(errors.size(), 1);
    }

    void aFailureAfterCloseGoesToTheCloseCallbackOnly() {
        auto id = m_store->createUpload(quint64(8 * kPiece));
        QVERIFY(id);
        UploadQueue q(writer(*id), m_pool.get());
        int errors = 0;
        q.setErrorCallback([&](const BlobError &) { ++errors; });
        m_disk->failFrom = 1;
        m_disk->setOpen(false);
        QVERIFY(q.push(piece(0)));
        QVERIFY(q.push(piece(1)));
        std::optional<BlobResult<quint64>> done;
        q.close([&](BlobResult<quint64> r) { done.emplace(std::move(r)); });
        m_disk->setOpen(true);
        QTRY_VERIFY(done.has_value());
        QCOMPARE(done->error().code, BlobErrorCode::NoSpace);
        QCOMPARE(errors, 0);
        QCOMPARE(staged(*id), piece(0));
    }

    void anAbandonedQueueWritesWhatCameThenReleasesTheUploadUncommitted() {
        auto id = m_store->createUpload(quint64(64 * kPiece));
        QVERIFY(id);
        auto hold = std::make_shared<int>(0);
        std::weak_ptr<int> held = hold;
        int callbacks = 0;
        {
            UploadQueue q(writer(*id), m_pool.get(), std::move(hold), {2 * kPiece, 0, 1 << 30});
            q.setResumeCallback([&] { ++callbacks; });
            q.setErrorCallback([&](const BlobError &) { ++callbacks; });
            m_disk->setOpen(false);
            for (int i = 0; i < 6; ++i)
                (void)q.push(piece(i));
            QTRY_COMPARE(m_disk->blocked.load(), 1);
            q.close([&](BlobResult<quint64>) { ++callbacks; });
            q.abandon(); // the client went away while a piece is at the disk
            QVERIFY(q.push(piece(6)));
            QCOMPARE(q.queuedBytes(), 6 * kPiece); // the 7th was dropped
        }
        QVERIFY(!held.expired()); // still held by the job
        QCOMPARE(m_store->beginAppend(*id, 0).error().code, BlobErrorCode::Busy);
        m_disk->setOpen(true);
        QTRY_VERIFY(held.expired());
        m_pool->waitForDone();
        // What had come was written (a resume starts after it); nothing after the abandon.
        QCOMPARE(m_disk->started(), 6);
        QByteArray expected;
        for (int i = 0; i < 6; ++i)
            expected += piece(i);
        QCOMPARE(staged(*id), expected);
        QVERIFY(m_store->beginAppend(*id, 6 * kPiece));
        QCoreApplication::processEvents();
        QCOMPARE(callbacks, 0); // no resume, no commit answer: nobody listens

        // Less than a batch (no job started yet) is written too.
        {
            UploadQueue q(writer(*id, 6 * kPiece), m_pool.get());
            QVERIFY(q.push(piece(6)));
            QCOMPARE(m_disk->started(), 6);
        }
        QTRY_VERIFY(m_store->beginAppend(*id, 7 * kPiece));
        QCOMPARE(staged(*id), expected + piece(6));
    }
};

QTEST_GUILESS_MAIN(TestUploadQueue)
#include "test_upload_queue.moc"
