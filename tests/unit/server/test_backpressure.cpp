// Bounded outbound queues: a client that stops reading is paused once the bytes waiting for it
// pass the pause mark (its requests are held, not processed), resumes when it reads again (the
// held requests run then, in order), and is dropped past the hard limit, or when it keeps sending
// while paused. The client here is a raw TCP socket speaking WebSocket by hand, so that it can
// really stop reading (its read buffer is capped, so the kernel's window closes).
#include "core/clock.h"
#include "gateway/gateway.h"
#include "gateway/session.h"
#include "routing/local_router.h"
#include "support/fake_services.h"
#include "support/slow_reader.h"

#include <QTcpSocket>
#include <QTest>

using namespace tidings;
using namespace tidings::server;
using namespace tidings::server::test;
using protocol::Frame;

namespace {

wire::Message bigMessage(quint64 seq) {
    wire::Message m;
    m.set_conversation_id(42);
    m.set_seq(seq);
    m.set_payload(std::string(60'000, 'x'));
    return m;
}

} // namespace

class TestBackpressure : public QObject {
    Q_OBJECT

    FakeClock m_clock;
    FakeServices m_services;
    std::unique_ptr<LocalRouter> m_router;
    std::unique_ptr<Gateway> m_gateway;

    void start(qint64 pauseBytes, qint64 dropBytes) {
        m_services = FakeServices{};
        m_router = std::make_unique<LocalRouter>();
        ServerConfig config;
        config.sendPauseBytes = pauseBytes;
        config.sendDropBytes = dropBytes;
        const Services services{&m_services, &m_services, &m_services, &m_services,
                                &m_services, &m_services, &m_services};
        m_gateway = std::make_unique<Gateway>(config, m_clock, *m_router, services);
        QVERIFY(m_gateway->listen(QHostAddress::LocalHost, 0, nullptr));
    }
    Session *session() const { return dynamic_cast<Session *>(m_router->endpointOf(11)); }
    bool signIn(SlowReader &c) {
        if (!c.open(m_gateway->port()))
            return false;
        Frame reg;
        reg.mutable_register_request()->set_username("alice");
        reg.mutable_register_request()->set_password("password1");
        c.send(reg, 1);
        return QTest::qWaitFor([&] { return session() && session()->queuedBytes() == 0; }, 5000);
    }
    //! Pushes big messages to device 11, one per event loop turn, until `until` holds.
    int pushUntil(const std::function<bool()> &until, int max = 400) {
        int pushed = 0;
        while (!until() && pushed < max) {
            m_router->toDevice(11, Push{bigMessage(quint64(++pushed))});
            QTest::qWait(1);
        }
        return pushed;
    }
    //! Pushes until the session is paused with far more than the pause mark waiting: the kernel's
    //! buffers between the two sockets are full then, so the pause cannot lift by itself (just
    //! past the mark, the kernel may still take everything and resume the session — a flake
    //! under ASan's slower timing).
    void pushUntilStuck(const QPointer<Session> &s, qint64 pauseBytes, int times) {
        pushUntil([&] { return s && s->paused() && s->queuedBytes() > times * pauseBytes; });
    }
    static Frame typing(quint64 conversationId = 43) {
        Frame f;
        f.mutable_typing_request()->set_conversation_id(conversationId);
        f.mutable_typing_request()->set_typing(true);
        return f;
    }

private slots:
    void cleanup() {
        m_gateway.reset();
        m_router.reset();
    }

    void aReaderThatFallsBehindIsPausedAndResumesWhenItReads() {
        start(256 * 1024, 64 * 1024 * 1024);
        SlowReader c;
        QVERIFY(signIn(c));
        QPointer<Session> s = session();
        pushUntilStuck(s, 256 * 1024, 2); // (the reader drains ~400 KB/s)
        QVERIFY(s->paused());
        QVERIFY(s->queuedBytes() > 256 * 1024);
        // While paused its requests wait.
        c.send(typing(43), 7);
        c.send(typing(44), 8); // (the same state twice would be absorbed by the typing throttle)
        QTest::qWait(100);
        QVERIFY(m_services.calls.filter("presence.typing").isEmpty());
        // It reads again: it resumes, the held requests run in order, and the count drains to
        // exactly nothing (what the socket reports written matches what was counted).
        QVERIFY(QTest::qWaitFor(
            [&] {
                c.drain();
                return !s->paused() && m_services.calls.filter("presence.typing").size() == 2;
            },
            10000));
        QVERIFY(QTest::qWaitFor(
            [&] {
                c.drain();
                return s->queuedBytes() == 0;
            },
            10000));
        QVERIFY(s && s->state() == Session::State::Authenticated);
    }

    void aReaderThatDoesNotReadAtAllIsDropped() {
        start(64 * 1024, 1024 * 1024);
        SlowReader c;
        QVERIFY(signIn(c));
        QPointer<Session> s = session();
        const int pushed = pushUntil([&] { return !s || s->state() == Session::State::Closing; });
        QVERIFY(!s || s->state() == Session::State::Closing);
        QVERIFY2(pushed < 400, "never dropped");
        QTRY_VERIFY(!m_router->endpointOf(11));
        QVERIFY(m_services.calls.contains("presence.deviceDisconnected"));
        QTRY_COMPARE(m_gateway->sessionCount(), 0);
    }

    void aPausedReaderThatKeepsSendingIsDropped() {
        start(64 * 1024, 64 * 1024 * 1024);
        SlowReader c;
        QVERIFY(signIn(c));
        QPointer<Session> s = session();
        pushUntilStuck(s, 64 * 1024, 8);
        QVERIFY(s->paused());
        Frame send;
        send.mutable_send_request()->set_conversation_id(42);
        send.mutable_send_request()->set_client_message_id("x");
        send.mutable_send_request()->set_payload(std::string(30'000, 'y'));
        for (quint64 i = 0; i < 4; ++i)
            c.send(send, 100 + i);
        QTRY_VERIFY(!s || s->state() == Session::State::Closing);
        QVERIFY(m_services.calls.filter("messaging.send").isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestBackpressure)
#include "test_backpressure.moc"
