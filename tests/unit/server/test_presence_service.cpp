// Presence and typing without a database: the privacy rule, subscriptions per connection, who is
// told when a user's first device connects and last disconnects, re-evaluation after privacy
// changes, and the typing relay.
#include "core/clock.h"
#include "protocol/limits.h"
#include "services/common/membership.h"
#include "services/presence/presence_service.h"
#include "support/captured.h"
#include "support/fake_delivery.h"

#include <QTest>

using namespace tidings;
using namespace tidings::server;
using namespace tidings::server::test;

namespace {

//! Users with a visibility setting, contacts and blocks; facts computed as the SQL does.
class FakePresenceStore final : public PresenceStore {
public:
    struct User {
        quint64 id;
        QString name;
        Visibility visibility = Visibility::Everyone;
        qint64 lastSeenMs = 0;
    };
    QHash<quint64, User> users;
    QSet<std::pair<quint64, quint64>> contacts; //!< (owner, contact)
    QSet<std::pair<quint64, quint64>> blocks;   //!< (owner, blocked)
    std::vector<std::function<void()>> held;    //!< answers held back by a test
    bool hold = false;

    void factsByName(quint64 viewer, const QStringList &names,
                     Callback<std::vector<VisibilityFacts>> cb) override {
        std::vector<quint64> ids;
        for (const auto &u : users)
            if (names.contains(u.name))
                ids.push_back(u.id);
        factsById(viewer, ids, std::move(cb));
    }
    void factsById(quint64 viewer, const std::vector<quint64> &ids,
                   Callback<std::vector<VisibilityFacts>> cb) override {
        std::vector<VisibilityFacts> out;
        for (quint64 id : ids) {
            if (!users.contains(id))
                continue;
            const User &u = users[id];
            out.push_back(VisibilityFacts{
                id, u.name, u.visibility, u.lastSeenMs, contacts.contains({id, viewer}),
                blocks.contains({id, viewer}), users.value(viewer).visibility});
        }
        if (hold)
            held.push_back([cb, out] { cb(out); });
        else
            cb(out);
    }
    void setLastSeen(quint64 userId, qint64 atMs) override { users[userId].lastSeenMs = atMs; }
    void setVisibility(quint64 userId, Visibility v, std::function<void(Status)> cb) override {
        users[userId].visibility = v;
        cb(Status{});
    }
};

} // namespace

class TestPresenceService : public QObject {
    Q_OBJECT

    FakeClock m_clock;
    FakePresenceStore m_store;
    FakeDelivery m_delivery;
    QHash<quint64, QList<quint64>> m_members;
    std::unique_ptr<Membership> m_membership;
    std::unique_ptr<PresenceService> m_service;
    const Caller alice{1, 11, QStringLiteral("alice")};
    const Caller bob{2, 21, QStringLiteral("bob")};
    const Caller bob2{2, 22, QStringLiteral("bob")};
    const Caller carol{3, 31, QStringLiteral("carol")};

    void connect(const Caller &c) {
        m_delivery.connect(c.userId, c.deviceId);
        m_service->deviceConnected(c);
    }
    void disconnect(const Caller &c) {
        m_delivery.disconnectDevice(c.userId, c.deviceId);
        m_service->deviceDisconnected(c);
    }
    std::vector<PresenceState> subscribe(const Caller &c, QStringList names) {
        Captured<std::vector<PresenceState>> r;
        m_service->subscribe(c, names, r.reply());
        return r.ok() ? r.value() : std::vector<PresenceState>{};
    }
    std::vector<wire::PresencePush> pushes(quint64 device) {
        return m_delivery.of<wire::PresencePush>(device);
    }

private slots:
    void init() {
        m_store = FakePresenceStore{};
        m_delivery = FakeDelivery{};
        m_store.users = {{1, {1, "alice"}}, {2, {2, "bob"}}, {3, {3, "carol"}}};
        m_members = {{5, {1, 2, 3}}};
        m_membership = std::make_unique<Membership>(
            [this](quint64 conv, Membership::Callback cb) { cb(m_members.value(conv)); }, 10);
        m_service = std::make_unique<PresenceService>(m_store, *m_membership, m_delivery, m_clock);
    }

    void thePrivacyRule() {
        VisibilityFacts f{2, "bob", Visibility::Everyone, 0, false, false, Visibility::Everyone};
        QVERIFY(PresenceService::mayView(1, f));
        f.lastSeenVisibility = Visibility::Contacts;
        QVERIFY(!PresenceService::mayView(1, f));
        f.viewerIsContact = true;
        QVERIFY(PresenceService::mayView(1, f));
        f.blocksViewer = true; // a blocked viewer sees nothing
        QVERIFY(!PresenceService::mayView(1, f));
        f.blocksViewer = false;
        f.viewerVisibility = Visibility::Nobody; // reciprocity
        QVERIFY(!PresenceService::mayView(1, f));
        f.lastSeenVisibility = Visibility::Nobody;
        QVERIFY(PresenceService::mayView(2, f)); // oneself, always
        QVERIFY(!PresenceService::mayView(1, f));
    }

    void subscribersHearOfTheFirstDeviceAndTheLastOnly() {
        connect(alice);
        auto states = subscribe(alice, {"Bob", "carol", "nobody"});
        QCOMPARE(states.size(), std::size_t(2));
        QCOMPARE(m_service->watchCount(11), 2);
        for (const auto &s : states)
            QVERIFY(s.visible && !s.online);
        connect(bob);
        QCOMPARE(pushes(11).size(), std::size_t(1));
        QVERIFY(pushes(11)[0].presence().online());
        QCOMPARE(pushes(11)[0].presence().user_id(), quint64(2));
        connect(bob2); // a second device changes nothing for others
        disconnect(bob);
        QCOMPARE(pushes(11).size(), std::size_t(1));
        m_clock.advance(5000);
        disconnect(bob2); // the last one: offline, last seen now
        QCOMPARE(pushes(11).size(), std::size_t(2));
        QVERIFY(!pushes(11)[1].presence().online());
        QCOMPARE(pushes(11)[1].presence().last_seen_ms(), m_clock.nowMs());
        QCOMPARE(m_store.users[2].lastSeenMs, m_clock.nowMs());
        // A new subscription set replaces the old one.
        subscribe(alice, {"carol"});
        QCOMPARE(m_service->watchCount(11), 1);
        connect(bob);
        QCOMPARE(pushes(11).size(), std::size_t(2));
        // A new connection of the device starts with none.
        connect(alice);
        QCOMPARE(m_service->watchCount(11), 0);
    }

    void hiddenUsersAreShownWithoutStateAndTheirChangesAreNotPushed() {
        m_store.users[2].visibility = Visibility::Nobody;
        m_store.users[2].lastSeenMs = 1234;
        connect(alice);
        auto states = subscribe(alice, {"bob"});
        QCOMPARE(states.size(), std::size_t(1));
        QVERIFY(!states[0].visible);
        QCOMPARE(states[0].lastSeenMs, qint64(0));
        connect(bob);
        QVERIFY(pushes(11).empty());
    }

    void privacyChangesPushOnlyFlips() {
        connect(alice);
        connect(carol);
        subscribe(alice, {"bob"});
        subscribe(carol, {"bob"});
        m_store.contacts.insert({2, 3}); // bob has carol as a contact
        CapturedStatus r;
        m_service->setPrivacy(bob, Visibility::Contacts, r.reply());
        QVERIFY(r.ok());
        QCOMPARE(pushes(11).size(), std::size_t(1)); // alice can no longer see bob
        QVERIFY(!pushes(11)[0].presence().visible());
        QVERIFY(pushes(31).empty()); // carol still can: no flip, no push
        // Reciprocity: alice hides hers, so she sees no one's (her own subscriptions change).
        m_service->setPrivacy(bob, Visibility::Everyone, r.reply());
        QCOMPARE(pushes(11).size(), std::size_t(2));
        QVERIFY(pushes(11)[1].presence().visible());
        connect(alice); // a fresh connection for alice, subscribed again
        subscribe(alice, {"bob"});
        m_service->setPrivacy(alice, Visibility::Nobody, r.reply());
        QCOMPARE(pushes(11).size(), std::size_t(3));
        QVERIFY(!pushes(11)[2].presence().visible());
    }

    void aClosedConnectionsLateSubscriptionIsNotKept() {
        connect(alice);
        m_store.hold = true;
        Captured<std::vector<PresenceState>> r;
        m_service->subscribe(alice, {"bob"}, r.reply());
        disconnect(alice);
        connect(alice); // reconnected before the answer came
        m_store.held.front()();
        QVERIFY(r.ok()); // answered (the reply goes nowhere: that connection is gone)
        QCOMPARE(m_service->watchCount(11), 0);
    }

    void typingIsRelayedToTheOtherMembersOnly() {
        connect(alice);
        connect(bob);
        connect(bob2);
        connect(carol);
        CapturedStatus r;
        m_service->typing(alice, 5, true, r.reply());
        QVERIFY(r.ok());
        QVERIFY(m_delivery.of<wire::TypingPush>(11).empty());
        for (quint64 device : {21, 22, 31}) {
            const auto t = m_delivery.of<wire::TypingPush>(device);
            QCOMPARE(t.size(), std::size_t(1));
            QCOMPARE(t[0].user_id(), quint64(1));
            QCOMPARE(t[0].username(), std::string("alice"));
            QVERIFY(t[0].typing());
            QCOMPARE(t[0].expires_in_ms(), quint32(limits::kTypingExpiryMs));
        }
        CapturedStatus outsider;
        m_service->typing(Caller{9, 91, "eve"}, 5, true, outsider.reply());
        QCOMPARE(outsider.code(), ErrorCode::NotMember);
        QCOMPARE(m_delivery.of<wire::TypingPush>(31).size(), std::size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestPresenceService)
#include "test_presence_service.moc"
