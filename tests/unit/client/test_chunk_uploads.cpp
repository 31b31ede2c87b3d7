// ChunkUploads (app/core/media/chunk_upload.*): upload chunks over kept-alive HTTP/1.1
// connections of worker threads, and the answer-head parser it reads them with. Against a
// scripted server on loopback: a kept connection carries the next chunk; an answer before the
// whole body (a refusal) ends the connection; a kept connection the server closed while idle is
// replaced without the caller noticing; a malformed answer is a typed failure; abort() ends a
// request at once.
#include "core/media/chunk_upload.h"
#include "core/media/http_answer_head.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace tidings::client;

namespace {

//! Answers each request with the next scripted answer once its head (and, unless `early`, its
//! whole body) arrived; counts connections.
class ScriptedServer : public QObject {
public:
    struct Answer {
        QByteArray bytes;
        bool early = false;      //!< answer as soon as the head arrived, drop the body
        bool closeAfter = false; //!< close the connection after answering
        bool never = false;      //!< never answer
    };
    QList<Answer> script;
    int connections = 0;
    QList<QByteArray> heads;

    ScriptedServer() {
        QVERIFY(m_server.listen(QHostAddress::LocalHost));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                ++connections;
                s->setParent(this);
                auto *buffer = new QByteArray;
                connect(s, &QObject::destroyed, [buffer] { delete buffer; });
                connect(s, &QTcpSocket::readyRead, s, [this, s, buffer] {
                    *buffer += s->readAll();
                    serve(s, *buffer);
                });
            }
        });
    }
    QUrl url() const {
        return QUrl(
            QStringLiteral("http://127.0.0.1:%1/media/v1/uploads/u1").arg(m_server.serverPort()));
    }

private:
    void serve(QTcpSocket *s, QByteArray &buffer) {
        for (;;) {
            const qsizetype end = buffer.indexOf("\r\n\r\n");
            if (end < 0 || script.isEmpty())
                return;
            const QByteArray head = buffer.first(end);
            const qsizetype at = head.toLower().indexOf("content-length: ");
            const qint64 length = at < 0 ? 0 : head.mid(at + 16).split('\r').first().toLongLong();
            const Answer a = script.first();
            if (!a.early && buffer.size() < end + 4 + length)
                return;
            script.removeFirst();
            heads.append(head);
            buffer.remove(0, std::min<qsizetype>(buffer.size(), end + 4 + length));
            if (a.never)
                return;
            s->write(a.bytes);
            if (a.early) {
                // The rest of the refused body is not a request: read and drop it (closing
                // instead would reset the connection under the client's unread answer).
                QObject::disconnect(s, &QTcpSocket::readyRead, s, nullptr);
                connect(s, &QTcpSocket::readyRead, s, [s] { s->readAll(); });
                return;
            }
            if (a.closeAfter) {
                s->disconnectFromHost();
                return;
            }
        }
    }

    QTcpServer m_server;
};

const QByteArray kOk = "HTTP/1.1 204 No Content\r\nUpload-Offset: 8\r\nContent-Length: 0\r\n\r\n";

struct Done {
    int status = 0;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QByteArray offset;
    QByteArray body;
};

std::optional<Done> run(ChunkUploads &uploads, const QUrl &url, const QByteArray &body,
                        int waitMs = 15'000) {
    ChunkUploadRequest r;
    r.url = url;
    r.headers = {{"Upload-Offset", "0"}};
    r.body = body;
    QNetworkReply *reply = uploads.start(std::move(r));
    std::optional<Done> done;
    QObject::connect(reply, &QNetworkReply::finished, reply, [&done, reply] {
        done = Done{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                    reply->error(), reply->rawHeader("Upload-Offset"), reply->readAll()};
    });
    if (!QTest::qWaitFor([&] { return done.has_value(); }, waitMs))
        return std::nullopt;
    return done;
}

} // namespace

class TestChunkUploads : public QObject {
    Q_OBJECT
private slots:
    void answerHeadIsReadWholeOrNotAtAll() {
        const QByteArray ok = "HTTP/1.1 409 Conflict\r\nContent-Length: 12\r\nUpload-Offset: "
                              "4\r\n\r\n{\"error\":1}x";
        AnswerHead h;
        for (qsizetype n = 0; n < ok.indexOf("\r\n\r\n") + 4; ++n)
            QCOMPARE(parseAnswerHead(ok.first(n), &h), 0);
        QCOMPARE(h.status, 0); // nothing reached the caller while incomplete
        QCOMPARE(parseAnswerHead(ok, &h), ok.indexOf("\r\n\r\n") + 4);
        QCOMPARE(h.status, 409);
        QCOMPARE(h.contentLength, 12);
        QVERIFY(h.keepAlive);
        QCOMPARE(h.headers.size(), 2);
        QCOMPARE(h.headers.at(1).second, QByteArray("4"));

        AnswerHead c;
        QVERIFY(parseAnswerHead("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", &c) > 0);
        QVERIFY(!c.keepAlive);
        QCOMPARE(c.contentLength, -1);
        QVERIFY(parseAnswerHead("HTTP/1.0 200 OK\r\n\r\n", &c) > 0);
        QVERIFY(!c.keepAlive);

        for (const QByteArray &bad :
             {QByteArray("HTTP/1.1 2000 OK\r\n\r\n"), QByteArray("HTTP/2 200 OK\r\n\r\n"),
              QByteArray("HTTP/1.1 20 OK\r\n\r\n"), QByteArray("HTTP/1.1 099 x\r\n\r\n"),
              QByteArray("ICY 200 OK\r\n\r\n"),
              QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
              QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
              QByteArray("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n"),
              QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"),
              QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
              QByteArray("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"),
              QByteArray("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n")}) {
            AnswerHead b;
            QVERIFY2(parseAnswerHead(bad, &b) == -1, bad.constData());
            QCOMPARE(b.status, 0);
        }
        AnswerHead big;
        QCOMPARE(parseAnswerHead("HTTP/1.1 200 OK\r\nX: " + QByteArray(200, 'x'), &big, 100), -1);
        QCOMPARE(parseAnswerHead("HTTP/1.1 200 OK\r\nX: " + QByteArray(50, 'x'), &big, 100), 0);
        // Exactly at the bound: a whole head of maxHeadBytes is read, one byte more is refused;
        // an unfinished one may fill the bound and waits, one byte past it is refused.
        const QByteArray start = "HTTP/1.1 200 OK\r\nX: ";
        const QByteArray fits = start + QByteArray(100 - start.size() - 4, 'x') + "\r\n\r\n";
        QCOMPARE(fits.size(), 100);
        QCOMPARE(parseAnswerHead(fits, &big, 100), 100);
        QCOMPARE(big.status, 200);
        AnswerHead over;
        QCOMPARE(parseAnswerHead(start + 'x' + fits.sliced(start.size()), &over, 100), -1);
        QCOMPARE(over.status, 0);
        QCOMPARE(parseAnswerHead(start + QByteArray(100 - start.size(), 'x'), &over, 100), 0);
        QCOMPARE(parseAnswerHead(start + QByteArray(101 - start.size(), 'x'), &over, 100), -1);
    }

    void keptConnectionCarriesTheNextChunk() {
        ScriptedServer server;
        server.script = {{kOk}, {kOk}, {kOk}};
        ChunkUploads uploads;
        for (int i = 0; i < 3; ++i) {
            const auto d = run(uploads, server.url(), QByteArray(1 << 20, char('a' + i)));
            QVERIFY(d);
            QCOMPARE(d->error, QNetworkReply::NoError);
            QCOMPARE(d->status, 204);
            QCOMPARE(d->offset, QByteArray("8"));
        }
        QCOMPARE(server.connections, 1);
        QVERIFY(server.heads.first().startsWith("PATCH /media/v1/uploads/u1 HTTP/1.1\r\n"));
        QVERIFY(server.heads.first().contains("\r\nUpload-Offset: 0"));
        QVERIFY(server.heads.first().contains("\r\nContent-Length: 1048576"));
    }

    void earlyRefusalEndsTheConnection() {
        ScriptedServer server;
        const QByteArray refusal = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 2\r\n\r\n{}";
        server.script = {{refusal, true}, {kOk}};
        ChunkUploads uploads;
        // Far more than the socket buffers hold, so the answer comes before the body went out.
        const auto refused = run(uploads, server.url(), QByteArray(64 << 20, 'r'));
        QVERIFY(refused);
        QCOMPARE(refused->status, 413);
        QCOMPARE(refused->body, QByteArray("{}"));
        const auto next = run(uploads, server.url(), QByteArray(100, 'n'));
        QVERIFY(next);
        QCOMPARE(next->status, 204);
        QCOMPARE(server.connections, 2);
    }

    void connectionClosedWhileIdleIsReplaced() {
        ScriptedServer server;
        server.script = {{kOk, false, true}, {kOk}};
        ChunkUploads uploads;
        QVERIFY(run(uploads, server.url(), QByteArray(1000, 'a')));
        const auto second = run(uploads, server.url(), QByteArray(1000, 'b'));
        QVERIFY(second);
        QCOMPARE(second->error, QNetworkReply::NoError);
        QCOMPARE(second->status, 204);
        QCOMPARE(server.connections, 2);
    }

    void interimAnswerIsSkipped() {
        ScriptedServer server;
        server.script = {{"HTTP/1.1 100 Continue\r\n\r\n" + kOk}};
        ChunkUploads uploads;
        const auto d = run(uploads, server.url(), QByteArray(10, 'c'));
        QVERIFY(d);
        QCOMPARE(d->status, 204);
    }

    void malformedAnswerIsAProtocolFailure() {
        ScriptedServer server;
        server.script = {{"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n"}};
        ChunkUploads uploads;
        const auto d = run(uploads, server.url(), QByteArray(10, 'm'));
        QVERIFY(d);
        QCOMPARE(d->error, QNetworkReply::ProtocolFailure);
        QCOMPARE(d->status, 0);
    }

    void abortEndsARequestAtOnce() {
        ScriptedServer server;
        server.script = {{QByteArray(), false, false, true}};
        ChunkUploads uploads;
        ChunkUploadRequest r;
        r.url = server.url();
        r.body = QByteArray(1000, 'x');
        QNetworkReply *reply = uploads.start(std::move(r));
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QTRY_COMPARE(server.heads.size(), 1); // the server has the request, and stays silent
        reply->abort();
        QCOMPARE(finished.size(), 1);
        QCOMPARE(reply->error(), QNetworkReply::OperationCanceledError);
    }
};

QTEST_GUILESS_MAIN(TestChunkUploads)
#include "test_chunk_uploads.moc"
