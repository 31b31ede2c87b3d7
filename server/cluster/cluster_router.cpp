#include "cluster/cluster_router.h"

#include "cluster/cluster_codec.h"
#include "cluster/nats_bus.h"
#include "core/clock.h"
#include "core/logging.h"
#include "routing/local_router.h"

#include <QRandomGenerator>
#include <QTimer>
#include <QVarLengthArray>

#include <algorithm>

namespace tidings::server {

namespace {

QByteArray nodeSubject(const QString &id) {
    return "tidings.node." + id.toUtf8();
}

} // namespace

ClusterRouter::ClusterRouter(LocalRouter &local, NatsBus &bus, const Clock &clock, Options options,
                             QObject *parent)
    : QObject(parent)
    , m_local(local)
    , m_bus(bus)
    , m_clock(clock)
    , m_options(std::move(options))
    , m_incarnation(QRandomGenerator::system()->generate64() | 1)
    , m_subject(nodeSubject(m_options.nodeId)) {
    Node self;
    self.id = m_options.nodeId;
    self.subject = m_subject;
    self.live = true;
    m_nodes.push_back(std::move(self));
    m_nodeByName.insert(m_options.nodeId, kSelf);
    m_local.setObserver(
        [this](quint64 user, quint64 device, bool up) { onLocal(user, device, up); });
}

ClusterRouter::~ClusterRouter() {
    m_local.setObserver({});
}

void ClusterRouter::start() {
    connect(&m_bus, &NatsBus::message, this, &ClusterRouter::onMessage);
    connect(&m_bus, &NatsBus::up, this, &ClusterRouter::onBusUp);
    connect(&m_bus, &NatsBus::lost, this, [this] { redrainAll("the bus dropped messages"); });
    m_bus.subscribe(QByteArrayLiteral("tidings.all"));
    m_bus.subscribe(m_subject);
    m_heartbeat = new QTimer(this);
    connect(m_heartbeat, &QTimer::timeout, this, &ClusterRouter::heartbeat);
    m_heartbeat->start(m_options.heartbeatMs);
    m_bus.start();
}

// --- Delivery --------------------------------------------------------------------------------

void ClusterRouter::toUser(quint64 userId, const Push &push, quint64 exceptDevice) {
    m_local.toUser(userId, push, exceptDevice);
    // One push per other node that holds a device of the user; that node delivers to all of
    // them (its own view of them: it knows its connections best).
    QVarLengthArray<int, 8> sent;
    for (auto it = m_devicesOfUser.constFind(userId);
         it != m_devicesOfUser.cend() && it.key() == userId; ++it) {
        if (it.value() == exceptDevice)
            continue;
        const int node = m_routes.value(it.value()).node;
        if (node == kSelf || sent.contains(node))
            continue;
        sent.append(node);
        // The same push as the last one to that node (a group's fan-out calls this once per
        // member with one push): the user joins it instead of another copy.
        Node &n = m_nodes[std::size_t(node)];
        // Only while it is the last one queued: nothing queued after it may be overtaken.
        if (n.lastUserPush >= 0 && n.lastUserPush == n.out.pushes_size() - 1 &&
            n.lastExcept == exceptDevice && samePush(n.lastPush, push)) {
            n.out.mutable_pushes(n.lastUserPush)->add_more_user_ids(userId);
            n.outBytes += 10;
            ++m_stats.pushesMerged;
            continue;
        }
        wire::ClusterPush *p = pushTo(node);
        p->set_user_id(userId);
        p->set_except_device_id(exceptDevice);
        addPushBody(node, p, push);
        Node &after = m_nodes[std::size_t(node)]; // addPushBody may have sent a batch
        after.lastUserPush = after.out.pushes_size() - 1;
        after.lastExcept = exceptDevice;
        after.lastPush = push;
    }
}

bool ClusterRouter::samePush(const std::optional<Push> &last, const Push &push) {
    if (!last || last->index() != push.index())
        return false;
    // A message is its conversation and seq (a pushed copy without an envelope); the other
    // pushes are small enough to compare whole.
    if (const auto *m = std::get_if<wire::Message>(&push)) {
        const auto &l = std::get<wire::Message>(*last);
        return m->conversation_id() == l.conversation_id() && m->seq() == l.seq() &&
               m->envelope().empty() && l.envelope().empty() &&
               m->payload().size() == l.payload().size();
    }
    return std::visit(
        [&push](const auto &a) {
            using T = std::decay_t<decltype(a)>;
            return a.SerializeAsString() == std::get<T>(push).SerializeAsString();
        },
        *last);
}

void ClusterRouter::toDevice(quint64 deviceId, const Push &push) {
    const auto it = m_routes.constFind(deviceId);
    if (it == m_routes.cend())
        return; // offline: it drains its inbox when it connects
    if (it->node == kSelf)
        return m_local.toDevice(deviceId, push);
    const int node = it->node;
    wire::ClusterPush *p = pushTo(node);
    p->set_device_id(deviceId);
    addPushBody(node, p, push);
}

QList<quint64> ClusterRouter::connectedDevices(quint64 userId) const {
    return m_devicesOfUser.values(userId);
}

void ClusterRouter::disconnect(quint64 deviceId, const Error &why) {
    const auto it = m_routes.constFind(deviceId);
    if (it == m_routes.cend())
        return;
    if (it->node == kSelf)
        return m_local.disconnect(deviceId, why);
    const int node = it->node;
    wire::ClusterPush *p = pushTo(node);
    p->set_device_id(deviceId);
    toCluster(why, p->mutable_disconnect());
    m_nodes[std::size_t(node)].outBytes += qsizetype(p->ByteSizeLong());
    scheduleFlush();
}

void ClusterRouter::announce(wire::ClusterEvent event) {
    queueEvent(std::move(event));
}

// --- routes ----------------------------------------------------------------------------------

void ClusterRouter::onLocal(quint64 userId, quint64 deviceId, bool up) {
    Node &self = m_nodes[kSelf];
    wire::ClusterEvent e;
    if (up) {
        // Newer than any connection of the device before it, on any node (clocks in sync).
        const quint64 epoch = std::max(quint64(m_clock.nowMs()) * 1000, m_lastEpoch + 1);
        m_lastEpoch = epoch;
        self.routes.insert(deviceId, Held{userId, epoch});
        settle(deviceId, false, 0);
        auto *r = e.mutable_route_up();
        r->set_user_id(userId);
        r->set_device_id(deviceId);
        r->set_epoch(epoch);
        // Pushes sent along the device's old route until every node has heard this one would
        // wait for its next reconnect: drain it once more when they have.
        QTimer::singleShot(m_options.settleDrainMs, this, [this, deviceId, epoch] {
            const auto held = m_nodes[kSelf].routes.constFind(deviceId);
            if (held != m_nodes[kSelf].routes.cend() && held->epoch == epoch && m_hooks.drain)
                m_hooks.drain({deviceId});
        });
    } else {
        const auto held = self.routes.constFind(deviceId);
        if (held == self.routes.cend())
            return;
        const quint64 epoch = held->epoch;
        self.routes.erase(held);
        settle(deviceId, false, 0);
        auto *r = e.mutable_route_down();
        r->set_user_id(userId);
        r->set_device_id(deviceId);
        r->set_epoch(epoch);
        e.set_last_seen_ms(m_clock.nowMs());
    }
    queueEvent(std::move(e));
}

void ClusterRouter::routeUp(int node, const wire::ClusterRoute &r) {
    m_nodes[std::size_t(node)].routes.insert(r.device_id(), Held{r.user_id(), r.epoch()});
    settle(r.device_id(), true, 0);
}

void ClusterRouter::routeDown(int node, quint64 deviceId, quint64 epoch, qint64 lastSeenMs) {
    auto &routes = m_nodes[std::size_t(node)].routes;
    const auto it = routes.constFind(deviceId);
    if (it == routes.cend() || it->epoch != epoch)
        return;
    routes.erase(it);
    settle(deviceId, true, lastSeenMs);
}

void ClusterRouter::settle(quint64 deviceId, bool notify, qint64 lastSeenMs) {
    // The newest route of the device, over every node that says it holds it.
    int bestNode = -1;
    Held best;
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        const auto it = m_nodes[i].routes.constFind(deviceId);
        if (it != m_nodes[i].routes.cend() && (bestNode < 0 || it->epoch > best.epoch)) {
            bestNode = int(i);
            best = *it;
        }
    }
    const auto current = m_routes.constFind(deviceId);
    const quint64 oldUser = current == m_routes.cend() ? 0 : current->userId;
    const bool wasOnline = oldUser != 0 && m_devicesOfUser.contains(oldUser);
    if (current != m_routes.cend()) {
        m_devicesOfUser.remove(oldUser, deviceId);
        m_routes.erase(current);
    }
    if (bestNode >= 0) {
        m_routes.insert(deviceId, Route{bestNode, best.userId, best.epoch});
        m_devicesOfUser.insert(best.userId, deviceId);
    }
    if (notify && m_hooks.presence) {
        if (oldUser != 0 && wasOnline && !m_devicesOfUser.contains(oldUser))
            m_hooks.presence(oldUser, false, lastSeenMs ? lastSeenMs : m_clock.nowMs());
        if (bestNode >= 0 && (oldUser != best.userId || !wasOnline))
            m_hooks.presence(best.userId, true, 0);
    }
    // One live route: our own connection of the device, if older, goes.
    const auto own = m_nodes[kSelf].routes.constFind(deviceId);
    if (bestNode > kSelf && own != m_nodes[kSelf].routes.cend()) {
        qCInfo(lcCluster) << "device" << deviceId << "connected again on node"
                          << m_nodes[std::size_t(bestNode)].id << "; closing its connection here";
        m_local.disconnect(deviceId,
                           Error{ErrorCode::SessionReplaced,
                                 QStringLiteral("this device connected again elsewhere")});
    }
}

void ClusterRouter::dropNode(int node, const char *why) {
    Node &n = m_nodes[std::size_t(node)];
    if (n.live || !n.routes.isEmpty())
        qCWarning(lcCluster) << "node" << n.id << why << "; forgetting its" << n.routes.size()
                             << "connections";
    const QList<quint64> devices = n.routes.keys();
    n.routes.clear();
    n.live = false;
    // Its incarnation and both sequence counts stay: if it was only silent (a bus outage on
    // either side), what it sends next continues them, and a gap is a real loss. A restart
    // (a new incarnation) starts them afresh (onBatch).
    n.staging.clear();
    n.stagingNext = 0;
    n.out.Clear();
    n.outBytes = 0;
    n.lastUserPush = -1;
    n.lastPush.reset();
    const qint64 now = m_clock.nowMs();
    for (quint64 d : devices)
        settle(d, true, now);
}

void ClusterRouter::redrainAll(const char *why) {
    // Losses found together (several senders' gaps in one burst after an outage) make one
    // drain: each costs a database read per connected device.
    if (std::exchange(m_redrainScheduled, true))
        return;
    qCInfo(lcCluster) << why << "; draining every connected device's inbox again";
    QTimer::singleShot(0, this, [this] {
        m_redrainScheduled = false;
        ++m_stats.redrains;
        if (m_hooks.drain)
            m_hooks.drain({});
    });
}

int ClusterRouter::nodeIndex(const QString &id) {
    if (const auto it = m_nodeByName.constFind(id); it != m_nodeByName.cend())
        return *it;
    Node n;
    n.id = id;
    n.subject = nodeSubject(id);
    m_nodes.push_back(std::move(n));
    const int index = int(m_nodes.size() - 1);
    m_nodeByName.insert(id, index);
    return index;
}

QStringList ClusterRouter::liveNodes() const {
    QStringList out;
    for (const Node &n : m_nodes)
        if (n.live)
            out << n.id;
    return out;
}

ClusterRouter::Stats ClusterRouter::stats() const {
    Stats s = m_stats;
    for (std::size_t i = 1; i < m_nodes.size(); ++i)
        if (m_nodes[i].live) {
            ++s.nodes;
            s.remoteRoutes += int(m_nodes[i].routes.size());
        }
    return s;
}

} // namespace tidings::server
