// ClusterRouter (issue 14) in one process: two or three routers, each with its LocalRouter and
// fake connections, on a real nats-server that the test starts. Routes learnt from events and
// from snapshots in parts, pushes to another node's devices (a group's fan-out merged into one
// push per node), one live connection per device, a node that falls silent forgotten with its
// users going offline, and a node that restarts drains its devices again.
#include "cluster/cluster_router.h"
#include "cluster/nats_bus.h"
#include "core/clock.h"
#include "routing/endpoint.h"
#include "routing/local_router.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <csignal>
#include <memory>

using namespace tidings;
using namespace tidings::server;

namespace {

struct FakeEndpoint final : Endpoint {
    LocalRouter *router = nullptr;
    quint64 user = 0, device = 0;
    std::vector<Push> got;
    std::optional<Error> closedWith;
    void deliver(const Push &push) override { got.push_back(push); }
    void disconnect(const Error &why) override {
        closedWith = why;
        router->remove(this, user, device);
    }
};

//! One node: a bus, its LocalRouter, its ClusterRouter, and what its hooks saw.
struct Node {
    SystemClock clock;
    LocalRouter local;
    std::unique_ptr<NatsBus> bus;
    std::unique_ptr<ClusterRouter> router;
    std::vector<std::unique_ptr<FakeEndpoint>> endpoints;
    QList<std::tuple<quint64, bool>> presence;
    int drains = 0;

    Node(const QString &url, const QString &id, ClusterRouter::Options o = {}) {
        o.nodeId = id;
        bus = std::make_unique<NatsBus>(QStringList{url}, id);
        router = std::make_unique<ClusterRouter>(local, *bus, clock, o);
        ClusterRouter::Hooks h;
        h.presence = [this](quint64 user, bool online, qint64) { presence.append({user, online}); };
        h.drain = [this](const QList<quint64> &) { ++drains; };
        router->setHooks(std::move(h));
        router->start();
    }
    FakeEndpoint *connect(quint64 user, quint64 device) {
        auto e = std::make_unique<FakeEndpoint>();
        e->router = &local;
        e->user = user;
        e->device = device;
        local.add(e.get(), user, device);
        endpoints.push_back(std::move(e));
        return endpoints.back().get();
    }
};

wire::Message message(quint64 conv, quint64 seq) {
    wire::Message m;
    m.set_conversation_id(conv);
    m.set_seq(seq);
    m.set_payload("hello");
    return m;
}

} // namespace

class TestClusterRouter : public QObject {
    Q_OBJECT
    QProcess m_nats;
    QString m_url;

    quint16 m_port = 0;

    bool startNats() {
        const QString bin = QStandardPaths::findExecutable(QStringLiteral("nats-server"));
        m_nats.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_nats.start(bin, {"-a", "127.0.0.1", "-p", QString::number(m_port)});
        if (!m_nats.waitForStarted())
            return false;
        return QTest::qWaitFor(
            [&] {
                QTcpSocket s;
                s.connectToHost(QHostAddress::LocalHost, m_port);
                return s.waitForConnected(200);
            },
            10000);
    }

private slots:
    void initTestCase() {
        if (QStandardPaths::findExecutable(QStringLiteral("nats-server")).isEmpty())
            QSKIP("needs nats-server");
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        m_port = probe.serverPort();
        probe.close();
        m_url = QStringLiteral("nats://127.0.0.1:%1").arg(m_port);
        QVERIFY(startNats());
    }
    void cleanupTestCase() {
        if (m_nats.state() == QProcess::Running) {
            m_nats.kill();
            m_nats.waitForFinished();
        }
    }

    void routesPushesAndMergedFanOut() {
        Node a(m_url, "a"), b(m_url, "b");
        QVERIFY(QTest::qWaitFor([&] { return a.bus->isUp() && b.bus->isUp(); }, 10000));
        FakeEndpoint *onA = a.connect(1, 11);
        std::vector<FakeEndpoint *> onB;
        for (quint64 u = 2; u <= 6; ++u)
            onB.push_back(b.connect(u, u * 10 + 1));
        // Every node knows every connected device.
        QVERIFY(QTest::qWaitFor([&] { return a.router->connectedDevices(6).size() == 1; }, 5000));
        QCOMPARE(b.router->connectedDevices(1), QList<quint64>{11});
        QVERIFY(b.presence.contains({1, true})); // user 1 came online through node a
        // A group's fan-out from a: one push per member, the same push: one bus push to b.
        const Push push{message(7, 1)};
        for (quint64 u = 1; u <= 6; ++u)
            a.router->toUser(u, push, 11);
        QVERIFY(QTest::qWaitFor(
            [&] {
                for (FakeEndpoint *e : onB)
                    if (e->got.empty())
                        return false;
                return true;
            },
            5000));
        QCOMPARE(int(onA->got.size()), 0); // the sending device is left out
        QCOMPARE(a.router->stats().pushesOut, quint64(1));
        QCOMPARE(a.router->stats().pushesMerged, quint64(4));
        // A push for one device.
        a.router->toDevice(41, Push{message(8, 1)});
        QVERIFY(QTest::qWaitFor([&] { return onB[2]->got.size() == 2; }, 5000));
        QCOMPARE(std::get<wire::Message>(onB[2]->got.back()).conversation_id(), quint64(8));
    }

    void snapshotsInPartsAndOneLiveConnection() {
        ClusterRouter::Options small;
        small.snapshotPartRoutes = 3;
        Node a(m_url, "a2", small);
        QVERIFY(QTest::qWaitFor([&] { return a.bus->isUp(); }, 10000));
        for (quint64 d = 1; d <= 10; ++d)
            a.connect(100 + d, 1000 + d);
        FakeEndpoint *old = a.endpoints.front().get();
        // A node that joins later asks for the routes: four parts of three.
        Node b(m_url, "b2", small);
        QVERIFY(QTest::qWaitFor([&] { return b.router->stats().remoteRoutes == 10; }, 10000));
        // The device of user 101 connects again on b: a closes its older connection.
        b.connect(101, 1001);
        QVERIFY(QTest::qWaitFor([&] { return old->closedWith.has_value(); }, 5000));
        QCOMPARE(old->closedWith->code, ErrorCode::SessionReplaced);
        QVERIFY(QTest::qWaitFor(
            [&] { return a.router->connectedDevices(101) == QList<quint64>{1001}; }, 5000));
        // Pushes for it go to b now, and the user never went offline on either.
        QVERIFY(!a.presence.contains({101, false}));
    }

    void aSilentNodeIsForgottenAndARestartDrains() {
        ClusterRouter::Options fast;
        fast.heartbeatMs = 200;
        fast.nodeTimeoutMs = 800;
        Node b(m_url, "b3", fast);
        auto a = std::make_unique<Node>(m_url, "a3", fast);
        QVERIFY(QTest::qWaitFor([&] { return a->bus->isUp() && b.bus->isUp(); }, 10000));
        a->connect(300, 3001);
        QVERIFY(QTest::qWaitFor([&] { return b.router->connectedDevices(300).size() == 1; }, 5000));
        // a goes away without a word (as after kill -9): b forgets its devices after the
        // timeout and tells its watchers the user went offline.
        a.reset();
        QVERIFY(QTest::qWaitFor([&] { return b.router->connectedDevices(300).isEmpty(); }, 5000));
        QVERIFY(b.presence.contains({300, false}));
        QCOMPARE(b.router->liveNodes(), QStringList{"b3"});
        // The bus going away and coming back (the same server started again) makes a node
        // drain its devices again: pushes to it may have been lost meanwhile.
        b.connect(301, 3011);
        const int before = b.drains;
        m_nats.kill();
        m_nats.waitForFinished();
        QVERIFY(QTest::qWaitFor([&] { return !b.bus->isUp(); }, 15000));
        QVERIFY(startNats());
        QVERIFY(QTest::qWaitFor([&] { return b.bus->isUp(); }, 15000));
        QVERIFY(QTest::qWaitFor([&] { return b.drains > before; }, 5000));
    }
};

QTEST_GUILESS_MAIN(TestClusterRouter)
#include "test_cluster_router.moc"
