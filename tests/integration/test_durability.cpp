// Crash tests with real processes: tidingsd killed with SIGKILL mid-stream and restarted loses
// no acknowledged message; tidings-cli killed mid-send resends its outbox after a restart
// without creating duplicates. Both check the database directly.
#include "common/sanitizers.h"
#include "support/integration_fixture.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

#include <csignal>

using namespace tidings::test;

namespace {
// Under ASan every message costs several times its CPU: the streams are shorter there (still
// long enough that the kill lands mid-stream), and full length in the other builds.
constexpr int kScale = tidings::test::kUnderAsan ? 3 : 1;
} // namespace

class TestDurability : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    std::unique_ptr<ProcessHarness> m_proc;

    QString sql(const QString &q) { return m_fx.pg().query(m_proc->conninfo(), q).value(0); }
    int cli(const QString &profile, const QStringList &args, QByteArray *out = nullptr,
            const QByteArray &stdinData = {}) {
        auto r = m_proc->cli(profile, args, stdinData);
        if (out)
            *out = r.out;
        return r.exitCode;
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.startDatabase();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_proc = m_fx.processServer();
        QVERIFY(m_proc);
        const QString url = m_proc->url();
        QCOMPARE(cli("alice", {"--server", url, "register", "alice"}, nullptr, "password-a\n"), 0);
        QCOMPARE(cli("bob", {"--server", url, "register", "bob"}, nullptr, "password-b\n"), 0);
        QCOMPARE(cli("carol", {"--server", url, "register", "carol"}, nullptr, "password-c\n"), 0);
    }

    void cleanupTestCase() { m_proc.reset(); }

    void serverKilledMidStreamLosesNoAckedMessage() {
        const int n = 3000 / kScale;
        // The client's connection log on stderr says when it lost the server.
        auto senderProc = m_proc->startCli("alice",
                                           {"send", "bob", "--count", QString::number(n),
                                            "--prefix", "k", "--timeout-ms", "120000"},
                                           QStringLiteral("tidings.app.net.info=true"));
        QProcess &sender = *senderProc;
        // Kill the server once part of the stream is stored.
        QVERIFY(QTest::qWaitFor([&] { return sql("SELECT count(*) FROM messages").toInt() >= 300; },
                                60000));
        QByteArray log = sender.readAllStandardError();
        const qsizetype beforeKill = log.size();
        m_proc->killServer();
        const int storedAtKill = sql("SELECT count(*) FROM messages").toInt();
        QVERIFY(storedAtKill < n); // the kill really happened mid-stream
        // The client notices and backs off before the server is back.
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         log += sender.readAllStandardError();
                         return log.indexOf("reconnecting in", beforeKill) >= 0;
                     },
                     kWaitMs),
                 log.constData());
        QVERIFY(m_proc->startServer());
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

    void clientKilledMidSendResendsWithoutDuplicates() {
        const int n = 2000 / kScale;
        auto senderProc = m_proc->startCli("carol", {"send", "bob", "--count", QString::number(n),
                                                     "--prefix", "c", "--timeout-ms", "120000"});
        QProcess &sender = *senderProc;
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
    }
};

QTEST_GUILESS_MAIN(TestDurability)
#include "test_durability.moc"
