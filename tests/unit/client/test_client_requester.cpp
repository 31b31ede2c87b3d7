// The typed request helper every feature module shares: waiting for a session, the typed answer,
// server errors passed through, answers with the wrong body as a typed error, retries of reads
// after a reconnect (never of changes), requests on the current socket, and dropping what waits.
#include "core/net/requester.h"
#include "fake_sink.h"

#include <QTest>

using namespace tidings;
using namespace tidings::client;
using tidings::client::test::FakeSink;

namespace {
Frame devicesRequest() {
    Frame f;
    f.mutable_devices_request();
    return f;
}
Frame devicesAnswer(quint64 deviceId) {
    Frame f;
    f.mutable_devices_response()->add_devices()->set_device_id(deviceId);
    return f;
}
} // namespace

class TestRequester : public QObject {
    Q_OBJECT
private slots:
    void answersWithTheTypedResponse() {
        FakeSink sink;
        Requester requests(&sink);
        std::optional<Result<wire::DevicesResponse>> got;
        requests.call<wire::DevicesResponse>(devicesRequest(), Retry::No,
                                             [&](Result<wire::DevicesResponse> r) { got = r; });
        QCOMPARE(sink.requests.size(), 1);
        QCOMPARE(sink.requests.first().frame.body_case(), Frame::kDevicesRequest);
        QVERIFY(!got);
        sink.takeRequests().first().handler(devicesAnswer(42));
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->devices_size(), 1);
        QCOMPARE((*got)->devices(0).device_id(), quint64(42));
    }

    void serverErrorsPassThrough() {
        FakeSink sink;
        Requester requests(&sink);
        std::optional<Status> got;
        requests.callOk(devicesRequest(), [&](Status s) { got = s; });
        sink.takeRequests().first().handler(
            Error{ErrorCode::NotAdmin, QStringLiteral("only admins")});
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::NotAdmin);
        QCOMPARE(got->error().detail, QStringLiteral("only admins"));
        QVERIFY(!isUnexpectedAnswer(got->error()));
    }

    void aWrongBodyIsATypedError() {
        FakeSink sink;
        Requester requests(&sink);
        std::optional<Result<wire::DevicesResponse>> got;
        requests.call<wire::DevicesResponse>(devicesRequest(), Retry::AfterReconnect,
                                             [&](Result<wire::DevicesResponse> r) { got = r; });
        Frame ok;
        ok.mutable_ok();
        sink.takeRequests().first().handler(ok);
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::BadFrame);
        QVERIFY(isUnexpectedAnswer(got->error()));
        QVERIFY(sink.requests.isEmpty()); // not retried: asking again cannot help
        // A BAD_FRAME error from the server is not mistaken for it.
        QVERIFY(!isUnexpectedAnswer(Error{ErrorCode::BadFrame, QStringLiteral("bad frame")}));
    }

    void waitsForASession() {
        FakeSink sink;
        sink.authenticated = false;
        Requester requests(&sink);
        int answered = 0;
        requests.callOk(devicesRequest(), [&](Status s) { answered += s.ok(); });
        requests.call<wire::DevicesResponse>(devicesRequest(), Retry::No,
                                             [&](Result<wire::DevicesResponse>) { ++answered; });
        QVERIFY(sink.requests.isEmpty());
        sink.authenticated = true;
        requests.sessionStarted();
        auto sent = sink.takeRequests();
        QCOMPARE(sent.size(), 2); // in the order asked
        Frame ok;
        ok.mutable_ok();
        sent[0].handler(ok);
        sent[1].handler(devicesAnswer(1));
        QCOMPARE(answered, 2);
        // A later session does not send them again.
        requests.sessionStarted();
        QVERIFY(sink.requests.isEmpty());
    }

    void readsAreRetriedAfterAReconnect() {
        FakeSink sink;
        Requester requests(&sink);
        std::optional<Result<wire::DevicesResponse>> got;
        requests.call<wire::DevicesResponse>(devicesRequest(), Retry::AfterReconnect,
                                             [&](Result<wire::DevicesResponse> r) { got = r; });
        sink.authenticated = false;
        sink.takeRequests().first().handler(Error{ErrorCode::Timeout, QStringLiteral("stalled")});
        QVERIFY(!got);
        QVERIFY(sink.requests.isEmpty()); // no session: it waits
        sink.authenticated = true;
        requests.sessionStarted();
        auto again = sink.takeRequests();
        QCOMPARE(again.size(), 1);
        QCOMPARE(again.first().frame.body_case(), Frame::kDevicesRequest);
        again.first().handler(devicesAnswer(7));
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->devices(0).device_id(), quint64(7));
    }

    void changesAreNotRetried() {
        FakeSink sink;
        Requester requests(&sink);
        std::optional<Status> got;
        requests.callOk(devicesRequest(), [&](Status s) { got = s; });
        sink.authenticated = false;
        sink.takeRequests().first().handler(Error{ErrorCode::Network, QStringLiteral("gone")});
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::Network);
        sink.authenticated = true;
        requests.sessionStarted();
        QVERIFY(sink.requests.isEmpty());
    }

    void callNowSendsOnTheCurrentSocket() {
        FakeSink sink;
        sink.authenticated = false; // e.g. the handshake itself
        Requester requests(&sink);
        std::optional<Result<wire::Pong>> got;
        Frame ping;
        ping.mutable_ping();
        requests.callNow<wire::Pong>(
            ping, [&](Result<wire::Pong> r) { got = r; }, 3000);
        QCOMPARE(sink.requests.size(), 1);
        QCOMPARE(sink.requests.first().timeoutMs, 3000);
        Frame pong;
        pong.mutable_pong()->set_client_time_ms(5);
        sink.takeRequests().first().handler(pong);
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->client_time_ms(), qint64(5));
    }

    void droppedWaitersAreNeverSent() {
        FakeSink sink;
        sink.authenticated = false;
        Requester requests(&sink);
        bool called = false;
        requests.whenAuthenticated([&] { called = true; });
        requests.dropWaiting();
        sink.authenticated = true;
        requests.sessionStarted();
        QVERIFY(!called);
        // What is asked after the drop still runs.
        requests.whenAuthenticated([&] { called = true; });
        QVERIFY(called);
    }
};

QTEST_GUILESS_MAIN(TestRequester)
#include "test_client_requester.moc"
