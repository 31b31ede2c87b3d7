// Host names in the connection string are looked up off the event loop and handed to libpq as
// addresses: PgConninfo's rewriting (multi-host lists, ports, URIs, sockets, literals), a real
// connection by name, a name that does not resolve, and the loop running on during a lookup.
#include "support/pg_fixture.h"

#include "db/pg_connection.h"
#include "db/pg_conninfo.h"

#include <QElapsedTimer>
#include <QHostInfo>
#include <QLocalSocket>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <optional>

using namespace tidings;
using namespace tidings::server;
using namespace tidings::test;

namespace {

//! The parameters as one "key=value" line per keyword, for comparing.
QStringList describe(const PgConnectParams &p) {
    QStringList out;
    for (std::size_t i = 0; i < p.keywords.size(); ++i)
        out << QString::fromUtf8(p.keywords[i] + '=' + p.values[i]);
    out.sort();
    return out;
}

QList<QHostAddress> addrs(std::initializer_list<const char *> list) {
    QList<QHostAddress> out;
    for (const char *a : list)
        out << QHostAddress(QString::fromLatin1(a));
    return out;
}

//! The test cluster listens on a unix socket only; this forwards a TCP port on 127.0.0.1 to it,
//! so that a connection string can name the server by host name.
class TcpToUnixProxy : public QObject {
public:
    explicit TcpToUnixProxy(QString socketPath)
        : m_path(std::move(socketPath)) {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *tcp = m_server.nextPendingConnection()) {
                ++accepted;
                auto *local = new QLocalSocket(tcp);
                local->connectToServer(m_path);
                if (!local->waitForConnected(2000)) {
                    tcp->abort();
                    tcp->deleteLater();
                    continue;
                }
                connect(tcp, &QTcpSocket::readyRead, local,
                        [tcp, local] { local->write(tcp->readAll()); });
                connect(local, &QLocalSocket::readyRead, tcp,
                        [tcp, local] { tcp->write(local->readAll()); });
                connect(local, &QLocalSocket::disconnected, tcp, &QTcpSocket::disconnectFromHost);
                connect(tcp, &QTcpSocket::disconnected, tcp, &QObject::deleteLater);
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }
    int accepted = 0;

private:
    QString m_path;
    QTcpServer m_server;
};

bool connects(PgConnection &conn) {
    QSignalSpy ok(&conn, &PgConnection::connected);
    conn.open();
    if (!ok.wait(15000))
        return false;
    std::optional<PgResult> r;
    conn.exec(PgQuery{"SELECT current_database()", {}, {}}, [&r](PgResult x) { r = x; });
    return QTest::qWaitFor([&] { return r.has_value(); }, 10000) && r->ok();
}

} // namespace

class TestPgHosts : public QObject {
    Q_OBJECT
    PgFixture m_pg;
    QString m_dbname;
    std::unique_ptr<TcpToUnixProxy> m_proxy;

    QString viaProxy(const QString &hosts) const {
        return QStringLiteral("host=%1 port=%2 dbname=%3 user=postgres sslmode=disable")
            .arg(hosts)
            .arg(m_proxy->port())
            .arg(m_dbname);
    }

private slots:
    void initTestCase() {
        const QString err = m_pg.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        const QString conninfo = m_pg.createDatabase();
        const auto host = QRegularExpression("host=(\\S+)").match(conninfo).captured(1);
        const auto port = QRegularExpression("port=(\\d+)").match(conninfo).captured(1);
        m_dbname = QRegularExpression("dbname=(\\S+)").match(conninfo).captured(1);
        QVERIFY(!host.isEmpty() && !port.isEmpty() && !m_dbname.isEmpty());
        m_proxy = std::make_unique<TcpToUnixProxy>(host + "/.s.PGSQL." + port);
        QVERIFY(m_proxy->listen());
    }

    void socketsAndLiteralAddressesNeedNoLookup() {
        for (const char *info :
             {"host=/run/postgresql port=5432 dbname=x", "host=127.0.0.1,::1 dbname=x",
              "host=@abstract dbname=x", "dbname=x", "hostaddr=10.0.0.9 dbname=x",
              "host=db1 hostaddr=10.0.0.9 dbname=x"}) {
            auto parsed = PgConninfo::parse(QString::fromLatin1(info));
            QVERIFY2(parsed.ok(), info);
            QVERIFY2(parsed->namesToResolve().isEmpty(), info);
            // Passed on as given.
            auto params = parsed->connectParams({});
            QVERIFY(params.ok());
            QVERIFY(describe(*params).contains("dbname=x"));
        }
        auto parsed = PgConninfo::parse("host=/run/postgresql port=5433 dbname=x");
        QCOMPARE(describe(*parsed->connectParams({})),
                 (QStringList{"dbname=x", "host=/run/postgresql", "port=5433"}));
    }

    void eachNameBecomesOneEntryPerAddress() {
        const QHash<QString, QList<QHostAddress>> dns{{"db1", addrs({"10.0.0.1", "fd00::1"})},
                                                      {"db2", addrs({"10.0.0.2"})}};
        const QStringList expected{"dbname=app",
                                   "host=db1,db1,db2",
                                   "hostaddr=10.0.0.1,fd00::1,10.0.0.2",
                                   "port=5432,5432,5433",
                                   "target_session_attrs=read-write",
                                   "user=tidings"};
        for (const char *info :
             {"host=db1,db2 port=5432,5433 dbname=app user=tidings "
              "target_session_attrs=read-write",
              "postgresql://tidings@db1:5432,db2:5433/app?target_session_attrs=read-write"}) {
            auto parsed = PgConninfo::parse(QString::fromLatin1(info));
            QVERIFY2(parsed.ok(), info);
            QCOMPARE(parsed->namesToResolve(), (QStringList{"db1", "db2"}));
            auto params = parsed->connectParams(dns);
            QVERIFY(params.ok());
            QCOMPARE(describe(*params), expected);
        }
        // One port for all hosts stays one port; a socket entry keeps its place (empty address).
        auto mixed = PgConninfo::parse("host=/run/pg,db2,db2 port=6000 dbname=app");
        QCOMPARE(mixed->namesToResolve(), QStringList{"db2"});
        QCOMPARE(describe(*mixed->connectParams(dns)),
                 (QStringList{"dbname=app", "host=/run/pg,db2,db2", "hostaddr=,10.0.0.2,10.0.0.2",
                              "port=6000"}));
    }

    void namesThatDoNotResolveAreLeftOutOrFail() {
        auto parsed = PgConninfo::parse("host=gone,db2 port=5432,5433 dbname=app");
        QCOMPARE(parsed->namesToResolve(), (QStringList{"gone", "db2"}));
        auto some = parsed->connectParams({{"db2", addrs({"10.0.0.2"})}});
        QVERIFY(some.ok());
        QCOMPARE(describe(*some),
                 (QStringList{"dbname=app", "host=db2", "hostaddr=10.0.0.2", "port=5433"}));
        auto none = parsed->connectParams({}, {{"gone", "Host not found"}});
        QVERIFY(!none.ok());
        QVERIFY2(none.error().detail.contains("\"gone\" (Host not found)"),
                 qPrintable(none.error().detail));
        QVERIFY2(none.error().detail.contains("\"db2\""), qPrintable(none.error().detail));
    }

    void listsThatDoNotLineUpAreLibpqsToReport() {
        // libpq checks these before any lookup; nothing is resolved or rewritten here.
        for (const char *info :
             {"host=a,b port=1,2,3 dbname=x", "host=a,b hostaddr=10.0.0.1 dbname=x"}) {
            auto parsed = PgConninfo::parse(QString::fromLatin1(info));
            QVERIFY(parsed.ok());
            QVERIFY(parsed->namesToResolve().isEmpty());
        }
        auto bad = PgConninfo::parse("host");
        QVERIFY(!bad.ok());
        QVERIFY(bad.error().detail.startsWith("invalid database connection string"));
    }

    void hostFromTheEnvironment() {
        qputenv("PGHOST", "envhost");
        auto parsed = PgConninfo::parse("dbname=x");
        qunsetenv("PGHOST");
        QCOMPARE(parsed->namesToResolve(), QStringList{"envhost"});
        QCOMPARE(describe(*parsed->connectParams({{"envhost", addrs({"10.1.1.1"})}})),
                 (QStringList{"dbname=x", "host=envhost", "hostaddr=10.1.1.1"}));
    }

    void connectsByHostName() {
        PgConnection conn(viaProxy("localhost"), true);
        const int before = m_proxy->accepted;
        QVERIFY(connects(conn));
        QVERIFY(m_proxy->accepted > before);
    }

    void multiHostSkipsANameThatDoesNotResolve() {
        // The first host does not exist; libpq goes on to the next, as it always did.
        PgConnection conn(viaProxy("tidings-no-such-host.invalid,localhost"), true);
        QVERIFY(connects(conn));
        PgConnection uri(QStringLiteral("postgresql://postgres@tidings-no-such-host.invalid:%1,"
                                        "localhost:%1/%2?target_session_attrs=read-write&"
                                        "sslmode=disable")
                             .arg(m_proxy->port())
                             .arg(m_dbname),
                         true);
        QVERIFY(connects(uri));
    }

    void aNameThatDoesNotResolveFailsTyped() {
        PgConnection conn(viaProxy("tidings-no-such-host.invalid"), true);
        QSignalSpy failed(&conn, &PgConnection::connectionFailed);
        std::optional<PgResult> queued;
        conn.exec(PgQuery{"SELECT 1", {}, {}}, [&queued](PgResult r) { queued = r; });
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression("could not resolve host name "
                                                "\\\\\"tidings-no-such-host.invalid\\\\\""));
        conn.open();
        QVERIFY(failed.wait(15000));
        QCOMPARE(conn.lastError(), PgConnection::ConnectError::HostNotFound);
        QVERIFY2(failed.at(0).at(0).toString().contains("tidings-no-such-host.invalid"),
                 qPrintable(failed.at(0).at(0).toString()));
        QTRY_VERIFY(queued.has_value());
        QCOMPARE(queued->failureKind(), PgFailure::NotSent);
    }

    void theLoopRunsWhileANameIsLookedUp() {
        PgConnection conn(viaProxy("db.tidings.test"), true);
        QStringList asked;
        // A lookup that takes 400 ms to answer, like a slow DNS server.
        conn.setHostLookup([&asked](const QString &name, QObject *context,
                                    std::function<void(const QHostInfo &)> answer) {
            asked << name;
            QTimer::singleShot(400, context, [answer] {
                QHostInfo info;
                info.setAddresses({QHostAddress(QHostAddress::LocalHost)});
                answer(info);
            });
        });
        int ticks = 0;
        QTimer ticker;
        connect(&ticker, &QTimer::timeout, [&ticks] { ++ticks; });
        ticker.start(10);
        QSignalSpy ready(&conn, &PgConnection::connected);
        std::optional<PgResult> queued;
        QElapsedTimer clock;
        clock.start();
        conn.open();
        conn.exec(PgQuery{"SELECT 7 AS v", {}, {}}, [&queued](PgResult r) { queued = r; });
        QCOMPARE(asked, QStringList{"db.tidings.test"});
        QVERIFY(!conn.isReady());
        QVERIFY(ready.wait(15000));
        QVERIFY(clock.elapsed() >= 350);
        QVERIFY2(ticks >= 10, qPrintable(QString::number(ticks))); // the loop kept running
        QTRY_VERIFY(queued.has_value());
        QVERIFY(queued->ok());
        QCOMPARE(queued->int64(0, "v"), 7);
    }
};

QTEST_GUILESS_MAIN(TestPgHosts)
#include "test_pg_hosts.moc"
