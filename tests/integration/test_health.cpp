// GET /healthz (issue 13, gateway/health_http.h): 200 with the server's version, uptime and
// connected devices while every database connection is up and the database answers; 503 with a
// reason within about 2 s when it does not (the database's backends are frozen with SIGSTOP, as
// a hung disk would), and 200 again once it answers.
#include "support/integration_fixture.h"
#include "support/media_client.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QTest>

#include <csignal>

using namespace tidings;
using namespace tidings::test;

class TestHealth : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;

    HttpReply health() {
        MediaClient http(quint16(m_fx.url().port()));
        return http.raw("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 10000);
    }
    //! SIGSTOP or SIGCONT to the database's client backends (the server's connections).
    void signalBackends(int sig) {
        const QStringList pids = m_fx.sqlColumn(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
            "pg_backend_pid() AND backend_type = 'client backend'");
        QVERIFY(!pids.isEmpty());
        for (const QString &pid : pids)
            QCOMPARE(::kill(pid_t(pid.toInt()), sig), 0);
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void healthSaysWhetherTheDatabaseAnswers() {
        auto alice = m_fx.newUser(QStringLiteral("alice"));
        QVERIFY(alice);
        HttpReply ok = health();
        QCOMPARE(ok.status, 200);
        QCOMPARE(ok.json().value("status").toString(), QStringLiteral("ok"));
        QCOMPARE(ok.json().value("devices_connected").toInt(), 1);
        QVERIFY(ok.json().value("database_connections").toInt() >= 1);
        QVERIFY(ok.json().contains("uptime_s"));
        QCOMPARE(ok.header("cache-control"), QByteArray("no-store"));

        // The database stops answering: 503 with the reason, in bounded time.
        signalBackends(SIGSTOP);
        QElapsedTimer t;
        t.start();
        HttpReply down = health();
        const qint64 took = t.elapsed();
        signalBackends(SIGCONT);
        QCOMPARE(down.status, 503);
        QCOMPARE(down.json().value("status").toString(), QStringLiteral("unavailable"));
        QVERIFY2(down.json().value("reason").toString().contains("did not answer"),
                 down.body.constData());
        QVERIFY2(took < 5000, qPrintable(QString::number(took)));
        // Back to normal once it answers.
        QTRY_COMPARE_WITH_TIMEOUT(health().status, 200, 10000);
        QVERIFY(alice->ping());
    }
};

QTEST_GUILESS_MAIN(TestHealth)
#include "test_health.moc"
