// The HTTP server's protocol behaviour over loopback: keep-alive and pipelining, typed JSON
// errors, limits answered before any body byte, 100-continue, deadlines (slowloris, idle,
// stalled body), the connection limit, adopting a socket another listener accepted, and one
// malformed connection never disturbing another.
#include "http/http_server.h"
#include "raw_client.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTcpServer>
#include <QTimer>

using namespace tidings::http;
using namespace std::chrono_literals;

namespace {

QByteArray get(const QByteArray &path, const QByteArray &extra = {}) {
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

QJsonObject json(const RawResponse &r) {
    return QJsonDocument::fromJson(r.body).object();
}

//! Counts body bytes and answers with the count; records an abort.
class CountingSink : public BodySink {
public:
    explicit CountingSink(int *aborts = nullptr)
        : m_aborts(aborts) {}
    SinkStatus write(QByteArrayView piece) override {
        m_count += piece.size();
        return SinkStatus::proceed();
    }
    void finished(HttpExchange *ex) override { ex->respondJson(200, {{"received", m_count}}); }
    void aborted() override {
        if (m_aborts)
            ++*m_aborts;
    }

private:
    qint64 m_count = 0;
    int *m_aborts;
};

} // namespace

class TestHttpServer : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<HttpServer> m_server;
    int m_aborts = 0;
    int m_handlerCalls = 0;
    QList<QPointer<HttpExchange>> m_parked;

    void start(HttpLimits limits = {}) {
        m_aborts = 0;
        m_handlerCalls = 0;
        m_server = std::make_unique<HttpServer>(limits);
        QVERIFY(m_server->route("GET", "/hello/{name}", 0, [this](HttpExchange *ex) {
            ++m_handlerCalls;
            ex->respond(200, "hi " + ex->param("name").toUtf8(), "text/plain");
        }));
        QVERIFY(m_server->route("PUT", "/upload", 1 << 20, [this](HttpExchange *ex) {
            ++m_handlerCalls;
            if (ex->request().header("authorization") != "ok") {
                ex->respondError(
                    HttpError::fromCode(401, tidings::ErrorCode::NotAuthenticated, "no"));
                return;
            }
            ex->receiveBody(std::make_unique<CountingSink>(&m_aborts));
        }));
        QVERIFY(m_server->route("GET", "/later", 0, [this](HttpExchange *ex) {
            m_parked.append(ex); // answered by the test, or never
        }));
        QVERIFY(m_server->listen());
    }

private slots:
    void cleanup() {
        m_server.reset();
        m_parked.clear();
    }

    void keepAliveAndPipelining() {
        start();
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        c.send(get("/hello/a"));
        auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->body, QByteArray("hi a"));
        QCOMPARE(r->header("connection"), QByteArray("keep-alive"));
        // Three requests in one write: three answers, in order, on the same connection.
        c.send(get("/hello/b") + get("/hello/c%20d") + get("/hello/e"));
        for (const char *want : {"hi b", "hi c d", "hi e"}) {
            r = c.read();
            QVERIFY(r);
            QCOMPARE(r->body, QByteArray(want));
        }
        // HEAD on a GET route: headers only, same length.
        c.send("HEAD /hello/xyz HTTP/1.1\r\nHost: t\r\n\r\n");
        r = c.read(5000, true);
        QVERIFY(r);
        QCOMPARE(r->header("content-length"), QByteArray("6"));
        c.send(get("/hello/z", "Connection: close\r\n"));
        r = c.read();
        QVERIFY(r);
        QCOMPARE(r->header("connection"), QByteArray("close"));
        QVERIFY(c.waitClosed());
        QVERIFY(c.buffer().isEmpty());
    }

    void typedErrors() {
        start();
        RawClient c(m_server->serverPort());
        c.send(get("/nothing/here"));
        auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 404);
        QCOMPARE(r->header("content-type"), QByteArray("application/json"));
        QCOMPARE(json(*r).value("error").toString(), QString("NOT_FOUND"));
        c.send("DELETE /hello/x HTTP/1.1\r\nHost: t\r\n\r\n");
        r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 405);
        QCOMPARE(r->header("allow"), QByteArray("GET, HEAD"));
        c.send(get("/hello/x")); // still usable after 404/405 without a body
        r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
    }

    void malformedHeadsCloseTheConnection_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::newRow("line too long") << "GET /" + QByteArray(9000, 'a') << 414 << "TOO_LARGE";
        QByteArray many = "GET / HTTP/1.1\r\nHost: t\r\n";
        for (int i = 0; i < 70; ++i)
            many += "X-" + QByteArray::number(i) + ": v\r\n";
        QTest::newRow("too many headers") << many + "\r\n" << 431 << "TOO_LARGE";
        QTest::newRow("head too large")
            << "GET / HTTP/1.1\r\nHost: t\r\nX-A: " + QByteArray(20000, 'x') << 431 << "TOO_LARGE";
        QTest::newRow("bad content-length")
            << QByteArray("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 12x\r\n\r\n") << 400
            << "BAD_FRAME";
        QTest::newRow("chunked") << QByteArray("PUT /upload HTTP/1.1\r\nHost: t\r\n"
                                               "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                                 << 411 << "LENGTH_REQUIRED";
        QTest::newRow("garbage") << QByteArray("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1", 9) << 400
                                 << "BAD_FRAME";
    }
    void malformedHeadsCloseTheConnection() {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, code);
        start();
        RawClient c(m_server->serverPort());
        c.send(request);
        const auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, status);
        QCOMPARE(json(*r).value("error").toString(), code);
        QCOMPARE(r->header("connection"), QByteArray("close"));
        QVERIFY(c.waitClosed());
        QCOMPARE(m_handlerCalls, 0);
    }

    void bodyLimitBeforeAnyByte() {
        start();
        RawClient c(m_server->serverPort());
        // 10 GB declared on a 1 MiB route: refused at once, without waiting for a single byte,
        // and no 100 Continue goes out first.
        c.send("PUT /upload HTTP/1.1\r\nHost: t\r\nAuthorization: ok\r\n"
               "Content-Length: 10000000000\r\nExpect: 100-continue\r\n\r\n");
        const auto r = c.read(2000);
        QVERIFY(r);
        QCOMPARE(r->status, 413);
        QCOMPARE(json(*r).value("error").toString(), QString("TOO_LARGE"));
        QCOMPARE(m_handlerCalls, 0);
        QVERIFY(c.waitClosed());
    }

    void expectContinue() {
        start();
        RawClient c(m_server->serverPort());
        c.send("PUT /upload HTTP/1.1\r\nHost: t\r\nAuthorization: ok\r\nContent-Length: 5000\r\n"
               "Expect: 100-continue\r\n\r\n");
        auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 100);
        c.send(QByteArray(5000, 'x'));
        r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(json(*r).value("received").toInt(), 5000);
        QCOMPARE(r->header("connection"), QByteArray("keep-alive"));

        // Refused by the handler: the final answer instead of 100, then the connection closes.
        c.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n"
               "Expect: 100-continue\r\n\r\n");
        r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 401);
        QCOMPARE(json(*r).value("error").toString(), QString("NOT_AUTHENTICATED"));
        QVERIFY(c.waitClosed());
    }

    void slowlorisHitsTheHeadDeadline() {
        HttpLimits limits;
        limits.headerTimeout = 400ms;
        start(limits);
        RawClient c(m_server->serverPort());
        QVERIFY(c.waitConnected());
        QElapsedTimer t;
        t.start();
        // One header byte every 50 ms: each byte is progress, but the head deadline is absolute.
        const QByteArray req = get("/hello/slow", "X-Pad: " + QByteArray(100, 'p') + "\r\n");
        int i = 0;
        QTimer drip;
        QObject::connect(&drip, &QTimer::timeout, [&] {
            if (i < req.size() && !c.closed())
                c.send(req.mid(i++, 1));
        });
        drip.start(50);
        const auto r = c.read(5000);
        QVERIFY(r);
        QCOMPARE(r->status, 408);
        QCOMPARE(json(*r).value("error").toString(), QString("TIMEOUT"));
        QCOMPARE(r->header("connection"), QByteArray("close"));
        QVERIFY(c.waitClosed());
        QVERIFY2(t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(m_handlerCalls, 0);
    }

    void silentAndIdleConnectionsClose() {
        HttpLimits limits;
        limits.headerTimeout = 300ms;
        limits.idleTimeout = 300ms;
        start(limits);
        RawClient silent(m_server->serverPort());
        RawClient idle(m_server->serverPort());
        idle.send(get("/hello/x"));
        QVERIFY(idle.read());
        QVERIFY(silent.waitClosed(3000));
        QVERIFY(idle.waitClosed(3000));
        QVERIFY(silent.buffer().isEmpty()); // nothing to answer: closed without a response
        QTRY_COMPARE(m_server->connectionCount(), 0);
    }

    void stalledBodyIsAborted() {
        HttpLimits limits;
        limits.bodyIdleTimeout = 300ms;
        start(limits);
        RawClient c(m_server->serverPort());
        c.send(
            "PUT /upload HTTP/1.1\r\nHost: t\r\nAuthorization: ok\r\nContent-Length: 100\r\n\r\n" +
            QByteArray(10, 'x'));
        const auto r = c.read(5000);
        QVERIFY(r);
        QCOMPARE(r->status, 408);
        QVERIFY(c.waitClosed());
        QCOMPARE(m_aborts, 1); // the sink learnt that its body will never be complete
    }

    void connectionLimit() {
        HttpLimits limits;
        limits.maxConnections = 2;
        start(limits);
        RawClient a(m_server->serverPort()), b(m_server->serverPort());
        QVERIFY(a.waitConnected() && b.waitConnected());
        QTRY_COMPARE(m_server->connectionCount(), 2);
        RawClient c(m_server->serverPort());
        auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->status, 503);
        QVERIFY(c.waitClosed());
        a.send(get("/hello/a")); // the admitted ones are unaffected
        r = a.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
    }

    void adoptsAPeekedSocket() {
        start();
        // A front door that accepts, peeks at the request line and hands the socket over.
        QTcpServer door;
        QVERIFY(door.listen(QHostAddress::LocalHost));
        QByteArray peeked;
        QObject::connect(&door, &QTcpServer::newConnection, [&] {
            QTcpSocket *s = door.nextPendingConnection();
            QObject::connect(s, &QTcpSocket::readyRead, s, [&, s] {
                if (!peeked.isEmpty() || s->bytesAvailable() < 4)
                    return;
                peeked = s->peek(4);
                s->disconnect(); // the front door lets go of the socket
                m_server->handleConnection(s);
            });
        });
        RawClient c(door.serverPort());
        c.send(get("/hello/door"));
        const auto r = c.read();
        QVERIFY(r);
        QCOMPARE(peeked, QByteArray("GET "));
        QCOMPARE(r->body, QByteArray("hi door"));
    }

    void malformedConnectionDoesNotDisturbAnother() {
        start();
        RawClient good(m_server->serverPort());
        good.send(
            "PUT /upload HTTP/1.1\r\nHost: t\r\nAuthorization: ok\r\nContent-Length: 200000\r\n"
            "\r\n" +
            QByteArray(100000, 'a'));
        QTest::qWait(50);
        RawClient bad(m_server->serverPort());
        bad.send(QByteArray("GET /\x01\x02 HTTP/1.1\r\n\r\n") + QByteArray(5000, '\0'));
        const auto br = bad.read();
        QVERIFY(br);
        QCOMPARE(br->status, 400);
        QVERIFY(bad.waitClosed());
        good.send(QByteArray(100000, 'b'));
        const auto gr = good.read();
        QVERIFY(gr);
        QCOMPARE(gr->status, 200);
        QCOMPARE(json(*gr).value("received").toInt(), 200000);
        QCOMPARE(m_aborts, 0);
    }

    void asyncHandlerAndDisconnect() {
        start();
        RawClient c(m_server->serverPort());
        c.send(get("/later"));
        QTRY_COMPARE(m_parked.size(), 1);
        QPointer<HttpExchange> ex = m_parked.first();
        QVERIFY(ex);
        // Answered later (as after a database round trip).
        QTimer::singleShot(50, ex, [ex] { ex->respond(200, "late", "text/plain"); });
        auto r = c.read();
        QVERIFY(r);
        QCOMPARE(r->body, QByteArray("late"));

        c.send(get("/later"));
        QTRY_COMPARE(m_parked.size(), 2);
        ex = m_parked.last();
        bool aborted = false;
        QObject::connect(ex, &HttpExchange::aborted, [&] { aborted = true; });
        c.socket().abort();
        QTRY_VERIFY(aborted);
        QTRY_VERIFY(!ex); // the exchange is gone: a late answer cannot touch a dead socket
        QTRY_COMPARE(m_server->connectionCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestHttpServer)
#include "test_http_server.moc"
