// The admin API and tidings-admin's command line against the real server (issue 13): every
// command through the real binary (server/admin, admin/), what each does to users who are
// connected right then, the registration policy with invite codes, and the API's door: the token,
// the line limit, and nothing of it on the public port.
#include "support/integration_fixture.h"

#include "admin/admin_socket.h"
#include "server.h"
#include "services/common/membership.h"
#include "services/media/media_service.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>
#include <QProcess>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace tidings;
using namespace tidings::test;
using protocol::Frame;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
    QList<QJsonObject> lines() const {
        QList<QJsonObject> all;
        for (const QByteArray &l : out.split('\n'))
            if (!l.isEmpty())
                all << QJsonDocument::fromJson(l).object();
        return all;
    }
};

} // namespace

class TestAdmin : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QString m_dataDir;

    //! tidings-admin with `args`; the server runs in this process, so the event loop turns while
    //! the command runs.
    Run admin(QStringList args, const QByteArray &stdinText = {}, bool withDataDir = true) {
        QProcess p;
        if (withDataDir)
            args.prepend(QStringLiteral("--data-dir=") + m_dataDir);
        p.start(qEnvironmentVariable("TIDINGS_ADMIN_BIN"), args);
        Run r;
        if (!p.waitForStarted(10000))
            return r;
        p.write(stdinText);
        p.closeWriteChannel();
        QEventLoop loop;
        connect(&p, &QProcess::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(30000, &loop, &QEventLoop::quit);
        if (p.state() != QProcess::NotRunning)
            loop.exec();
        r.exitCode = p.state() == QProcess::NotRunning ? p.exitCode() : -1;
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }
    std::optional<Frame> registerWith(const QString &name, const QString &invite) {
        auto c = m_fx.connect();
        Frame f;
        auto *r = f.mutable_register_request();
        r->set_username(name.toStdString());
        r->set_password(RawClient::kPassword);
        r->set_device_name("laptop");
        r->set_invite_code(invite.toStdString());
        return c->request(f);
    }
    //! One raw line to the admin socket; the answer line.
    QJsonObject rawAdmin(const QByteArray &line) {
        QLocalSocket s;
        s.connectToServer(AdminSocketPath());
        if (!s.waitForConnected(5000))
            return {};
        s.write(line);
        QByteArray answer;
        (void)QTest::qWaitFor(
            [&] {
                answer += s.readAll();
                return answer.endsWith('\n') || s.state() != QLocalSocket::ConnectedState;
            },
            10000);
        return QJsonDocument::fromJson(answer).object();
    }
    QString AdminSocketPath() const { return server::AdminSocket::socketPathIn(m_dataDir); }

private slots:
    void initTestCase() {
        server::ServerConfig config;
        config.adminIdleMs = 3000; // quietConnectionsAreClosed waits for it
        const QString err = m_fx.start(config);
        QVERIFY2(err.isEmpty(), qPrintable(err));
        QVERIFY(m_fx.server().server()->adminSocket());
        m_dataDir = QFileInfo(m_fx.server().server()->adminSocket()->socketPath()).absolutePath();
        QVERIFY(!qEnvironmentVariableIsEmpty("TIDINGS_ADMIN_BIN"));
        // The token is the server user's alone.
        const QFileInfo token(server::AdminSocket::tokenPathIn(m_dataDir));
        QVERIFY(token.exists());
        QCOMPARE(token.permissions() &
                     (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                 QFile::Permissions());
    }

    void statusIsOneJsonObject() {
        auto alice = m_fx.newUser(QStringLiteral("stat"));
        QVERIFY(alice);
        const Run r = admin({"status"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject s = r.json();
        QVERIFY2(!s.isEmpty(), r.out.constData());
        QCOMPARE(s.value("registration").toString(), QStringLiteral("open"));
        QVERIFY(s.value("devices_connected").toInt() >= 1);
        QVERIFY(s.value("users").toDouble() >= 1);
        QVERIFY(s.value("database_bytes").toDouble() > 1e6);
        QVERIFY(s.contains("messages_per_second"));
        QVERIFY(s.contains("version"));
        QCOMPARE(s.value("port").toInt(), m_fx.url().port());
    }

    void usersAreManagedAndConnectedDevicesFollowAtOnce() {
        const QString name = m_fx.uniqueName(QStringLiteral("adm"));
        Run r = admin({"users", "create", name, "--display-name", "Ada M."}, "first-password\n");
        QCOMPARE(r.exitCode, 0);
        auto ada = m_fx.connect();
        QCOMPARE(errorCode(ada->login(name, "first-password")), wire::ERROR_NONE);
        const QByteArray token = ada->token;
        QCOMPARE(admin({"users", "create", name}, "first-password\n").exitCode, 4); // taken

        r = admin({"users", "list", "--search", name});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.lines().size(), 1);
        QCOMPARE(r.lines()[0].value("username").toString(), name);
        QCOMPARE(r.lines()[0].value("display_name").toString(), QStringLiteral("Ada M."));
        QCOMPARE(r.lines()[0].value("devices").toInt(), 1);
        QCOMPARE(r.lines()[0].value("online").toBool(), true);

        // Disabled: cut off at once, logins and the token refused, nothing forgotten.
        r = admin({"users", "disable", name});
        QCOMPARE(r.exitCode, 0);
        const auto cut = ada->waitPush(Frame::kError, 5000);
        QVERIFY(cut);
        QCOMPARE(cut->error().code(), wire::ERROR_ACCOUNT_DISABLED);
        QVERIFY(QTest::qWaitFor([&] { return !ada->isConnected(); }, 5000));
        QCOMPARE(errorCode(m_fx.connect()->login(name, "first-password")),
                 wire::ERROR_ACCOUNT_DISABLED);
        QCOMPARE(errorCode(m_fx.connect()->auth(token)), wire::ERROR_ACCOUNT_DISABLED);
        QCOMPARE(admin({"users", "list", "--search", name}).lines()[0].value("disabled").toBool(),
                 true);
        QCOMPARE(admin({"users", "enable", name}).exitCode, 0);
        auto back = m_fx.reconnect(token);
        QVERIFY(back);

        // A reset password logs every device out; the new password works, the old one not.
        r = admin({"users", "reset-password", name}, "second-password\n");
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value("devices_logged_out").toInt(), 1);
        const auto out = back->waitPush(Frame::kError, 5000);
        QVERIFY(out);
        QCOMPARE(out->error().code(), wire::ERROR_BAD_TOKEN);
        QCOMPARE(errorCode(m_fx.connect()->auth(token)), wire::ERROR_BAD_TOKEN);
        QCOMPARE(errorCode(m_fx.connect()->login(name, "first-password")),
                 wire::ERROR_BAD_CREDENTIALS);
        auto again = m_fx.connect();
        QCOMPARE(errorCode(again->login(name, "second-password")), wire::ERROR_NONE);

        // Deleted: gone from the list, its connection closed, its name free again, and gone
        // from the cached member lists of its groups.
        auto friendOf = m_fx.newUser(QStringLiteral("friend"));
        QVERIFY(friendOf);
        const quint64 group = friendOf->createGroup(QStringLiteral("club"), {name});
        QVERIFY(group);
        QVERIFY(friendOf->send(group, "to-club", "hello")->has_send_ack());
        server::Membership &members = m_fx.server().server()->membership();
        const auto loaded = [&] {
            std::optional<qsizetype> n;
            members.withMembers(group, [&n](Result<server::Membership::Members> m) {
                n = m ? qsizetype(m->size()) : -1;
            });
            (void)QTest::qWaitFor([&] { return n.has_value(); }, 5000);
            return n;
        };
        QCOMPARE(loaded(), std::optional<qsizetype>(2));
        QCOMPARE(members.cachedSize(group), std::optional<qsizetype>(2));
        r = admin({"users", "delete", name});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value("devices_logged_out").toInt(), 1);
        QVERIFY(QTest::qWaitFor([&] { return !again->isConnected(); }, 5000));
        QVERIFY(admin({"users", "list", "--search", name}).lines().isEmpty());
        QCOMPARE(members.cachedSize(group), std::nullopt);
        QCOMPARE(loaded(), std::optional<qsizetype>(1));
        QVERIFY(friendOf->send(group, "to-club-2", "still here")->has_send_ack());
        QCOMPARE(errorCode(m_fx.connect()->login(name, "second-password")),
                 wire::ERROR_BAD_CREDENTIALS);
        QVERIFY(m_fx.registerUser(name));
    }

    void registrationByInvitation() {
        QCOMPARE(admin({"registration"}).json().value("registration").toString(),
                 QStringLiteral("open"));
        QCOMPARE(admin({"registration", "invite"}).exitCode, 0);
        QCOMPARE(errorCode(registerWith(m_fx.uniqueName("inv"), {})), wire::ERROR_BAD_INVITE);
        Run r = admin({"invite", "create", "--uses", "1", "--note", "for Bea"});
        QCOMPARE(r.exitCode, 0);
        const QString code = r.json().value("code").toString();
        QCOMPARE(code.size(), 19); // XXXX-XXXX-XXXX-XXXX
        const QList<QJsonObject> listed = admin({"invite", "list"}).lines();
        QCOMPARE(listed.size(), 1);
        QCOMPARE(listed[0].value("note").toString(), QStringLiteral("for Bea"));
        QVERIFY(!QJsonDocument(listed[0]).toJson().contains(code.toUtf8())); // shown once only
        // Typed without dashes and in lower case, it works once.
        const QString typed = QString(code).remove('-').toLower();
        QCOMPARE(errorCode(registerWith(m_fx.uniqueName("bea"), typed)), wire::ERROR_NONE);
        QCOMPARE(errorCode(registerWith(m_fx.uniqueName("cai"), code)), wire::ERROR_BAD_INVITE);
        QVERIFY(admin({"invite", "list"}).lines().isEmpty());
        // A revoked invite works no more.
        const QJsonObject second = admin({"invite", "create", "--uses", "5"}).json();
        QCOMPARE(admin({"invite", "revoke", QString::number(second.value("id").toInt())}).exitCode,
                 0);
        QCOMPARE(errorCode(registerWith(m_fx.uniqueName("dia"), second.value("code").toString())),
                 wire::ERROR_BAD_INVITE);
        // Closed: nobody, invite or not.
        QCOMPARE(admin({"registration", "closed"}).exitCode, 0);
        QCOMPARE(errorCode(registerWith(m_fx.uniqueName("eve"), {})),
                 wire::ERROR_REGISTRATION_CLOSED);
        // The setting outlives a restart (it is in the database).
        QVERIFY(m_fx.restartServer());
        QCOMPARE(admin({"status"}).json().value("registration").toString(),
                 QStringLiteral("closed"));
        QCOMPARE(admin({"registration", "open"}).exitCode, 0);
        QCOMPARE(errorCode(registerWith(m_fx.uniqueName("fay"), {})), wire::ERROR_NONE);
    }

    void retentionIsASetting() {
        QCOMPARE(admin({"retention", "30"}).json().value("retention_days").toInt(), 30);
        QCOMPARE(admin({"status"}).json().value("retention_days").toInt(), 30);
        QCOMPARE(admin({"retention", "0"}).exitCode, 0);
        // Media retention: the media service collects by it from now on.
        QCOMPARE(admin({"media-retention", "90"}).json().value("media_retention_days").toInt(), 90);
        QCOMPARE(m_fx.server().server()->media()->options().retentionDays, 90);
        QCOMPARE(admin({"media-retention"}).json().value("media_retention_days").toInt(), 90);
        QCOMPARE(admin({"media-retention", "forever"}).exitCode, 2);
        // The limit, at and just past it (the server checks it: 0 to 36500 days).
        QCOMPARE(admin({"media-retention", "36500"}).exitCode, 0);
        QCOMPARE(admin({"media-retention", "36501"}).exitCode, 4);
        QCOMPARE(m_fx.server().server()->media()->options().retentionDays, 36500);
        QCOMPARE(admin({"media-retention", "0"}).exitCode, 0);
        QCOMPARE(m_fx.server().server()->media()->options().retentionDays, 0);
    }

    void mistakesAreTypedAndChangeNothing() {
        Run r = admin({"users", "disable", "nobody-here"});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("NO_SUCH_USER"), r.err.constData());
        r = admin({"users", "create", "x"}, "short\n");
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("INVALID_USERNAME"), r.err.constData());
        r = admin({"users", "create", m_fx.uniqueName("pw")}, "short\n");
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("WEAK_PASSWORD"), r.err.constData());
        r = admin({"users", "create", m_fx.uniqueName("pw")});
        QCOMPARE(r.exitCode, 2); // no password on stdin
        QCOMPARE(admin({"registration", "sometimes"}).exitCode, 4);
        QCOMPARE(admin({"status"}).json().value("registration").toString(), QStringLiteral("open"));
        QCOMPARE(admin({"invite", "create", "--uses", "0"}).exitCode, 4);
        QCOMPARE(admin({"frobnicate"}).exitCode, 2);
        // No server there (or no right to ask it): exit 3, and a sentence that says so.
        QTemporaryDir elsewhere;
        r = admin({"--data-dir", elsewhere.path(), "status"}, {}, false);
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("admin.token"), r.err.constData());
    }

    void theDoorNeedsTheTokenAndIsNotOnThePublicPort() {
        // Without the token, or with a wrong one: FORBIDDEN, and the connection is closed.
        QJsonObject a = rawAdmin(R"({"id":1,"command":"users.list"})"
                                 "\n");
        QCOMPARE(a.value("ok").toBool(), false);
        QCOMPARE(a.value("error").toObject().value("code").toString(), QStringLiteral("FORBIDDEN"));
        a = rawAdmin(QByteArray(R"({"id":2,"token":")") + QByteArray(64, 'a') +
                     R"(","command":"users.list"})"
                     "\n");
        QCOMPARE(a.value("error").toObject().value("code").toString(), QStringLiteral("FORBIDDEN"));
        // Not JSON; an endless line.
        a = rawAdmin("hello\n");
        QCOMPARE(a.value("error").toObject().value("code").toString(), QStringLiteral("BAD_FRAME"));
        a = rawAdmin(QByteArray(server::AdminSocket::kMaxLineBytes + 10, 'x'));
        QCOMPARE(a.value("error").toObject().value("code").toString(), QStringLiteral("TOO_LARGE"));
        // The right request on the public port is just a bad HTTP request there.
        QFile tokenFile(server::AdminSocket::tokenPathIn(m_dataDir));
        QVERIFY(tokenFile.open(QIODevice::ReadOnly));
        const QByteArray token = tokenFile.readAll().trimmed();
        const QString victim = m_fx.uniqueName(QStringLiteral("pub"));
        QVERIFY(m_fx.registerUser(victim));
        QTcpSocket tcp;
        tcp.connectToHost(QHostAddress::LocalHost, quint16(m_fx.url().port()));
        QVERIFY(tcp.waitForConnected(5000));
        tcp.write(R"({"id":1,"token":")" + token +
                  R"(","command":"users.disable","args":{"username":")" + victim.toUtf8() +
                  "\"}}\n\r\n\r\n");
        QByteArray reply;
        (void)QTest::qWaitFor(
            [&] {
                reply += tcp.readAll();
                return tcp.state() != QAbstractSocket::ConnectedState;
            },
            10000);
        QVERIFY2(reply.startsWith("HTTP/1.1 4"), reply.constData());
        QCOMPARE(admin({"users", "list", "--search", victim}).lines().value(0).value("disabled"),
                 QJsonValue(false));
        // And the right token works on the admin socket, answering in order.
        a = rawAdmin(R"({"id":7,"token":")" + token +
                     R"(","command":"settings.get"})"
                     "\n");
        QCOMPARE(a.value("id").toInt(), 7);
        QCOMPARE(a.value("ok").toBool(), true);
    }

    void quietConnectionsAreClosed() {
        // One that asked and went quiet, and one that never said anything: both are closed
        // after the idle time, and the slots are free again.
        QLocalSocket asked, silent;
        asked.connectToServer(AdminSocketPath());
        silent.connectToServer(AdminSocketPath());
        QVERIFY(asked.waitForConnected(5000) && silent.waitForConnected(5000));
        const QByteArray token = [&] {
            QFile f(server::AdminSocket::tokenPathIn(m_dataDir));
            return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
        }();
        asked.write("{\"token\":\"" + token + "\",\"id\":1,\"command\":\"status\"}\n");
        QVERIFY(QTest::qWaitFor([&] { return asked.canReadLine(); }, 10000));
        QVERIFY(asked.readLine().contains("\"ok\":true"));
        QElapsedTimer t;
        t.start();
        QVERIFY(QTest::qWaitFor(
            [&] {
                return asked.state() == QLocalSocket::UnconnectedState &&
                       silent.state() == QLocalSocket::UnconnectedState;
            },
            15000));
        QVERIFY2(t.elapsed() >= 2000, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(admin({"status"}).exitCode, 0);
    }

    void anAdminGroupMayUseTheApi() {
        // The group of this process stands in for "tidings" (the package's admin group).
        const struct group *own = ::getgrgid(::getegid());
        QVERIFY(own);
        server::ServerConfig config;
        config.adminGroup = QString::fromLocal8Bit(own->gr_name);
        QString error;
        auto h = m_fx.freshServer(config, &error);
        QVERIFY2(h, qPrintable(error));
        const QString dir = h->dataDir();
        struct stat token {};
        struct stat socket {};
        QCOMPARE(::stat(QFile::encodeName(server::AdminSocket::tokenPathIn(dir)), &token), 0);
        QCOMPARE(::stat(QFile::encodeName(server::AdminSocket::socketPathIn(dir)), &socket), 0);
        QCOMPARE(token.st_mode & 0777, mode_t(0640));
        QCOMPARE(token.st_gid, own->gr_gid);
        QCOMPARE(socket.st_mode & 0060, mode_t(0060)); // Qt makes it rwx for the group
        QCOMPARE(socket.st_gid, own->gr_gid);
        // Without it, the token is the account's alone again.
        h->config().adminGroup.clear();
        QVERIFY(h->start(&error));
        QCOMPARE(::stat(QFile::encodeName(server::AdminSocket::tokenPathIn(dir)), &token), 0);
        QCOMPARE(token.st_mode & 0777, mode_t(0600));
        // A group that does not exist: the server does not start, and says why.
        config.adminGroup = QStringLiteral("no-such-group-tidings");
        QVERIFY(!m_fx.freshServer(config, &error));
        QVERIFY2(error.contains(QStringLiteral("admin-group: there is no group")),
                 qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestAdmin)
#include "test_admin.moc"
