// The presence module against a FakeSink: the subscription (normalized, retried, renewed on every
// fresh socket with its answer reported as changes), privacy, pushes, and typing both ways
// (nothing sent offline, a message from a typer ends its indicator, a lost socket ends them all).
#include "core/presence/presence.h"
#include "fake_sink.h"

#include <QSignalSpy>
#include <QTest>

using namespace tidings;
using namespace tidings::client;
using tidings::client::test::FakeSink;

namespace {
wire::Presence wirePresence(quint64 user, const char *name, bool online) {
    wire::Presence p;
    p.set_user_id(user);
    p.set_username(name);
    p.set_visible(true);
    p.set_online(online);
    p.set_last_seen_ms(online ? 0 : 5000);
    return p;
}
Frame presenceAnswer(std::initializer_list<wire::Presence> presences) {
    Frame f;
    for (const auto &p : presences)
        *f.mutable_presence_response()->add_presences() = p;
    return f;
}
QStringList usernamesOf(const Frame &f) {
    QStringList out;
    for (const auto &u : f.presence_subscribe_request().usernames())
        out.append(QString::fromStdString(u));
    return out;
}
} // namespace

class TestPresence : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<FakeSink> m_sink;
    std::unique_ptr<Requester> m_requests;
    std::unique_ptr<Presence> m_presence;

private slots:
    void init() {
        qRegisterMetaType<PresenceInfo>();
        qRegisterMetaType<TypingEvent>();
        m_sink = std::make_unique<FakeSink>();
        m_requests = std::make_unique<Requester>(m_sink.get());
        m_presence = std::make_unique<Presence>(m_requests.get(), TypingTracker::Options{});
    }
    void cleanup() {
        m_presence.reset();
        m_requests.reset();
        m_sink.reset();
    }

    void subscribeNormalizesAndConverts() {
        std::optional<Result<QList<PresenceInfo>>> got;
        m_presence->subscribe(
            {QStringLiteral(" Bob"), QStringLiteral("bob"), QString(), QStringLiteral("Carol")},
            [&](Result<QList<PresenceInfo>> r) { got = r; });
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        QCOMPARE(usernamesOf(reqs.first().frame),
                 (QStringList{QStringLiteral("bob"), QStringLiteral("carol")}));
        reqs.first().handler(
            presenceAnswer({wirePresence(2, "bob", true), wirePresence(3, "carol", false)}));
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->size(), 2);
        QCOMPARE((*got)->at(0).username, QStringLiteral("bob"));
        QVERIFY((*got)->at(0).online);
        QCOMPARE((*got)->at(1).lastSeenMs, qint64(5000));
    }

    void theSubscriptionIsRenewedOnEveryFreshSocket() {
        QSignalSpy changed(m_presence.get(), &Presence::presenceChanged);
        m_presence->onAuthenticated();
        QVERIFY(m_sink->requests.isEmpty()); // nothing subscribed: nothing to renew
        m_presence->subscribe({QStringLiteral("bob")}, [](Result<QList<PresenceInfo>>) {});
        m_sink->takeRequests().first().handler(presenceAnswer({wirePresence(2, "bob", true)}));
        QCOMPARE(changed.size(), 0); // the first answer goes to the caller
        m_presence->onAuthenticated();
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        QCOMPARE(usernamesOf(reqs.first().frame), QStringList{QStringLiteral("bob")});
        reqs.first().handler(presenceAnswer({wirePresence(2, "bob", false)}));
        QCOMPARE(changed.size(), 1);
        QVERIFY(!changed.first().first().value<PresenceInfo>().online);
    }

    void subscribeIsRetriedAfterAReconnect() {
        std::optional<Result<QList<PresenceInfo>>> got;
        m_presence->subscribe({QStringLiteral("bob")},
                              [&](Result<QList<PresenceInfo>> r) { got = r; });
        m_sink->authenticated = false;
        m_sink->takeRequests().first().handler(Error{ErrorCode::Network, QStringLiteral("x")});
        QVERIFY(!got);
        m_sink->authenticated = true;
        m_requests->sessionStarted();
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        reqs.first().handler(Error{ErrorCode::RateLimited, QStringLiteral("slow")});
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::RateLimited);
    }

    void privacyIsAChange() {
        std::optional<Status> got;
        m_presence->setPrivacy(Visibility::Contacts, [&](Status s) { got = s; });
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        QCOMPARE(int(reqs.first().frame.set_privacy_request().last_seen()),
                 int(Visibility::Contacts));
        Frame ok;
        ok.mutable_ok();
        reqs.first().handler(ok);
        QVERIFY(got && got->ok());
    }

    void presencePushesAreReported() {
        QSignalSpy changed(m_presence.get(), &Presence::presenceChanged);
        wire::PresencePush push;
        *push.mutable_presence() = wirePresence(3, "carol", true);
        m_presence->handlePresencePush(push);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.first().first().value<PresenceInfo>().userId, quint64(3));
    }

    void typingBothWays() {
        QSignalSpy typing(m_presence.get(), &Presence::typingChanged);
        m_sink->authenticated = false;
        m_presence->setTyping(7, true);
        QVERIFY(m_sink->posted.isEmpty()); // offline: nothing
        m_sink->authenticated = true;
        m_presence->setTyping(7, true);
        auto posted = m_sink->takePosted();
        QCOMPARE(posted.size(), 1);
        QCOMPARE(posted.first().typing_request().conversation_id(), quint64(7));

        wire::TypingPush push;
        push.set_conversation_id(7);
        push.set_user_id(2);
        push.set_username("bob");
        push.set_typing(true);
        push.set_expires_in_ms(5000);
        m_presence->handleTypingPush(push);
        QCOMPARE(typing.size(), 1);
        QCOMPARE(m_presence->typers(7).size(), 1);
        MessageRecord fromBob;
        fromBob.senderUserId = 2;
        m_presence->onMessages(7, {fromBob});
        QCOMPARE(typing.size(), 2);
        QVERIFY(!typing.last().first().value<TypingEvent>().typing);
        QVERIFY(m_presence->typers(7).isEmpty());

        m_presence->handleTypingPush(push);
        m_presence->onDisconnected();
        QVERIFY(m_presence->typers(7).isEmpty());
        QCOMPARE(typing.size(), 4);
    }
};

QTEST_GUILESS_MAIN(TestPresence)
#include "test_client_presence.moc"
