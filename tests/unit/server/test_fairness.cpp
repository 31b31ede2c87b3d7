// Per-connection fairness in the gateway (issue 11, "under abuse, everyone else stays real time"):
// one connection's requests enter the services through its Admission (a bounded number in flight,
// reads in their own small lane, the rest waiting in order, too many waiting: dropped), and its
// typing indicators through a TypingThrottle. Units for both, then a real Gateway over loopback
// with fake services that hold history answers back, so "in flight" is something the test sees.
#include "core/clock.h"
#include "gateway/admission.h"
#include "gateway/gateway.h"
#include "gateway/session.h"
#include "gateway/typing_throttle.h"
#include "routing/local_router.h"
#include "support/fake_services.h"
#include "support/ws_client.h"

#include <QTcpSocket>
#include <QTest>

using namespace tidings;
using namespace tidings::server;
using namespace tidings::server::test;
using protocol::Frame;

namespace {

Frame history(quint64 conv) {
    Frame f;
    f.mutable_history_request()->set_conversation_id(conv);
    f.mutable_history_request()->set_limit(500);
    return f;
}

Frame sendRequest(const std::string &clientId, std::size_t payloadBytes = 10) {
    Frame f;
    f.mutable_send_request()->set_conversation_id(42);
    f.mutable_send_request()->set_client_message_id(clientId);
    f.mutable_send_request()->set_payload(std::string(payloadBytes, 'p'));
    return f;
}

Frame typing(quint64 conv, bool on) {
    Frame f;
    f.mutable_typing_request()->set_conversation_id(conv);
    f.mutable_typing_request()->set_typing(on);
    return f;
}

Admission::Request request(Admission::Lane lane, qint64 bytes, quint64 id) {
    Admission::Request r;
    r.frame.set_request_id(id);
    r.bytes = bytes;
    r.lane = lane;
    return r;
}

} // namespace

class TestFairness : public QObject {
    Q_OBJECT

    FakeClock m_clock;
    FakeServices m_services;
    std::unique_ptr<LocalRouter> m_router;
    std::unique_ptr<Gateway> m_gateway;

    void start(const std::function<void(ServerConfig &)> &tune = {}) {
        m_services = FakeServices{};
        m_router = std::make_unique<LocalRouter>();
        ServerConfig config;
        if (tune)
            tune(config);
        const Services services{&m_services, &m_services, &m_services, &m_services,
                                &m_services, &m_services, &m_services, &m_services};
        m_gateway = std::make_unique<Gateway>(config, m_clock, *m_router, services);
        QVERIFY(m_gateway->listen(QHostAddress::LocalHost, 0, nullptr));
    }
    std::unique_ptr<WsClient> signedIn() { return signedInClient(m_gateway->port()); }
    Session *session() const { return dynamic_cast<Session *>(m_router->endpointOf(11)); }
    qsizetype callsOf(const QString &prefix) const {
        return m_services.calls.filter(prefix).size();
    }
    //! Answers the history requests held so far (their callbacks may hold more meanwhile).
    void releaseHistory() {
        auto held = std::move(m_services.heldHistory);
        m_services.heldHistory.clear();
        for (auto &run : held)
            run();
    }

private slots:
    void cleanup() {
        m_gateway.reset();
        m_router.reset();
    }

    // --- Admission, alone ---

    void aLaneRunsUpToItsBoundThenQueuesInOrder() {
        Admission a(Admission::Limits{3, 1 << 20, 2, 1 << 20});
        for (quint64 i = 0; i < 3; ++i) {
            auto r = request(Admission::Lane::Normal, 100, i);
            QCOMPARE(a.offer(r), Admission::Verdict::Run);
        }
        auto waiting1 = request(Admission::Lane::Normal, 100, 10);
        auto waiting2 = request(Admission::Lane::Normal, 100, 11);
        QCOMPARE(a.offer(waiting1), Admission::Verdict::Wait);
        QCOMPARE(a.offer(waiting2), Admission::Verdict::Wait);
        QCOMPARE(a.waitingBytes(), 200 + 2 * Admission::kWaitingOverhead);
        QVERIFY(!a.next()); // nothing finished yet
        // Reads have their own lane: not stuck behind the full one.
        auto read = request(Admission::Lane::Read, 10, 20);
        QCOMPARE(a.offer(read), Admission::Verdict::Run);
        a.finished(Admission::Lane::Normal, 100);
        auto next = a.next();
        QVERIFY(next);
        QCOMPARE(next->frame.request_id(), 10u);
        QVERIFY(!a.next());
        a.finished(Admission::Lane::Normal, 100);
        QCOMPARE(a.next()->frame.request_id(), 11u);
        QCOMPARE(a.waitingBytes(), 0);
        QCOMPARE(a.inFlight(Admission::Lane::Normal), 3);
    }

    void aRequestBehindWaitingOnesWaitsEvenIfItWouldFit() {
        Admission a(Admission::Limits{10, 1000, 1, 1 << 20});
        auto big = request(Admission::Lane::Normal, 900, 1);
        QCOMPARE(a.offer(big), Admission::Verdict::Run);
        auto second = request(Admission::Lane::Normal, 900, 2);
        QCOMPARE(a.offer(second), Admission::Verdict::Wait); // over the bytes in flight
        auto small = request(Admission::Lane::Normal, 10, 3);
        QCOMPARE(a.offer(small), Admission::Verdict::Wait); // it would fit, but order is kept
        a.finished(Admission::Lane::Normal, 900);
        QCOMPARE(a.next()->frame.request_id(), 2u);
        QCOMPARE(a.next()->frame.request_id(), 3u);
    }

    void oneRequestAlwaysFitsHoweverBig() {
        Admission a(Admission::Limits{10, 1000, 1, 1 << 20});
        auto huge = request(Admission::Lane::Normal, 5000, 1);
        QCOMPARE(a.offer(huge), Admission::Verdict::Run);
    }

    void tooMuchWaitingOverflows() {
        // Room for two waiting requests of 100 bytes (each is charged its overhead too).
        Admission a(Admission::Limits{1, 1 << 20, 1, 2 * (100 + Admission::kWaitingOverhead) + 50});
        auto first = request(Admission::Lane::Normal, 100, 1);
        QCOMPARE(a.offer(first), Admission::Verdict::Run);
        auto w1 = request(Admission::Lane::Normal, 100, 2);
        auto w2 = request(Admission::Lane::Read, 100, 3);
        QCOMPARE(a.offer(w1), Admission::Verdict::Wait);
        QCOMPARE(a.offer(w2), Admission::Verdict::Run); // its own lane had room
        auto w3 = request(Admission::Lane::Read, 100, 4);
        auto w4 = request(Admission::Lane::Normal, 100, 5);
        QCOMPARE(a.offer(w3), Admission::Verdict::Wait);
        QCOMPARE(a.offer(w4), Admission::Verdict::Overflow); // a third would not fit
        QCOMPARE(a.waitingBytes(), 200 + 2 * Admission::kWaitingOverhead);
    }

    // --- TypingThrottle, alone ---

    void aRepeatedStateIsAbsorbedAndAChangeGoes() {
        TypingThrottle t;
        const qint64 t0 = 1'000'000;
        QCOMPARE(t.check(1, true, t0), TypingThrottle::Verdict::Forward);
        QCOMPARE(t.check(1, true, t0 + 200), TypingThrottle::Verdict::Absorb);
        QCOMPARE(t.check(1, false, t0 + 300), TypingThrottle::Verdict::Forward);
        QCOMPARE(t.check(1, true, t0 + 400), TypingThrottle::Verdict::Forward);
        // Another conversation is its own state.
        QCOMPARE(t.check(2, true, t0 + 400), TypingThrottle::Verdict::Forward);
        // The same state after the repeat interval is a refresh: it goes.
        QCOMPARE(t.check(1, true, t0 + 1400), TypingThrottle::Verdict::Forward);
    }

    void flippingForeverRunsOutOfTokensAndTheyComeBack() {
        TypingThrottle t(TypingThrottle::Limits{1000, 5, 10, 64});
        const qint64 t0 = 1'000'000;
        int forwarded = 0;
        int refused = 0;
        int absorbed = 0;
        for (int i = 0; i < 40; ++i) {
            const auto v = t.check(7, i % 2 == 0, t0 + i); // 40 flips in 40 ms
            forwarded += v == TypingThrottle::Verdict::Forward;
            refused += v == TypingThrottle::Verdict::Refuse;
            absorbed += v == TypingThrottle::Verdict::Absorb;
        }
        QCOMPARE(forwarded, 10); // the burst
        // Then every other one is refused; the ones between repeat what was last fanned out.
        QCOMPARE(refused, 15);
        QCOMPARE(absorbed, 15);
        QVERIFY(t.retryAfterMs() > 0 && t.retryAfterMs() <= 200);
        // A second later five tokens are back.
        forwarded = 0;
        for (int i = 0; i < 10; ++i)
            forwarded += t.check(7, i % 2 == 1, t0 + 1040 + i) == TypingThrottle::Verdict::Forward;
        QCOMPARE(forwarded, 5);
    }

    void itRemembersABoundedNumberOfConversations() {
        TypingThrottle t(TypingThrottle::Limits{1000, 1000, 1000, 4});
        const qint64 t0 = 1'000'000;
        for (quint64 c = 1; c <= 5; ++c)
            QCOMPARE(t.check(c, true, t0 + qint64(c)), TypingThrottle::Verdict::Forward);
        // Conversation 1 was forgotten (least recent): its repeat goes again; 5 is remembered.
        QCOMPARE(t.check(1, true, t0 + 10), TypingThrottle::Verdict::Forward);
        QCOMPARE(t.check(5, true, t0 + 10), TypingThrottle::Verdict::Absorb);
    }

    // --- Through a real gateway ---

    void historyRequestsRunFourAtATimeAndSendsDoNotWaitForThem() {
        start();
        auto c = signedIn();
        QVERIFY(c);
        m_services.holdHistory = true;
        for (quint64 i = 0; i < 50; ++i) {
            Frame f = history(100 + i);
            f.set_request_id(1000 + i);
            c->send(f);
        }
        Frame s = sendRequest("m1");
        s.set_request_id(2000);
        c->send(s);
        // The send is answered although 46 reads wait behind the 4 the services hold.
        QVERIFY(c->take(2000, Frame::kSendAck));
        QCOMPARE(callsOf("messaging.history"), 4);
        QVERIFY(session());
        QCOMPARE(session()->inFlight(Admission::Lane::Read), 4);
        QVERIFY(session()->waitingBytes() > 0);
        // Each answer lets the next one in, in the order they were sent, until all are answered.
        int answered = 0;
        QVERIFY(QTest::qWaitFor(
            [&] {
                releaseHistory();
                while (auto f = c->take(1000 + quint64(answered), Frame::kHistoryResponse, 0))
                    ++answered;
                return answered == 50;
            },
            10000));
        QCOMPARE(callsOf("messaging.history"), 50);
        const QStringList calls = m_services.calls.filter("messaging.history");
        for (int i = 0; i < 50; ++i)
            QVERIFY2(calls[i].startsWith(QStringLiteral("messaging.history %1 ").arg(100 + i)),
                     qPrintable(calls[i]));
        QCOMPARE(session()->inFlight(Admission::Lane::Read), 0);
        QCOMPARE(session()->waitingBytes(), 0);
    }

    void aConnectionPilingUpRequestsIsDroppedAndOthersAreServed() {
        start([](ServerConfig &c) { c.maxWaitingRequestBytes = 16 * 1024; });
        auto hostile = signedIn();
        QVERIFY(hostile);
        m_services.holdHistory = true;
        // Thousands of 16-byte history requests (the 4,987 in 0.5 s): 4 run, the rest
        // wait until the waiting bound, then the connection goes.
        for (quint64 i = 0; i < 5000 && !hostile->closed; ++i) {
            Frame f = history(7);
            f.set_request_id(10 + i);
            hostile->send(f);
        }
        QVERIFY(hostile->waitClosed());
        QCOMPARE(callsOf("messaging.history"), 4);
        QTRY_COMPARE(m_gateway->sessionCount(), 0);
        // The answers to what was in flight find no connection; nothing breaks.
        releaseHistory();
        m_services.holdHistory = false;
        auto other = signedIn();
        QVERIFY(other);
        auto answer = other->request(history(9), 77);
        QVERIFY(answer && answer->has_history_response());
    }

    void aFloodOfTypingIsAbsorbedOrRefusedNotFannedOut() {
        start();
        auto c = signedIn();
        QVERIFY(c);
        // The same state 30 times: the members hear it once; every request is answered OK.
        for (quint64 i = 0; i < 30; ++i) {
            Frame f = typing(43, true);
            f.set_request_id(100 + i);
            c->send(f);
        }
        for (quint64 i = 0; i < 30; ++i) {
            auto a = c->take(100 + i);
            QVERIFY(a && a->has_ok());
        }
        QCOMPARE(callsOf("presence.typing"), 1);
        // Flipping it: the rest of the burst goes, then RATE_LIMITED with a retry time (and the
        // flips back to what the members last heard are absorbed).
        int limited = 0;
        for (quint64 i = 0; i < 30; ++i) {
            Frame f = typing(43, i % 2 == 0 ? false : true);
            f.set_request_id(200 + i);
            c->send(f);
        }
        for (quint64 i = 0; i < 30; ++i) {
            auto a = c->take(200 + i);
            QVERIFY(a);
            if (a->has_error()) {
                QCOMPARE(a->error().code(), wire::ERROR_RATE_LIMITED);
                QVERIFY(a->error().retry_after_ms() > 0);
                ++limited;
            }
        }
        QCOMPARE(callsOf("presence.typing"), 10);
        QCOMPARE(limited, 11);
        // Time passes (the fake clock): indicators go again.
        m_clock.advance(2000);
        auto a = c->request(typing(43, true), 300);
        QVERIFY(a && a->has_ok());
        QCOMPARE(callsOf("presence.typing"), 11);
    }

    void aWebSocketHandshakeThatNeverEndsIsCutAtTheAuthenticationDeadline() {
        // Without a media store there is no front door: QWebSocketServer reads the handshake,
        // and its timeout (10 s by default) follows the server's authentication deadline.
        start([](ServerConfig &c) { c.authTimeoutMs = 300; });
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_gateway->port());
        QVERIFY(s.waitForConnected(5000));
        s.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
        QElapsedTimer t;
        t.start();
        QTRY_VERIFY_WITH_TIMEOUT(s.state() == QAbstractSocket::UnconnectedState, 8000);
        QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
    }

    void manySendsInFlightStayBoundedAndAllAreAnswered() {
        start([](ServerConfig &c) {
            c.maxRequestsInFlight = 8;
            c.maxRequestBytesInFlight = 1 << 20;
        });
        auto c = signedIn();
        QVERIFY(c);
        for (quint64 i = 0; i < 300; ++i) {
            Frame f = sendRequest("m" + std::to_string(i), 1000);
            f.set_request_id(10 + i);
            c->send(f);
        }
        for (quint64 i = 0; i < 300; ++i)
            QVERIFY2(c->take(10 + i, Frame::kSendAck), qPrintable(QString::number(i)));
        // The fake answers at once, so the bound was never exceeded and everything kept its order.
        const QStringList sends = m_services.calls.filter("messaging.send");
        QCOMPARE(sends.size(), 300);
        for (int i = 0; i < 300; ++i)
            QVERIFY(sends[i].startsWith(QStringLiteral("messaging.send 42 m%1 ").arg(i)));
    }
};

QTEST_GUILESS_MAIN(TestFairness)
#include "test_fairness.moc"
