// Accounts and the connection rules against the real server on a throwaway PostgreSQL.
#include "support/pg_fixture.h"
#include "support/raw_client.h"
#include "support/server_harness.h"

#include "protocol/limits.h"

#include <QTest>

using namespace tidings;
using namespace tidings::test;
using F = protocol::Frame;

class TestAccounts : public QObject {
    Q_OBJECT
    PgFixture m_pg;
    std::unique_ptr<ServerHarness> m_server;

    static wire::ErrorCode code(const std::optional<F> &f) {
        return f && f->has_error() ? f->error().code() : wire::ERROR_NONE;
    }

private slots:
    void initTestCase() {
        const QString err = m_pg.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        server::ServerConfig cfg;
        cfg.loginFailuresPerMinute = 3;
        m_server = std::make_unique<ServerHarness>(m_pg, cfg);
        QString e;
        QVERIFY2(m_server->start(&e), qPrintable(e));
    }
    void cleanupTestCase() { m_server.reset(); }

    void registerAndAuthWithToken() {
        RawClient a(m_server->url());
        QVERIFY(a.connectNow());
        auto r = a.registerUser("Alice_1"); // normalised to lower case
        QVERIFY(r && r->has_login_response());
        QCOMPARE(r->login_response().username(), std::string("alice_1"));
        QCOMPARE(int(r->login_response().device_token().size()), limits::kDeviceTokenBytes);
        // A second registration on an authenticated socket is refused.
        QCOMPARE(code(a.registerUser("alice_2")), wire::ERROR_ALREADY_AUTHENTICATED);

        RawClient b(m_server->url());
        QVERIFY(b.connectNow());
        auto auth = b.auth(a.token);
        QVERIFY(auth && auth->has_auth_response());
        QCOMPARE(auth->auth_response().user_id(), a.userId);
        QCOMPARE(auth->auth_response().device_id(), a.deviceId);
        // The token is stored only as a hash.
        const auto stored = m_pg.query(
            m_server->conninfo(), "SELECT count(*) FROM device_tokens WHERE token_hash = '\\x" +
                                      QString::fromLatin1(a.token.toHex()) + "'");
        QCOMPARE(stored, QStringList{"0"});
    }

    void takenInvalidAndWeak() {
        RawClient a(m_server->url());
        QVERIFY(a.connectNow());
        QVERIFY(a.registerUser("bob"));
        RawClient b(m_server->url());
        QVERIFY(b.connectNow());
        QCOMPARE(code(b.registerUser("BOB")), wire::ERROR_USERNAME_TAKEN);
        QCOMPARE(code(b.registerUser("1bob")), wire::ERROR_INVALID_USERNAME);
        QCOMPARE(code(b.registerUser("b o b")), wire::ERROR_INVALID_USERNAME);
        QCOMPARE(code(b.registerUser("bobby", "short")), wire::ERROR_WEAK_PASSWORD);
        // Still usable after typed errors.
        auto ok = b.registerUser("bobby");
        QVERIFY(ok && ok->has_login_response());
    }

    void loginCreatesNewDevice() {
        RawClient a(m_server->url());
        QVERIFY(a.connectNow());
        QVERIFY(a.registerUser("carol", "correct horse"));
        RawClient b(m_server->url());
        QVERIFY(b.connectNow());
        auto r = b.login("carol", "correct horse");
        QVERIFY(r && r->has_login_response());
        QCOMPARE(b.userId, a.userId);
        QVERIFY(b.deviceId != a.deviceId);
        QVERIFY(b.token != a.token);
    }

    void wrongPasswordUnknownUserAndRateLimit() {
        RawClient a(m_server->url());
        QVERIFY(a.connectNow());
        QVERIFY(a.registerUser("dave", "rightpassword"));
        RawClient b(m_server->url());
        QVERIFY(b.connectNow());
        QCOMPARE(code(b.login("nobody_here", "whatever1")), wire::ERROR_BAD_CREDENTIALS);
        QCOMPARE(code(b.login("dave", "wrongpassword")), wire::ERROR_BAD_CREDENTIALS);
        QCOMPARE(code(b.login("dave", "wrongpassword")), wire::ERROR_BAD_CREDENTIALS);
        QCOMPARE(code(b.login("dave", "wrongpassword")), wire::ERROR_BAD_CREDENTIALS);
        // The budget (3 per minute in this test) is used up: even the right password waits.
        auto limited = b.login("dave", "rightpassword");
        QCOMPARE(code(limited), wire::ERROR_RATE_LIMITED);
        QVERIFY(limited->error().retry_after_ms() > 0);
        // A minute later it works again.
        m_server->shiftClock(61 * 1000);
        auto ok = b.login("dave", "rightpassword");
        QVERIFY(ok && ok->has_login_response());
    }

    void badTokenIsTyped() {
        RawClient a(m_server->url());
        QVERIFY(a.connectNow());
        QCOMPARE(code(a.auth(QByteArray(32, 'x'))), wire::ERROR_BAD_TOKEN);
        QCOMPARE(code(a.auth(QByteArray(5, 'x'))), wire::ERROR_BAD_TOKEN); // wrong size
    }

    void requestBeforeAuthClosesConnection() {
        RawClient a(m_server->url());
        QVERIFY(a.connectNow());
        F f;
        f.mutable_open_direct_request()->set_username("alice_1");
        auto r = a.request(f);
        QCOMPARE(code(r), wire::ERROR_NOT_AUTHENTICATED);
        QVERIFY(a.waitDisconnected());
    }

    void garbageGetsTypedErrorsThenDisconnect() {
        RawClient a(m_server->url());
        QVERIFY(a.connectNow());
        QVERIFY(a.registerUser("garbage_sender"));
        for (int i = 0; i < limits::kMaxBadFrames - 1; ++i)
            a.sendRaw(QByteArray("\xff\xff\xff\xff garbage", 12));
        auto errors = [&] {
            return std::count_if(a.pushes.begin(), a.pushes.end(),
                                 [](const F &p) { return p.has_error(); });
        };
        QVERIFY(QTest::qWaitFor([&] { return errors() >= limits::kMaxBadFrames - 1; }));
        for (const auto &p : a.pushes)
            if (p.has_error())
                QCOMPARE(p.error().code(), wire::ERROR_BAD_FRAME);
        QVERIFY(a.isConnected());
        // Oversize: refused before buffering (the socket limit) or by the codec.
        a.sendRaw(QByteArray(int(limits::kMaxClientFrameBytes) + 1, 'x'));
        QVERIFY(a.waitDisconnected());
        // The server is unharmed.
        RawClient b(m_server->url());
        QVERIFY(b.connectNow());
        QVERIFY(b.auth(a.token)->has_auth_response());
    }

    void silentConnectionIsDropped() {
        server::ServerConfig cfg;
        cfg.idleTimeoutMs = 600;
        cfg.authTimeoutMs = 600;
        cfg.heartbeatCheckMs = 100;
        ServerHarness quick(m_pg, cfg);
        QVERIFY(quick.start());
        RawClient pinger(quick.url()), silent(quick.url());
        QVERIFY(pinger.connectNow() && silent.connectNow());
        QVERIFY(pinger.registerUser("pinger"));
        QVERIFY(silent.registerUser("silent"));
        for (int i = 0; i < 8; ++i) {
            F ping;
            ping.mutable_ping()->set_client_time_ms(i);
            auto pong = pinger.request(ping);
            QVERIFY(pong && pong->has_pong());
            QTest::qWait(200);
        }
        QVERIFY(pinger.isConnected());
        QVERIFY(!silent.isConnected());
    }
};

QTEST_GUILESS_MAIN(TestAccounts)
#include "test_accounts.moc"
