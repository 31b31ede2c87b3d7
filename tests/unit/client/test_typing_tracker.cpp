// TypingTracker on an injected clock: at most one typing=true per 3 s, a stop on typing=false or
// after the idle period, incoming indicators that expire without a refresh, end on a message of
// that user, and all end with the session.
#include "core/presence/typing_tracker.h"
#include "fake_sink.h"

#include <QSignalSpy>
#include <QTest>

using namespace tidings;
using namespace tidings::client;
using tidings::client::test::FakeSink;

namespace {
constexpr quint64 kConv = 7;

//! (conversation, typing) of every typing_request posted.
QList<std::pair<quint64, bool>> sent(FakeSink &sink) {
    QList<std::pair<quint64, bool>> out;
    for (const Frame &f : sink.takePosted()) {
        if (f.body_case() == Frame::kTypingRequest)
            out.append({f.typing_request().conversation_id(), f.typing_request().typing()});
        if (f.request_id() != 0)
            qFatal("typing must be posted with request_id 0");
    }
    return out;
}

wire::TypingPush typingPush(quint64 user, bool typing, quint32 expiresMs = 5000) {
    wire::TypingPush p;
    p.set_conversation_id(kConv);
    p.set_user_id(user);
    p.set_username(user == 2 ? "bob" : "carol");
    p.set_typing(typing);
    p.set_expires_in_ms(expiresMs);
    return p;
}
} // namespace

class TestTypingTracker : public QObject {
    Q_OBJECT
private:
    FakeSink m_sink;
    qint64 m_now = 1000;
    std::unique_ptr<TypingTracker> m_tracker;

private slots:
    void init() {
        qRegisterMetaType<TypingEvent>();
        m_sink = FakeSink();
        m_now = 1000;
        m_tracker = std::make_unique<TypingTracker>(&m_sink, TypingTracker::Options{},
                                                    [this] { return m_now; });
    }

    void refreshesAtMostEveryThreeSeconds() {
        QVERIFY(m_tracker->setTyping(kConv, true));
        QCOMPARE(sent(m_sink), (QList<std::pair<quint64, bool>>{{kConv, true}}));
        for (int i = 0; i < 5; ++i) { // keystrokes during 2.5 s: nothing more on the wire
            m_now += 500;
            QVERIFY(!m_tracker->setTyping(kConv, true));
        }
        QVERIFY(sent(m_sink).isEmpty());
        m_now += 500; // 3 s after the first
        QVERIFY(m_tracker->setTyping(kConv, true));
        QCOMPARE(sent(m_sink), (QList<std::pair<quint64, bool>>{{kConv, true}}));
        // Another conversation has its own throttle.
        QVERIFY(m_tracker->setTyping(kConv + 1, true));
        QCOMPARE(sent(m_sink), (QList<std::pair<quint64, bool>>{{kConv + 1, true}}));
    }

    void stopIsSentOnceAndOnlyAfterTyping() {
        QVERIFY(!m_tracker->setTyping(kConv, false)); // never typed: nothing to stop
        QVERIFY(sent(m_sink).isEmpty());
        m_tracker->setTyping(kConv, true);
        m_now += 100;
        QVERIFY(m_tracker->setTyping(kConv, false));
        QVERIFY(!m_tracker->setTyping(kConv, false));
        QCOMPARE(sent(m_sink), (QList<std::pair<quint64, bool>>{{kConv, true}, {kConv, false}}));
        // Typing again right after a stop is announced at once.
        m_now += 100;
        QVERIFY(m_tracker->setTyping(kConv, true));
    }

    void idleTypingStopsByItself() {
        m_tracker->setTyping(kConv, true);
        m_now += 4000;
        m_tracker->setTyping(kConv, true); // a keystroke at 4 s (no frame: refresh is due at 3 s+)
        sent(m_sink);
        m_now += 4999;
        m_tracker->tick();
        QVERIFY(sent(m_sink).isEmpty());
        m_now += 1;
        m_tracker->tick();
        QCOMPARE(sent(m_sink), (QList<std::pair<quint64, bool>>{{kConv, false}}));
    }

    void offlineTypingSendsNothing() {
        m_sink.authenticated = false;
        QVERIFY(!m_tracker->setTyping(kConv, true));
        QVERIFY(!m_tracker->setTyping(kConv, false));
        m_sink.authenticated = true;
        QVERIFY(m_tracker->setTyping(kConv, true)); // not throttled by the failed attempt
    }

    void incomingTypingExpiresWithoutRefresh() {
        QSignalSpy spy(m_tracker.get(), &TypingTracker::typingChanged);
        m_tracker->handlePush(typingPush(2, true));
        QCOMPARE(spy.count(), 1);
        auto e = spy.at(0).at(0).value<TypingEvent>();
        QVERIFY(e.typing);
        QCOMPARE(e.username, QStringLiteral("bob"));
        QCOMPARE(e.conversationId, kConv);
        QCOMPARE(m_tracker->typers(kConv).size(), 1);
        m_now += 3000;
        m_tracker->handlePush(typingPush(2, true)); // refresh: no new signal, expiry moves
        QCOMPARE(spy.count(), 1);
        m_now += 4999;
        m_tracker->tick();
        QCOMPARE(spy.count(), 1);
        m_now += 1;
        m_tracker->tick();
        QCOMPARE(spy.count(), 2);
        QVERIFY(!spy.at(1).at(0).value<TypingEvent>().typing);
        QVERIFY(m_tracker->typers(kConv).isEmpty());
    }

    void expiryRunsOnItsOwnTimer() {
        // Real time: a short expiry from the server ends the indicator without any call.
        TypingTracker real(&m_sink, TypingTracker::Options{});
        QSignalSpy spy(&real, &TypingTracker::typingChanged);
        real.handlePush(typingPush(2, true, 50));
        QCOMPARE(spy.count(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 2, 2000);
        QVERIFY(!spy.at(1).at(0).value<TypingEvent>().typing);
    }

    void stopMessageAndDisconnectEndTyping() {
        QSignalSpy spy(m_tracker.get(), &TypingTracker::typingChanged);
        m_tracker->handlePush(typingPush(2, true));
        m_tracker->handlePush(typingPush(3, true));
        QCOMPARE(m_tracker->typers(kConv).size(), 2);
        m_tracker->handlePush(typingPush(2, false));
        QCOMPARE(spy.count(), 3);
        m_tracker->handlePush(typingPush(2, false)); // already stopped: silent
        QCOMPARE(spy.count(), 3);
        m_tracker->messageFrom(kConv, 3); // carol's message arrived
        QCOMPARE(spy.count(), 4);
        QCOMPARE(spy.at(3).at(0).value<TypingEvent>().userId, quint64(3));
        m_tracker->handlePush(typingPush(2, true));
        m_tracker->onDisconnected();
        QCOMPARE(spy.count(), 6);
        QVERIFY(!spy.at(5).at(0).value<TypingEvent>().typing);
        QVERIFY(m_tracker->typers(kConv).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestTypingTracker)
#include "test_typing_tracker.moc"
