// The account module against a FakeSocket: register/login frames and the saved token and account,
// the hook that may fail the operation, the handshake of every fresh socket with the saved token,
// and what each kind of refusal does (stop with fatalError, reconnect, or wait for the socket),
// also when the server ends the session outside a request (SESSION_REPLACED, BAD_TOKEN).
#include "core/net/server_url.h"
#include "module_fixture.h"
#include "protocol/codec.h"

#include <QSignalSpy>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

namespace {
const QUrl kServer(QStringLiteral("ws://127.0.0.1:7700"));

Frame loginAnswer(quint64 user, quint64 device, const char *token, const char *username = "") {
    return answer([&](Frame &f) {
        auto *r = f.mutable_login_response();
        r->set_user_id(user);
        r->set_device_id(device);
        r->set_device_token(token);
        r->set_username(username);
    });
}
Frame authAnswer(quint64 user, quint64 device) {
    return answer([&](Frame &f) {
        f.mutable_auth_response()->set_user_id(user);
        f.mutable_auth_response()->set_device_id(device);
    });
}
} // namespace

class TestAccount : public QObject {
    Q_OBJECT
private slots:
    void init() { qRegisterMetaType<Error>(); }

    void registerSavesTheTokenAndTheAccount() {
        ModuleFixture f;
        QVERIFY(f.open(AccountSettings{}));
        QVERIFY(!f.account->hasAccount());
        f.socket.authenticated = false;
        QList<std::pair<quint64, bool>> hooked;
        f.account->setAccountHook([&](const AccountSettings &a, bool registering) {
            hooked.append({a.userId, registering});
            return Status();
        });
        QSignalSpy changed(f.account.get(), &Account::accountChanged);
        std::optional<Result<AccountSettings>> got;
        f.account->registerAccount(kServer, QStringLiteral("Alice"), QStringLiteral("secret pw"),
                                   QStringLiteral("laptop"),
                                   [&](Result<AccountSettings> r) { got = r; });
        QCOMPARE(f.socket.opened, QList<QUrl>{kServer});
        QVERIFY(f.socket.requests.isEmpty()); // nothing before the socket is open
        f.account->onSocketOpened();
        ModuleFixture::Request req;
        QVERIFY(f.takeOne(req));
        QCOMPARE(req.frame.body_case(), Frame::kRegisterRequest);
        QCOMPARE(req.frame.register_request().username(), "Alice");
        QCOMPARE(req.frame.register_request().password(), "secret pw");
        QCOMPARE(req.frame.register_request().device_name(), "laptop");
        req.handler(loginAnswer(5, 50, "tok-5", ""));
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->userId, quint64(5));
        QCOMPARE((*got)->deviceId, quint64(50));
        QCOMPARE((*got)->username, QStringLiteral("alice")); // normalized when the server omits it
        QCOMPARE((*got)->serverUrl, kServer.toString());
        QCOMPARE(hooked, (QList<std::pair<quint64, bool>>{{5, true}}));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(f.socket.marks, 1);
        QCOMPARE(f.secrets.read(kDeviceTokenKey).value(), QByteArray("tok-5"));
        QCOMPARE(f.store->accounts().account().value().userId, quint64(5));
        QCOMPARE(f.account->settings().deviceId, quint64(50));
    }

    void loginSendsALoginRequest() {
        ModuleFixture f;
        QVERIFY(f.open(AccountSettings{}));
        std::optional<bool> registering;
        f.account->setAccountHook([&](const AccountSettings &, bool r) {
            registering = r;
            return Status();
        });
        std::optional<Result<AccountSettings>> got;
        f.account->login(kServer, QStringLiteral("bob"), QStringLiteral("pw"),
                         QStringLiteral("phone"), [&](Result<AccountSettings> r) { got = r; });
        f.account->onSocketOpened();
        ModuleFixture::Request req;
        QVERIFY(f.takeOne(req));
        QCOMPARE(req.frame.body_case(), Frame::kLoginRequest);
        QCOMPARE(req.frame.login_request().device_name(), "phone");
        req.handler(loginAnswer(2, 22, "tok", "bob"));
        QVERIFY(got && got->ok());
        QCOMPARE(registering, std::optional<bool>(false));
    }

    void aFailingHookFailsTheOperation() {
        ModuleFixture f;
        QVERIFY(f.open(AccountSettings{}));
        f.account->setAccountHook([](const AccountSettings &, bool) {
            return Status(Error{ErrorCode::Storage, QStringLiteral("no keys")});
        });
        QSignalSpy changed(f.account.get(), &Account::accountChanged);
        std::optional<Result<AccountSettings>> got;
        f.account->registerAccount(kServer, QStringLiteral("alice"), QStringLiteral("pw"),
                                   QStringLiteral("d"),
                                   [&](Result<AccountSettings> r) { got = r; });
        f.account->onSocketOpened();
        ModuleFixture::Request req;
        QVERIFY(f.takeOne(req));
        const int closesBefore = f.socket.closes;
        req.handler(loginAnswer(5, 50, "tok"));
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::Storage);
        QCOMPARE(f.socket.closes, closesBefore + 1);
        QCOMPARE(f.socket.marks, 0);
        QCOMPARE(changed.size(), 0);
        QVERIFY(!f.account->hasAccount());
    }

    void refusalsAndOddAnswersFailTheOperation() {
        ModuleFixture f;
        QVERIFY(f.open(AccountSettings{}));
        std::optional<Result<AccountSettings>> got;
        auto begin = [&] {
            got.reset();
            f.account->login(kServer, QStringLiteral("bob"), QStringLiteral("pw"),
                             QStringLiteral("d"), [&](Result<AccountSettings> r) { got = r; });
            f.account->onSocketOpened();
        };
        begin();
        f.socket.takeRequests().first().handler(
            Error{ErrorCode::BadCredentials, QStringLiteral("wrong password")});
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::BadCredentials);

        begin();
        f.socket.takeRequests().first().handler(okAnswer());
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::BadFrame);
        QCOMPARE(got->error().detail, QStringLiteral("unexpected answer to login"));

        // The socket went away before the answer.
        begin();
        f.account->onSocketClosed(Error{ErrorCode::Network, QStringLiteral("reset")});
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::Network);

        got.reset();
        f.account->registerAccount(QUrl(QStringLiteral("http://x")), QStringLiteral("a"),
                                   QStringLiteral("b"), QStringLiteral("c"),
                                   [&](Result<AccountSettings> r) { got = r; });
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::Usage);
    }

    void startNeedsAnAccountAnAddressAndAToken() {
        ModuleFixture f;
        QVERIFY(f.open(AccountSettings{}));
        auto s = f.account->start(kServer);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, ErrorCode::Usage);

        ModuleFixture g;
        AccountSettings noServer = kMe;
        noServer.serverUrl.clear();
        QVERIFY(g.open(noServer));
        s = g.account->start();
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, ErrorCode::Usage);

        ModuleFixture h;
        QVERIFY(h.open());
        s = h.account->start();
        QVERIFY(!s.ok()); // no device token
        QCOMPARE(s.error().code, ErrorCode::Usage);
        QVERIFY(h.secrets.write(kDeviceTokenKey, "tok-1"));
        QVERIFY(h.account->start());
        QCOMPARE(h.socket.opened, QList<QUrl>{QUrl(kMe.serverUrl)});
        QVERIFY(h.account->start(kServer)); // an override for this session
        QCOMPARE(h.socket.opened.last(), kServer);
    }

    void everyFreshSocketAuthenticatesWithTheToken() {
        ModuleFixture f;
        QVERIFY(f.open());
        QVERIFY(f.secrets.write(kDeviceTokenKey, QByteArray("\x01\x02tok", 5)));
        f.socket.authenticated = false;
        QVERIFY(f.account->start());
        for (int socket = 0; socket < 2; ++socket) {
            f.account->onSocketOpened();
            ModuleFixture::Request req;
            QVERIFY(f.takeOne(req));
            QCOMPARE(req.frame.body_case(), Frame::kAuthRequest);
            QCOMPARE(protocol::bytesFromStd(req.frame.auth_request().device_token()),
                     QByteArray("\x01\x02tok", 5));
            req.handler(authAnswer(kMe.userId, kMe.deviceId));
            QCOMPARE(f.socket.marks, socket + 1);
            f.socket.authenticated = false;
        }
    }

    void aRefusedTokenStopsTheClient() {
        ModuleFixture f;
        QVERIFY(f.open());
        QVERIFY(f.secrets.write(kDeviceTokenKey, "tok"));
        QSignalSpy fatal(f.account.get(), &Account::fatalError);
        bool waiterRan = false;
        f.socket.authenticated = false;
        f.requests.whenAuthenticated([&] { waiterRan = true; });
        f.account->onSocketOpened();
        f.socket.takeRequests().first().handler(
            Error{ErrorCode::BadToken, QStringLiteral("revoked")});
        QCOMPARE(fatal.size(), 1);
        QCOMPARE(fatal.first().first().value<Error>().code, ErrorCode::BadToken);
        QCOMPARE(f.socket.closes, 1);
        // stop() dropped what waited for a session.
        f.socket.authenticated = true;
        f.requests.sessionStarted();
        QVERIFY(!waiterRan);
    }

    void transientRefusalsReconnect() {
        ModuleFixture f;
        QVERIFY(f.open());
        QVERIFY(f.secrets.write(kDeviceTokenKey, "tok"));
        QSignalSpy fatal(f.account.get(), &Account::fatalError);
        f.socket.authenticated = false;
        f.account->onSocketOpened();
        f.socket.takeRequests().first().handler(
            Error{ErrorCode::RateLimited, QStringLiteral("slow down")});
        QCOMPARE(f.socket.reconnects.size(), 1);
        f.account->onSocketOpened();
        f.socket.takeRequests().first().handler(okAnswer()); // not an auth_response
        QCOMPARE(f.socket.reconnects.size(), 2);
        QCOMPARE(f.socket.reconnects.last(), QStringLiteral("unexpected answer to auth"));
        f.account->onSocketOpened();
        f.socket.takeRequests().first().handler(Error{ErrorCode::Timeout, QStringLiteral("t")});
        QCOMPARE(f.socket.reconnects.size(), 2); // the connection reconnects by itself
        QCOMPARE(f.socket.closes, 0);
        QCOMPARE(fatal.size(), 0);
    }

    void aMissingTokenAtHandshakeIsFatal() {
        ModuleFixture f;
        QVERIFY(f.open());
        QSignalSpy fatal(f.account.get(), &Account::fatalError);
        f.account->onSocketOpened();
        QVERIFY(f.socket.requests.isEmpty());
        QCOMPARE(fatal.size(), 1);
        QCOMPARE(fatal.first().first().value<Error>().code, ErrorCode::BadToken);
        QCOMPARE(f.socket.closes, 1);
    }

    void theServerEndingTheSessionStopsTheClient() {
        ModuleFixture f;
        QVERIFY(f.open());
        QVERIFY(f.secrets.write(kDeviceTokenKey, "tok"));
        QSignalSpy fatal(f.account.get(), &Account::fatalError);
        // Other errors outside a request change nothing.
        f.account->onServerError(Error{ErrorCode::BadFrame, QStringLiteral("garbage")});
        QCOMPARE(fatal.size(), 0);
        QCOMPARE(f.socket.closes, 0);
        // This device connected again elsewhere: stop rather than take the connection back.
        f.account->onServerError(
            Error{ErrorCode::SessionReplaced, QStringLiteral("connected again elsewhere")});
        QCOMPARE(fatal.size(), 1);
        QCOMPARE(fatal.first().first().value<Error>().code, ErrorCode::SessionReplaced);
        QCOMPARE(f.socket.closes, 1);
        QVERIFY(f.socket.reconnects.isEmpty());
        // start() resumes; a logout from another device ends it for good.
        QVERIFY(f.account->start(kServer));
        f.account->onServerError(Error{ErrorCode::BadToken, QStringLiteral("logged out")});
        QCOMPARE(fatal.size(), 2);
        QCOMPARE(fatal.last().first().value<Error>().code, ErrorCode::BadToken);
        QCOMPARE(f.socket.closes, 2);
    }

    // Token renewal: the server hands out a successor when the token is due; the client keeps it
    // and presents it on the next socket.
    void aRenewedTokenReplacesTheSavedOne() {
        ModuleFixture f;
        QVERIFY(f.open());
        QVERIFY(f.secrets.write(kDeviceTokenKey, QByteArray("old-token")));
        f.socket.authenticated = false;
        QVERIFY(f.account->start());
        f.account->onSocketOpened();
        ModuleFixture::Request req;
        QVERIFY(f.takeOne(req));
        req.handler(answer([&](Frame &a) {
            a.mutable_auth_response()->set_user_id(kMe.userId);
            a.mutable_auth_response()->set_device_id(kMe.deviceId);
            a.mutable_auth_response()->set_renewed_token("new-token");
        }));
        QCOMPARE(f.socket.marks, 1);
        QCOMPARE(f.secrets.read(kDeviceTokenKey).value(), QByteArray("new-token"));
        f.socket.authenticated = false;
        f.account->onSocketOpened();
        QVERIFY(f.takeOne(req));
        QCOMPARE(protocol::bytesFromStd(req.frame.auth_request().device_token()),
                 QByteArray("new-token"));
    }

    // ws:// carries the password and the token in clear: to this machine only, unless the user
    // allowed it for that server (then it is saved with the account).
    void unencryptedRemoteServersNeedConsent() {
        QVERIFY(isLoopbackHost("localhost") && isLoopbackHost("127.0.0.1") &&
                isLoopbackHost("127.8.0.1") && isLoopbackHost("::1"));
        QVERIFY(!isLoopbackHost("10.0.0.1") && !isLoopbackHost("chat.example.org") &&
                !isLoopbackHost("localhost.example.org"));
        QVERIFY(!isInsecureRemote(QUrl("wss://chat.example.org")));
        QVERIFY(!isInsecureRemote(QUrl("ws://[::1]:7700")));
        QVERIFY(isInsecureRemote(QUrl("ws://192.168.1.5:7700")));

        ModuleFixture f;
        QVERIFY(f.open(AccountSettings{}));
        const QUrl remote(QStringLiteral("ws://chat.example.org:7700"));
        std::optional<Result<AccountSettings>> got;
        f.account->login(remote, "alice", "pw", "laptop",
                         [&](Result<AccountSettings> r) { got = r; });
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::Usage);
        QVERIFY(got->error().detail.contains("not encrypted"));
        QVERIFY(f.socket.opened.isEmpty()); // nothing was sent anywhere

        got.reset();
        f.account->login(QUrl("wss://chat.example.org:7700"), "alice", "pw", "laptop",
                         [&](Result<AccountSettings> r) { got = r; });
        QCOMPARE(f.socket.opened.size(), 1);
        f.socket.opened.clear();

        QVERIFY(f.account->allowInsecureServer(true));
        f.account->login(remote, "alice", "pw", "laptop",
                         [&](Result<AccountSettings> r) { got = r; });
        QCOMPARE(f.socket.opened, QList<QUrl>{remote});
        f.account->onSocketOpened();
        ModuleFixture::Request req;
        QVERIFY(f.takeOne(req));
        req.handler(loginAnswer(5, 50, "tok-5", "alice"));
        QVERIFY(got && got->ok());
        QVERIFY(f.store->accounts().account().value().allowInsecure);

        // A profile whose saved ws:// address was never allowed does not start.
        ModuleFixture g;
        AccountSettings saved = kMe;
        saved.serverUrl = remote.toString();
        QVERIFY(g.open(saved));
        QVERIFY(g.secrets.write(kDeviceTokenKey, QByteArray("tok")));
        const Status refused = g.account->start();
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Usage);
        QVERIFY(g.socket.opened.isEmpty());
        QVERIFY(g.account->allowInsecureServer(true));
        QVERIFY(g.account->start());
        QCOMPARE(g.socket.opened, QList<QUrl>{remote});
    }

    void displayNameIsSaved() {
        ModuleFixture f;
        QVERIFY(f.open());
        f.account->setDisplayName(QStringLiteral("Alice A."));
        QCOMPARE(f.account->settings().displayName, QStringLiteral("Alice A."));
        QCOMPARE(f.store->accounts().account().value().displayName, QStringLiteral("Alice A."));
    }
};

QTEST_GUILESS_MAIN(TestAccount)
#include "test_client_account.moc"
