// Presence, privacy, typing, contacts and blocking against the real server.
#include "support/integration_fixture.h"

#include <QTest>

using namespace tidings;
using namespace tidings::test;
using F = protocol::Frame;
using C = wire::ContactRequest;

class TestPresence : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;

    std::unique_ptr<RawClient> user(const QString &name) { return m_fx.registerUser(name); }
    QString name(const char *base) { return m_fx.uniqueName(QLatin1String(base)); }
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
    QString messageCount(quint64 conv) {
        return m_fx.sql(
            QStringLiteral("SELECT count(*) FROM messages WHERE conversation_id = %1").arg(conv));
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

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
        // Offline at once; the last-seen time is written by another database connection than
        // the one the presence query may use, so it can lag the offline state briefly.
        wire::Presence p;
        QVERIFY(QTest::qWaitFor(
            [&] {
                p = presenceOf(*viewer, t);
                return !p.online() && p.last_seen_ms() > 0;
            },
            kWaitMs));
        QVERIFY(p.visible());
        QVERIFY(qAbs(p.last_seen_ms() - QDateTime::currentMSecsSinceEpoch()) < 10000);
        // Subscribed: the change is pushed, to subscribers only.
        auto bystander = user(name("bystander"));
        viewer->pushes.clear();
        auto back = m_fx.reconnect(token);
        QVERIFY(back);
        auto push = viewer->waitPush(F::kPresencePush);
        QVERIFY(push);
        QVERIFY(push->presence_push().presence().online());
        back->close();
        QVERIFY(back->waitDisconnected());
        push = viewer->waitPush(F::kPresencePush);
        QVERIFY(push);
        QVERIFY(!push->presence_push().presence().online());
        QVERIFY(push->presence_push().presence().last_seen_ms() > 0);
        // The bystander heard of neither change. A change goes to every watcher at once, and
        // the answer to the bystander's subscription comes behind anything sent to it before;
        // then the next change reaches it over the same path, the first presence push it gets.
        QVERIFY(presenceOf(*bystander, t).visible()); // subscribes
        QCOMPARE(bystander->pushCount(F::kPresencePush), 0);
        auto again = m_fx.reconnect(token);
        QVERIFY(again);
        push = bystander->waitPush(F::kPresencePush);
        QVERIFY(push);
        QVERIFY(push->presence_push().presence().online());
        QCOMPARE(bystander->pushCount(F::kPresencePush), 0);
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
        QCOMPARE(errorCode(refused), wire::ERROR_FORBIDDEN);
        // The same answer a send to anyone refusing would get: no "blocked" wording.
        QVERIFY(!QString::fromStdString(refused->error().detail()).contains("block"));
        QCOMPARE(messageCount(conv), QString("1"));
        QVERIFY(!presenceOf(*pest, b).visible());
        // An outsider learns nothing about the block: "not a member", as for any conversation.
        auto outsider = user(name("outsider"));
        QCOMPARE(errorCode(outsider->send(conv, "peek")), wire::ERROR_NOT_MEMBER);
        // The blocker can still write (and sees the pest's presence).
        QVERIFY(blocker->send(conv, "b-says")->has_send_ack());
        F list;
        list.mutable_contacts_request();
        auto l = blocker->request(list);
        QCOMPARE(l->contacts_response().contacts_size(), 1);
        QVERIFY(l->contacts_response().contacts(0).blocked());
        QVERIFY(contact(*blocker, C::ACTION_UNBLOCK, m)->has_ok());
        QVERIFY(pest->send(conv, "again")->has_send_ack());
        // The refused message never reached the blocker: the next one comes right behind the
        // first (the blocker's own is not echoed to it).
        QVERIFY(waitFor([&] {
            return !blocker->messagesIn(conv).empty() &&
                   blocker->messagesIn(conv).back().client_message_id() == "again";
        }));
        const auto got = blocker->messagesIn(conv);
        QCOMPARE(int(got.size()), 2);
        QCOMPARE(got.front().client_message_id(), std::string("before"));
        QVERIFY(presenceOf(*pest, b).visible());
        QCOMPARE(errorCode(contact(*blocker, C::ACTION_BLOCK, "nosuchuser77")),
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
        t.mutable_typing_request()->set_typing(false);
        alice->sendFrame(t);
        push = bob->waitPush(F::kTypingPush);
        QVERIFY(push && !push->typing_push().typing());
        // Neither was echoed to alice: bob's typing, relayed after them on the same path, is the
        // first typing push she gets.
        F reply = t;
        reply.mutable_typing_request()->set_typing(true);
        bob->sendFrame(reply);
        auto theirs = alice->waitPush(F::kTypingPush);
        QVERIFY(theirs);
        QCOMPARE(theirs->typing_push().user_id(), bob->userId);
        QCOMPARE(alice->pushCount(F::kTypingPush), 0);
        QCOMPARE(errorCode(outsider->request(t)), wire::ERROR_NOT_MEMBER);
        QCOMPARE(messageCount(conv), QString("0"));
    }
};

QTEST_GUILESS_MAIN(TestPresence)
#include "test_presence.moc"
