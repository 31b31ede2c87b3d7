// Bad input at the media endpoints, against the real server: each is refused with its typed
// error (status and JSON name), the server stays up, and an upload running alongside on another
// connection finishes byte-identical while all of it happens. Also the one port's other side:
// plain HTTP on the WebSocket path, a WebSocket upgrade on a media path, garbage.
#include "support/integration_fixture.h"
#include "support/media_client.h"
#include "support/media_helpers.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace tidings;
using namespace tidings::test;

namespace {

constexpr quint64 kChunk = 4 * 1024 * 1024;

QByteArray randomBytes(qsizetype n, quint32 seed) {
    QByteArray b(n, Qt::Uninitialized);
    QRandomGenerator rng{seed};
    rng.fillRange(reinterpret_cast<quint32 *>(b.data()), n / 4);
    return b;
}

QByteArray sha256(const QByteArray &b) {
    return QCryptographicHash::hash(b, QCryptographicHash::Sha256);
}

//! Sends every request on a connection of its own, all at once; the status of each answer (0:
//! none in time).
QList<int> concurrently(const QList<QByteArray> &requests, quint16 port) {
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (const QByteArray &r : requests) {
        auto s = std::make_unique<QTcpSocket>();
        s->connectToHost(QHostAddress::LocalHost, port);
        if (!s->waitForConnected(5000))
            return {};
        sockets.push_back(std::move(s));
        Q_UNUSED(r);
    }
    for (size_t i = 0; i < sockets.size(); ++i)
        sockets[i]->write(requests[qsizetype(i)]);
    QList<QByteArray> got(requests.size());
    waitFor(
        [&] {
            bool all = true;
            for (size_t i = 0; i < sockets.size(); ++i) {
                got[qsizetype(i)] += sockets[i]->readAll();
                all &= got[qsizetype(i)].contains("\r\n\r\n");
            }
            return all;
        },
        120000);
    QList<int> statuses;
    for (const QByteArray &answer : got)
        statuses << (answer.startsWith("HTTP/1.1 ") ? answer.mid(9, 3).toInt() : 0);
    return statuses;
}

} // namespace

class TestMediaErrors : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    std::unique_ptr<RawClient> m_alice;
    std::unique_ptr<RawClient> m_mallory;
    QByteArray m_token;
    QByteArray m_malloryToken;
    // The transfer that must not be disturbed: alice's upload, one chunk per test function.
    std::unique_ptr<MediaClient> m_steady;
    QByteArray m_steadyData;
    QString m_steadyUpload;
    quint64 m_steadyOffset = 0;

    quint16 port() const { return quint16(m_fx.url().port()); }
    MediaClient alice() { return MediaClient(port(), m_token); }

    //! Expects `r` to be refused with `status` and the wire error `name`.
    static bool refused(const HttpReply &r, int status, const char *name) {
        if (r.status == status && r.error() == QLatin1String(name))
            return true;
        qWarning("expected %d %s, got %d %s", status, name, r.status, r.body.constData());
        return false;
    }

    QString newUpload(quint64 size) {
        MediaClient c = alice();
        return c.createUpload(size).json().value("upload").toString();
    }

private slots:
    void initTestCase() {
        server::ServerConfig config;
        config.mediaMaxBytes = 64 * 1024 * 1024;
        config.mediaQuotaBytes = 200 * 1024 * 1024;
        const QString err = m_fx.start(config);
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_alice = m_fx.newUser("alice");
        m_mallory = m_fx.newUser("mallory");
        QVERIFY(m_alice && m_mallory);
        m_token = QByteArray::fromStdString(mediaToken(*m_alice)->token());
        m_malloryToken = QByteArray::fromStdString(mediaToken(*m_mallory)->token());
        m_steadyData = randomBytes(qsizetype(kChunk) * 3 + 4096, 7);
        m_steady = std::make_unique<MediaClient>(port(), m_token);
        m_steadyUpload =
            m_steady->createUpload(quint64(m_steadyData.size())).json().value("upload").toString();
        QVERIFY(!m_steadyUpload.isEmpty());
    }

    //! After every test function: the steady upload moves on by a chunk.
    void cleanup() {
        if (m_steadyOffset >= quint64(m_steadyData.size()))
            return;
        const QByteArray chunk =
            m_steadyData.sliced(qsizetype(m_steadyOffset))
                .first(qMin<qsizetype>(qsizetype(kChunk),
                                       m_steadyData.size() - qsizetype(m_steadyOffset)));
        const HttpReply r = m_steady->patch(m_steadyUpload, m_steadyOffset, chunk);
        QCOMPARE(r.status, 200);
        m_steadyOffset = r.header("upload-offset").toULongLong();
    }

    void chunkAtTheWrongOffset() {
        MediaClient c = alice();
        const QString id = newUpload(10'000);
        QCOMPARE(c.patch(id, 0, QByteArray(1000, 'a')).status, 200);
        const HttpReply r = c.patch(id, 500, QByteArray(1000, 'b'));
        QVERIFY(refused(r, 409, "OFFSET_MISMATCH"));
        QCOMPARE(r.json().value("offset").toInteger(), 1000);
        QCOMPARE(r.header("upload-offset"), QByteArray("1000"));
        // With Expect: 100-continue the refusal comes instead of the 100: no byte is sent.
        const HttpReply early = c.raw("PATCH /media/v1/uploads/" + id.toLatin1() +
                                      " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + m_token +
                                      "\r\nUpload-Offset: 0\r\nContent-Length: 1000\r\n"
                                      "Expect: 100-continue\r\n\r\n");
        QVERIFY(refused(early, 409, "OFFSET_MISMATCH"));
        QCOMPARE(c.progress(id).header("upload-offset"), QByteArray("1000"));
    }

    void chunkTooLarge() {
        MediaClient c = alice();
        const QString id = newUpload(kChunk * 2);
        // Refused from its Content-Length, before the body: only the head is sent.
        const HttpReply r =
            c.raw("PATCH /media/v1/uploads/" + id.toLatin1() +
                  " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + m_token +
                  "\r\nUpload-Offset: 0\r\nContent-Length: " + QByteArray::number(kChunk + 1) +
                  "\r\n\r\n");
        QVERIFY(refused(r, 413, "TOO_LARGE"));
        // Past the declared size.
        const QString small = newUpload(100);
        QVERIFY(refused(c.patch(small, 0, QByteArray(101, 'x')), 413, "TOO_LARGE"));
        QCOMPARE(c.progress(small).header("upload-offset"), QByteArray("0"));
        // A chunk without a length.
        const HttpReply chunked = c.raw(
            "PATCH /media/v1/uploads/" + small.toLatin1() +
            " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + m_token +
            "\r\nUpload-Offset: 0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        QVERIFY(chunked.status == 411 || chunked.status == 501);
    }

    void declaredSizeOverTheLimitOrTheQuota() {
        MediaClient c = alice();
        QVERIFY(refused(c.createUpload(64 * 1024 * 1024 + 1), 413, "TOO_LARGE"));
        QVERIFY(refused(c.createUpload(0), 400, "BAD_FRAME"));
        for (const QByteArray &bad : {QByteArray("abc"), QByteArray("-1"), QByteArray("1e6"),
                                      QByteArray("99999999999999999999"), QByteArray("")})
            QVERIFY(refused(c.request("POST", "/media/v1/uploads", {{"Upload-Length", bad}}), 400,
                            "BAD_FRAME"));
        QVERIFY(refused(c.request("POST", "/media/v1/uploads"), 400, "BAD_FRAME"));

        // 200 MiB of quota: three 60 MiB uploads fit, a fourth does not.
        QStringList ids;
        const quint64 big = 60 * 1024 * 1024;
        const quint64 used = mediaToken(*m_alice)->used_bytes();
        for (quint64 n = used; n + big <= 200 * 1024 * 1024; n += big) {
            const HttpReply r = c.createUpload(big);
            QCOMPARE(r.status, 201);
            ids << r.json().value("upload").toString();
        }
        const HttpReply over = c.createUpload(big);
        QVERIFY(refused(over, 507, "QUOTA_EXCEEDED"));
        QVERIFY(over.json().value("detail").toString().contains("bytes"));
        // Cancelling gives the room back.
        QCOMPARE(c.cancel(ids.takeLast()).status, 204);
        const HttpReply again = c.createUpload(big);
        QCOMPARE(again.status, 201);
        ids << again.json().value("upload").toString();
        for (const QString &id : ids)
            QCOMPARE(c.cancel(id).status, 204);
    }

    void finishWithTheWrongHashOrTooEarly() {
        MediaClient c = alice();
        const QByteArray data = randomBytes(300'000, 3);
        const QString id = newUpload(quint64(data.size()));
        QCOMPARE(c.patch(id, 0, data.first(100'000)).status, 200);
        const HttpReply early = c.finish(id, sha256(data));
        QVERIFY(refused(early, 409, "UPLOAD_INCOMPLETE"));
        QCOMPARE(early.json().value("offset").toInteger(), 100'000);
        QCOMPARE(c.patch(id, 100'000, data.sliced(100'000)).status, 200);
        QVERIFY(refused(c.request("POST", "/media/v1/uploads/" + id.toLatin1() + "/finish",
                                  {{"Upload-Sha256", "xyz"}}),
                        400, "BAD_FRAME"));
        QVERIFY(refused(c.finish(id, sha256("something else")), 422, "HASH_MISMATCH"));
        QCOMPARE(c.get(QString::fromLatin1(sha256("something else").toHex())).status, 404);
        // The upload is gone (finishing it again would only make the server hash it again): a
        // client uploads anew.
        QVERIFY(refused(c.finish(id, sha256(data)), 404, "NO_SUCH_BLOB"));
        QCOMPARE(c.progress(id).status, 404);
        const QString again = newUpload(quint64(data.size()));
        QCOMPARE(c.patch(again, 0, data).status, 200);
        const HttpReply done = c.finish(again, sha256(data));
        QCOMPARE(done.status, 201);
        QCOMPARE(c.get(done.json().value("blob").toString()).body, data);
    }

    void finishesAtOnceAreBounded() {
        // Each finish hashes its whole upload: a second finish of an upload being finished, and
        // a user's third finish at once, are refused instead of queued behind the others.
        MediaClient c = alice();
        const qsizetype size = 24 * 1024 * 1024;
        QList<QByteArray> requests;
        QList<QString> ids;
        QList<QByteArray> hashes;
        for (quint32 seed : {11u, 12u, 13u}) {
            const QByteArray data = randomBytes(size, seed);
            const QString id = newUpload(quint64(size));
            for (qsizetype at = 0; at < size; at += qsizetype(kChunk))
                QCOMPARE(c.patch(id, quint64(at), data.sliced(at).first(qsizetype(kChunk))).status,
                         200);
            ids << id;
            hashes << sha256(data);
            requests << "POST /media/v1/uploads/" + id.toLatin1() +
                            "/finish HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + m_token +
                            "\r\nUpload-Sha256: " + sha256(data).toHex() +
                            "\r\nContent-Length: 0\r\n\r\n";
        }
        requests.insert(1, requests.first()); // the first upload twice
        const QList<int> statuses = concurrently(requests, port());
        QCOMPARE(statuses.count(201), 2);
        QCOMPARE(statuses.count(429), 2);
        // What was refused is still there and finishes once the others are done.
        for (qsizetype i = 0; i < ids.size(); ++i) {
            if (c.progress(ids[i]).status == 200)
                QCOMPARE(c.finish(ids[i], hashes[i]).status, 201);
        }
        for (const QString &id : ids)
            QCOMPARE(c.progress(id).status, 404); // every one finished
    }

    void unknownAndMalformedIds() {
        MediaClient c = alice();
        QVERIFY(refused(c.get(QString(64, 'a')), 404, "NO_SUCH_BLOB"));
        QVERIFY(refused(c.get(QStringLiteral("ABCDEF")), 404, "NO_SUCH_BLOB"));
        QVERIFY(refused(c.get(QString(64, 'A')), 404, "NO_SUCH_BLOB"));
        QCOMPARE(c.request("GET", "/media/v1/blobs/..%2F..%2Fetc%2Fpasswd").status, 400);
        QCOMPARE(c.progress(QStringLiteral("AAAAAAAAAAAAAAAAAAAAAA")).status, 404);
        QVERIFY(refused(c.patch(QStringLiteral("nope"), 0, "x"), 404, "NO_SUCH_BLOB"));
        QVERIFY(refused(c.cancel(QStringLiteral("AAAAAAAAAAAAAAAAAAAAAA")), 404, "NO_SUCH_BLOB"));
    }

    void anotherUsersUploadIsUnknownToYou() {
        MediaClient c = alice();
        MediaClient other(port(), m_malloryToken);
        const QString id = newUpload(1000);
        QCOMPARE(other.progress(id).status, 404);
        QVERIFY(refused(other.patch(id, 0, QByteArray(10, 'm')), 404, "NO_SUCH_BLOB"));
        QVERIFY(refused(other.finish(id, sha256("x")), 404, "NO_SUCH_BLOB"));
        QVERIFY(refused(other.cancel(id), 404, "NO_SUCH_BLOB"));
        // Untouched for its owner.
        const HttpReply state = c.progress(id);
        QCOMPARE(state.status, 200);
        QCOMPARE(state.header("upload-offset"), QByteArray("0"));
        QCOMPARE(c.cancel(id).status, 204);
    }

    void rangePastTheEnd() {
        MediaClient c = alice();
        const QByteArray data = randomBytes(4000, 5);
        const QString id = newUpload(4000);
        QCOMPARE(c.patch(id, 0, data).status, 200);
        const QString blob = c.finish(id, sha256(data)).json().value("blob").toString();
        const HttpReply r = c.get(blob, {{"Range", "bytes=4000-"}});
        QCOMPARE(r.status, 416);
        QCOMPARE(r.header("content-range"), QByteArray("bytes */4000"));
        QCOMPARE(c.get(blob, {{"Range", "bytes=3990-9999"}}).body, data.sliced(3990));
        QCOMPARE(c.get(blob, {{"Range", "bytes=-10"}}).body, data.sliced(3990));
    }

    void tokensRefusedOnEveryEndpoint() {
        const QByteArray forged = QByteArray(76, 'A');
        for (const QByteArray &token : {QByteArray(), forged, QByteArray("short")}) {
            MediaClient c(port(), token);
            QVERIFY(refused(c.createUpload(10), 401, "NOT_AUTHENTICATED"));
            QVERIFY(refused(c.get(QString(64, 'a')), 401, "NOT_AUTHENTICATED"));
            QVERIFY(refused(c.finish(m_steadyUpload, sha256("x")), 401, "NOT_AUTHENTICATED"));
            QVERIFY(refused(c.cancel(m_steadyUpload), 401, "NOT_AUTHENTICATED"));
        }
    }

    void garbageAndTheWrongProtocol() {
        MediaClient c = alice();
        QCOMPARE(c.raw("GARBAGE\r\n\r\n").status, 400);
        QCOMPARE(c.raw("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 tls hello\r\n\r\n").status,
                 400);
        QCOMPARE(c.raw("GET /" + QByteArray(20 * 1024, 'a') + " HTTP/1.1\r\n\r\n").status, 414);
        QCOMPARE(
            c.raw("GET / HTTP/1.1\r\nHost: t\r\n" + QByteArray(20 * 1024, 'h') + "\r\n\r\n").status,
            431);
        // Plain HTTP on the WebSocket's path.
        const HttpReply plain = c.raw("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        QCOMPARE(plain.status, 426);
        QCOMPARE(plain.error(), QString("UPGRADE_REQUIRED"));
        // A WebSocket handshake on a media path.
        const HttpReply upgrade = c.raw("GET /media/v1/blobs/" + QByteArray(64, 'a') +
                                        " HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
                                        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                        "Authorization: Bearer " +
                                        m_token + "\r\n\r\n");
        QVERIFY(refused(upgrade, 400, "BAD_FRAME"));
        QWebSocket ws;
        bool failed = false;
        QObject::connect(&ws, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), &ws,
                         [&] { failed = true; });
        ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/media/v1/blobs/%2")
                         .arg(port())
                         .arg(QString(64, 'a'))));
        QVERIFY(waitFor([&] { return failed; }));
        QVERIFY(ws.state() != QAbstractSocket::ConnectedState);
        qInfo("the WebSocket client says: %s", qPrintable(ws.errorString()));
        // Unknown paths and methods.
        QVERIFY(refused(c.request("GET", "/elsewhere"), 404, "NOT_FOUND"));
        const HttpReply method = c.request("PUT", "/media/v1/uploads", {}, "x");
        QCOMPARE(method.status, 405);
        QVERIFY(method.header("allow").contains("POST"));
        // The WebSocket side is unaffected.
        QVERIFY(m_alice->ping());
        auto fresh = m_fx.newUser("late");
        QVERIFY(fresh);
    }

    void tooManyRequestsAreSlowedDown() {
        server::ServerConfig config;
        config.mediaRequestsPerMinute = 5;
        QString error;
        auto h = m_fx.freshServer(config, &error);
        QVERIFY2(h, qPrintable(error));
        auto a = RawClient::registered(h->url(), "grace");
        QVERIFY(a);
        MediaClient c(quint16(h->url().port()), QByteArray::fromStdString(mediaToken(*a)->token()));
        for (int i = 0; i < 5; ++i)
            QCOMPARE(c.get(QString(64, 'b')).status, 404);
        const HttpReply r = c.get(QString(64, 'b'));
        QVERIFY(refused(r, 429, "RATE_LIMITED"));
        const int after = r.header("retry-after").toInt();
        QVERIFY2(after >= 1 && after <= 60, r.header("retry-after").constData());
    }

    void connectionsAreBoundedWhileWaitingAndPerPeer() {
        server::ServerConfig config;
        config.maxWaitingConnections = 3;
        config.maxConnectionsPerIp = 5;
        QString error;
        auto h = m_fx.freshServer(config, &error);
        QVERIFY2(h, qPrintable(error));
        const quint16 p = quint16(h->url().port());
        std::vector<std::unique_ptr<QTcpSocket>> held;
        const auto open = [&] {
            auto s = std::make_unique<QTcpSocket>();
            s->connectToHost(QHostAddress::LocalHost, p);
            QVERIFY(s->waitForConnected(5000));
            held.push_back(std::move(s));
        };
        const auto closedByServer = [](QTcpSocket *s) {
            return waitFor([s] { return s->state() == QAbstractSocket::UnconnectedState; }, 10000);
        };
        const QByteArray get =
            "GET /media/v1/blobs/" + QByteArray(64, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n";
        // Three silent connections wait for their first request; a fourth is closed.
        for (int i = 0; i < 4; ++i)
            open();
        QVERIFY(closedByServer(held.back().get()));
        held.pop_back();
        // The waiting ones become HTTP connections (kept alive, still the peer's).
        for (auto &s : held)
            s->write(get);
        QVERIFY(waitFor([&] {
            for (auto &s : held) {
                if (!s->peek(16).startsWith("HTTP/1.1 401"))
                    return false;
            }
            return true;
        }));
        for (auto &s : held)
            QVERIFY(s->state() == QAbstractSocket::ConnectedState);
        // Two more fit under the peer's 5; the sixth is closed although few are waiting.
        for (int i = 0; i < 3; ++i)
            open();
        QVERIFY(closedByServer(held.back().get()));
        held.pop_back();
        // A connection that ends makes room again.
        held.front()->abort();
        QVERIFY(waitFor([&] { return MediaClient(p).raw(get, 2000).status == 401; }));
        // WebSockets are not counted once they are WebSockets.
        held.clear();
        QVERIFY(waitFor([&] { return MediaClient(p).raw(get, 2000).status == 401; }));
        std::vector<std::unique_ptr<RawClient>> sockets;
        for (int i = 0; i < 6; ++i) {
            sockets.push_back(RawClient::registered(h->url(), QStringLiteral("peer%1").arg(i)));
            QVERIFY(sockets.back());
        }
        QCOMPARE(MediaClient(p).raw(get, 5000).status, 401);
    }

    void downloadsAreBoundedPerUser() {
        server::ServerConfig config;
        config.mediaDownloadsPerUser = 1;
        QString error;
        auto h = m_fx.freshServer(config, &error);
        QVERIFY2(h, qPrintable(error));
        const quint16 p = quint16(h->url().port());
        auto a = RawClient::registered(h->url(), "reader");
        QVERIFY(a);
        const QByteArray token = QByteArray::fromStdString(mediaToken(*a)->token());
        MediaClient c(p, token);
        const QByteArray data = randomBytes(32 * 1024 * 1024, 21);
        const QString id = c.createUpload(quint64(data.size())).json().value("upload").toString();
        for (qsizetype at = 0; at < data.size(); at += qsizetype(kChunk))
            QCOMPARE(c.patch(id, quint64(at), data.sliced(at).first(qsizetype(kChunk))).status,
                     200);
        const QString blob = c.finish(id, sha256(data)).json().value("blob").toString();
        QVERIFY(!blob.isEmpty());
        // A download that reads slowly: its head arrived, most of its body waits.
        QTcpSocket slow;
        slow.setReadBufferSize(64 * 1024);
        slow.connectToHost(QHostAddress::LocalHost, p);
        QVERIFY(slow.waitForConnected(5000));
        slow.write("GET /media/v1/blobs/" + blob.toLatin1() +
                   " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token + "\r\n\r\n");
        QVERIFY(waitFor([&] { return slow.peek(12) == "HTTP/1.1 200"; }));
        QVERIFY(refused(c.get(blob, {{"Range", "bytes=0-9"}}), 429, "RATE_LIMITED"));
        // Once it ends, the next one streams.
        slow.abort();
        QVERIFY(waitFor([&] { return c.get(blob, {{"Range", "bytes=0-9"}}).status == 206; }));
        QCOMPARE(c.get(blob, {{"Range", "bytes=0-9"}}).body, data.first(10));
    }

    void theListenerSurvivesRunningOutOfFileDescriptors() {
        // At EMFILE QTcpServer pauses accepting and never resumes by itself: the server must.
        QString error;
        auto h = m_fx.freshServer({}, &error);
        QVERIFY2(h, qPrintable(error));
        const quint16 p = quint16(h->url().port());
        rlimit before{};
        QVERIFY(::getrlimit(RLIMIT_NOFILE, &before) == 0);
        const rlim_t open = rlim_t(QDir(QStringLiteral("/proc/self/fd")).count());
        rlimit tight = before;
        tight.rlim_cur = open + 16;
        QVERIFY(::setrlimit(RLIMIT_NOFILE, &tight) == 0);
        // Connections queue in the kernel's backlog while this process's descriptors run out
        // (the server does not run meanwhile); then the server's accept() fails.
        std::vector<int> clients;
        for (int i = 0; i < 256; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0)
                break;
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(p);
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
                ::close(fd);
                break;
            }
            clients.push_back(fd);
        }
        QVERIFY(clients.size() > 2);
        // Let the server try to accept what is queued, then give the descriptors back.
        for (int i = 0; i < 20; ++i)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        for (int fd : clients)
            ::close(fd);
        QVERIFY(::setrlimit(RLIMIT_NOFILE, &before) == 0);
        const QByteArray get =
            "GET /media/v1/blobs/" + QByteArray(64, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n";
        QVERIFY(waitFor([&] { return MediaClient(p).raw(get, 2000).status == 401; }, 20000));
    }

    void theSteadyUploadWasNeverDisturbed() {
        // Drive it to its end (cleanup() moved it a chunk per test), then check every byte.
        while (m_steadyOffset < quint64(m_steadyData.size()))
            cleanup();
        const HttpReply done = m_steady->finish(m_steadyUpload, sha256(m_steadyData));
        QCOMPARE(done.status, 201);
        QCOMPARE(m_steady->get(done.json().value("blob").toString()).body, m_steadyData);
    }
};

QTEST_GUILESS_MAIN(TestMediaErrors)
#include "test_media_errors.moc"
