// tidings-cli end to end against a real tidingsd process: the commands of the groups,
// multi-device, presence and contacts issue, their JSON output and their exit codes.
#include "support/integration_fixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace tidings::test;

class TestCli : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    std::unique_ptr<ProcessHarness> m_proc;

    ProcessHarness::Run cli(const QString &profile, const QStringList &args,
                            const QByteArray &in = {}) {
        return m_proc->cli(profile, args, in);
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.startDatabase();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_proc = m_fx.processServer();
        QVERIFY(m_proc);
        for (const char *u : {"alice", "bob", "carol", "dave"})
            QCOMPARE(cli(u, {"--server", m_proc->url(), "register", u}, "password-123\n").exitCode,
                     0);
        // alice on a second device, linked by a code her first device shows
        QCOMPARE(
            cli("alice2", {"--server", m_proc->url(), "login", "alice"}, "password-123\n").exitCode,
            0);
        auto shower = m_proc->startCli("alice", {"link-code", "--timeout-ms", "30000"});
        QVERIFY(shower->waitForReadyRead(20000));
        const QJsonObject offer = QJsonDocument::fromJson(shower->readLine()).object();
        const QString code = offer.value("code").toString();
        QVERIFY2(!code.isEmpty(), shower->readAllStandardError().constData());
        auto linked = cli("alice2", {"link", code});
        QCOMPARE(linked.exitCode, 0);
        QCOMPARE(linked.lines().value(0).value("linked").toBool(), true);
        QVERIFY(shower->waitForFinished(20000));
        QCOMPARE(shower->exitCode(), 0);
    }
    void cleanupTestCase() { m_proc.reset(); }

    void helpIsUsageOnStdout() {
        const auto help = cli("alice", {"--help"});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.startsWith("usage: tidings-cli"));
        // A wrong command line still gets it on stderr, with exit code 2.
        const auto wrong = cli("alice", {"no-such-command"});
        QCOMPARE(wrong.exitCode, 2);
        QVERIFY(wrong.out.isEmpty());
    }

    void groupsEndToEnd() {
        auto created = cli("alice", {"group", "create", "Team", "bob", "carol"});
        QCOMPARE(created.exitCode, 0);
        const QJsonObject g = created.lines().value(0);
        const QString group = QString::number(g.value("group").toInteger());
        QVERIFY(group.toLongLong() > 0);
        QCOMPARE(g.value("name").toString(), QString("Team"));
        QCOMPARE(g.value("members").toArray().size(), 3);

        QCOMPARE(cli("alice", {"send", "--group", group, "hello team"}).exitCode, 0);
        // A non-admin may not add; the error is typed and the exit status says so.
        auto refused = cli("bob", {"group", "add", group, "dave"});
        QCOMPARE(refused.exitCode, 3);
        QVERIFY2(refused.err.contains("NOT_ADMIN"), refused.err.constData());
        QCOMPARE(cli("alice", {"group", "add", group, "dave"}).exitCode, 0);
        QCOMPARE(cli("alice", {"group", "promote", group, "bob"}).exitCode, 0);
        QCOMPARE(cli("bob", {"group", "remove", group, "carol"}).exitCode, 0);

        // bob sees the whole story in order: created, the message, added, promoted, removed.
        auto got = cli("bob", {"receive", "--until-count", "5", "--wait-ms", "15000"});
        QCOMPARE(got.exitCode, 0);
        const auto lines = got.lines();
        QCOMPARE(lines.size(), 5);
        QCOMPARE(lines[0].value("event").toString(), QString("created"));
        QCOMPARE(lines[1].value("text").toString(), QString("hello team"));
        QCOMPARE(lines[1].value("from").toString(), QString("alice"));
        QCOMPARE(QString::number(lines[1].value("group").toInteger()), group);
        QCOMPARE(lines[2].value("event").toString(), QString("member_added"));
        QCOMPARE(lines[2].value("target").toString(), QString("dave"));
        QCOMPARE(lines[3].value("event").toString(), QString("admin_granted"));
        QCOMPARE(lines[4].value("event").toString(), QString("member_removed"));
        // Every change was signed by an admin and verified by bob's client.
        for (int i : {0, 2, 3, 4})
            QCOMPARE(lines[i].value("check").toString(), QString("verified"));
        for (int i = 1; i < lines.size(); ++i)
            QVERIFY(lines[i].value("seq").toInteger() > lines[i - 1].value("seq").toInteger());

        // carol is out: cannot send any more.
        auto out = cli("carol", {"send", "--group", group, "let me in"});
        QCOMPARE(out.exitCode, 3);
        QVERIFY(out.err.contains("NOT_MEMBER"));

        auto info = cli("dave", {"group", "info", group});
        QCOMPARE(info.exitCode, 0);
        QCOMPARE(info.lines().value(0).value("members").toArray().size(), 3);
        auto readers =
            cli("alice", {"readers", group, QString::number(lines[1].value("seq").toInteger())});
        QCOMPARE(readers.exitCode, 0);
        // bob; dave joined after the message and carol was removed
        QCOMPARE(readers.lines().value(0).value("recipients").toInt(), 1);
    }

    void safetyNumbersAndVerification() {
        auto a = cli("alice", {"safety-number", "bob"});
        auto b = cli("bob", {"safety-number", "alice"});
        QCOMPARE(a.exitCode, 0);
        QCOMPARE(b.exitCode, 0);
        const QString digits = a.lines().value(0).value("safety_number").toString();
        QCOMPARE(QString(digits).remove(u' ').size(), 60);
        QCOMPARE(b.lines().value(0).value("safety_number").toString(), digits);
        QCOMPARE(a.lines().value(0).value("verified").toBool(), false);
        auto v = cli("alice", {"verify", "bob"});
        QCOMPARE(v.exitCode, 0);
        QCOMPARE(v.lines().value(0).value("verified").toBool(), true);
        QCOMPARE(cli("alice", {"safety-number", "bob"}).lines().value(0).value("verified").toBool(),
                 true);
        // Each device shows its key fingerprint.
        auto devices = cli("bob", {"devices"});
        QCOMPARE(devices.exitCode, 0);
        QVERIFY(!devices.lines().value(0).value("fingerprint").toString().isEmpty());
    }

    void multiDeviceAndRevoke() {
        QCOMPARE(cli("alice", {"send", "dave", "from device one"}).exitCode, 0);
        // alice's other device shows her own message too.
        auto mine = cli("alice2", {"receive", "--wait-ms", "3000"});
        QCOMPARE(mine.exitCode, 0);
        bool seen = false;
        for (const auto &l : mine.lines())
            seen = seen || (l.value("text").toString() == "from device one" &&
                            l.value("from").toString() == "alice");
        QVERIFY2(seen, mine.out.constData());

        auto devices = cli("alice", {"devices"});
        QCOMPARE(devices.exitCode, 0);
        QCOMPARE(devices.lines().size(), 2);
        qint64 other = 0;
        for (const auto &d : devices.lines())
            if (!d.value("current").toBool())
                other = d.value("device_id").toInteger();
        QVERIFY(other > 0);
        QCOMPARE(cli("alice", {"devices", "revoke", QString::number(other)}).exitCode, 0);
        auto cut = cli("alice2", {"receive", "--wait-ms", "1000"});
        QCOMPARE(cut.exitCode, 3);
        QVERIFY2(cut.err.contains("BAD_TOKEN"), cut.err.constData());
    }

    void presencePrivacyAndBlocking() {
        auto p = cli("bob", {"presence", "carol"});
        QCOMPARE(p.exitCode, 0);
        QCOMPARE(p.lines().value(0).value("visible").toBool(), true);
        QCOMPARE(p.lines().value(0).value("online").toBool(), false); // carol is not connected
        QCOMPARE(cli("carol", {"privacy", "last-seen", "nobody"}).exitCode, 0);
        QCOMPARE(cli("bob", {"presence", "carol"}).lines().value(0).value("visible").toBool(),
                 false);
        QCOMPARE(cli("carol", {"privacy", "last-seen", "contacts"}).exitCode, 0);
        QCOMPARE(cli("carol", {"contacts", "add", "bob"}).exitCode, 0);
        QCOMPARE(cli("bob", {"presence", "carol"}).lines().value(0).value("visible").toBool(),
                 true);
        QCOMPARE(cli("dave", {"presence", "carol"}).lines().value(0).value("visible").toBool(),
                 false);

        QCOMPARE(cli("carol", {"block", "dave"}).exitCode, 0);
        auto blocked = cli("dave", {"send", "carol", "hi?"});
        QCOMPARE(blocked.exitCode, 3);
        QVERIFY(blocked.err.contains("FORBIDDEN"));
        QCOMPARE(cli("carol", {"unblock", "dave"}).exitCode, 0);
        QCOMPARE(cli("dave", {"send", "carol", "hi!"}).exitCode, 0);
    }

    void pacedSendsGoOneAtATime() {
        // --interval-ms: the first at once, the others 150 ms apart once it was stored, each
        // stored before the receiver sees the next (latency runs: cli_latency.sh).
        auto sent = cli(
            "alice", {"send", "bob", "--count", "3", "--prefix", "paced", "--interval-ms", "150"});
        QCOMPARE(sent.exitCode, 0);
        const auto summary = sent.lines().value(0);
        QCOMPARE(summary.value("sent").toInt(), 3);
        QCOMPARE(summary.value("acked").toInt(), 3);
        QVERIFY2(summary.value("elapsed_ms").toInteger() >= 300, sent.out.constData());
        // Other lines may come first (events of a group bob shares, e.g. a member's new key
        // after an earlier test's device removal): receive until the three are in.
        QList<qint64> sentAt;
        for (int attempt = 0; attempt < 5 && sentAt.size() < 3; ++attempt) {
            auto got = cli("bob", {"receive", "--until-count", QString::number(3 - sentAt.size()),
                                   "--wait-ms", "20000"});
            QCOMPARE(got.exitCode, 0);
            for (const QJsonObject &l : got.lines())
                if (l.value("text").toString().startsWith(QStringLiteral("paced-")))
                    sentAt << l.value("sent_at").toInteger();
        }
        QCOMPARE(sentAt.size(), 3);
        QVERIFY(sentAt[1] - sentAt[0] >= 100 && sentAt[2] - sentAt[1] >= 100);
        // Without --count it is refused, with a clear word.
        auto bad = cli("alice", {"send", "bob", "hi", "--interval-ms", "10"});
        QVERIFY(bad.exitCode != 0);
        QVERIFY(bad.err.contains("--interval-ms needs --count"));
    }

    void typingReachesAConnectedPeer() {
        // Its sync log on stderr says when its session is up (the inbox is drained); quiet for
        // up to a minute, it is stopped as soon as the typing line is in.
        auto watcher = m_proc->startCli("bob", {"receive", "--typing", "--wait-ms", "60000"},
                                        QStringLiteral("tidings.app.sync.info=true"));
        QByteArray log;
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         log += watcher->readAllStandardError();
                         return log.contains("inbox drained");
                     },
                     60000),
                 log.constData());
        QCOMPARE(cli("alice", {"typing", "bob"}).exitCode, 0);
        QByteArray out;
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         out += watcher->readAllStandardOutput();
                         for (const QByteArray &l : out.split('\n'))
                             if (l.contains("\"typing\":true") && l.contains("alice"))
                                 return true;
                         return false;
                     },
                     kWaitMs),
                 out.constData());
        watcher->terminate();
        QVERIFY(watcher->waitForFinished(kWaitMs));
    }

    // password change: the current and the new password on stdin; every other device of the
    // account is logged out, the old password no longer logs in, the new one does.
    void changingThePasswordLogsOutTheOtherDevices() {
        QCOMPARE(
            cli("alice3", {"--server", m_proc->url(), "login", "alice"}, "password-123\n").exitCode,
            0);
        auto wrong = cli("alice", {"password", "change"}, "not-the-password\nnew-password-456\n");
        QVERIFY(wrong.exitCode != 0);
        QVERIFY2(wrong.err.contains("BAD_CREDENTIALS"), wrong.err.constData());
        auto changed = cli("alice", {"password", "change"}, "password-123\nnew-password-456\n");
        QCOMPARE(changed.exitCode, 0);
        QCOMPARE(changed.lines().value(0).value("password_changed").toBool(), true);
        auto cut = cli("alice3", {"receive", "--wait-ms", "1000"});
        QCOMPARE(cut.exitCode, 3);
        QVERIFY2(cut.err.contains("BAD_TOKEN"), cut.err.constData());
        auto old = cli("alice4", {"--server", m_proc->url(), "login", "alice"}, "password-123\n");
        QVERIFY(old.exitCode != 0);
        QVERIFY2(old.err.contains("BAD_CREDENTIALS"), old.err.constData());
        QCOMPARE(cli("alice5", {"--server", m_proc->url(), "login", "alice"}, "new-password-456\n")
                     .exitCode,
                 0);
        QCOMPARE(cli("alice", {"send", "bob", "still here"}).exitCode, 0);
    }

    // recovery-key create (password on stdin) prints the key once; when every linked device is
    // gone, recover (the key on stdin) on a fresh login makes it the account's device again.
    void aRecoveryKeyTakesTheAccountBack() {
        auto refused = cli("carol", {"recovery-key", "create"}, "not-the-password\n");
        QVERIFY(refused.exitCode != 0);
        QVERIFY2(refused.err.contains("BAD_CREDENTIALS"), refused.err.constData());
        auto made = cli("carol", {"recovery-key", "create"}, "password-123\n");
        QCOMPARE(made.exitCode, 0);
        const QString key = made.lines().value(0).value("recovery_key").toString();
        QCOMPARE(key.size(), 69);
        QVERIFY(!made.err.contains(key.toUtf8())); // never in the log

        QCOMPARE(
            cli("carol2", {"--server", m_proc->url(), "login", "carol"}, "password-123\n").exitCode,
            0);
        auto wrong = cli("carol2", {"recover"}, "AAAA-BBBB-CCCC\n");
        QVERIFY(wrong.exitCode != 0);
        QVERIFY2(wrong.err.contains("BAD_RECOVERY_KEY"), wrong.err.constData());
        auto back = cli("carol2", {"recover"}, key.toUtf8() + "\n");
        QCOMPARE(back.exitCode, 0);
        QCOMPARE(back.lines().value(0).value("recovered").toBool(), true);
        // The first device was logged out; the recovered one writes encrypted messages.
        auto cut = cli("carol", {"receive", "--wait-ms", "1000"});
        QCOMPARE(cut.exitCode, 3);
        QCOMPARE(cli("carol2", {"send", "bob", "back again"}).exitCode, 0);
        auto got = cli("bob", {"receive", "--wait-ms", "3000"});
        QVERIFY2(got.out.contains("back again"), got.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
