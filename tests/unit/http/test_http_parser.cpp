// The request-head parser, the Range parser and the router, without sockets: every limit and
// every malformed form gives the expected status, and feeding a head byte by byte gives the same
// result as feeding it whole.
#include "http/http_range.h"
#include "http/http_router.h"
#include "http/request_parser.h"

#include <QTest>

using namespace tidings::http;

namespace {

struct Outcome {
    HeadScanner::State state = HeadScanner::State::NeedMore;
    std::optional<RequestHead> head;
    HttpError error;
    qsizetype consumed = 0;
};

// Feeds `bytes` in pieces of `step` (0: all at once) into a growing buffer, like a connection.
Outcome run(const QByteArray &bytes, const HttpLimits &limits = {}, int step = 0) {
    HeadScanner scanner(limits);
    QByteArray buffer;
    Outcome o;
    qsizetype pos = 0;
    while (pos < bytes.size()) {
        const qsizetype n = step <= 0 ? bytes.size() : qMin<qsizetype>(step, bytes.size() - pos);
        buffer += bytes.mid(pos, n);
        pos += n;
        o.state = scanner.scan(buffer);
        if (o.state == HeadScanner::State::Failed) {
            o.error = scanner.error();
            return o;
        }
        if (o.state == HeadScanner::State::Complete)
            break;
    }
    if (o.state != HeadScanner::State::Complete)
        return o;
    const qsizetype start = scanner.headStart();
    ParsedHead parsed =
        parseHead(QByteArrayView(buffer).sliced(start, scanner.headEnd() - start), limits);
    o.consumed = scanner.headEnd();
    o.head = parsed.head;
    o.error = parsed.error;
    return o;
}

int statusOf(const QByteArray &bytes, const HttpLimits &limits = {}) {
    const Outcome o = run(bytes, limits);
    if (o.state == HeadScanner::State::NeedMore)
        return 0;
    return o.head ? 200 : o.error.status;
}

} // namespace

class TestHttpParser : public QObject {
    Q_OBJECT
private slots:
    void simpleGet() {
        const Outcome o = run(
            "GET /media/v1/blobs/ab?x=1&y=%20 HTTP/1.1\r\nHost: h\r\nX-Thing:  v a l  \r\n\r\n");
        QVERIFY(o.head);
        QCOMPARE(o.head->method, QByteArray("GET"));
        QCOMPARE(o.head->path, QByteArray("/media/v1/blobs/ab"));
        QCOMPARE(o.head->query, QByteArray("x=1&y=%20"));
        QCOMPARE(o.head->header("x-thing"), QByteArray("v a l"));
        QCOMPARE(o.head->header("host"), QByteArray("h"));
        QVERIFY(o.head->header("absent").isNull());
        QVERIFY(o.head->keepAlive);
        QVERIFY(!o.head->hasContentLength);
    }

    void byteByByteEqualsWhole() {
        const QByteArray req = "\r\nPUT /u/1 HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n"
                               "Expect: 100-Continue\r\nConnection: close\r\n\r\nBODY";
        const Outcome whole = run(req);
        const Outcome bytewise = run(req, {}, 1);
        QVERIFY(whole.head && bytewise.head);
        QCOMPARE(bytewise.consumed, whole.consumed);
        QCOMPARE(req.mid(whole.consumed), QByteArray("BODY"));
        QCOMPARE(bytewise.head->contentLength, 12u);
        QVERIFY(bytewise.head->expectContinue);
        QVERIFY(!bytewise.head->keepAlive);
        QCOMPARE(bytewise.head->headers, whole.head->headers);
    }

    void incompleteNeedsMore() {
        QCOMPARE(statusOf("GET / HTTP/1.1\r\nHost: h\r\n"), 0);
        QCOMPARE(statusOf("GET / HTT"), 0);
    }

    void malformed_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        const QByteArray h = "Host: h\r\n";
        QTest::newRow("bare LF") << QByteArray("GET / HTTP/1.1\nHost: h\n\n") << 400;
        QTest::newRow("obs-fold") << "GET / HTTP/1.1\r\n" + h + " folded\r\n\r\n" << 400;
        QTest::newRow("space before colon") << "GET / HTTP/1.1\r\n" + h + "X-A : 1\r\n\r\n" << 400;
        QTest::newRow("no colon") << "GET / HTTP/1.1\r\n" + h + "Garbage\r\n\r\n" << 400;
        QTest::newRow("control char") << "GET / HTTP/1.1\r\n" + h + "X: a\x01z\r\n\r\n" << 400;
        QTest::newRow("NUL in value")
            << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", 35) << 400;
        QTest::newRow("CR in value") << "GET / HTTP/1.1\r\n" + h + "X: a\rb\r\n\r\n" << 400;
        QTest::newRow("two spaces") << "GET  / HTTP/1.1\r\n" + h + "\r\n" << 400;
        QTest::newRow("no version") << "GET /\r\n" + h + "\r\n" << 400;
        QTest::newRow("absolute form") << "GET http://x/ HTTP/1.1\r\n" + h + "\r\n" << 400;
        QTest::newRow("asterisk") << "OPTIONS * HTTP/1.1\r\n" + h + "\r\n" << 400;
        QTest::newRow("fragment") << "GET /a#b HTTP/1.1\r\n" + h + "\r\n" << 400;
        QTest::newRow("bad version") << "GET / HTTQ/1.1\r\n" + h + "\r\n" << 400;
        QTest::newRow("HTTP/2") << "GET / HTTP/2.0\r\n" + h + "\r\n" << 505;
        QTest::newRow("HTTP/1.0 no host") << QByteArray("GET / HTTP/1.0\r\n\r\n") << 200;
        QTest::newRow("HTTP/1.1 no host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("two hosts") << "GET / HTTP/1.1\r\n" + h + h + "\r\n" << 400;
        QTest::newRow("CL negative") << "PUT / HTTP/1.1\r\n" + h + "Content-Length: -1\r\n\r\n"
                                     << 400;
        QTest::newRow("CL plus") << "PUT / HTTP/1.1\r\n" + h + "Content-Length: +1\r\n\r\n" << 400;
        QTest::newRow("CL list") << "PUT / HTTP/1.1\r\n" + h + "Content-Length: 5, 5\r\n\r\n"
                                 << 400;
        QTest::newRow("CL fraction") << "PUT / HTTP/1.1\r\n" + h + "Content-Length: 1.5\r\n\r\n"
                                     << 400;
        QTest::newRow("CL empty") << "PUT / HTTP/1.1\r\n" + h + "Content-Length:\r\n\r\n" << 400;
        QTest::newRow("CL overflow")
            << "PUT / HTTP/1.1\r\n" + h + "Content-Length: 99999999999999999999\r\n\r\n"
            << 400;
        QTest::newRow("CL twice") << "PUT / HTTP/1.1\r\n" + h +
                                         "Content-Length: 1\r\nContent-Length: 1\r\n\r\n"
                                  << 400;
        QTest::newRow("chunked") << "PUT / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n"
                                 << 411;
        QTest::newRow("gzip") << "PUT / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip\r\n\r\n"
                              << 501;
        QTest::newRow("TE and CL")
            << "PUT / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
            << 400;
        QTest::newRow("expect other") << "PUT / HTTP/1.1\r\n" + h + "Expect: 200-ok\r\n\r\n" << 417;
        QTest::newRow("TLS hello")
            << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) << 400;
        QTest::newRow("lower method ok") << "get / HTTP/1.1\r\n" + h + "\r\n" << 200;
        QTest::newRow("too many empty lines")
            << "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n" + h + "\r\n"
            << 400;
    }
    void malformed() {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QCOMPARE(statusOf(request), status);
        // The same verdict when the bytes trickle in.
        const Outcome slow = run(request, {}, 1);
        QCOMPARE(slow.head ? 200 : slow.error.status, status);
    }

    void requestLineLimitWhileBuffering() {
        HttpLimits limits;
        limits.maxRequestLine = 100;
        // No newline yet: refused as soon as the line passes the limit, not at the end.
        const QByteArray line = "GET /" + QByteArray(200, 'a');
        const Outcome o = run(line, limits, 7);
        QCOMPARE(o.state, HeadScanner::State::Failed);
        QCOMPARE(o.error.status, 414);
        QCOMPARE(o.error.code, QByteArray("TOO_LARGE"));
        QCOMPARE(statusOf("GET /" + QByteArray(95, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", limits),
                 414);
        QCOMPARE(statusOf("GET /" + QByteArray(80, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", limits),
                 200);
    }

    void headSizeAndCountLimits() {
        HttpLimits limits;
        limits.maxHeaderBytes = 1024;
        limits.maxHeaders = 8;
        QByteArray big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + QByteArray(2000, 'b');
        const Outcome o = run(big, limits, 100); // still no end of line: refused while buffering
        QCOMPARE(o.state, HeadScanner::State::Failed);
        QCOMPARE(o.error.status, 431);
        QByteArray many = "GET / HTTP/1.1\r\nHost: h\r\n";
        for (int i = 0; i < 8; ++i)
            many += "X-" + QByteArray::number(i) + ": v\r\n";
        QCOMPARE(statusOf(many + "\r\n", limits), 431); // 9 fields
        many.chop(QByteArray("X-7: v\r\n").size());
        QCOMPARE(statusOf(many + "\r\n", limits), 200); // 8 fields
    }

    void connectionSemantics() {
        QVERIFY(run("GET / HTTP/1.1\r\nHost: h\r\n\r\n").head->keepAlive);
        QVERIFY(!run("GET / HTTP/1.1\r\nHost: h\r\nConnection: x, Close\r\n\r\n").head->keepAlive);
        QVERIFY(!run("GET / HTTP/1.0\r\n\r\n").head->keepAlive);
        QVERIFY(run("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").head->keepAlive);
    }

    void ranges_data() {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<int>("kind");
        QTest::addColumn<quint64>("first");
        QTest::addColumn<quint64>("last");
        using K = ByteRange::Kind;
        QTest::newRow("none") << QByteArray() << int(K::Whole) << 0ull << 0ull;
        QTest::newRow("first byte") << QByteArray("bytes=0-0") << int(K::Partial) << 0ull << 0ull;
        QTest::newRow("last byte")
            << QByteArray("bytes=999-") << int(K::Partial) << 999ull << 999ull;
        QTest::newRow("middle") << QByteArray("bytes=100-199") << int(K::Partial) << 100ull
                                << 199ull;
        QTest::newRow("suffix") << QByteArray("bytes=-10") << int(K::Partial) << 990ull << 999ull;
        QTest::newRow("suffix longer")
            << QByteArray("bytes=-5000") << int(K::Partial) << 0ull << 999ull;
        QTest::newRow("clamped") << QByteArray("bytes=990-5000") << int(K::Partial) << 990ull
                                 << 999ull;
        QTest::newRow("past end") << QByteArray("bytes=1000-") << int(K::Unsatisfiable) << 0ull
                                  << 0ull;
        QTest::newRow("suffix zero")
            << QByteArray("bytes=-0") << int(K::Unsatisfiable) << 0ull << 0ull;
        QTest::newRow("several") << QByteArray("bytes=0-1,5-6") << int(K::Whole) << 0ull << 0ull;
        QTest::newRow("reversed") << QByteArray("bytes=5-1") << int(K::Whole) << 0ull << 0ull;
        QTest::newRow("other unit") << QByteArray("items=0-1") << int(K::Whole) << 0ull << 0ull;
        QTest::newRow("garbage") << QByteArray("bytes=a-b") << int(K::Whole) << 0ull << 0ull;
        QTest::newRow("overflow") << QByteArray("bytes=99999999999999999999-") << int(K::Whole)
                                  << 0ull << 0ull;
    }
    void ranges() {
        QFETCH(QByteArray, header);
        QFETCH(int, kind);
        QFETCH(quint64, first);
        QFETCH(quint64, last);
        const ByteRange r = parseRange(header, 1000);
        QCOMPARE(int(r.kind), kind);
        if (r.kind == ByteRange::Kind::Partial) {
            QCOMPARE(r.first, first);
            QCOMPARE(r.last, last);
        }
        QCOMPARE(int(parseRange("bytes=0-", 0).kind), int(ByteRange::Kind::Unsatisfiable));
    }

    void router() {
        Router r;
        int hit = 0;
        QVERIFY(r.add("GET", "/media/uploads/{id}", 0, [&](HttpExchange *) { hit = 1; }));
        QVERIFY(r.add("GET", "/media/uploads/stats", 0, [&](HttpExchange *) { hit = 2; }));
        QVERIFY(r.add("PUT", "/media/uploads/{id}", 10, [&](HttpExchange *) { hit = 3; }));
        QVERIFY(r.add("GET", "/", 0, [&](HttpExchange *) { hit = 4; }));
        QVERIFY(!r.add("GET", "nope", 0, [](HttpExchange *) {}));
        QVERIFY(!r.add("GET", "/a/{b", 0, [](HttpExchange *) {}));
        QVERIFY(!r.add("GET", "/a//b", 0, [](HttpExchange *) {}));

        RouteMatch m = r.match("GET", "/media/uploads/abc%2Dd");
        QCOMPARE(m.kind, RouteMatch::Kind::Found);
        QCOMPARE(m.params.value("id"), QString("abc-d"));
        m.route->handler(nullptr);
        QCOMPARE(hit, 1);
        r.match("GET", "/media/uploads/stats").route->handler(nullptr);
        QCOMPARE(hit, 2); // the literal wins over the parameter
        QCOMPARE(r.match("PUT", "/media/uploads/x").route->maxBody, 10u);
        QCOMPARE(r.match("HEAD", "/media/uploads/x").kind, RouteMatch::Kind::Found);
        m = r.match("DELETE", "/media/uploads/x");
        QCOMPARE(m.kind, RouteMatch::Kind::WrongMethod);
        QCOMPARE(m.allow, QByteArray("GET, HEAD, PUT"));
        QCOMPARE(r.match("GET", "/media/uploads").kind, RouteMatch::Kind::NoPath);
        QCOMPARE(r.match("GET", "/media/uploads/x/y").kind, RouteMatch::Kind::NoPath);
        QCOMPARE(r.match("GET", "/media/uploads/").kind, RouteMatch::Kind::NoPath); // empty id
        QCOMPARE(r.match("GET", "/media/uploads/..%2F..%2Fetc").kind, RouteMatch::Kind::BadPath);
        QCOMPARE(r.match("GET", "/media/uploads/a%00b").kind, RouteMatch::Kind::BadPath);
        QCOMPARE(r.match("GET", "/").kind, RouteMatch::Kind::Found);
    }
};

QTEST_APPLESS_MAIN(TestHttpParser)
#include "test_http_parser.moc"
