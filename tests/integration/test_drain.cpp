// Graceful drain of a tidingsd node on SIGTERM (issue 14), with real processes on one PostgreSQL
// database: new connections are refused at once, the connected devices are closed with the
// drain's close code spread over --drain-window, a send in flight when its connection's turn
// comes still gets its ack (and is delivered through a second node), the process exits 0 soon
// after the last device has gone, and the client core's Connection reconnects within about a
// second, through a stand-in for HAProxy, to the node that is still up.
#include "core/net/connection.h"
#include "gateway/session.h"
#include "support/integration_fixture.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <libpq-fe.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <memory>
#include <utility>
#include <vector>

using namespace tidings;
using namespace tidings::test;

namespace {

constexpr int kCloseCode = int(server::Session::kRestartCloseCode);

quint16 freePort() {
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

//! GET /healthz's count of connected devices (-1 without an answer).
int connectedDevices(quint16 port) {
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    s.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QByteArray answer;
    if (!waitFor(
            [&] {
                answer += s.readAll();
                return s.state() == QAbstractSocket::UnconnectedState;
            },
            5000))
        return -1;
    answer += s.readAll();
    const QByteArray body = answer.mid(answer.indexOf("\r\n\r\n") + 4);
    return QJsonDocument::fromJson(body).object().value("devices_connected").toInt(-1);
}

//! One tidingsd process (ProcessHarness keeps its exit status to itself).
class Node {
public:
    Node(QString conninfo, int drainWindowS)
        : m_db(std::move(conninfo))
        , m_window(drainWindowS)
        , m_port(freePort()) {}
    ~Node() {
        if (m_proc.state() != QProcess::NotRunning) {
            m_proc.kill();
            m_proc.waitForFinished(5000);
        }
    }

    bool start() {
        m_proc.setProcessChannelMode(QProcess::SeparateChannels);
        m_proc.start(qEnvironmentVariable("TIDINGSD_BIN"),
                     {"--data-dir", m_dir.filePath("server"), "--listen",
                      QStringLiteral("127.0.0.1:%1").arg(m_port), "--database-url", m_db,
                      "--registrations-per-hour", "0", "--cheap-password-hashing",
                      "--allow-unencrypted", "--drain-window", QString::number(m_window)});
        if (!m_proc.waitForStarted(5000))
            return false;
        return waitFor(
                   [this] {
                       return m_proc.state() != QProcess::Running ||
                              m_proc.peek(4096).contains("tidingsd listening on ");
                   },
                   30000) &&
               m_proc.state() == QProcess::Running;
    }
    void terminate() { ::kill(pid_t(m_proc.processId()), SIGTERM); }
    bool running() const { return m_proc.state() != QProcess::NotRunning; }
    QProcess &process() { return m_proc; }
    quint16 port() const { return m_port; }
    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_port)); }
    //! Everything the process wrote on stderr so far (its log).
    QByteArray log() {
        m_log += m_proc.readAllStandardError();
        return m_log;
    }

private:
    QString m_db;
    int m_window;
    quint16 m_port;
    QTemporaryDir m_dir;
    QProcess m_proc;
    QByteArray m_log;
};

//! A device's connection that records how and when the server closed it.
class Probe : public QObject {
public:
    explicit Probe(const QElapsedTimer &clock)
        : m_clock(clock) {
        connect(&m_socket, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &b) {
            auto f = protocol::decodeServerFrame(b);
            if (f && f->request_id() != 0)
                m_answered = true;
        });
        connect(&m_socket, &QWebSocket::disconnected, this, [this] {
            closedAtMs = m_clock.elapsed();
            closeCode = int(m_socket.closeCode());
        });
    }
    //! Connects and authenticates as the device of `token`.
    bool signIn(const QUrl &url, const QByteArray &token) {
        m_socket.open(url);
        if (!waitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; }))
            return false;
        protocol::Frame f;
        f.set_request_id(1);
        f.mutable_auth_request()->set_device_token(token.toStdString());
        m_socket.sendBinaryMessage(protocol::encodeFrame(f));
        return waitFor([this] { return m_answered; }) && closedAtMs < 0;
    }

    qint64 closedAtMs = -1;
    int closeCode = -1;

private:
    const QElapsedTimer &m_clock;
    QWebSocket m_socket;
    bool m_answered = false;
};

//! A stand-in for HAProxy in front of the nodes: each connection goes to the first node that
//! accepts it (a draining node refuses, as its health check fails), bytes piped both ways.
class Balancer : public QObject {
public:
    explicit Balancer(QList<quint16> backends)
        : m_backends(std::move(backends)) {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *in = m_server.nextPendingConnection())
                forward(in, 0);
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QUrl url() const {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_server.serverPort()));
    }
    //! How many connections went to each backend port.
    std::map<quint16, int> routed;

private:
    void forward(QTcpSocket *in, int index) {
        if (index >= m_backends.size()) {
            in->abort();
            in->deleteLater();
            return;
        }
        auto *out = new QTcpSocket(in);
        const quint16 port = m_backends[index];
        connect(out, &QTcpSocket::errorOccurred, in, [this, in, out, index] {
            if (!out->property("up").toBool()) { // refused: the next node
                out->deleteLater();
                forward(in, index + 1);
                return;
            }
            in->disconnectFromHost();
        });
        connect(out, &QTcpSocket::connected, in, [this, in, out, port] {
            out->setProperty("up", true);
            ++routed[port];
            out->write(in->readAll());
            connect(in, &QTcpSocket::readyRead, out, [in, out] { out->write(in->readAll()); });
            connect(out, &QTcpSocket::readyRead, in, [in, out] { in->write(out->readAll()); });
            connect(out, &QTcpSocket::disconnected, in, [in] { in->disconnectFromHost(); });
            connect(in, &QTcpSocket::disconnected, out, [out] { out->disconnectFromHost(); });
        });
        if (index == 0)
            connect(in, &QTcpSocket::disconnected, in, &QObject::deleteLater);
        out->connectToHost(QHostAddress::LocalHost, port);
    }

    QTcpServer m_server;
    QList<quint16> m_backends;
};

//! Holds a row lock in its own transaction: a send to that conversation waits in PostgreSQL.
class RowLock {
public:
    RowLock(const QString &conninfo, quint64 conversation)
        : m_conn(PQconnectdb(conninfo.toUtf8().constData())) {
        if (PQstatus(m_conn) != CONNECTION_OK)
            return;
        m_held = exec("BEGIN") &&
                 exec(QStringLiteral("SELECT last_seq FROM conversations WHERE id = %1 FOR UPDATE")
                          .arg(conversation));
    }
    ~RowLock() {
        release();
        PQfinish(m_conn);
    }
    bool held() const { return m_held; }
    void release() {
        if (std::exchange(m_held, false))
            exec("COMMIT");
    }

private:
    bool exec(const QString &sql) {
        PGresult *r = PQexec(m_conn, sql.toUtf8().constData());
        const bool ok =
            PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
        return ok;
    }

    PGconn *m_conn;
    bool m_held = false;
};

} // namespace

class TestDrain : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;

    //! Registers `n` users on `url`; their device tokens.
    QList<QByteArray> registerUsers(const QUrl &url, int n) {
        QList<QByteArray> tokens;
        for (int i = 0; i < n; ++i) {
            auto c = RawClient::registered(url, m_fx.uniqueName(QStringLiteral("drain")));
            if (!c)
                return {};
            tokens << c->token;
        }
        return tokens;
    }

private slots:
    void initTestCase() {
        if (!ProcessHarness::binariesKnown())
            QSKIP("TIDINGSD_BIN is not set: run through ctest");
        const QString err = m_fx.startDatabase();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void sigtermSpreadsTheClosesOverTheWindow() {
        constexpr int kDevices = 20;
        constexpr int kWindowMs = 2000;
        Node node(m_fx.pg().createDatabase(), kWindowMs / 1000);
        QVERIFY(node.start());
        const QList<QByteArray> tokens = registerUsers(node.url(), kDevices);
        QCOMPARE(tokens.size(), kDevices);
        QElapsedTimer clock;
        clock.start();
        std::vector<std::unique_ptr<Probe>> probes;
        for (const QByteArray &token : tokens) {
            probes.push_back(std::make_unique<Probe>(clock));
            QVERIFY(probes.back()->signIn(node.url(), token));
        }
        // The registrations' own connections have gone: only the probes are left.
        QVERIFY(waitFor([&] { return connectedDevices(node.port()) == kDevices; }));

        const qint64 sent = clock.elapsed();
        node.terminate();
        // New connections are refused right away (a health check on the port fails as well).
        qint64 refusedAt = -1;
        while (refusedAt < 0 && clock.elapsed() - sent < 3000) {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, node.port());
            QVERIFY(waitFor(
                [&] {
                    return probe.state() != QAbstractSocket::ConnectingState &&
                           probe.state() != QAbstractSocket::HostLookupState;
                },
                2000));
            if (probe.state() == QAbstractSocket::UnconnectedState &&
                probe.error() == QAbstractSocket::ConnectionRefusedError)
                refusedAt = clock.elapsed() - sent;
            else
                QTest::qWait(20);
        }
        QVERIFY2(refusedAt >= 0 && refusedAt < 1000, qPrintable(QString::number(refusedAt)));

        const auto allClosed = [&] {
            return std::all_of(probes.begin(), probes.end(),
                               [](const auto &p) { return p->closedAtMs >= 0; });
        };
        QVERIFY(waitFor(allClosed, kWindowMs + 10000));
        std::vector<qint64> at;
        for (const auto &p : probes) {
            QCOMPARE(p->closeCode, kCloseCode);
            at.push_back(p->closedAtMs - sent);
        }
        std::sort(at.begin(), at.end());
        QVERIFY(waitFor([&] { return !node.running(); }, 10000));
        const qint64 exitedAt = clock.elapsed() - sent;
        QVERIFY2(node.process().exitStatus() == QProcess::NormalExit &&
                     node.process().exitCode() == 0,
                 node.log().constData());
        const auto inFirstHalf =
            std::count_if(at.begin(), at.end(), [](qint64 t) { return t < kWindowMs / 2; });
        QStringList shown;
        for (qint64 t : at)
            shown << QString::number(t);
        qInfo("refused after %lld ms; closes (ms after SIGTERM): %s; exited after %lld ms",
              refusedAt, qPrintable(shown.join(' ')), exitedAt);
        // Spread over the window: the first well before its end, the last near it, about half
        // in each half, and the process gone soon after the last.
        QVERIFY2(at.front() < kWindowMs / 4, qPrintable(shown.join(' ')));
        QVERIFY2(at.back() >= kWindowMs * 3 / 4 && at.back() < kWindowMs + 1500,
                 qPrintable(shown.join(' ')));
        QVERIFY2(inFirstHalf >= kDevices / 4 && inFirstHalf <= kDevices * 3 / 4,
                 qPrintable(shown.join(' ')));
        QVERIFY2(exitedAt - at.back() < 3000, qPrintable(QString::number(exitedAt)));
        const QByteArray log = node.log();
        QVERIFY2(log.contains("draining: 20 connected devices"), log.constData());
        QVERIFY2(log.contains("drained: 20 devices"), log.constData());
    }

    void aSendInFlightGetsItsAckAndIsDelivered() {
        const QString db = m_fx.pg().createDatabase();
        Node first(db, 1);
        QVERIFY(first.start());
        auto alice = RawClient::registered(first.url(), m_fx.uniqueName(QStringLiteral("alice")));
        auto bob = RawClient::registered(first.url(), m_fx.uniqueName(QStringLiteral("bob")));
        QVERIFY(alice && bob);
        const quint64 conv = alice->openDirect(bob->username);
        QVERIFY(conv);
        QVERIFY(errorCode(alice->send(conv, QStringLiteral("before"))) == wire::ERROR_NONE);

        // alice's next send waits in PostgreSQL behind the test's lock of the conversation.
        auto lock = std::make_unique<RowLock>(db, conv);
        QVERIFY(lock->held());
        protocol::Frame f;
        f.mutable_send_request()->set_conversation_id(conv);
        f.mutable_send_request()->set_client_message_id("in-flight");
        f.mutable_send_request()->set_payload("stored during the drain");
        const quint64 rid = alice->sendRequest(f);
        QVERIFY(waitFor(
            [&] {
                return m_fx.pg().query(db, "SELECT count(*) FROM pg_stat_activity WHERE "
                                           "wait_event_type = 'Lock'") == QStringList{"1"};
            },
            10000));

        first.terminate();
        // Both devices are due within the window (1 s); alice's connection waits for her send.
        QVERIFY(waitFor([&] { return !bob->isConnected(); }, 5000));
        QTest::qWait(700);
        QVERIFY(alice->isConnected());
        QVERIFY(!alice->hasResponse(rid));
        lock->release();
        QVERIFY(alice->waitDisconnected(5000));
        const auto ack = alice->takeResponse(rid);
        QVERIFY(ack);
        QVERIFY2(ack->has_send_ack(), ack->DebugString().c_str());
        QVERIFY(waitFor([&] { return !first.running(); }, 10000));
        QCOMPARE(first.process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(first.process().exitCode(), 0);
        const QByteArray log = first.log();
        QVERIFY2(log.contains("1 of them after their requests in flight were answered"),
                 log.constData());

        // bob on another node of the same database gets both, the acked one included.
        Node second(db, 1);
        QVERIFY(second.start());
        auto bobAgain = RawClient::authenticated(second.url(), bob->token);
        QVERIFY(bobAgain);
        QVERIFY(bobAgain->waitMessages(2));
        const auto got = bobAgain->messagesIn(conv);
        QCOMPARE(got.size(), std::size_t(2));
        QCOMPARE(got[1].client_message_id(), std::string("in-flight"));
        QCOMPARE(got[1].seq(), ack->send_ack().seq());
    }

    void theClientCoreReconnectsWithinASecond() {
        constexpr int kClients = 5;
        const QString db = m_fx.pg().createDatabase();
        Node draining(db, 1);
        Node other(db, 1);
        QVERIFY(draining.start());
        QVERIFY(other.start());
        Balancer balancer({draining.port(), other.port()});
        QVERIFY(balancer.listen());
        const QList<QByteArray> tokens = registerUsers(draining.url(), kClients);
        QCOMPARE(tokens.size(), kClients);

        struct Device {
            std::unique_ptr<client::Connection> connection;
            int authentications = 0;
            qint64 closedAtMs = -1;
            qint64 backAtMs = -1;
            int scheduledDelayMs = -1;
            int attemptWhenScheduled = -1;
        };
        QElapsedTimer clock;
        clock.start();
        std::vector<Device> devices(kClients);
        for (int i = 0; i < kClients; ++i) {
            Device &d = devices[i];
            d.connection = std::make_unique<client::Connection>();
            client::Connection *c = d.connection.get();
            const QByteArray token = tokens[i];
            connect(c, &client::Connection::opened, c, [c, token, &d, &clock] {
                client::Frame auth;
                auth.mutable_auth_request()->set_device_token(token.toStdString());
                c->request(auth, [c, &d, &clock](Result<client::Frame> r) {
                    if (!r || !r->has_auth_response())
                        return;
                    c->markAuthenticated();
                    if (++d.authentications == 2)
                        d.backAtMs = clock.elapsed();
                });
            });
            connect(c, &client::Connection::closed, c, [&d, &clock] {
                if (d.closedAtMs < 0)
                    d.closedAtMs = clock.elapsed();
            });
            connect(c, &client::Connection::reconnectScheduled, c, [c, &d](int delayMs) {
                if (d.scheduledDelayMs < 0) {
                    d.scheduledDelayMs = delayMs;
                    d.attemptWhenScheduled = c->backoff().attempt();
                }
            });
            c->open(balancer.url());
        }
        QVERIFY(waitFor([&] {
            return std::all_of(devices.begin(), devices.end(),
                               [](const Device &d) { return d.authentications == 1; });
        }));
        QCOMPARE(balancer.routed[draining.port()], kClients);

        draining.terminate();
        QVERIFY(waitFor(
            [&] {
                return std::all_of(devices.begin(), devices.end(),
                                   [](const Device &d) { return d.authentications == 2; });
            },
            15000));
        QCOMPARE(balancer.routed[other.port()], kClients);
        QStringList shown;
        for (const Device &d : devices) {
            const qint64 took = d.backAtMs - d.closedAtMs;
            shown << QStringLiteral("%1 ms (delay %2)").arg(took).arg(d.scheduledDelayMs);
            // A drain is no failure: no backoff step, a delay of at most a second.
            QCOMPARE(d.attemptWhenScheduled, 0);
            QVERIFY(d.scheduledDelayMs >= 0 && d.scheduledDelayMs <= 1000);
            QVERIFY2(took <= 1500, qPrintable(QString::number(took)));
            QVERIFY(d.connection->isAuthenticated());
        }
        qInfo("back on the other node after the close: %s", qPrintable(shown.join(", ")));
        for (Device &d : devices)
            d.connection->close();
        QVERIFY(waitFor([&] { return !draining.running(); }, 10000));
        QCOMPARE(draining.process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(draining.process().exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestDrain)
#include "test_drain.moc"
