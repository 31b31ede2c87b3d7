// Accounts and the connection rules against the real server on a throwaway PostgreSQL.
#include "support/integration_fixture.h"

#include "protocol/codec.h"
#include "protocol/limits.h"

#include <QDateTime>
#include <QTest>
#include <QTimer>

using namespace tidings;
using namespace tidings::test;
using F = protocol::Frame;

class TestAccounts : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;

private slots:
    void initTestCase() {
        server::ServerConfig cfg;
        cfg.loginFailuresPerMinute = 3;
        const QString err = m_fx.start(cfg);
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void registerAndAuthWithToken() {
        RawClient a(m_fx.url());
        QVERIFY(a.connectNow());
        auto r = a.registerUser("Alice_1"); // normalised to lower case
        QVERIFY(r && r->has_login_response());
        QCOMPARE(r->login_response().username(), std::string("alice_1"));
        QCOMPARE(int(r->login_response().device_token().size()), limits::kDeviceTokenBytes);
        // A second registration on an authenticated socket is refused.
        QCOMPARE(errorCode(a.registerUser("alice_2")), wire::ERROR_ALREADY_AUTHENTICATED);

        RawClient b(m_fx.url());
        QVERIFY(b.connectNow());
        auto auth = b.auth(a.token);
        QVERIFY(auth && auth->has_auth_response());
        QCOMPARE(auth->auth_response().user_id(), a.userId);
        QCOMPARE(auth->auth_response().device_id(), a.deviceId);
        // The token is stored only as a hash.
        QCOMPARE(m_fx.sql("SELECT count(*) FROM device_tokens WHERE token_hash = '\\x" +
                          QString::fromLatin1(a.token.toHex()) + "'"),
                 QString("0"));
    }

    void takenInvalidAndWeak() {
        RawClient a(m_fx.url());
        QVERIFY(a.connectNow());
        QVERIFY(a.registerUser("bob"));
        RawClient b(m_fx.url());
        QVERIFY(b.connectNow());
        QCOMPARE(errorCode(b.registerUser("BOB")), wire::ERROR_USERNAME_TAKEN);
        QCOMPARE(errorCode(b.registerUser("1bob")), wire::ERROR_INVALID_USERNAME);
        QCOMPARE(errorCode(b.registerUser("b o b")), wire::ERROR_INVALID_USERNAME);
        QCOMPARE(errorCode(b.registerUser("bobby", "short")), wire::ERROR_WEAK_PASSWORD);
        // Still usable after typed errors.
        auto ok = b.registerUser("bobby");
        QVERIFY(ok && ok->has_login_response());
    }

    void loginCreatesNewDevice() {
        RawClient a(m_fx.url());
        QVERIFY(a.connectNow());
        QVERIFY(a.registerUser("carol", "correct horse"));
        RawClient b(m_fx.url());
        QVERIFY(b.connectNow());
        auto r = b.login("carol", "correct horse");
        QVERIFY(r && r->has_login_response());
        QCOMPARE(b.userId, a.userId);
        QVERIFY(b.deviceId != a.deviceId);
        QVERIFY(b.token != a.token);
    }

    void wrongPasswordUnknownUserAndRateLimit() {
        RawClient a(m_fx.url());
        QVERIFY(a.connectNow());
        QVERIFY(a.registerUser("dave", "rightpassword"));
        RawClient b(m_fx.url());
        QVERIFY(b.connectNow());
        QCOMPARE(errorCode(b.login("nobody_here", "whatever1")), wire::ERROR_BAD_CREDENTIALS);
        QCOMPARE(errorCode(b.login("dave", "wrongpassword")), wire::ERROR_BAD_CREDENTIALS);
        QCOMPARE(errorCode(b.login("dave", "wrongpassword")), wire::ERROR_BAD_CREDENTIALS);
        QCOMPARE(errorCode(b.login("dave", "wrongpassword")), wire::ERROR_BAD_CREDENTIALS);
        // The budget (3 per minute in this test) is used up: even the right password waits.
        auto limited = b.login("dave", "rightpassword");
        QCOMPARE(errorCode(limited), wire::ERROR_RATE_LIMITED);
        QVERIFY(limited->error().retry_after_ms() > 0);
        // A minute later it works again.
        m_fx.shiftClock(61 * 1000);
        auto ok = b.login("dave", "rightpassword");
        QVERIFY(ok && ok->has_login_response());
    }

    // A token in use is renewed once it is a day old; the old one then works for a day at most,
    // and presenting it again in that day replaces the first successor instead of adding one.
    void aTokenInUseIsRenewedAndTheOldOneRunsOut() {
        constexpr qint64 kDay = 24LL * 3600 * 1000;
        RawClient a(m_fx.url());
        QVERIFY(a.connectNow());
        const auto reg = a.registerUser("tina");
        QVERIFY(reg && reg->has_login_response());
        QVERIFY(reg->login_response().token_expires_at_ms() >
                QDateTime::currentMSecsSinceEpoch() + 80 * kDay);
        const QByteArray first = a.token;
        const auto authWith = [&](const QByteArray &token) {
            RawClient c(m_fx.url());
            return c.connectNow() ? c.auth(token) : std::optional<F>{};
        };
        const auto fresh = authWith(first);
        QVERIFY(fresh && fresh->has_auth_response());
        QVERIFY(fresh->auth_response().renewed_token().empty());

        m_fx.shiftClock(2 * kDay);
        const auto renewed = authWith(first);
        QVERIFY(renewed && renewed->has_auth_response());
        const QByteArray second = protocol::bytesFromStd(renewed->auth_response().renewed_token());
        QCOMPARE(second.size(), int(limits::kDeviceTokenBytes));
        const auto again = authWith(first); // the answer above "got lost"
        QVERIFY(again && again->has_auth_response());
        const QByteArray third = protocol::bytesFromStd(again->auth_response().renewed_token());
        QCOMPARE(third.size(), int(limits::kDeviceTokenBytes));
        QCOMPARE(errorCode(authWith(second)), wire::ERROR_BAD_TOKEN); // replaced by the third
        const auto withThird = authWith(third);
        QVERIFY(withThird && withThird->has_auth_response());
        QVERIFY(withThird->auth_response().renewed_token().empty());
        QCOMPARE(withThird->auth_response().device_id(), a.deviceId);

        m_fx.shiftClock(kDay + 60 * 1000);
        QCOMPARE(errorCode(authWith(first)), wire::ERROR_BAD_TOKEN); // its grace is over
        QVERIFY(authWith(third) && authWith(third)->has_auth_response());
    }

    // Changing the password needs the current one and logs every other device out at once.
    void changingThePasswordLogsOutTheOtherDevices() {
        RawClient a(m_fx.url()), b(m_fx.url());
        QVERIFY(a.connectNow() && b.connectNow());
        QVERIFY(a.registerUser("uma", "first password"));
        QVERIFY(b.login("uma", "first password"));
        F change;
        change.mutable_change_password_request()->set_old_password("not the password");
        change.mutable_change_password_request()->set_new_password("second password");
        QCOMPARE(errorCode(a.request(change)), wire::ERROR_BAD_CREDENTIALS);
        QVERIFY(b.isConnected());
        change.mutable_change_password_request()->set_new_password("short");
        QCOMPARE(errorCode(a.request(change)), wire::ERROR_WEAK_PASSWORD);
        change.mutable_change_password_request()->set_old_password("first password");
        change.mutable_change_password_request()->set_new_password("second password");
        const auto changed = a.request(change);
        QVERIFY(changed && changed->has_ok());
        QVERIFY(QTest::qWaitFor([&] { return !b.isConnected(); }, 5000));
        RawClient c(m_fx.url());
        QVERIFY(c.connectNow());
        QCOMPARE(errorCode(c.auth(b.token)), wire::ERROR_BAD_TOKEN);
        QCOMPARE(errorCode(c.login("uma", "first password")), wire::ERROR_BAD_CREDENTIALS);
        QVERIFY(c.login("uma", "second password"));
        RawClient d(m_fx.url());
        QVERIFY(d.connectNow());
        const auto mine = d.auth(a.token); // the device that changed it stays logged in
        QVERIFY(mine && mine->has_auth_response());
    }

    void badTokenIsTyped() {
        RawClient a(m_fx.url());
        QVERIFY(a.connectNow());
        QCOMPARE(errorCode(a.auth(QByteArray(32, 'x'))), wire::ERROR_BAD_TOKEN);
        QCOMPARE(errorCode(a.auth(QByteArray(5, 'x'))), wire::ERROR_BAD_TOKEN); // wrong size
    }

    void requestBeforeAuthClosesConnection() {
        RawClient a(m_fx.url());
        QVERIFY(a.connectNow());
        F f;
        f.mutable_open_direct_request()->set_username("alice_1");
        auto r = a.request(f);
        QCOMPARE(errorCode(r), wire::ERROR_NOT_AUTHENTICATED);
        QVERIFY(a.waitDisconnected());
    }

    void garbageGetsTypedErrorsThenDisconnect() {
        RawClient a(m_fx.url());
        QVERIFY(a.connectNow());
        QVERIFY(a.registerUser("garbage_sender"));
        for (int i = 0; i < limits::kMaxBadFrames - 1; ++i)
            a.sendRaw(QByteArray("\xff\xff\xff\xff garbage", 12));
        auto errors = [&] {
            return std::count_if(a.pushes.begin(), a.pushes.end(),
                                 [](const F &p) { return p.has_error(); });
        };
        QVERIFY(waitFor([&] { return errors() >= limits::kMaxBadFrames - 1; }));
        for (const auto &p : a.pushes)
            if (p.has_error())
                QCOMPARE(p.error().code(), wire::ERROR_BAD_FRAME);
        QVERIFY(a.isConnected());
        // Oversize: refused before buffering (the socket limit) or by the codec.
        a.sendRaw(QByteArray(int(limits::kMaxClientFrameBytes) + 1, 'x'));
        QVERIFY(a.waitDisconnected());
        // The server is unharmed.
        RawClient b(m_fx.url());
        QVERIFY(b.connectNow());
        QVERIFY(b.auth(a.token)->has_auth_response());
    }

    void silentConnectionIsDropped() {
        server::ServerConfig cfg;
        cfg.idleTimeoutMs = 600;
        cfg.authTimeoutMs = 600;
        cfg.heartbeatCheckMs = 100;
        QString e;
        auto quick = m_fx.freshServer(cfg, &e);
        QVERIFY2(quick, qPrintable(e));
        auto pinger = RawClient::registered(quick->url(), "pinger");
        auto silent = RawClient::registered(quick->url(), "silent");
        QVERIFY(pinger && silent);
        // The pinger pings well within the idle timeout; the other one says nothing.
        QTimer heartbeat;
        QObject::connect(&heartbeat, &QTimer::timeout, [&] {
            F ping;
            ping.mutable_ping()->set_client_time_ms(QDateTime::currentMSecsSinceEpoch());
            pinger->sendRequest(ping);
        });
        heartbeat.start(100);
        QVERIFY(silent->waitDisconnected());
        heartbeat.stop();
        // Registered first, the pinger would have been dropped no later than the silent one
        // without its pings: it is still served.
        QVERIFY(pinger->ping());
        QVERIFY(pinger->isConnected());
    }
};

QTEST_GUILESS_MAIN(TestAccounts)
#include "test_accounts.moc"
