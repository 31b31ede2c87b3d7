// ClusterRouter's side facing the bus: batches out, batches in, sequence and heartbeat checks,
// snapshots (cluster_router.h says why each exists).
#include "cluster/cluster_codec.h"
#include "cluster/cluster_router.h"
#include "cluster/nats_bus.h"
#include "core/clock.h"
#include "core/logging.h"
#include "routing/local_router.h"

#include <QTimer>

namespace tidings::server {

namespace {

const QByteArray kBroadcastSubject = QByteArrayLiteral("tidings.all");

std::string heartbeatKey(const QString &id, quint64 incarnation) {
    return id.toStdString() + ':' + std::to_string(incarnation);
}

} // namespace

// --- out ---------------------------------------------------------------------------------------

wire::ClusterPush *ClusterRouter::pushTo(int node) {
    ++m_stats.pushesOut;
    return m_nodes[std::size_t(node)].out.add_pushes();
}

void ClusterRouter::addPushBody(int node, wire::ClusterPush *p, const Push &push) {
    toCluster(push, p);
    Node &n = m_nodes[std::size_t(node)];
    qsizetype size = qsizetype(p->ByteSizeLong());
    // NATS refuses a message over the server's max_payload (1 MiB by default): such a push
    // goes as "drain these devices", and the node reads it from the database.
    const qint64 limit = m_bus.maxPayload() > 0 ? m_bus.maxPayload() : 1024 * 1024;
    if (size > limit - 4096) {
        ++m_stats.tooBig;
        p->set_drain(true);
        size = qsizetype(p->ByteSizeLong());
    }
    if (n.outBytes + size > m_options.maxBatchBytes && n.out.pushes_size() > 1) {
        // The new push starts the next batch: take it out, send the rest, put it back.
        wire::ClusterPush last = std::move(*p);
        n.out.mutable_pushes()->RemoveLast();
        flushNode(node);
        *n.out.add_pushes() = std::move(last);
    }
    n.outBytes += size;
    scheduleFlush();
}

void ClusterRouter::queueEvent(wire::ClusterEvent event) {
    ++m_stats.eventsOut;
    *m_eventsOut.add_events() = std::move(event);
    scheduleFlush();
}

void ClusterRouter::scheduleFlush() {
    if (std::exchange(m_flushScheduled, true))
        return;
    // Whatever this turn of the loop pushes to a node shares one bus message (a group message's
    // fan-out is one message per node, not one per member).
    QTimer::singleShot(0, this, [this] { flush(); });
}

void ClusterRouter::flush() {
    m_flushScheduled = false;
    for (std::size_t i = 1; i < m_nodes.size(); ++i)
        flushNode(int(i));
    if (m_eventsOut.events_size() == 0 && m_eventsOut.snapshot_size() == 0 &&
        m_eventsOut.snapshot_parts() == 0)
        return;
    m_eventsOut.set_node_id(m_options.nodeId.toStdString());
    m_eventsOut.set_incarnation(m_incarnation);
    m_eventsOut.set_seq(++m_eventsSeq);
    const std::string data = m_eventsOut.SerializeAsString();
    m_bus.publish(kBroadcastSubject, QByteArray(data.data(), qsizetype(data.size())));
    m_eventsOut.Clear();
}

void ClusterRouter::flushNode(int node) {
    Node &n = m_nodes[std::size_t(node)];
    if (n.out.pushes_size() == 0 && n.out.snapshot_parts() == 0)
        return;
    n.out.set_node_id(m_options.nodeId.toStdString());
    n.out.set_incarnation(m_incarnation);
    n.out.set_to_incarnation(n.incarnation);
    // Counted even when the publish fails: the receiver then sees the gap and drains.
    n.out.set_seq(++n.sentSeq);
    const std::string data = n.out.SerializeAsString();
    ++m_stats.batchesOut;
    m_bus.publish(n.subject, QByteArray(data.data(), qsizetype(data.size())));
    n.out.Clear();
    n.outBytes = 0;
    n.lastUserPush = -1;
    n.lastPush.reset();
}

void ClusterRouter::sendSnapshot() {
    // On tidings.all, in parts, each well under NATS's max_payload; an empty table is one empty
    // part. What was queued before goes before it.
    const auto &routes = m_nodes[kSelf].routes;
    const int per = std::max(1, m_options.snapshotPartRoutes);
    const quint32 parts = quint32(std::max<qsizetype>(1, (routes.size() + per - 1) / per));
    flush();
    auto it = routes.cbegin();
    for (quint32 part = 1; part <= parts; ++part) {
        for (int i = 0; i < per && it != routes.cend(); ++i, ++it) {
            auto *r = m_eventsOut.add_snapshot();
            r->set_user_id(it->userId);
            r->set_device_id(it.key());
            r->set_epoch(it->epoch);
        }
        m_eventsOut.set_snapshot_part(part);
        m_eventsOut.set_snapshot_parts(parts);
        flush();
    }
}

void ClusterRouter::requestSync(const QString &nodeId) {
    wire::ClusterEvent e;
    e.set_sync_request(nodeId.toStdString());
    queueEvent(std::move(e));
}

void ClusterRouter::heartbeat() {
    flush(); // the pushes counted below go out before the count
    wire::ClusterEvent e;
    auto *hb = e.mutable_heartbeat();
    for (std::size_t i = 1; i < m_nodes.size(); ++i)
        if (m_nodes[i].live)
            (*hb->mutable_pushes_sent())[heartbeatKey(m_nodes[i].id, m_nodes[i].incarnation)] =
                m_nodes[i].sentSeq;
    hb->set_route_count(quint32(m_nodes[kSelf].routes.size()));
    queueEvent(std::move(e));
    flush();
    const qint64 now = m_clock.elapsedMs();
    for (std::size_t i = 1; i < m_nodes.size(); ++i)
        if (m_nodes[i].live && now - m_nodes[i].lastHeardMs > m_options.nodeTimeoutMs)
            dropNode(int(i), "fell silent");
}

// --- in ----------------------------------------------------------------------------------------

void ClusterRouter::onBusUp() {
    // Whatever was published to us or announced while we were away may be lost: ask every node
    // for its routes, tell them ours, and drain our devices again. Cached values another node
    // may have changed meanwhile are dropped.
    static constexpr const char *kWhy = "connected to the bus";
    requestSync(QString());
    sendSnapshot();
    if (m_everUp) {
        redrainAll(kWhy);
        if (m_hooks.staleAll)
            m_hooks.staleAll();
    }
    m_everUp = true;
}

void ClusterRouter::onMessage(const QByteArray &subject, const QByteArray &data) {
    wire::ClusterBatch batch;
    if (!batch.ParseFromArray(data.constData(), int(data.size())) || batch.node_id().empty()) {
        qCWarning(lcCluster) << "ignoring a bus message that does not parse on" << subject;
        return;
    }
    const QString from = QString::fromStdString(batch.node_id());
    if (from == m_options.nodeId)
        return;
    onBatch(nodeIndex(from), batch, subject == m_subject);
}

void ClusterRouter::onBatch(int node, const wire::ClusterBatch &batch, bool toUs) {
    {
        Node &n = m_nodes[std::size_t(node)];
        n.lastHeardMs = m_clock.elapsedMs();
        if (batch.incarnation() != n.incarnation) {
            // A node we did not know, or that started again: its earlier connections are gone,
            // and every count between us starts afresh (ours to it from 1, for its new run).
            if (n.incarnation != 0)
                dropNode(node, "started again");
            Node &fresh = m_nodes[std::size_t(node)];
            fresh.incarnation = batch.incarnation();
            fresh.eventsSeq = fresh.pushesSeq = fresh.claimedPushes = 0;
            fresh.sentSeq = 0;
            fresh.live = true;
            qCInfo(lcCluster) << "node" << fresh.id << "joined";
            if (batch.snapshot_parts() == 0)
                requestSync(fresh.id);
        } else if (!n.live) {
            n.live = true;
            requestSync(n.id);
        }
    }
    Node &n = m_nodes[std::size_t(node)];
    // Pushes to us count from 1 per run of ours (to_incarnation): the first one missing is a
    // loss too. Batches meant for our previous run are delivered, not counted. Events count
    // per run of theirs; the first we hear is where we start (we ask for its routes anyway).
    const bool counted = !toUs || batch.to_incarnation() == m_incarnation;
    quint64 &last = toUs ? n.pushesSeq : n.eventsSeq;
    if (counted && (last != 0 || toUs) && batch.seq() != last + 1) {
        ++m_stats.gapsFound;
        if (batch.seq() > last)
            qCWarning(lcCluster) << "missed" << (batch.seq() - last - 1) << "bus messages from node"
                                 << n.id;
        else
            qCWarning(lcCluster) << "bus messages from node" << n.id << "out of sequence";
        if (toUs) {
            redrainAll("pushes from another node were lost");
        } else {
            requestSync(n.id);
            if (m_hooks.staleAll)
                m_hooks.staleAll();
        }
    }
    if (counted)
        last = batch.seq();

    if (batch.snapshot_parts() > 0) {
        const quint32 part = batch.snapshot_part();
        if (part == 1) {
            n.staging.clear();
            n.stagingNext = 1;
        }
        if (part != n.stagingNext) {
            // A part went missing: this snapshot cannot be used.
            n.staging.clear();
            n.stagingNext = 0;
            if (part == batch.snapshot_parts())
                requestSync(n.id);
        } else {
            for (const auto &r : batch.snapshot())
                n.staging.push_back(r);
            ++n.stagingNext;
            if (part == batch.snapshot_parts()) {
                const std::vector<wire::ClusterRoute> routes = std::move(n.staging);
                n.staging.clear();
                n.stagingNext = 0;
                applySnapshot(node, routes);
            }
        }
    }
    for (const auto &e : batch.events())
        onEvent(node, e);
    for (const auto &p : batch.pushes())
        onPush(p);
}

void ClusterRouter::applySnapshot(int node, const std::vector<wire::ClusterRoute> &routes) {
    // Replaces everything the node said before: routes it no longer has go down.
    QSet<quint64> kept;
    for (const auto &r : routes)
        kept.insert(r.device_id());
    std::vector<std::pair<quint64, quint64>> gone; // device, epoch
    const auto &held = m_nodes[std::size_t(node)].routes;
    for (auto it = held.cbegin(); it != held.cend(); ++it)
        if (!kept.contains(it.key()))
            gone.emplace_back(it.key(), it->epoch);
    const qint64 now = m_clock.nowMs();
    for (const auto &[device, epoch] : gone)
        routeDown(node, device, epoch, now);
    for (const auto &r : routes)
        routeUp(node, r);
}

void ClusterRouter::onEvent(int node, const wire::ClusterEvent &e) {
    switch (e.kind_case()) {
    case wire::ClusterEvent::kRouteUp:
        return routeUp(node, e.route_up());
    case wire::ClusterEvent::kRouteDown:
        return routeDown(node, e.route_down().device_id(), e.route_down().epoch(),
                         e.last_seen_ms());
    case wire::ClusterEvent::kHeartbeat: {
        Node &n = m_nodes[std::size_t(node)];
        // Its previous heartbeat's count has had a second to arrive: if the pushes it counted
        // have not, the bus lost some.
        if (n.claimedPushes > n.pushesSeq) {
            ++m_stats.gapsFound;
            n.pushesSeq = n.claimedPushes;
            redrainAll("pushes from another node were lost");
        }
        const auto &sent = e.heartbeat().pushes_sent();
        const auto mine = sent.find(heartbeatKey(m_options.nodeId, m_incarnation));
        m_nodes[std::size_t(node)].claimedPushes = mine == sent.end() ? 0 : mine->second;
        // Its events arrive in order before this heartbeat: its count and ours must agree.
        Node &again = m_nodes[std::size_t(node)];
        if (again.staging.empty() && quint32(again.routes.size()) != e.heartbeat().route_count())
            requestSync(again.id);
        return;
    }
    case wire::ClusterEvent::kSyncRequest: {
        // Answered on tidings.all, where our route events go: a snapshot sent to the asking
        // node's own subject could arrive after a route event published later (each subject has
        // its own delivery thread in the receiver's libnats) and undo it. Every node applies
        // it (it replaces this node's routes with the same); requests of one turn share one.
        const QString wanted = QString::fromStdString(e.sync_request());
        if ((wanted.isEmpty() || wanted == m_options.nodeId) &&
            !std::exchange(m_snapshotScheduled, true))
            QTimer::singleShot(0, this, [this] {
                m_snapshotScheduled = false;
                sendSnapshot();
            });
        return;
    }
    case wire::ClusterEvent::KIND_NOT_SET:
        return;
    default:
        if (m_hooks.event)
            m_hooks.event(e);
        return;
    }
}

void ClusterRouter::onPush(const wire::ClusterPush &p) {
    ++m_stats.pushesIn;
    if (p.body_case() == wire::ClusterPush::kDisconnect) {
        m_local.disconnect(p.device_id(), errorFromCluster(p.disconnect()));
        return;
    }
    if (p.body_case() == wire::ClusterPush::kDrain) {
        QList<quint64> devices;
        if (p.user_id() == 0) {
            if (m_local.endpointOf(p.device_id()))
                devices << p.device_id();
        } else {
            QList<quint64> users{p.user_id()};
            users.append(QList<quint64>(p.more_user_ids().begin(), p.more_user_ids().end()));
            for (quint64 user : users)
                for (quint64 d : m_local.connectedDevices(user))
                    if (d != p.except_device_id())
                        devices << d;
        }
        if (!devices.isEmpty() && m_hooks.drain)
            m_hooks.drain(devices);
        return;
    }
    const std::optional<Push> push = pushFromCluster(p);
    if (!push)
        return;
    if (p.user_id() != 0) {
        m_local.toUser(p.user_id(), *push, p.except_device_id());
        for (quint64 user : p.more_user_ids())
            m_local.toUser(user, *push, p.except_device_id());
    } else
        m_local.toDevice(p.device_id(), *push);
}

} // namespace tidings::server
