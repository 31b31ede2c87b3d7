// tidings-admin's ServerSupervisor (admin/server_supervisor.h) with the real tidingsd: it starts
// the server and reads its ready line, the admin API answers; kill -9 makes it start the server
// again after the backoff, which grows while the server keeps failing; stop ends it for good.
#include "support/integration_fixture.h"

#include "admin_client.h"
#include "server_supervisor.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace tidings;
using namespace tidings::test;
using admin::ServerSupervisor;

class TestAdminSupervisor : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QTemporaryDir m_tmp;

    ServerSupervisor::Options options(const QString &listen) {
        ServerSupervisor::Options o;
        o.program = qEnvironmentVariable("TIDINGSD_BIN");
        o.arguments = {"--data-dir",
                       m_tmp.filePath("data"),
                       "--listen",
                       listen,
                       "--database-url",
                       m_fx.pg().createDatabase(),
                       "--cheap-password-hashing"};
        o.firstBackoffMs = 200;
        o.maxBackoffMs = 1600;
        o.stableMs = 60000;
        return o;
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.startDatabase();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        QVERIFY(!qEnvironmentVariableIsEmpty("TIDINGSD_BIN"));
    }

    void aServerThatDiesIsStartedAgain() {
        ServerSupervisor sv(options(QStringLiteral("127.0.0.1:0")));
        QSignalSpy crashed(&sv, &ServerSupervisor::crashed);
        sv.start();
        QTRY_COMPARE_WITH_TIMEOUT(sv.state(), ServerSupervisor::State::Running, 30000);
        QVERIFY2(sv.listenUrl().startsWith("ws://127.0.0.1:"), qPrintable(sv.listenUrl()));
        admin::AdminClient client(m_tmp.filePath("data"));
        auto status = client.callAndWait(QStringLiteral("status"));
        QVERIFY2(status.ok(), qPrintable(status ? QString() : status.error().toString()));

        const qint64 first = sv.pid();
        QCOMPARE(::kill(pid_t(first), SIGKILL), 0);
        QTRY_COMPARE_WITH_TIMEOUT(crashed.size(), 1, 10000);
        QCOMPARE(crashed[0][2].toInt(), 200); // the first backoff
        QTRY_COMPARE_WITH_TIMEOUT(sv.state(), ServerSupervisor::State::Running, 30000);
        QVERIFY(sv.pid() != first);
        QCOMPARE(sv.crashes(), 1);
        admin::AdminClient again(m_tmp.filePath("data"));
        status = again.callAndWait(QStringLiteral("status"));
        QVERIFY2(status.ok(), qPrintable(status ? QString() : status.error().toString()));
        QVERIFY(sv.log().join('\n').contains("tidingsd listening on"));

        // Restart, then stop before the old process has exited: stop wins.
        const qint64 second = sv.pid();
        sv.restart();
        sv.stop();
        QTRY_COMPARE_WITH_TIMEOUT(sv.state(), ServerSupervisor::State::Stopped, 20000);
        QTest::qWait(500);
        QCOMPARE(sv.state(), ServerSupervisor::State::Stopped);
        // A plain restart comes back with a new process.
        sv.start();
        QTRY_COMPARE_WITH_TIMEOUT(sv.state(), ServerSupervisor::State::Running, 30000);
        QVERIFY(sv.pid() != second);
        const qint64 third = sv.pid();
        sv.restart();
        QTRY_VERIFY_WITH_TIMEOUT(
            sv.state() == ServerSupervisor::State::Running && sv.pid() != third, 30000);

        // Asked to stop: it stays stopped.
        sv.stop();
        QTRY_COMPARE_WITH_TIMEOUT(sv.state(), ServerSupervisor::State::Stopped, 20000);
        QTest::qWait(500);
        QCOMPARE(sv.state(), ServerSupervisor::State::Stopped);
        QCOMPARE(crashed.size(), 1);
        QVERIFY(!admin::AdminClient(m_tmp.filePath("data")).serverListening());
    }

    void aServerThatCannotStartIsRetriedLessAndLessOften() {
        // The port is taken: tidingsd says so and exits; the delays double up to the ceiling.
        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress::LocalHost));
        ServerSupervisor sv(options(QStringLiteral("127.0.0.1:%1").arg(taken.serverPort())));
        QSignalSpy crashed(&sv, &ServerSupervisor::crashed);
        sv.start();
        QTRY_VERIFY_WITH_TIMEOUT(crashed.size() >= 3, 30000);
        QCOMPARE(crashed[0][2].toInt(), 200);
        QCOMPARE(crashed[1][2].toInt(), 400);
        QCOMPARE(crashed[2][2].toInt(), 800);
        QCOMPARE(crashed[0][0].toInt(), 1);
        QVERIFY2(sv.log().join('\n').contains("cannot listen"), qPrintable(sv.log().join('\n')));
        sv.stop();
        QTRY_COMPARE_WITH_TIMEOUT(sv.state(), ServerSupervisor::State::Stopped, 20000);
    }
};

QTEST_GUILESS_MAIN(TestAdminSupervisor)
#include "test_admin_supervisor.moc"
