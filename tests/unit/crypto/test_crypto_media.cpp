// Media secretstream (shared/crypto/media_stream): round trips across chunk boundaries with
// Padmé padding; truncated blobs, reordered chunks, digest mismatch, wrong key and trailing data
// rejected; a 50 MB file streams through with bounded memory.
#include "test_helpers.h"

#include "crypto/media_stream.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryFile>
#include <QTest>

using namespace tidings;
using namespace tidings::crypto;
using namespace tidings::crypto::testing;

namespace {

constexpr qsizetype kCt = kMediaChunkSize + 17;
constexpr qsizetype kPrefix = 1 + 24;

QByteArray pattern(qsizetype n) {
    QByteArray b(n, Qt::Uninitialized);
    for (qsizetype i = 0; i < n; ++i)
        b[i] = char((i * 131 + 7) >> 3);
    return b;
}

struct Encrypted {
    QByteArray blob;
    MediaEncryption info;
};

Encrypted encryptBytes(const QByteArray &pt) {
    QBuffer in, out;
    in.setData(pt);
    in.open(QIODevice::ReadOnly);
    out.open(QIODevice::WriteOnly);
    auto r = encryptMedia(in, quint64(pt.size()), out);
    Q_ASSERT(r.ok());
    return {out.data(), std::move(*r)};
}

//! Decrypts; returns the plaintext or "ERR:<name>". `digest` empty = the blob's real digest.
QByteArray decryptBytes(const QByteArray &blob, const SecretBytes &key, quint64 ptSize,
                        QByteArray digest = {}) {
    if (digest.isEmpty())
        digest = QCryptographicHash::hash(blob, QCryptographicHash::Sha256);
    QBuffer in, out;
    in.setData(blob);
    in.open(QIODevice::ReadOnly);
    out.open(QIODevice::WriteOnly);
    Status s = decryptMedia(in, out, key, digest, ptSize);
    if (!s.ok())
        return QByteArray("ERR:") + cryptoErrorName(cryptoErrorOf(s.error()));
    return out.data();
}

//! Endless deterministic plaintext without holding it in memory.
class PatternDevice : public QIODevice {
public:
    explicit PatternDevice(qint64 size)
        : m_size(size) {
        open(QIODevice::ReadOnly);
    }
    bool isSequential() const override { return false; }
    qint64 size() const override { return m_size; }

protected:
    qint64 readData(char *data, qint64 max) override {
        const qint64 n = std::min(max, m_size - pos());
        for (qint64 i = 0; i < n; ++i)
            data[i] = char(((pos() + i) * 131 + 7) >> 3);
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    qint64 m_size;
};

//! Hashes what is written to it.
class HashSink : public QIODevice {
public:
    HashSink()
        : m_hash(QCryptographicHash::Sha256) {
        open(QIODevice::WriteOnly);
    }
    QByteArray result() const { return m_hash.result(); }
    qint64 total = 0;

protected:
    qint64 readData(char *, qint64) override { return -1; }
    qint64 writeData(const char *data, qint64 n) override {
        m_hash.addData(QByteArrayView(data, n));
        total += n;
        return n;
    }

private:
    QCryptographicHash m_hash;
};

qint64 peakRssKb() {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    return -1;
}

} // namespace

class TestCryptoMedia : public QObject {
    Q_OBJECT
private slots:
    void largeFileBoundedMemory(); // first, so the peak RSS baseline is small
    void roundTrips_data();
    void roundTrips();
    void paddingBuckets();
    void truncatedRejected();
    void reorderedChunksRejected();
    void digestMismatchRejected();
    void wrongKeyRejected();
    void trailingDataAndBadInputRejected();
};

void TestCryptoMedia::largeFileBoundedMemory() {
    const qint64 size = 50LL * 1024 * 1024 + 12345;
    const qint64 before = peakRssKb();
    QTemporaryFile blob;
    QVERIFY(blob.open());
    PatternDevice src(size);
    auto enc = encryptMedia(src, quint64(size), blob);
    QVERIFY(enc.ok());
    QVERIFY(blob.flush());
    QCOMPARE(quint64(blob.size()), enc->ciphertextSize);
    QVERIFY(enc->ciphertextSize >= quint64(size));
    HashSink sink;
    QVERIFY(decryptMedia(blob, sink, enc->key, enc->sha256, quint64(size)).ok());
    QCOMPARE(sink.total, size);
    PatternDevice again(size);
    QCryptographicHash h(QCryptographicHash::Sha256);
    QVERIFY(h.addData(&again));
    QCOMPARE(sink.result(), h.result());
    const qint64 growth = peakRssKb() - before;
    qInfo("50 MB media round trip: peak RSS grew by %lld KiB", growth);
    QVERIFY2(growth < 16 * 1024, qPrintable(QStringLiteral("grew %1 KiB").arg(growth)));
}

void TestCryptoMedia::roundTrips_data() {
    QTest::addColumn<int>("size");
    for (int s : {0, 1, 100, 65535, 65536, 65537, 3 * 65536, 200000})
        QTest::newRow(qPrintable(QString::number(s))) << s;
}

void TestCryptoMedia::roundTrips() {
    QFETCH(int, size);
    const QByteArray pt = pattern(size);
    Encrypted e = encryptBytes(pt);
    QCOMPARE(quint64(e.blob.size()), e.info.ciphertextSize);
    QCOMPARE(e.info.key.size(), std::size_t(32));
    QCOMPARE(e.info.sha256, QCryptographicHash::hash(e.blob, QCryptographicHash::Sha256));
    QCOMPARE(quint8(e.blob.at(0)), kMediaBlobVersion);
    QCOMPARE(decryptBytes(e.blob, e.info.key, quint64(size), e.info.sha256), pt);
    // Fresh key per file.
    QVERIFY(!encryptBytes(pt).info.key.equals(e.info.key));
}

void TestCryptoMedia::paddingBuckets() {
    for (quint64 n : {0ULL, 1ULL, 9ULL, 1000ULL, 123456ULL, 50ULL << 20, 1ULL << 33}) {
        const quint64 p = paddedMediaSize(n);
        QVERIFY(p >= n);
        QVERIFY(double(p) <= double(n) * 1.12 + 1);
    }
    // Files of nearby sizes land in the same bucket.
    QCOMPARE(paddedMediaSize(1000001), paddedMediaSize(1000100));
}

void TestCryptoMedia::truncatedRejected() {
    const QByteArray pt = pattern(3 * 65536 + 10);
    Encrypted e = encryptBytes(pt);
    // Cut at a chunk boundary: every remaining chunk authenticates, but TAG_FINAL is missing.
    const QByteArray cut = e.blob.left(kPrefix + 2 * kCt);
    QCOMPARE(decryptBytes(cut, e.info.key, quint64(pt.size())), QByteArray("ERR:Truncated"));
    QCOMPARE(decryptBytes(e.blob.left(kPrefix), e.info.key, quint64(pt.size())),
             QByteArray("ERR:Truncated"));
    // Cut mid-chunk.
    QCOMPARE(decryptBytes(e.blob.left(e.blob.size() - 5), e.info.key, quint64(pt.size())),
             QByteArray("ERR:DecryptFailed"));
    QCOMPARE(decryptBytes(e.blob.left(10), e.info.key, quint64(pt.size())),
             QByteArray("ERR:Truncated"));
}

void TestCryptoMedia::reorderedChunksRejected() {
    const QByteArray pt = pattern(4 * 65536);
    Encrypted e = encryptBytes(pt);
    QByteArray swapped = e.blob;
    const QByteArray c1 = e.blob.mid(kPrefix + kCt, kCt), c2 = e.blob.mid(kPrefix + 2 * kCt, kCt);
    swapped.replace(kPrefix + kCt, kCt, c2);
    swapped.replace(kPrefix + 2 * kCt, kCt, c1);
    QCOMPARE(decryptBytes(swapped, e.info.key, quint64(pt.size())),
             QByteArray("ERR:DecryptFailed"));
    // Dropping a middle chunk is also caught.
    QByteArray dropped = e.blob;
    dropped.remove(kPrefix + kCt, kCt);
    QCOMPARE(decryptBytes(dropped, e.info.key, quint64(pt.size())),
             QByteArray("ERR:DecryptFailed"));
}

void TestCryptoMedia::digestMismatchRejected() {
    const QByteArray pt = pattern(100000);
    Encrypted e = encryptBytes(pt);
    // Any altered byte fails the digest, checked before any output.
    QCOMPARE(decryptBytes(flipBit(e.blob, 8 * 500), e.info.key, quint64(pt.size()), e.info.sha256),
             QByteArray("ERR:DigestMismatch"));
    QCOMPARE(decryptBytes(e.blob, e.info.key, quint64(pt.size()), flipBit(e.info.sha256, 3)),
             QByteArray("ERR:DigestMismatch"));
    // And with the digest recomputed (a pointer forged too), the AEAD still catches it.
    QCOMPARE(decryptBytes(flipBit(e.blob, 8 * 500), e.info.key, quint64(pt.size())),
             QByteArray("ERR:DecryptFailed"));
}

void TestCryptoMedia::wrongKeyRejected() {
    const QByteArray pt = pattern(1000);
    Encrypted e = encryptBytes(pt);
    QCOMPARE(decryptBytes(e.blob, SecretBytes::random(32), quint64(pt.size())),
             QByteArray("ERR:DecryptFailed"));
    QCOMPARE(decryptBytes(e.blob, SecretBytes::random(16), quint64(pt.size())),
             QByteArray("ERR:BadKey"));
}

void TestCryptoMedia::trailingDataAndBadInputRejected() {
    const QByteArray pt = pattern(70000);
    Encrypted e = encryptBytes(pt);
    // Trailing bytes merge into the short final chunk and break its tag...
    QCOMPARE(decryptBytes(e.blob + QByteArray(17, 'x'), e.info.key, quint64(pt.size())),
             QByteArray("ERR:DecryptFailed"));
    // ...or, after a full-size final chunk, are caught as data after TAG_FINAL.
    const QByteArray full = pattern(2 * 65536);
    QCOMPARE(paddedMediaSize(quint64(full.size())), quint64(full.size()));
    Encrypted f = encryptBytes(full);
    QCOMPARE(decryptBytes(f.blob + QByteArray(17, 'x'), f.info.key, quint64(full.size())),
             QByteArray("ERR:Malformed"));
    QByteArray v2 = e.blob;
    v2[0] = 2;
    QCOMPARE(decryptBytes(v2, e.info.key, quint64(pt.size())),
             QByteArray("ERR:UnsupportedVersion"));
    // A declared pt_size that disagrees with the content.
    // pt_size is authenticated by the final chunk: even a size inside the padding fails.
    QCOMPARE(decryptBytes(e.blob, e.info.key, quint64(pt.size()) + 1),
             QByteArray("ERR:DecryptFailed"));
    QVERIFY(decryptBytes(e.blob, e.info.key, quint64(pt.size()) - 1).startsWith("ERR:"));
    // Input shorter than declared when encrypting.
    QBuffer in, out;
    in.setData(pattern(10));
    in.open(QIODevice::ReadOnly);
    out.open(QIODevice::WriteOnly);
    QVERIFY(!encryptMedia(in, 11, out).ok());
}

QTEST_GUILESS_MAIN(TestCryptoMedia)
#include "test_crypto_media.moc"
