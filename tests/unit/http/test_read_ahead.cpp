// ReadAhead: a response body read on a thread pool. A range of a file arrives whole and in
// order; reading stops `depth` blocks ahead of the consumer; a file that shrank after it was
// opened (or a device that fails) is a typed error after the bytes read before it; destroying
// the read-ahead while a read is blocked deletes the device once that read returns. Blocking
// devices wait at a gate, so every wait is for an event, never for time.
#include "http/read_ahead.h"

#include <QBuffer>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>

using namespace tidings::http;

namespace {

QByteArray randomBytes(qsizetype n, quint32 seed) {
    QByteArray b(n, Qt::Uninitialized);
    QRandomGenerator(seed).fillRange(reinterpret_cast<quint32 *>(b.data()), n / 4);
    return b;
}

struct Gate {
    std::mutex mutex;
    std::condition_variable changed;
    bool open = true;
    std::atomic<int> reads{0};
    std::atomic<int> waiting{0};
    std::atomic<bool> deleted{false};

    void pass() {
        std::unique_lock lock(mutex);
        ++waiting;
        changed.wait(lock, [this] { return open; });
        --waiting;
    }
    void setOpen(bool o) {
        std::lock_guard lock(mutex);
        open = o;
        changed.notify_all();
    }
};

//! Endless bytes ('x'), or a read error from `failAt` on; every read passes the gate.
class GatedDevice : public QIODevice {
public:
    GatedDevice(std::shared_ptr<Gate> gate, qint64 failAt = -1)
        : m_gate(std::move(gate))
        , m_failAt(failAt) {
        open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    }
    ~GatedDevice() override { m_gate->deleted = true; }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char *data, qint64 max) override {
        ++m_gate->reads;
        m_gate->pass();
        if (m_failAt >= 0 && m_pos >= m_failAt) {
            setErrorString(QStringLiteral("injected read error"));
            return -1;
        }
        const qint64 n = m_failAt >= 0 ? qMin(max, m_failAt - m_pos) : max;
        std::memset(data, 'x', size_t(n));
        m_pos += n;
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    std::shared_ptr<Gate> m_gate;
    qint64 m_failAt;
    qint64 m_pos = 0;
};

//! Takes everything from `r` (waiting for its ready callback), until an error or the end.
struct Drain {
    QByteArray data;
    std::optional<ReadError> error;
    int blocks = 0;
    qint64 largestBlock = 0;
};

Drain drain(ReadAhead &r, int &readyCalls) {
    Drain d;
    for (;;) {
        const int calls = readyCalls;
        ReadAhead::Next next = r.take();
        if (auto *block = std::get_if<QByteArray>(&next)) {
            d.data += *block;
            ++d.blocks;
            d.largestBlock = qMax(d.largestBlock, block->size());
            continue;
        }
        if (auto *error = std::get_if<ReadError>(&next)) {
            d.error = *error;
            return d;
        }
        if (r.remaining() == 0)
            return d;
        if (!QTest::qWaitFor([&] { return readyCalls > calls; }, 20000))
            return d; // no wake-up: the caller's checks fail
    }
}

} // namespace

class TestReadAhead : public QObject {
    Q_OBJECT
private:
    QThreadPool m_pool;

private slots:
    void initTestCase() { m_pool.setMaxThreadCount(2); }

    void aRangeArrivesWholeInOrderInBoundedBlocks() {
        QTemporaryDir dir;
        const QByteArray content = randomBytes(3 * 1024 * 1024 + 4, 7);
        const QString path = dir.filePath(QStringLiteral("blob"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QCOMPARE(f.write(content), content.size());
        }
        auto file = std::make_unique<QFile>(path);
        QVERIFY(file->open(QIODevice::ReadOnly));
        const qint64 first = 1000, length = 2 * 1024 * 1024 + 12345;
        QVERIFY(file->seek(first));
        int ready = 0;
        ReadAhead r(std::move(file), quint64(length), &m_pool, [&] { ++ready; }, {256 * 1024, 2});
        const Drain d = drain(r, ready);
        QVERIFY(!d.error);
        QCOMPARE(d.data.size(), length);
        QVERIFY(d.data == content.mid(first, length));
        QCOMPARE(d.largestBlock, 256 * 1024);
        QCOMPARE(r.remaining(), 0u);
        // The end: nothing more, and no read past it.
        QVERIFY(std::holds_alternative<std::monostate>(r.take()));
    }

    void theFileToItsEnd() {
        const QByteArray content = randomBytes(100'000, 8);
        auto buffer = std::make_unique<QBuffer>();
        buffer->setData(content);
        QVERIFY(buffer->open(QIODevice::ReadOnly));
        int ready = 0;
        ReadAhead r(std::move(buffer), quint64(content.size()), &m_pool, [&] { ++ready; },
                    {32 * 1024, 1});
        const Drain d = drain(r, ready);
        QVERIFY(!d.error);
        QVERIFY(d.data == content);
        QCOMPARE(d.blocks, 4); // 3 × 32 KiB + the rest
    }

    void readingStopsDepthBlocksAhead() {
        auto gate = std::make_shared<Gate>();
        int ready = 0;
        {
            ReadAhead r(std::make_unique<GatedDevice>(gate), 100 * 1024 * 1024, &m_pool,
                        [&] { ++ready; }, {64 * 1024, 2});
            m_pool.waitForDone();
            QCOMPARE(gate->reads.load(), 2); // two blocks ahead, then it waits for the consumer
            QVERIFY(std::holds_alternative<QByteArray>(r.take()));
            m_pool.waitForDone();
            QCOMPARE(gate->reads.load(), 3); // one taken, one more read
        }
        QVERIFY(gate->deleted);
    }

    void aFileThatShrankIsAShortReadAfterTheBytesBeforeIt() {
        QTemporaryDir dir;
        const QByteArray content = randomBytes(600'000, 9);
        const QString path = dir.filePath(QStringLiteral("blob"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QCOMPARE(f.write(content), content.size());
        }
        auto file = std::make_unique<QFile>(path);
        QVERIFY(file->open(QIODevice::ReadOnly | QIODevice::Unbuffered));
        // Truncated under the open file (a collection, a disk repaired behind our back).
        QVERIFY(QFile::resize(path, 300'000));
        int ready = 0;
        ReadAhead r(std::move(file), quint64(content.size()), &m_pool, [&] { ++ready; },
                    {128 * 1024, 2});
        const Drain d = drain(r, ready);
        QVERIFY(d.error);
        QCOMPARE(d.error->failure, ReadFailure::ShortRead);
        QVERIFY(d.data == content.first(300'000));
        // The error stays: the connection cuts the response.
        QVERIFY(std::holds_alternative<ReadError>(r.take()));
    }

    void aReadErrorIsTyped() {
        auto gate = std::make_shared<Gate>();
        int ready = 0;
        ReadAhead r(std::make_unique<GatedDevice>(gate, 100'000), 1'000'000, &m_pool,
                    [&] { ++ready; }, {64 * 1024, 2});
        const Drain d = drain(r, ready);
        QVERIFY(d.error);
        QCOMPARE(d.error->failure, ReadFailure::Io);
        QCOMPARE(d.error->detail, QStringLiteral("injected read error"));
        QCOMPARE(d.data.size(), 100'000);
    }

    void destroyedWhileAReadIsBlocked() {
        auto gate = std::make_shared<Gate>();
        gate->setOpen(false);
        int ready = 0;
        {
            ReadAhead r(std::make_unique<GatedDevice>(gate), 1'000'000, &m_pool, [&] { ++ready; },
                        {64 * 1024, 2});
            QVERIFY(std::holds_alternative<std::monostate>(r.take()));
            QTRY_COMPARE(gate->waiting.load(), 1);
        }
        QVERIFY(!gate->deleted); // the read in progress still uses it
        gate->setOpen(true);
        QTRY_VERIFY(gate->deleted);
        m_pool.waitForDone();
        QCOMPARE(gate->reads.load(), 1);
        QCoreApplication::processEvents();
        QCOMPARE(ready, 0); // nothing reaches a consumer that is gone
    }
};

QTEST_GUILESS_MAIN(TestReadAhead)
#include "test_read_ahead.moc"
