// The local router: pushes reach the connected devices of a user (but the excepted one), a
// reconnecting device replaces its previous connection, and a replaced connection going away
// does not take the device offline.
#include "routing/endpoint.h"
#include "routing/local_router.h"

#include <QTest>

using namespace tidings;
using namespace tidings::server;

namespace {

struct FakeEndpoint final : Endpoint {
    std::vector<Push> got;
    QStringList closed;
    void deliver(const Push &push) override { got.push_back(push); }
    void disconnect(const QString &reason) override { closed << reason; }
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
        r.disconnect(12, "revoked");
        QCOMPARE(a2.closed, QStringList{"revoked"});
    }

    void aReconnectingDeviceReplacesItsOldConnection() {
        LocalRouter r;
        FakeEndpoint old, fresh;
        r.add(&old, 1, 11);
        r.add(&fresh, 1, 11);
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
};

QTEST_GUILESS_MAIN(TestLocalRouter)
#include "test_local_router.moc"
