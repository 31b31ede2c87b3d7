// Streaming through the HTTP server: a large upload goes through a sink into a file and a large
// download comes out of a file while the process's RSS stays flat; a paused sink stops the
// socket (backpressure); Range requests give 206/416 with the right bytes. Sizes default to
// 200 MB; TIDINGS_HTTP_TEST_MB changes them (e.g. 1024 for the throughput figure).
#include "common/sanitizers.h"
#include "http/http_server.h"
#include "raw_client.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTimer>

using namespace tidings::http;

namespace {

qint64 testBytes() {
    const int mb = qEnvironmentVariableIntValue("TIDINGS_HTTP_TEST_MB");
    return qint64(mb > 0 ? mb : 200) * 1024 * 1024;
}

// ASan keeps freed blocks in a quarantine (256 MB by default): RSS says nothing there.
constexpr bool kRssMeaningful = !tidings::test::kUnderAsan;

// Generous on a loaded machine: two minutes, or a second per MiB for larger runs.
int waitMs(qint64 bytes) {
    return int(qMax<qint64>(120'000, (bytes >> 20) * 1000));
}

//! Deterministic content: block i is a fixed random MiB with i stamped into its first bytes.
class Pattern {
public:
    static constexpr qint64 kBlock = 1024 * 1024;
    Pattern() {
        m_block.resize(kBlock);
        QRandomGenerator rng(42);
        rng.fillRange(reinterpret_cast<quint32 *>(m_block.data()), kBlock / 4);
    }
    QByteArray block(qint64 i) const {
        QByteArray b = m_block;
        memcpy(b.data(), &i, sizeof i);
        return b;
    }

private:
    QByteArray m_block;
};

//! A position-weighted checksum over a byte stream: cheap enough (memory speed) that the
//! throughput figures measure the server, not the test's hashing, and still catches lost,
//! duplicated or reordered pieces. Stream-split independent.
class StreamSum {
public:
    void addData(QByteArrayView d) {
        for (char c : d) {
            m_a += quint8(c) + 1;
            m_b += m_a;
        }
    }
    QByteArray result() const {
        return QByteArray::number(m_a, 16) + ':' + QByteArray::number(m_b, 16);
    }

private:
    quint64 m_a = 0;
    quint64 m_b = 0;
};

class FileSink : public BodySink {
public:
    //! `self` is cleared when the sink goes away (the test keeps a pointer to look into it).
    FileSink(const QString &path, FileSink **self, int *pauseAfter = nullptr)
        : m_self(self)
        , m_file(path)
        , m_pauseAfter(pauseAfter) {
        (void)m_file.open(QIODevice::WriteOnly);
        *m_self = this;
    }
    ~FileSink() override {
        if (*m_self == this)
            *m_self = nullptr;
    }
    SinkStatus write(QByteArrayView piece) override {
        if (m_file.write(piece.data(), piece.size()) != piece.size())
            return SinkStatus::failed({507, "STORAGE", m_file.errorString()});
        m_hash.addData(piece);
        ++pieces;
        maxPiece = qMax(maxPiece, piece.size());
        if (m_pauseAfter && pieces == *m_pauseAfter)
            return SinkStatus::paused();
        return SinkStatus::proceed();
    }
    void finished(HttpExchange *ex) override {
        m_file.close();
        ex->respondJson(201,
                        {{"size", m_file.size()}, {"sum", QString::fromLatin1(m_hash.result())}});
    }
    qint64 pieces = 0;
    qsizetype maxPiece = 0;

private:
    FileSink **m_self;
    QFile m_file;
    StreamSum m_hash;
    int *m_pauseAfter;
};

} // namespace

class TestHttpStreaming : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::unique_ptr<HttpServer> m_server;
    FileSink *m_sink = nullptr;
    QPointer<HttpExchange> m_exchange;
    int m_pauseAfter = 0;
    Pattern m_pattern;

    QString path(const QString &name) const { return m_dir.filePath(name); }

private slots:
    void init() {
        m_server = std::make_unique<HttpServer>();
        QVERIFY(m_server->route("PUT", "/blob", quint64(4) << 30, [this](HttpExchange *ex) {
            auto sink = std::make_unique<FileSink>(path("upload.bin"), &m_sink,
                                                   m_pauseAfter > 0 ? &m_pauseAfter : nullptr);
            m_exchange = ex;
            ex->receiveBody(std::move(sink));
        }));
        QVERIFY(m_server->route("GET", "/file/{name}", 0, [this](HttpExchange *ex) {
            auto file = std::make_unique<QFile>(path(ex->param("name")));
            if (!file->open(QIODevice::ReadOnly)) {
                ex->respondError({404, "NOT_FOUND", "no such file"});
                return;
            }
            const quint64 size = quint64(file->size());
            ex->respondDevice(std::move(file), size, "application/octet-stream", {}, "\"v1\"");
        }));
        QVERIFY(m_server->listen());
    }
    void cleanup() {
        m_server.reset();
        m_pauseAfter = 0;
    }

    void largeUploadKeepsMemoryFlat() {
        const qint64 total = testBytes();
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        const qint64 before = residentBytes();
        qint64 peak = before;
        QTimer sampler;
        QObject::connect(&sampler, &QTimer::timeout, [&] { peak = qMax(peak, residentBytes()); });
        sampler.start(20);

        StreamSum sent;
        qint64 queued = 0;
        qint64 block = 0;
        auto feed = [&] {
            // Keep the client's own buffer small: only the server's memory is under test.
            while (queued < total && c.socket().bytesToWrite() < 2 * Pattern::kBlock) {
                const QByteArray b = m_pattern.block(block++).left(total - queued);
                sent.addData(b);
                c.send(b);
                queued += b.size();
            }
        };
        QObject::connect(&c.socket(), &QTcpSocket::bytesWritten, feed);
        QElapsedTimer t;
        t.start();
        c.send("PUT /blob HTTP/1.1\r\nHost: t\r\nContent-Length: " + QByteArray::number(total) +
               "\r\n\r\n");
        feed();
        const auto r = c.read(waitMs(total));
        const qint64 ms = qMax<qint64>(1, t.elapsed());
        QVERIFY(r);
        QCOMPARE(r->status, 201);
        const QJsonObject reply = QJsonDocument::fromJson(r->body).object();
        QCOMPARE(qint64(reply.value("size").toDouble()), total);
        QCOMPARE(reply.value("sum").toString().toLatin1(), sent.result());
        const qint64 growth = peak - before;
        qInfo("upload: %lld MiB in %lld ms = %.0f MiB/s, RSS growth %.1f MiB", total >> 20, ms,
              double(total >> 20) * 1000.0 / double(ms), double(growth) / (1 << 20));
        QVERIFY2(!kRssMeaningful || growth < 32 * 1024 * 1024, qPrintable(QString::number(growth)));
        QFile::remove(path("upload.bin"));
    }

    void pausedSinkStopsTheSocket() {
        m_pauseAfter = 1;
        RawClient c(m_server->serverPort());
        const qint64 total = 64 * 1024 * 1024;
        c.send("PUT /blob HTTP/1.1\r\nHost: t\r\nContent-Length: " + QByteArray::number(total) +
               "\r\n\r\n");
        qint64 queued = 0;
        for (qint64 b = 0; queued < total; ++b) {
            const QByteArray block = m_pattern.block(b);
            c.send(block);
            queued += block.size();
        }
        QTRY_VERIFY(m_sink && m_sink->pieces == 1);
        QTest::qWait(300);
        // Paused: no further piece, and the sender is held back by TCP (it cannot have handed
        // 64 MiB to the kernel), instead of the server buffering it.
        QCOMPARE(m_sink->pieces, 1);
        QVERIFY2(c.socket().bytesToWrite() > 16 * 1024 * 1024,
                 qPrintable(QString::number(c.socket().bytesToWrite())));
        m_pauseAfter = 0;
        m_exchange->resumeBody();
        const auto r = c.read(60'000);
        QVERIFY(r);
        QCOMPARE(r->status, 201);
        QCOMPARE(qint64(QJsonDocument::fromJson(r->body).object().value("size").toDouble()), total);
    }

    void largeDownloadKeepsMemoryFlat() {
        const qint64 total = testBytes();
        StreamSum written;
        {
            QFile f(path("big.bin"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            for (qint64 i = 0, done = 0; done < total; ++i) {
                const QByteArray b = m_pattern.block(i).left(total - done);
                written.addData(b);
                QCOMPARE(f.write(b), b.size());
                done += b.size();
            }
        }
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.socket().disconnect(); // read here, without RawClient's buffer
        const qint64 before = residentBytes();
        qint64 peak = before;
        StreamSum received;
        QByteArray head;
        qint64 bodyBytes = 0;
        QObject::connect(&c.socket(), &QTcpSocket::readyRead, [&] {
            QByteArray data = c.socket().readAll();
            if (!head.contains("\r\n\r\n")) {
                head += data;
                const qsizetype end = head.indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                data = head.mid(end + 4);
                head.truncate(end + 4);
            }
            received.addData(data);
            bodyBytes += data.size();
            peak = qMax(peak, residentBytes());
        });
        QElapsedTimer t;
        t.start();
        c.send("GET /file/big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(spinUntil([&] { return bodyBytes >= total; }, waitMs(total)));
        const qint64 ms = qMax<qint64>(1, t.elapsed());
        QVERIFY(head.startsWith("HTTP/1.1 200 OK\r\n"));
        QVERIFY(head.contains("content-length: " + QByteArray::number(total) + "\r\n"));
        QCOMPARE(bodyBytes, total);
        QCOMPARE(received.result(), written.result());
        const qint64 growth = peak - before;
        qInfo("download: %lld MiB in %lld ms = %.0f MiB/s, RSS growth %.1f MiB", total >> 20, ms,
              double(total >> 20) * 1000.0 / double(ms), double(growth) / (1 << 20));
        QVERIFY2(!kRssMeaningful || growth < 32 * 1024 * 1024, qPrintable(QString::number(growth)));
        QFile::remove(path("big.bin"));
    }

    void ranges_data() {
        QTest::addColumn<QByteArray>("range");
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("first");
        QTest::addColumn<int>("length");
        QTest::addColumn<QByteArray>("contentRange");
        QTest::newRow("whole") << QByteArray() << 200 << 0 << 1000 << QByteArray();
        QTest::newRow("first byte")
            << QByteArray("bytes=0-0") << 206 << 0 << 1 << "bytes 0-0/1000"_qba;
        QTest::newRow("last byte")
            << QByteArray("bytes=999-999") << 206 << 999 << 1 << "bytes 999-999/1000"_qba;
        QTest::newRow("middle") << QByteArray("bytes=100-299") << 206 << 100 << 200
                                << "bytes 100-299/1000"_qba;
        QTest::newRow("open end") << QByteArray("bytes=900-") << 206 << 900 << 100
                                  << "bytes 900-999/1000"_qba;
        QTest::newRow("suffix") << QByteArray("bytes=-10") << 206 << 990 << 10
                                << "bytes 990-999/1000"_qba;
        QTest::newRow("clamped") << QByteArray("bytes=950-5000") << 206 << 950 << 50
                                 << "bytes 950-999/1000"_qba;
        QTest::newRow("past the end")
            << QByteArray("bytes=1000-") << 416 << 0 << 0 << "bytes */1000"_qba;
        QTest::newRow("several: whole")
            << QByteArray("bytes=0-1,4-5") << 200 << 0 << 1000 << QByteArray();
    }
    void ranges() {
        QFETCH(QByteArray, range);
        QFETCH(int, status);
        QFETCH(int, first);
        QFETCH(int, length);
        QFETCH(QByteArray, contentRange);
        QByteArray content(1000, Qt::Uninitialized);
        for (int i = 0; i < 1000; ++i)
            content[i] = char(i * 7 + i / 256);
        QFile f(path("small.bin"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
        f.close();

        RawClient c(m_server->serverPort());
        c.send("GET /file/small.bin HTTP/1.1\r\nHost: t\r\n" +
               (range.isEmpty() ? QByteArray() : "Range: " + range + "\r\n") + "\r\n");
        auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, status);
        QCOMPARE(r->header("content-range"), contentRange);
        QCOMPARE(r->header("accept-ranges"), QByteArray("bytes"));
        if (status == 416) {
            QCOMPARE(QJsonDocument::fromJson(r->body).object().value("error").toString(),
                     QString("RANGE_NOT_SATISFIABLE"));
        } else {
            QCOMPARE(r->body, content.mid(first, length));
        }
        // The connection stays usable after a range answer, 416 included; HEAD gives the length.
        c.send("HEAD /file/small.bin HTTP/1.1\r\nHost: t\r\n" +
               (range.isEmpty() ? QByteArray() : "Range: " + range + "\r\n") + "\r\n");
        r = c.read(5000, true);
        QVERIFY(r);
        QCOMPARE(r->status, status);
        if (status != 416)
            QCOMPARE(r->header("content-length"), QByteArray::number(length));
        QVERIFY(c.buffer().isEmpty());
    }

    void ifRangeMismatchSendsEverything() {
        QFile f(path("small.bin"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(500, 'z'));
        f.close();
        RawClient c(m_server->serverPort());
        c.send("GET /file/small.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9\r\n"
               "If-Range: \"v0\"\r\n\r\n");
        auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->body.size(), 500);
        c.send("GET /file/small.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9\r\n"
               "If-Range: \"v1\"\r\n\r\n");
        r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 206);
        QCOMPARE(r->body.size(), 10);
    }
};

QTEST_GUILESS_MAIN(TestHttpStreaming)
#include "test_http_streaming.moc"
