// The client's media HTTP layer against a server that answers with canned bytes: an answer
// larger than any media answer can be (declared or actually sent, with or without a length) is
// cut off with a typed error instead of being buffered; small answers and downloads (whose
// bodies stream into a file) still work.
#include "core/media/media_http.h"

#include <QBuffer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace tidings;
using namespace tidings::client;

namespace {

//! Answers every connection's first request with `response`, then keeps it open (a server that
//! never finishes its body) unless `close` is set.
class CannedServer : public QObject {
public:
    QByteArray response;
    bool close = false;

    CannedServer() {
        QVERIFY(m_server.listen(QHostAddress::LocalHost));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                s->setParent(this);
                connect(s, &QTcpSocket::readyRead, s, [this, s] {
                    m_request += s->readAll();
                    if (!m_request.contains("\r\n\r\n") || m_answered)
                        return;
                    m_answered = true;
                    s->write(response);
                    if (close)
                        s->disconnectFromHost();
                });
            }
        });
    }
    QUrl base() const {
        return QUrl(QStringLiteral("http://127.0.0.1:%1/media/v1").arg(m_server.serverPort()));
    }

private:
    QTcpServer m_server;
    QByteArray m_request;
    bool m_answered = false;
};

QByteArray jsonBody(qsizetype bytes) {
    // A syntactically valid JSON object of about `bytes` bytes.
    return "{\"upload\":\"u1\",\"pad\":\"" + QByteArray(bytes, 'x') + "\"}";
}

} // namespace

class TestMediaHttpClient : public QObject {
    Q_OBJECT

    //! createUpload against `server`; the answer once it came.
    static std::optional<MediaAnswer> create(CannedServer &server) {
        MediaHttp http;
        http.setBaseUrl(server.base());
        http.setStallTimeoutMs(20'000);
        std::optional<MediaAnswer> answer;
        http.createUpload("t", 10, [&](MediaAnswer a) { answer = std::move(a); });
        if (!QTest::qWaitFor([&] { return answer.has_value(); }, 15'000))
            return std::nullopt;
        return answer;
    }

    static bool refusedAsTooLarge(const std::optional<MediaAnswer> &a) {
        if (!a) {
            qWarning("no answer");
            return false;
        }
        if (a->ok() || a->error->code != ErrorCode::BadFrame) {
            qWarning("expected BAD_FRAME, got %s: %s",
                     a->ok() ? "ok" : errorCodeName(a->error->code),
                     a->ok() ? "" : qPrintable(a->error->detail));
            return false;
        }
        return true;
    }

private slots:
    void smallAnswerIsRead() {
        CannedServer server;
        const QByteArray body = jsonBody(100);
        server.response =
            "HTTP/1.1 201 Created\r\nContent-Length: " + QByteArray::number(body.size()) +
            "\r\n\r\n" + body;
        const auto a = create(server);
        QVERIFY(a && a->ok());
        QCOMPARE(a->upload, QStringLiteral("u1"));
    }

    void declaredLengthOverTheLimitIsRefusedAtOnce() {
        // The head promises 100 MB and the body never comes: refused from the head, not after a
        // stall timeout and not after buffering it.
        CannedServer server;
        server.response = "HTTP/1.1 201 Created\r\nContent-Length: 100000000\r\n\r\n{\"upl";
        QVERIFY(refusedAsTooLarge(create(server)));
    }

    void bodyWithoutLengthOverTheLimitIsCutOff() {
        CannedServer server;
        server.close = true;
        server.response = "HTTP/1.1 201 Created\r\nConnection: close\r\n\r\n" + jsonBody(1 << 20);
        QVERIFY(refusedAsTooLarge(create(server)));
    }

    void chunkedBodyOverTheLimitIsCutOff() {
        CannedServer server;
        const QByteArray body = jsonBody(1 << 20);
        server.response = "HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n" +
                          QByteArray::number(body.size(), 16) + "\r\n" + body + "\r\n";
        QVERIFY(refusedAsTooLarge(create(server)));
    }

    void downloadBodyIsNotLimited() {
        CannedServer server;
        const QByteArray blob(1 << 20, 'b');
        server.response = "HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(blob.size()) +
                          "\r\n\r\n" + blob;
        MediaHttp http;
        http.setBaseUrl(server.base());
        QBuffer sink;
        sink.open(QIODevice::ReadWrite);
        std::optional<MediaAnswer> answer;
        http.fetchBlob("t", QString(64, 'a'), 0, quint64(blob.size()), &sink, {},
                       [&](MediaAnswer a) { answer = std::move(a); });
        QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), 15'000);
        QVERIFY2(answer->ok(), answer->ok() ? "" : qPrintable(answer->error->detail));
        QCOMPARE(sink.data(), blob);
    }

    void downloadErrorBodyIsLimited() {
        CannedServer server;
        server.response = "HTTP/1.1 404 Not Found\r\nContent-Length: 100000000\r\n\r\n{";
        MediaHttp http;
        http.setBaseUrl(server.base());
        QBuffer sink;
        sink.open(QIODevice::ReadWrite);
        std::optional<MediaAnswer> answer;
        http.fetchBlob("t", QString(64, 'a'), 0, 100, &sink, {},
                       [&](MediaAnswer a) { answer = std::move(a); });
        QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), 15'000);
        QVERIFY(refusedAsTooLarge(answer));
        QCOMPARE(sink.size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestMediaHttpClient)
#include "test_media_http_client.moc"
