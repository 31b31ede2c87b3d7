// Presence, privacy, typing, contacts and blocking against the real server.
#include "support/pg_fixture.h"
#include "support/raw_client.h"
#include "support/server_harness.h"

#include <QTest>

using namespace tidings;
using namespace tidings::test;
using F = protocol::Frame;
using C = wire::ContactRequest;

class TestPresence : public QObject {
    Q_OBJECT
    PgFixture m_pg;
    std::unique_ptr<ServerHarness> m_server;
    int m_n = 0;

    std::unique_ptr<RawClient> user(const QString &name) {
        return RawClient::registered(m_server->url(), name);
    }
    QString name(const char *base) { return QStringLiteral("%1%2").arg(base).arg(++m_n); }
    static std::optional<F> contact(RawClient &c, C::Action a, const QString &who) {
        F f;
        f.mutable_contact_request()->set_action(a);
        f.mutable_contact_request()->set_username(who.toStdString());
        return c.request(f);
    }
    static std::optional<F> privacy(RawClient &c, wire::Visibility v) {
        F f;
        f.mutable_set_privacy_request()->set_last_seen(v);
        return c.request(f);
    }
    static wire::Presence presenceOf(RawClient &c, const QString &who) {
        F f;
        f.mutable_presence_subscribe_request()->add_usernames(who.toStdString());
        auto r = c.request(f);
        return r && r->presence_response().presences_size() ? r->presence_response().presences(0)
                                                            : wire::Presence();
    }
    static wire::ErrorCode code(const std::optional<F> &f) {
        return f && f->has_error() ? f->error().code() : wire::ERROR_NONE;
    }

private slots:
    void initTestCase() {
        const QString err = m_pg.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_server = std::make_unique<ServerHarness>(m_pg);
        QVERIFY(m_server->start());
    }
    void cleanupTestCase() { m_server.reset(); }

    void privacyAgainstContactsAndStrangers_data() {
        QTest::addColumn<int>("visibility");
        QTest::addColumn<bool>("contactSees");
        QTest::addColumn<bool>("strangerSees");
        QTest::newRow("everyone") << int(wire::VISIBILITY_EVERYONE) << true << true;
        QTest::newRow("contacts") << int(wire::VISIBILITY_CONTACTS) << true << false;
        QTest::newRow("nobody") << int(wire::VISIBILITY_NOBODY) << false << false;
    }
    void privacyAgainstContactsAndStrangers() {
        QFETCH(int, visibility);
        QFETCH(bool, contactSees);
        QFETCH(bool, strangerSees);
        const QString t = name("target"), f = name("friend");
        auto target = user(t);
        auto friendly = user(f);
        auto stranger = user(name("stranger"));
        QVERIFY(contact(*target, C::ACTION_ADD, f)->has_ok());
        QVERIFY(privacy(*target, wire::Visibility(visibility))->has_ok());
        const auto seenByFriend = presenceOf(*friendly, t);
        const auto seenByStranger = presenceOf(*stranger, t);
        QCOMPARE(seenByFriend.visible(), contactSees);
        QCOMPARE(seenByFriend.online(), contactSees); // the target is connected
        QCOMPARE(seenByStranger.visible(), strangerSees);
        QCOMPARE(seenByStranger.online(), strangerSees);
    }

    void onlineOfflineAndLastSeen() {
        const QString t = name("target");
        auto viewer = user(name("viewer"));
        QByteArray token;
        {
            auto target = user(t);
            token = target->token;
        }
        QVERIFY(QTest::qWaitFor([&] { return !presenceOf(*viewer, t).online(); }));
        auto p = presenceOf(*viewer, t);
        QVERIFY(p.visible());
        QVERIFY(p.last_seen_ms() > 0);
        QVERIFY(qAbs(p.last_seen_ms() - QDateTime::currentMSecsSinceEpoch()) < 10000);
        // Subscribed: the change is pushed, to subscribers only.
        auto bystander = user(name("bystander"));
        viewer->pushes.clear();
        RawClient back(m_server->url());
        QVERIFY(back.connectNow());
        QVERIFY(back.auth(token));
        auto push = viewer->waitPush(F::kPresencePush);
        QVERIFY(push);
        QVERIFY(push->presence_push().presence().online());
        back.close();
        QVERIFY(back.waitDisconnected());
        push = viewer->waitPush(F::kPresencePush);
        QVERIFY(push);
        QVERIFY(!push->presence_push().presence().online());
        QVERIFY(push->presence_push().presence().last_seen_ms() > 0);
        QVERIFY(!bystander->waitPush(F::kPresencePush, 300));
    }

    void nobodyIsReciprocal() {
        const QString t = name("open");
        auto open = user(t);
        auto hider = user(name("hider"));
        QVERIFY(presenceOf(*hider, t).visible());
        QVERIFY(privacy(*hider, wire::VISIBILITY_NOBODY)->has_ok());
        QVERIFY(!presenceOf(*hider, t).visible());
        // A live subscription follows the change too.
        hider->pushes.clear();
        QVERIFY(privacy(*hider, wire::VISIBILITY_EVERYONE)->has_ok());
        auto push = hider->waitPush(F::kPresencePush);
        QVERIFY(push && push->presence_push().presence().visible());
    }

    void blockingRefusesMessagesAndHidesPresence() {
        const QString b = name("blocker"), m = name("pest");
        auto blocker = user(b);
        auto pest = user(m);
        const quint64 conv = pest->openDirect(b);
        QVERIFY(pest->send(conv, "before")->has_send_ack());
        QVERIFY(presenceOf(*pest, b).visible());
        QVERIFY(contact(*blocker, C::ACTION_BLOCK, m)->has_ok());
        auto refused = pest->send(conv, "after");
        QCOMPARE(code(refused), wire::ERROR_FORBIDDEN);
        // The same answer a send to anyone refusing would get: no "blocked" wording.
        QVERIFY(!QString::fromStdString(refused->error().detail()).contains("block"));
        QCOMPARE(
            m_pg.query(m_server->conninfo(),
                       QStringLiteral("SELECT count(*) FROM messages WHERE conversation_id = %1")
                           .arg(conv))
                .value(0),
            QString("1"));
        QVERIFY(!presenceOf(*pest, b).visible());
        // An outsider learns nothing about the block: "not a member", as for any conversation.
        auto outsider = user(name("outsider"));
        QCOMPARE(code(outsider->send(conv, "peek")), wire::ERROR_NOT_MEMBER);
        // The blocker can still write (and sees the pest's presence).
        QVERIFY(blocker->send(conv, "b-says")->has_send_ack());
        F list;
        list.mutable_contacts_request();
        auto l = blocker->request(list);
        QCOMPARE(l->contacts_response().contacts_size(), 1);
        QVERIFY(l->contacts_response().contacts(0).blocked());
        QVERIFY(contact(*blocker, C::ACTION_UNBLOCK, m)->has_ok());
        QVERIFY(pest->send(conv, "again")->has_send_ack());
        QVERIFY(presenceOf(*pest, b).visible());
        QCOMPARE(code(contact(*blocker, C::ACTION_BLOCK, "nosuchuser77")),
                 wire::ERROR_NO_SUCH_USER);
    }

    void typingIsRelayedNotStored() {
        const QString b = name("bob");
        auto alice = user(name("alice"));
        auto bob = user(b);
        auto outsider = user(name("outsider"));
        const quint64 conv = alice->openDirect(b);
        F t;
        t.mutable_typing_request()->set_conversation_id(conv);
        t.mutable_typing_request()->set_typing(true);
        alice->sendFrame(t); // request_id 0: fire and forget
        auto push = bob->waitPush(F::kTypingPush);
        QVERIFY(push);
        QVERIFY(push->typing_push().typing());
        QCOMPARE(push->typing_push().user_id(), alice->userId);
        QCOMPARE(push->typing_push().expires_in_ms(), 5000u);
        QVERIFY(!alice->waitPush(F::kTypingPush, 200)); // not echoed
        t.mutable_typing_request()->set_typing(false);
        alice->sendFrame(t);
        push = bob->waitPush(F::kTypingPush);
        QVERIFY(push && !push->typing_push().typing());
        QCOMPARE(code(outsider->request(t)), wire::ERROR_NOT_MEMBER);
        QCOMPARE(
            m_pg.query(m_server->conninfo(),
                       QStringLiteral("SELECT count(*) FROM messages WHERE conversation_id = %1")
                           .arg(conv))
                .value(0),
            QString("0"));
    }
};

QTEST_GUILESS_MAIN(TestPresence)
#include "test_presence.moc"
