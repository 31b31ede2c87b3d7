// The on-disk blob store: upload lifecycle, offsets (wrong ones are typed conflicts carrying the
// current offset), hashes, resume after re-opening and after a SIGKILL, deduplication, cleanup
// of stale uploads, ids that could bend a path refused, and a full disk (a 1 MiB tmpfs when
// this runs as root, and an injected ENOSPC everywhere) leaving a consistent staging file.
#include "media/blob_store.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace tidings::media;

namespace {

QByteArray randomBytes(qsizetype n, quint32 seed) {
    QByteArray b(n, Qt::Uninitialized);
    QRandomGenerator rng(seed);
    for (qsizetype i = 0; i < n; ++i)
        b[i] = char(rng.generate() & 0xff);
    return b;
}

QByteArray sha256(const QByteArray &b) {
    return QCryptographicHash::hash(b, QCryptographicHash::Sha256);
}

QByteArray readAll(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void setAge(const QString &path, qint64 secondsAgo) {
    const qint64 t = QDateTime::currentSecsSinceEpoch() - secondsAgo;
    const timeval times[2] = {{time_t(t), 0}, {time_t(t), 0}};
    QVERIFY(::utimes(QFile::encodeName(path).constData(), times) == 0);
}

} // namespace

class TestBlobStore : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<BlobStore> m_store;
    QString m_mounted;

    void openStore(BlobStoreOptions options = {}) {
        m_store = std::make_unique<BlobStore>(m_dir->path(), std::move(options));
        QVERIFY(m_store->open());
    }

private slots:
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        openStore();
    }
    void cleanup() {
        m_store.reset();
        if (!m_mounted.isEmpty()) {
            ::umount2(QFile::encodeName(m_mounted).constData(), MNT_DETACH);
            m_mounted.clear();
        }
    }

    void lifecycle() {
        const QByteArray content = randomBytes(300'000, 1);
        auto id = m_store->createUpload(quint64(content.size()));
        QVERIFY(id);
        QVERIFY(QFileInfo(m_dir->path() + "/media/uploads/" + id->text() + "/data").isFile());
        QCOMPARE(m_store->usage().uploadCount, 1u);
        quint64 offset = 0;
        for (qsizetype at = 0; at < content.size(); at += 100'000) {
            auto next = m_store->append(*id, offset, QByteArrayView(content).sliced(at, 100'000));
            QVERIFY2(next, qPrintable(next ? QString() : next.error().detail));
            offset = *next;
            QCOMPARE(m_store->upload(*id)->offset, offset);
        }
        QCOMPARE(m_store->usage().stagingBytes, quint64(content.size()));
        auto blob = m_store->finish(*id, sha256(content));
        QVERIFY2(blob, qPrintable(blob ? QString() : blob.error().detail));
        QCOMPARE(blob->id.digest(), sha256(content));
        QCOMPARE(blob->size, quint64(content.size()));
        QVERIFY(!blob->deduplicated);
        const QString hex = blob->id.hex();
        QCOMPARE(m_store->blobPath(blob->id),
                 m_dir->path() + "/media/blobs/" + hex.left(2) + "/" + hex.mid(2, 2) + "/" + hex);
        QCOMPARE(readAll(m_store->blobPath(blob->id)), content);
        QCOMPARE(*m_store->blobSize(blob->id), quint64(content.size()));
        auto file = m_store->openBlob(blob->id);
        QVERIFY(file);
        QCOMPARE((*file)->readAll(), content);
        QCOMPARE(m_store->upload(*id).error().code, BlobErrorCode::NotFound);
        QVERIFY(!QFileInfo::exists(m_store->uploadDir(*id)));
        StoreUsage u = m_store->usage();
        QCOMPARE(u.blobBytes, quint64(content.size()));
        QCOMPARE(u.blobCount, 1u);
        QCOMPARE(u.stagingBytes, 0u);
        QCOMPARE(u.uploadCount, 0u);

        QVERIFY(m_store->removeBlob(blob->id));
        QCOMPARE(m_store->blobSize(blob->id).error().code, BlobErrorCode::NotFound);
        QCOMPARE(m_store->removeBlob(blob->id).error().code, BlobErrorCode::NotFound);
        QCOMPARE(m_store->usage().blobCount, 0u);
    }

    void offsetsAndSizes() {
        auto id = m_store->createUpload(100);
        QVERIFY(id);
        auto r = m_store->append(*id, 5, "abc");
        QCOMPARE(r.error().code, BlobErrorCode::OffsetMismatch);
        QCOMPARE(r.error().currentOffset, 0u);
        QCOMPARE(QString(blobErrorName(r.error().code)), QString("OFFSET_MISMATCH"));
        QCOMPARE(blobErrorHttpStatus(r.error().code), 409);
        QCOMPARE(*m_store->append(*id, 0, QByteArray(60, 'a')), 60u);
        r = m_store->append(*id, 0, "again"); // a retried chunk that already landed
        QCOMPARE(r.error().code, BlobErrorCode::OffsetMismatch);
        QCOMPARE(r.error().currentOffset, 60u);
        r = m_store->append(*id, 60, QByteArray(41, 'b')); // one byte past the declared size
        QCOMPARE(r.error().code, BlobErrorCode::TooLarge);
        QCOMPARE(m_store->upload(*id)->offset, 60u);
        auto f = m_store->finish(*id, sha256("x"));
        QCOMPARE(f.error().code, BlobErrorCode::Incomplete);
        QCOMPARE(f.error().currentOffset, 60u);
        QCOMPARE(m_store->finish(*id, "short").error().code, BlobErrorCode::InvalidId);

        QCOMPARE(m_store->createUpload(0).error().code, BlobErrorCode::TooLarge);
        QCOMPARE(m_store->createUpload(m_store->maxBlobSize() + 1).error().code,
                 BlobErrorCode::TooLarge);
        QVERIFY(m_store->createUpload(m_store->maxBlobSize()));
    }

    void wrongHashDropsTheUpload() {
        const QByteArray content = randomBytes(5000, 2);
        auto id = m_store->createUpload(5000);
        QVERIFY(id && m_store->append(*id, 0, content));
        const StoreUsage before = m_store->usage();
        auto f = m_store->finish(*id, sha256("something else"));
        QCOMPARE(f.error().code, BlobErrorCode::HashMismatch);
        QCOMPARE(blobErrorHttpStatus(f.error().code), 422);
        QCOMPARE(m_store->usage().blobCount, 0u);
        // Gone, so a repeated finish cannot make the server hash it again.
        QVERIFY(!QFileInfo::exists(m_store->uploadDir(*id)));
        QCOMPARE(m_store->upload(*id).error().code, BlobErrorCode::NotFound);
        QCOMPARE(m_store->finish(*id, sha256(content)).error().code, BlobErrorCode::NotFound);
        QCOMPARE(m_store->usage().uploadCount, before.uploadCount - 1);
        QCOMPARE(m_store->usage().stagingBytes, before.stagingBytes - 5000);
    }

    void finishUsesTheHashOfTheAppends() {
        // finish() checks the SHA-256 the appends computed as the bytes arrived, without
        // reading the file again: a staged file changed behind the store's back (after its
        // bytes were written and synced) still finishes under the hash of what was received.
        // A restarted store has no running hash and reads the file (resumeAfterReopening).
        const QByteArray content = randomBytes(300'000, 9);
        auto id = m_store->createUpload(300'000);
        QVERIFY(id && m_store->append(*id, 0, content.first(100'000)));
        QVERIFY(m_store->append(*id, 100'000, content.sliced(100'000)));
        QFile data(m_store->uploadDir(*id) + "/data");
        QVERIFY(data.open(QIODevice::ReadWrite));
        QVERIFY(data.seek(5) && data.write("X") == 1);
        data.close();
        QVERIFY(m_store->finish(*id, sha256(content)));
        // The same change in a store that was reopened is found.
        auto other = m_store->createUpload(300'000);
        QVERIFY(other && m_store->append(*other, 0, content));
        QFile again(m_store->uploadDir(*other) + "/data");
        QVERIFY(again.open(QIODevice::ReadWrite));
        QVERIFY(again.seek(5) && again.write("X") == 1);
        again.close();
        openStore();
        QCOMPARE(m_store->finish(*other, sha256(content)).error().code,
                 BlobErrorCode::HashMismatch);
    }

    void busyUploadsRefuseASecondWriter() {
        auto id = m_store->createUpload(10);
        QVERIFY(id);
        {
            auto w = m_store->beginAppend(*id, 0);
            QVERIFY(w);
            QCOMPARE(m_store->beginAppend(*id, 0).error().code, BlobErrorCode::Busy);
            QCOMPARE(m_store->cancel(*id).error().code, BlobErrorCode::Busy);
            QVERIFY(w->write("12345"));
            QCOMPARE(*w->commit(), 5u);
        }
        QVERIFY(m_store->beginAppend(*id, 5));
        QVERIFY(m_store->cancel(*id));
        QCOMPARE(m_store->upload(*id).error().code, BlobErrorCode::NotFound);
        QCOMPARE(m_store->usage().uploadCount, 0u);
    }

    void resumeAfterReopening() {
        const QByteArray content = randomBytes(200'000, 3);
        auto id = m_store->createUpload(200'000);
        QVERIFY(id && m_store->append(*id, 0, content.first(123'456)));
        openStore(); // a restarted server
        auto info = m_store->upload(*id);
        QVERIFY(info);
        QCOMPARE(info->offset, 123'456u);
        QCOMPARE(info->declaredSize, 200'000u);
        QCOMPARE(m_store->usage().stagingBytes, 123'456u);
        QVERIFY(m_store->append(*id, 123'456, content.sliced(123'456)));
        QVERIFY(m_store->finish(*id, sha256(content)));
    }

    void offsetSurvivesSigkill() {
        // A child appends 64 KiB pieces and reports every acknowledged offset through a pipe;
        // it is killed mid-upload. The store then shows at least the last acknowledged offset,
        // and the bytes up to it are the right ones.
        const QByteArray content = randomBytes(64 * 1024 * 400, 4);
        auto id = m_store->createUpload(quint64(content.size()));
        QVERIFY(id);
        int fds[2];
        QVERIFY(::pipe(fds) == 0);
        const pid_t child = ::fork();
        if (child == 0) {
            ::close(fds[0]);
            BlobStore store(m_dir->path());
            (void)store.open();
            quint64 offset = 0;
            for (qsizetype at = 0; at < content.size(); at += 64 * 1024) {
                auto r = store.append(*id, offset, QByteArrayView(content).sliced(at, 64 * 1024));
                if (!r)
                    ::_exit(2);
                offset = *r;
                if (::write(fds[1], &offset, sizeof offset) != sizeof offset)
                    ::_exit(3);
                ::usleep(2000);
            }
            ::_exit(0);
        }
        ::close(fds[1]);
        quint64 acknowledged = 0;
        for (int i = 0; i < 20; ++i)
            QCOMPARE(::read(fds[0], &acknowledged, sizeof acknowledged), ssize_t(8));
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        QVERIFY(WIFSIGNALED(status));
        quint64 later = 0;
        while (::read(fds[0], &later, sizeof later) == sizeof later)
            acknowledged = later;
        ::close(fds[0]);

        openStore();
        const quint64 offset = m_store->upload(*id)->offset;
        QVERIFY2(offset >= acknowledged,
                 qPrintable(QString("%1 < %2").arg(offset).arg(acknowledged)));
        QCOMPARE(offset % (64 * 1024), 0u);
        QCOMPARE(readAll(m_store->uploadDir(*id) + "/data"), content.first(qsizetype(offset)));
        QVERIFY(m_store->append(*id, offset, QByteArrayView(content).sliced(qsizetype(offset))));
        auto blob = m_store->finish(*id, sha256(content));
        QVERIFY(blob);
        QCOMPARE(readAll(m_store->blobPath(blob->id)), content);
    }

    void sameContentDeduplicates() {
        const QByteArray content = randomBytes(10'000, 5);
        QList<FinishedBlob> results;
        for (int i = 0; i < 2; ++i) {
            auto id = m_store->createUpload(10'000);
            QVERIFY(id && m_store->append(*id, 0, content));
            auto blob = m_store->finish(*id, sha256(content));
            QVERIFY(blob);
            results.append(*blob);
        }
        QVERIFY(!results[0].deduplicated);
        QVERIFY(results[1].deduplicated);
        QVERIFY(results[0].id == results[1].id);
        QCOMPARE(m_store->usage().blobCount, 1u);
        QCOMPARE(m_store->usage().blobBytes, 10'000u);
        QCOMPARE(m_store->usage().uploadCount, 0u);
    }

    void staleUploadsAreCleanedUp() {
        auto old1 = m_store->createUpload(10);
        auto old2 = m_store->createUpload(10);
        auto fresh = m_store->createUpload(10);
        QVERIFY(old1 && old2 && fresh);
        QVERIFY(m_store->append(*old2, 0, "abc"));
        for (const char *name : {"/data", "/meta"}) {
            setAge(m_store->uploadDir(*old1) + name, 30 * 3600);
            setAge(m_store->uploadDir(*old2) + name, 26 * 3600);
        }
        // Something that is not an upload is never touched.
        QVERIFY(QDir().mkpath(m_dir->path() + "/media/uploads/not-an-upload"));
        const auto stale = m_store->staleUploads(std::chrono::hours(24));
        QCOMPARE(stale.size(), 2);
        QVERIFY(stale[0].id == *old1); // oldest first
        QVERIFY(stale[1].id == *old2);
        QCOMPARE(stale[1].offset, 3u);
        QCOMPARE(m_store->removeStaleUploads(std::chrono::hours(24)), 2);
        QCOMPARE(m_store->upload(*old1).error().code, BlobErrorCode::NotFound);
        QVERIFY(m_store->upload(*fresh));
        QVERIFY(QFileInfo::exists(m_dir->path() + "/media/uploads/not-an-upload"));
        QCOMPARE(m_store->usage().uploadCount, 1u);
        QCOMPARE(m_store->usage().stagingBytes, 0u);
    }

    void idsCannotBendPaths_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("traversal") << "../../../../etc/passwd";
        QTest::newRow("22 with dots") << "..%2F..%2F..%2Fetc%2Fpa";
        QTest::newRow("22 with slash") << "AAAAAAAAAA/AAAAAAAAAAA";
        QTest::newRow("22 with dot") << "AAAAAAAAAAAAAAAAAAAAA.";
        QTest::newRow("padding") << "AAAAAAAAAAAAAAAAAAAA==";
        QTest::newRow("plus") << "AAAAAAAAAAAAAAAAAAAAA+";
        QTest::newRow("non-canonical tail") << "AAAAAAAAAAAAAAAAAAAAAB";
        QTest::newRow("empty") << "";
        QTest::newRow("unicode") << QString::fromUtf8("AAAAAAAAAAAAAAAAAAAAA\xc3\xa9");
    }
    void idsCannotBendPaths() {
        QFETCH(QString, text);
        QVERIFY(!UploadId::parse(text));
        QVERIFY(!BlobId::fromHex(text));
    }

    void idForms() {
        const UploadId a = UploadId::generate();
        QCOMPARE(a.text().size(), UploadId::kLength);
        QVERIFY(UploadId::parse(a.text()));
        QVERIFY(!(a == UploadId::generate()));
        const QString hex = QString::fromLatin1(sha256("x").toHex());
        QVERIFY(BlobId::fromHex(hex));
        QVERIFY(!BlobId::fromHex(hex.toUpper())); // one spelling per blob
        QVERIFY(!BlobId::fromHex(hex.left(63) + "g"));
        QVERIFY(!BlobId::fromHex("../" + hex.mid(3)));
        QVERIFY(!BlobId::fromDigest("short"));
    }

    void injectedNoSpaceLeavesAConsistentFile() {
        // The disk fills up after 100,000 more bytes; a short write, then ENOSPC.
        qint64 budget = 100'000;
        BlobStoreOptions options;
        options.write = [&budget](int fd, const void *d, size_t n) -> ssize_t {
            if (budget <= 0) {
                errno = ENOSPC;
                return -1;
            }
            const size_t allowed = std::min<size_t>(n, size_t(budget));
            const ssize_t w = ::write(fd, d, allowed);
            if (w > 0)
                budget -= w;
            return w;
        };
        openStore(options);
        const QByteArray content = randomBytes(150'000, 6);
        auto id = m_store->createUpload(150'000);
        QVERIFY(id);
        QCOMPARE(*m_store->append(*id, 0, content.first(60'000)), 60'000u);
        auto r = m_store->append(*id, 60'000, content.sliced(60'000, 60'000));
        QCOMPARE(r.error().code, BlobErrorCode::NoSpace);
        QCOMPARE(QString(blobErrorName(r.error().code)), QString("STORAGE_FULL"));
        QCOMPARE(blobErrorHttpStatus(r.error().code), 507);
        // The partial piece was cut off: the file ends where the last whole piece ended.
        QCOMPARE(m_store->upload(*id)->offset, 60'000u);
        QCOMPARE(readAll(m_store->uploadDir(*id) + "/data"), content.first(60'000));
        QCOMPARE(m_store->usage().stagingBytes, 60'000u);
        budget = 1 << 30; // space freed
        QVERIFY(m_store->append(*id, 60'000, content.sliced(60'000)));
        QVERIFY(m_store->finish(*id, sha256(content)));
    }

    void realFullDisk() {
        if (::geteuid() != 0)
            QSKIP("mounting a 1 MiB tmpfs needs root");
        const QString mnt = m_dir->path() + "/tiny";
        QVERIFY(QDir().mkpath(mnt));
        if (::mount("tmpfs", QFile::encodeName(mnt).constData(), "tmpfs", 0, "size=1m") != 0)
            QSKIP("tmpfs cannot be mounted here");
        m_mounted = mnt;
        BlobStore store(mnt);
        QVERIFY(store.open());
        const QByteArray content = randomBytes(2 * 1024 * 1024, 7);
        auto id = store.createUpload(quint64(content.size()));
        QVERIFY(id);
        quint64 offset = 0;
        BlobError failure;
        for (qsizetype at = 0; at < content.size(); at += 128 * 1024) {
            auto r = store.append(*id, offset, QByteArrayView(content).sliced(at, 128 * 1024));
            if (!r) {
                failure = r.error();
                break;
            }
            offset = *r;
        }
        QCOMPARE(failure.code, BlobErrorCode::NoSpace);
        QVERIFY(offset > 0 && offset < quint64(content.size()));
        QCOMPARE(store.upload(*id)->offset, offset);
        QCOMPARE(readAll(store.uploadDir(*id) + "/data"), content.first(qsizetype(offset)));
        QVERIFY(store.cancel(*id));
        QCOMPARE(store.usage().uploadCount, 0u);
    }

    void finishInBackground() {
        const QByteArray content = randomBytes(3 * 1024 * 1024, 8);
        auto id = m_store->createUpload(quint64(content.size()));
        QVERIFY(id && m_store->append(*id, 0, content));
        std::optional<BlobResult<FinishedBlob>> result;
        QObject context;
        m_store->finishInBackground(*id, sha256(content), &context,
                                    [&](BlobResult<FinishedBlob> r) { result = std::move(r); });
        QTRY_VERIFY(result.has_value());
        QVERIFY(result->ok());
        QCOMPARE((*result)->size, quint64(content.size()));
    }
};

QTEST_GUILESS_MAIN(TestBlobStore)
#include "test_blob_store.moc"
