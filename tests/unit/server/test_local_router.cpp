// The local router: pushes reach the connected devices of a user (but the excepted one), a
// reconnecting device replaces its previous connection, and a replaced connection going away
// does not take the device offline; the replaced one is closed with SESSION_REPLACED.
#include "routing/endpoint.h"
#include "routing/local_router.h"

#include <QTest>

#include <functional>

using namespace tidings;
using namespace tidings::server;

namespace {

struct FakeEndpoint final : Endpoint {
    std::vector<Push> got;
    QList<Error> closed;
    void deliver(const Push &push) override { got.push_back(push); }
    std::function<void()> onDisconnect;
    void disconnect(const Error &why) override {
        closed << why;
        if (onDisconnect)
            onDisconnect();
    }
};

Push typing(quint64 conv) {
    wire::TypingPush t;
    t.set_conversation_id(conv);
    return t;
}

} // namespace

class TestLocalRouter : public QObject {
    Q_OBJECT

private slots:
    void pushesReachTheUsersDevicesButTheExceptedOne() {
        LocalRouter r;
        FakeEndpoint a1, a2, b1;
        r.add(&a1, 1, 11);
        r.add(&a2, 1, 12);
        r.add(&b1, 2, 21);
        r.toUser(1, typing(5), 11);
        QCOMPARE(a1.got.size(), std::size_t(0));
        QCOMPARE(a2.got.size(), std::size_t(1));
        QCOMPARE(b1.got.size(), std::size_t(0));
        r.toUser(1, typing(6));
        QCOMPARE(a1.got.size(), std::size_t(1));
        r.toDevice(21, typing(7));
        QCOMPARE(std::get<wire::TypingPush>(b1.got[0]).conversation_id(), quint64(7));
        r.toDevice(99, typing(8)); // not connected: nothing
        auto devices = r.connectedDevices(1);
        std::sort(devices.begin(), devices.end());
        QCOMPARE(devices, (QList<quint64>{11, 12}));
        r.disconnect(12, Error{ErrorCode::BadToken, "revoked"});
        QCOMPARE(a2.closed.size(), 1);
        QCOMPARE(a2.closed[0].code, ErrorCode::BadToken);
        QCOMPARE(a2.closed[0].detail, QString("revoked"));
    }

    void aReconnectingDeviceReplacesItsOldConnection() {
        LocalRouter r;
        FakeEndpoint old, fresh;
        r.add(&old, 1, 11);
        QVERIFY(old.closed.isEmpty());
        r.add(&fresh, 1, 11);
        // The old connection is told and closed: a device has one live connection.
        QCOMPARE(old.closed.size(), 1);
        QCOMPARE(old.closed[0].code, ErrorCode::SessionReplaced);
        QVERIFY(fresh.closed.isEmpty());
        QCOMPARE(r.connectedDevices(1), (QList<quint64>{11}));
        r.toUser(1, typing(1));
        QCOMPARE(old.got.size(), std::size_t(0));
        QCOMPARE(fresh.got.size(), std::size_t(1));
        QVERIFY(!r.remove(&old, 1, 11)); // the old one closing changes nothing
        QCOMPARE(r.connectedDevices(1), (QList<quint64>{11}));
        QVERIFY(r.remove(&fresh, 1, 11));
        QVERIFY(r.connectedDevices(1).isEmpty());
        QCOMPARE(r.connectedDeviceCount(), 0);
    }

    void replacingClosesTheOldAfterRoutingTheNew() {
        // Closing the old endpoint re-enters remove() (the session's closed signal): by then the
        // new one must be routed, so the device stays connected and keeps its pushes.
        LocalRouter r;
        FakeEndpoint old, fresh;
        bool removedOld = true;
        old.onDisconnect = [&] { removedOld = r.remove(&old, 1, 11); };
        r.add(&old, 1, 11);
        r.add(&fresh, 1, 11);
        QVERIFY(!removedOld);
        QCOMPARE(r.endpointOf(11), static_cast<Endpoint *>(&fresh));
        QCOMPARE(r.connectedDevices(1), (QList<quint64>{11}));
        r.toDevice(11, typing(2));
        QCOMPARE(fresh.got.size(), std::size_t(1));
        r.add(&fresh, 1, 11); // the same endpoint again is not a replacement
        QVERIFY(fresh.closed.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestLocalRouter)
#include "test_local_router.moc"
