// Crash tests with real processes: tidingsd killed with SIGKILL mid-stream and restarted loses
// no acknowledged message; tidings-cli killed mid-send resends its outbox after a restart
// without creating duplicates. Both check the database directly.
#include "support/pg_fixture.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace tidings::test;

namespace {

quint16 freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

QString bin(const char *var)
{
    return QString::fromLocal8Bit(qgetenv(var));
}

} // namespace

class TestDurability : public QObject {
    Q_OBJECT
    PgFixture m_pg;
    QString m_db;
    QTemporaryDir m_tmp;
    quint16 m_port = 0;
    std::unique_ptr<QProcess> m_server;

    QString url() const { return QStringLiteral("ws://127.0.0.1:%1").arg(m_port); }

    bool startServer()
    {
        m_server = std::make_unique<QProcess>();
        m_server->setProcessChannelMode(QProcess::SeparateChannels);
        m_server->start(bin("TIDINGSD_BIN"),
                        {"--data-dir", m_tmp.filePath("server"), "--listen",
                         QStringLiteral("127.0.0.1:%1").arg(m_port), "--database-url", m_db});
        if (!m_server->waitForStarted(5000))
            return false;
        return QTest::qWaitFor(
            [&] {
                return m_server->state() != QProcess::Running ||
                       m_server->peek(4096).contains("tidingsd listening on ws://");
            },
            30000) &&
               m_server->state() == QProcess::Running;
    }

    void killServer()
    {
        ::kill(pid_t(m_server->processId()), SIGKILL);
        m_server->waitForFinished(5000);
    }

    //! Runs tidings-cli to completion; returns exit code, stdout in *out.
    int cli(const QString &profile, const QStringList &args, QByteArray *out = nullptr,
            const QByteArray &stdinData = {}, int timeoutMs = 120000)
    {
        QProcess p;
        p.start(bin("TIDINGS_CLI_BIN"), QStringList{"--profile", m_tmp.filePath(profile)} + args);
        if (!p.waitForStarted(5000))
            return -1;
        if (!stdinData.isEmpty())
            p.write(stdinData);
        p.closeWriteChannel();
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished();
            return -2;
        }
        if (out)
            *out = p.readAllStandardOutput();
        if (p.exitCode() != 0)
            qWarning("cli %s: %s", qPrintable(args.join(' ')), p.readAllStandardError().constData());
        return p.exitCode();
    }

    QString sql(const QString &q) { return m_pg.query(m_db, q).value(0); }

private slots:
    void initTestCase()
    {
        QVERIFY2(!bin("TIDINGSD_BIN").isEmpty() && !bin("TIDINGS_CLI_BIN").isEmpty(),
                 "run through ctest (TIDINGSD_BIN and TIDINGS_CLI_BIN)");
        const QString err = m_pg.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_db = m_pg.createDatabase();
        m_port = freePort();
        QVERIFY(startServer());
        QCOMPARE(cli("alice", {"--server", url(), "register", "alice"}, nullptr, "password-a\n"), 0);
        QCOMPARE(cli("bob", {"--server", url(), "register", "bob"}, nullptr, "password-b\n"), 0);
        QCOMPARE(cli("carol", {"--server", url(), "register", "carol"}, nullptr, "password-c\n"), 0);
    }

    void cleanupTestCase()
    {
        if (m_server && m_server->state() == QProcess::Running) {
            m_server->terminate();
            m_server->waitForFinished(10000);
        }
    }

    void serverKilledMidStreamLosesNoAckedMessage()
    {
        const int n = 3000;
        QProcess sender;
        sender.start(bin("TIDINGS_CLI_BIN"),
                     {"--profile", m_tmp.filePath("alice"), "send", "bob", "--count",
                      QString::number(n), "--prefix", "k", "--timeout-ms", "120000"});
        QVERIFY(sender.waitForStarted());
        // Kill the server once part of the stream is stored.
        QVERIFY(QTest::qWaitFor([&] { return sql("SELECT count(*) FROM messages").toInt() >= 300; },
                                60000));
        killServer();
        const int storedAtKill = sql("SELECT count(*) FROM messages").toInt();
        QVERIFY(storedAtKill < n); // the kill really happened mid-stream
        QTest::qWait(1500);       // the client notices and backs off
        QVERIFY(startServer());
        QVERIFY(sender.waitForFinished(120000));
        QCOMPARE(sender.exitCode(), 0);
        const QByteArray summaryLine = sender.readAllStandardOutput().trimmed().split('\n').last();
        const QJsonObject summary = QJsonDocument::fromJson(summaryLine).object();
        QCOMPARE(summary.value("acked").toInt(), n);

        // Every message exactly once, gap-free seq.
        QCOMPARE(sql("SELECT count(*) || ',' || count(DISTINCT client_message_id) || ',' || "
                     "min(seq) || ',' || max(seq) FROM messages"),
                 QStringLiteral("%1,%1,1,%1").arg(n));

        QByteArray received;
        QCOMPARE(cli("bob", {"receive", "--until-count", QString::number(n), "--wait-ms", "10000"},
                     &received),
                 0);
        QSet<QString> texts;
        quint64 lastSeq = 0;
        for (const QByteArray &line : received.split('\n')) {
            if (line.trimmed().isEmpty())
                continue;
            const QJsonObject m = QJsonDocument::fromJson(line).object();
            QVERIFY2(!texts.contains(m.value("text").toString()), line.constData());
            texts.insert(m.value("text").toString());
            const quint64 seq = quint64(m.value("seq").toDouble());
            QVERIFY(seq > lastSeq);
            lastSeq = seq;
            QCOMPARE(m.value("from").toString(), QString("alice"));
        }
        QCOMPARE(texts.size(), n);
        for (int i = 1; i <= n; ++i)
            QVERIFY(texts.contains(QStringLiteral("k-%1").arg(i)));
    }

    void clientKilledMidSendResendsWithoutDuplicates()
    {
        const int n = 2000;
        const QString before = sql("SELECT count(*) FROM messages");
        QProcess sender;
        sender.start(bin("TIDINGS_CLI_BIN"),
                     {"--profile", m_tmp.filePath("carol"), "send", "bob", "--count",
                      QString::number(n), "--prefix", "c", "--timeout-ms", "120000"});
        QVERIFY(sender.waitForStarted());
        const auto carolCount = [&] {
            return sql("SELECT count(*) FROM messages m JOIN users u ON u.id = m.sender_user_id "
                       "WHERE u.username = 'carol'")
                .toInt();
        };
        QVERIFY(QTest::qWaitFor([&] { return carolCount() >= 50; }, 60000));
        ::kill(pid_t(sender.processId()), SIGKILL);
        sender.waitForFinished(5000);
        const int atKill = carolCount();
        QVERIFY2(atKill < n, "the client finished before it could be killed");

        // Any new session of that profile resends the outbox.
        for (int attempt = 0; attempt < 5 && carolCount() < n; ++attempt)
            QCOMPARE(cli("carol", {"receive", "--wait-ms", "2000"}), 0);
        QCOMPARE(carolCount(), n);
        QCOMPARE(sql("SELECT count(DISTINCT client_message_id) FROM messages m JOIN users u ON "
                     "u.id = m.sender_user_id WHERE u.username = 'carol'"),
                 QString::number(n));
        Q_UNUSED(before);
    }
};

QTEST_GUILESS_MAIN(TestDurability)
#include "test_durability.moc"
