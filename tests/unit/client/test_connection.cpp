// Connection against an in-process QWebSocketServer on the loopback interface (no external
// network): request/response correlation with out-of-order answers, bad frames dropped without
// harm, per-request timeout, pending requests failed on disconnect, reconnect after the server
// drops the socket, and pushes routed by request_id 0.
#include "core/net/connection.h"
#include "protocol/codec.h"

#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace tidings;
using namespace tidings::client;

Q_DECLARE_METATYPE(tidings::wire::Frame)
Q_DECLARE_METATYPE(tidings::Error)

namespace {
Frame pong(quint64 requestId, qint64 t) {
    Frame f;
    f.set_request_id(requestId);
    f.mutable_pong()->set_client_time_ms(t);
    return f;
}
} // namespace

class TestConnection : public QObject {
    Q_OBJECT
private:
    QWebSocketServer *m_server = nullptr;
    QList<QWebSocket *> m_peers;
    QList<Frame> m_received; // what the server got, in order

    QUrl url() const {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_server->serverPort()));
    }
    QWebSocket *peer() const { return m_peers.isEmpty() ? nullptr : m_peers.last(); }
    static Connection::Options fastOptions() {
        Connection::Options o;
        o.backoffBaseMs = 20;
        o.backoffCapMs = 50;
        o.requestTimeoutMs = 400;
        return o;
    }

private slots:
    void init() {
        qRegisterMetaType<tidings::wire::Frame>();
        qRegisterMetaType<tidings::Error>();
        m_server =
            new QWebSocketServer(QStringLiteral("test"), QWebSocketServer::NonSecureMode, this);
        QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
        m_received.clear();
        m_peers.clear();
        connect(m_server, &QWebSocketServer::newConnection, this, [this] {
            QWebSocket *s = m_server->nextPendingConnection();
            m_peers.append(s);
            connect(s, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &b) {
                auto f = protocol::decodeClientFrame(b);
                if (f.ok())
                    m_received.append(*f);
            });
        });
    }

    void cleanup() {
        qDeleteAll(m_peers);
        m_peers.clear();
        delete m_server;
        m_server = nullptr;
    }

    void responsesAreMatchedByRequestId() {
        Connection c(fastOptions());
        QSignalSpy opened(&c, &Connection::opened);
        c.open(url());
        QVERIFY(opened.wait());
        QList<qint64> answers;
        for (qint64 t : {111, 222}) {
            Frame f;
            f.mutable_ping()->set_client_time_ms(t);
            c.request(f, [&answers](Result<Frame> r) {
                answers.append(r.ok() ? r->pong().client_time_ms() : -1);
            });
        }
        QTRY_COMPARE(m_received.size(), 2);
        QVERIFY(m_received[0].request_id() != m_received[1].request_id());
        // Answer in reverse order, with garbage and an unknown id in between.
        peer()->sendBinaryMessage(protocol::encodeFrame(pong(m_received[1].request_id(), 222)));
        peer()->sendBinaryMessage(QByteArray("\xff\xff\xff garbage", 12));
        peer()->sendBinaryMessage(protocol::encodeFrame(pong(999999, 0)));
        peer()->sendBinaryMessage(protocol::encodeFrame(pong(m_received[0].request_id(), 111)));
        QTRY_COMPARE(answers.size(), 2);
        QCOMPARE(answers, (QList<qint64>{222, 111}));
        QVERIFY(c.isOpen());
    }

    void errorFramesAndPushes() {
        Connection c(fastOptions());
        QSignalSpy opened(&c, &Connection::opened);
        QSignalSpy pushes(&c, &Connection::pushReceived);
        c.open(url());
        QVERIFY(opened.wait());
        std::optional<Error> error;
        Frame f;
        f.mutable_open_direct_request()->set_username("bob");
        c.request(f, [&error](Result<Frame> r) {
            if (!r)
                error = r.error();
        });
        QTRY_COMPARE(m_received.size(), 1);
        peer()->sendBinaryMessage(protocol::encodeFrame(
            protocol::makeError(m_received[0].request_id(), ErrorCode::NoSuchUser, "nope")));
        Frame push;
        push.mutable_inbox_drained()->set_count(3);
        peer()->sendBinaryMessage(protocol::encodeFrame(push));
        QTRY_VERIFY(error.has_value());
        QCOMPARE(error->code, ErrorCode::NoSuchUser);
        QTRY_COMPARE(pushes.count(), 1);
        QCOMPARE(pushes.at(0).at(0).value<tidings::wire::Frame>().inbox_drained().count(), 3u);
    }

    void timeoutFailsTheRequestAndReconnects() {
        Connection c(fastOptions());
        QSignalSpy opened(&c, &Connection::opened);
        c.open(url());
        QVERIFY(opened.wait());
        std::optional<Error> error;
        Frame f;
        f.mutable_ping()->set_client_time_ms(1);
        c.request(f, [&error](Result<Frame> r) {
            if (!r)
                error = r.error();
        });
        QTRY_VERIFY_WITH_TIMEOUT(error.has_value(), 3000);
        QCOMPARE(error->code, ErrorCode::Timeout);
        // A stalled link is replaced by a fresh socket.
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 2, 3000);
    }

    void serverCloseFailsPendingAndReconnects() {
        Connection c(fastOptions());
        QSignalSpy opened(&c, &Connection::opened);
        QSignalSpy closed(&c, &Connection::closed);
        c.open(url());
        QVERIFY(opened.wait());
        c.markAuthenticated();
        QVERIFY(c.isAuthenticated());
        std::optional<Error> error;
        Frame f;
        f.mutable_ping()->set_client_time_ms(1);
        c.request(f, [&error](Result<Frame> r) {
            if (!r)
                error = r.error();
        });
        QTRY_COMPARE(m_received.size(), 1);
        peer()->close();
        QTRY_VERIFY(error.has_value());
        QCOMPARE(error->code, ErrorCode::Network);
        QCOMPARE(closed.count(), 1);
        QVERIFY(!c.isAuthenticated());
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 2, 3000);
        // Requests on a closed connection fail later, never inside request().
        c.close();
        bool called = false;
        c.request(f, [&called](Result<Frame> r) { called = !r.ok(); });
        QVERIFY(!called);
        QTRY_VERIFY(called);
    }

    void backoffResetsAfterAuthentication() {
        Connection::Options o = fastOptions();
        Connection c(o);
        QSignalSpy scheduled(&c, &Connection::reconnectScheduled);
        const quint16 port = m_server->serverPort();
        m_server->close(); // nothing listens: every attempt fails
        c.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port)));
        QTRY_VERIFY_WITH_TIMEOUT(scheduled.count() >= 3, 3000);
        QVERIFY(c.backoff().attempt() >= 3);
        QVERIFY(m_server->listen(QHostAddress::LocalHost, port));
        QSignalSpy opened(&c, &Connection::opened);
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() >= 1, 3000);
        c.markAuthenticated();
        QCOMPARE(c.backoff().attempt(), 0);
    }
};

QTEST_GUILESS_MAIN(TestConnection)
#include "test_connection.moc"
