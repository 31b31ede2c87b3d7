// The gateway with fake services over loopback WebSockets: every request type reaches the right
// service method with domain arguments and the session's caller, answers echo the request id,
// errors are encoded with their details, authentication comes first (one attempt at a time),
// garbage is counted and its sender dropped, the inbox drain is framed and closed, and the single
// heartbeat timer drops silent connections; a device's newer connection closes its older one
// (SESSION_REPLACED), and a revoked device's requests close its connection.
#include "../protocol/sample_frames.h"
#include "core/clock.h"
#include "gateway/gateway.h"
#include "gateway/session.h"
#include "protocol/limits.h"
#include "routing/local_router.h"
#include "services/common/revoked_devices.h"
#include "support/fake_services.h"
#include "support/ws_client.h"

#include <QSignalSpy>
#include <QTest>

using namespace tidings;
using namespace tidings::server;
using namespace tidings::server::test;
using protocol::Frame;

class TestGateway : public QObject {
    Q_OBJECT

    FakeClock m_clock;
    FakeServices m_services;
    RevokedDevices m_revoked;
    std::unique_ptr<LocalRouter> m_router;
    std::unique_ptr<Gateway> m_gateway;

    std::unique_ptr<WsClient> client() {
        auto c = std::make_unique<WsClient>(m_gateway->port());
        if (!c->waitConnected())
            return nullptr;
        return c;
    }
    std::unique_ptr<WsClient> signedIn() { return signedInClient(m_gateway->port()); }
    static Frame sample(const std::string &name) {
        for (auto &s : testing::validClientFrames())
            if (s.name == name)
                return s.frame;
        return Frame{};
    }

private slots:
    void init() {
        m_services = FakeServices{};
        m_revoked = RevokedDevices{};
        m_router = std::make_unique<LocalRouter>();
        ServerConfig config;
        config.heartbeatCheckMs = 20;
        config.idleTimeoutMs = 1000;
        config.authTimeoutMs = 1000;
        const Services services{&m_services, &m_services, &m_services, &m_services, &m_services,
                                &m_services, &m_services, &m_services, &m_revoked};
        m_gateway = std::make_unique<Gateway>(config, m_clock, *m_router, services);
        QString error;
        QVERIFY2(m_gateway->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    }
    void cleanup() {
        m_gateway.reset();
        m_router.reset();
    }

    void everyRequestReachesItsServiceAndIsAnsweredUnderItsId() {
        auto c = signedIn();
        QVERIFY(c);
        QCOMPARE(m_services.calls.mid(0, 3),
                 (QStringList{"accounts.register alice  ", "presence.deviceConnected",
                              "messaging.drainInbox"}));
        QVERIFY(c->take(0, Frame::kInboxDrained));
        const QHash<QString, std::pair<QString, Frame::BodyCase>> expected = {
            {"open_direct_request", {"groups.openDirect bob", Frame::kConversationInfo}},
            {"send_request", {"messaging.send 42 01HZX3J6Q2-abc_def 16", Frame::kSendAck}},
            {"delivery_ack", {"messaging.ack 42 17 0", Frame::kOk}},
            {"read_ack", {"messaging.ack 42 16 16", Frame::kOk}},
            {"history_request", {"messaging.history 42 10 20 100", Frame::kHistoryResponse}},
            {"create_group_request",
             {QString::fromUtf8("groups.create Book club \xf0\x9f\x93\x9a bob,Carol.K signed 300"),
              Frame::kConversationInfo}},
            {"group_change_request", {"groups.change 43 2 bob", Frame::kOk}},
            {"group_info_request", {"groups.info 43", Frame::kConversationInfo}},
            {"readers_request", {"groups.readers 43 5", Frame::kReadersResponse}},
            {"devices_request", {"accounts.listDevices", Frame::kDevicesResponse}},
            {"revoke_device_request", {"accounts.revokeDevice 71", Frame::kOk}},
            {"change_password_request", {"accounts.changePassword 29", Frame::kOk}},
            {"group_log_request", {"groups.log 43 3 64", Frame::kGroupLogResponse}},
            {"presence_subscribe_request",
             {"presence.subscribe bob,carol", Frame::kPresenceResponse}},
            {"set_privacy_request", {"presence.setPrivacy 1", Frame::kOk}},
            {"typing_request", {"presence.typing 43 1", Frame::kOk}},
            {"contact_request", {"contacts.change 2 mallory", Frame::kOk}},
            {"contacts_request", {"contacts.list", Frame::kContactsResponse}},
            {"set_profile_request", {"profiles.setDisplayName Alice A.", Frame::kOk}},
            {"profiles_request", {"profiles.profiles bob", Frame::kProfilesResponse}},
            {"upload_keys_request", {"keys.uploadKeys 32 7 1", Frame::kKeysResponse}},
            {"publish_device_list_request", {"keys.publishDeviceList 120 32", Frame::kOk}},
            {"device_list_request", {"keys.deviceList 8", Frame::kDeviceListResponse}},
            {"fetch_bundles_request", {"keys.fetchBundles 8 12", Frame::kBundlesResponse}},
            {"link_relay_request", {"keys.linkRelay 13 hello", Frame::kOk}},
            {"media_token_request", {"media.issueToken", Frame::kMediaTokenResponse}},
            {"account_key_request", {"keys.accountKeyHandoff", Frame::kAccountKeyPush}},
            {"recover_account_request",
             {"keys.recoverAccount 400", Frame::kRecoverAccountResponse}},
            {"register_request", {{}, Frame::kError}},
            {"login_request", {{}, Frame::kError}},
            {"auth_request", {{}, Frame::kError}},
            {"ping", {{}, Frame::kPong}}};
        quint64 rid = 100;
        int covered = 0;
        for (const auto &s : testing::validClientFrames()) {
            const QString name = QString::fromStdString(s.name);
            QVERIFY2(expected.contains(name), qPrintable("no expectation for " + name));
            const auto &[call, body] = expected[name];
            m_services.calls.clear();
            const auto answer = c->request(s.frame, ++rid);
            QVERIFY2(answer, qPrintable(name));
            QCOMPARE(answer->request_id(), rid);
            QCOMPARE(answer->body_case(), body);
            QCOMPARE(m_services.calls, call.isEmpty() ? QStringList{} : QStringList{call});
            if (body == Frame::kError)
                QCOMPARE(answer->error().code(), wire::ERROR_ALREADY_AUTHENTICATED);
            ++covered;
        }
        QCOMPARE(covered, int(expected.size()));
    }

    void aNewerConnectionOfADeviceClosesTheOlder() {
        auto older = signedIn(); // the fake services sign every client in as device 11
        QVERIFY(older);
        QVERIFY(older->take(0, Frame::kInboxDrained));
        m_services.calls.clear();
        auto newer = signedIn();
        QVERIFY(newer);
        const auto told = older->take(0, Frame::kError);
        QVERIFY(told);
        QCOMPARE(told->error().code(), wire::ERROR_SESSION_REPLACED);
        QVERIFY(older->waitClosed());
        QVERIFY(newer->request(sample("ping"), 5));
        QTRY_COMPARE(m_gateway->sessionCount(), 1);
        // The device never went offline: the old connection closing is not a disconnect.
        QVERIFY(!m_services.calls.contains("presence.deviceDisconnected"));
        QCOMPARE(m_router->endpointOf(11) != nullptr, true);
    }

    void requestsOfARevokedDeviceCloseItsConnection() {
        auto c = signedIn();
        QVERIFY(c);
        QVERIFY(c->request(sample("ping"), 2));
        m_revoked.add(11, 0); // revoked through another connection (or another node)
        m_services.calls.clear();
        const auto refused = c->request(sample("history_request"), 3);
        QVERIFY(refused);
        QCOMPARE(refused->error().code(), wire::ERROR_BAD_TOKEN);
        QVERIFY(c->waitClosed());
        QVERIFY(!m_services.calls.contains(QStringLiteral("messaging.history 42 10 20 100")));
    }

    void answersCarryTheServicesValues() {
        auto c = signedIn();
        QVERIFY(c);
        const auto ack = c->request(sample("send_request"), 7);
        QCOMPARE(ack->send_ack().seq(), quint64(5));
        QCOMPARE(ack->send_ack().client_message_id(), std::string("01HZX3J6Q2-abc_def"));
        const auto bundles = c->request(sample("fetch_bundles_request"), 8);
        QCOMPARE(bundles->bundles_response().bundles(0).signed_prekey().public_key(),
                 std::string("spk"));
        QCOMPARE(bundles->bundles_response().device_list().signed_list(), std::string("list"));
        const auto contacts = c->request(sample("contacts_request"), 9);
        QCOMPARE(contacts->contacts_response().last_seen(), wire::VISIBILITY_CONTACTS);
        QVERIFY(contacts->contacts_response().contacts(0).contact());
        const auto history = c->request(sample("history_request"), 10);
        QVERIFY(history->history_response().has_more());
        QCOMPARE(history->history_response().cursors(0).read_seq(), quint64(3));
        const auto group = c->request(sample("create_group_request"), 11);
        QCOMPARE(group->conversation_info().kind(), wire::CONVERSATION_GROUP);
    }

    void errorsAreTypedWithTheirDetails() {
        auto c = signedIn();
        QVERIFY(c);
        wire::StaleDevices stale;
        stale.add_current()->set_device_id(12);
        Error e{ErrorCode::StaleDevices, "re-encrypt"};
        e.staleDevices = QByteArray::fromStdString(stale.SerializeAsString());
        m_services.fail = e;
        auto r = c->request(sample("send_request"), 21);
        QCOMPARE(r->error().code(), wire::ERROR_STALE_DEVICES);
        QCOMPARE(r->error().detail(), std::string("re-encrypt"));
        QCOMPARE(r->error().stale().current(0).device_id(), quint64(12));
        m_services.fail = Error{ErrorCode::RateLimited, "slow down", 4321};
        r = c->request(sample("fetch_bundles_request"), 22);
        QCOMPARE(r->error().code(), wire::ERROR_RATE_LIMITED);
        QCOMPARE(r->error().retry_after_ms(), quint32(4321));
        // A typed refusal is not garbage: the connection stays.
        for (int i = 0; i < limits::kMaxBadFrames + 1; ++i) {
            m_services.fail = Error{ErrorCode::NoSuchUser, "no"};
            QCOMPARE(c->request(sample("open_direct_request"), 30 + quint64(i))->error().code(),
                     wire::ERROR_NO_SUCH_USER);
        }
        QVERIFY(!c->closed);
    }

    void fireAndForgetAcksHearOfRefusalsNotOfDatabaseFailures() {
        auto c = signedIn();
        QVERIFY(c);
        QVERIFY(c->take(0, Frame::kInboxDrained));
        m_services.fail = Error{ErrorCode::Internal, "database"};
        c->send(sample("delivery_ack")); // request id 0
        m_services.fail.reset();
        // Something sent later arrives, and nothing came before it.
        const auto pong = c->request(sample("ping"), 41);
        QVERIFY(pong && pong->has_pong());
        QVERIFY(c->received.empty());
        m_services.fail = Error{ErrorCode::NotMember, "not a member"};
        c->send(sample("read_ack"));
        const auto refused = c->take(0, Frame::kError);
        QVERIFY(refused);
        QCOMPARE(refused->error().code(), wire::ERROR_NOT_MEMBER);
        // Ok is never sent for request id 0.
        c->send(sample("typing_request"));
        QVERIFY(c->request(sample("ping"), 42));
        QVERIFY(c->received.empty());
    }

    void nothingButAuthenticationComesFirst() {
        auto c = client();
        QVERIFY(c);
        const auto pong = c->request(sample("ping"), 1); // pings are fine
        QVERIFY(pong && pong->has_pong());
        const auto refused = c->request(sample("open_direct_request"), 2);
        QVERIFY(refused);
        QCOMPARE(refused->error().code(), wire::ERROR_NOT_AUTHENTICATED);
        QVERIFY(c->waitClosed());
        QVERIFY(!m_services.calls.contains("groups.openDirect bob"));
    }

    void oneAuthenticationAttemptAtATime() {
        m_services.holdLogins = true;
        auto c = client();
        QVERIFY(c);
        c->send([] {
            Frame f = sample("login_request");
            f.set_request_id(1);
            return f;
        }());
        QTRY_COMPARE(m_services.heldLogins.size(), std::size_t(1));
        const auto busy = c->request(sample("auth_request"), 2);
        QCOMPARE(busy->error().code(), wire::ERROR_NOT_AUTHENTICATED);
        QCOMPARE(m_services.heldLogins.size(), std::size_t(1));
        // A failed attempt may be retried on the same connection.
        m_services.fail = Error{ErrorCode::BadCredentials, "wrong"};
        m_services.heldLogins.front()();
        QCOMPARE(c->take(1)->error().code(), wire::ERROR_BAD_CREDENTIALS);
        m_services.holdLogins = false;
        const auto auth = c->request(sample("auth_request"), 3);
        QVERIFY(auth && auth->has_auth_response());
        QCOMPARE(auth->auth_response().display_name(), std::string("Alice"));
        QCOMPARE(auth->auth_response().server_time_ms(), m_clock.nowMs());
        QVERIFY(m_router->endpointOf(11));
        QVERIFY(!c->closed);
    }

    void garbageIsCountedAndItsSenderDropped() {
        auto c = signedIn();
        QVERIFY(c);
        c->sendText("hello?");
        for (int i = 1; i < limits::kMaxBadFrames; ++i)
            c->sendRaw(QByteArray("\xff\xff\xff garbage", 11));
        QVERIFY(c->waitClosed());
        int badFrames = 0;
        for (const auto &f : c->received)
            badFrames += f.has_error() && f.error().code() == wire::ERROR_BAD_FRAME ? 1 : 0;
        QCOMPARE(badFrames, limits::kMaxBadFrames);
        // Its device is no longer routed, and presence was told.
        QTRY_VERIFY(!m_router->endpointOf(11));
        QVERIFY(m_services.calls.contains("presence.deviceDisconnected"));
    }

    void aFrameFailingValidationIsAnsweredUnderItsRequestId() {
        auto c = signedIn();
        QVERIFY(c);
        Frame bad = sample("open_direct_request");
        bad.mutable_open_direct_request()->set_username("no spaces allowed");
        const auto r = c->request(bad, 77);
        QVERIFY(r);
        QCOMPARE(r->error().code(), wire::ERROR_INVALID_USERNAME);
        QVERIFY(m_services.calls.filter("openDirect").isEmpty());
    }

    void theInboxIsFramedThenDrained() {
        std::vector<wire::Message> big;
        for (int i = 0; i < 20; ++i)
            big.push_back(testing::sampleMessage(42, quint64(i + 1), std::string(60'000, 'x')));
        m_services.inbox = {InboxPage{big, false, 20},
                            InboxPage{{testing::sampleMessage(43, 1, "y")}, true, 21}};
        auto c = signedIn();
        QVERIFY(c);
        const auto drained = c->take(0, Frame::kInboxDrained);
        QVERIFY(drained);
        QCOMPARE(drained->inbox_drained().count(), quint32(21));
        std::vector<int> perFrame;
        for (const auto &f : c->received)
            if (f.has_message_push())
                perFrame.push_back(f.message_push().messages_size());
        // A frame is cut once its payloads pass the push size (18 × 60 kB), pages apart.
        QCOMPARE(perFrame, (std::vector<int>{18, 2, 1}));
        QCOMPARE(c->undecodable, 0);
    }

    void silentConnectionsAreDroppedByTheOneHeartbeat() {
        QSignalSpy ticks(m_gateway.get(), &Gateway::heartbeat);
        auto c = signedIn();
        auto anonymous = client();
        QVERIFY(c && anonymous);
        QVERIFY(ticks.wait(1000));
        QTest::qWait(60);
        QVERIFY(!c->closed && !anonymous->closed);
        m_clock.advance(1001);
        QVERIFY(c->waitClosed());
        QVERIFY(anonymous->waitClosed());
        QCOMPARE(m_gateway->sessionCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestGateway)
#include "test_gateway.moc"
