#pragma once
// Delivery across the nodes of a cluster (issue 14; docs/ARCHITECTURE.md, "Many nodes").
//
// Every node keeps the whole route table in memory: which device is connected to which node. It
// learns it from the other nodes over NATS (route up/down events on tidings.all, snapshots on
// request) and forgets a node's routes when the node falls silent. Services keep asking
// synchronously ("which devices of this user are online?"), as on one node, and a push for a
// device goes straight to the node that holds it (subject tidings.node.<id>), batched per node
// per turn of the event loop.
//
// NATS is never the record. Every message on a subject carries a per-sender sequence number, and
// heartbeats say how many pushes a node sent to each other node: a node that finds a gap drains
// its devices' inboxes from PostgreSQL again (pushes), or asks for the routes again (events).
// A device that connects is drained again shortly after, once every node routes to it: a push
// sent meanwhile along its old route is not left waiting for its next reconnect.
#include "routing/delivery.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>

#include <functional>
#include <optional>
#include <vector>

class QTimer;

namespace tidings::server {

class Clock;
class LocalRouter;
class NatsBus;

class ClusterRouter final : public QObject, public Delivery {
    Q_OBJECT
public:
    struct Options {
        QString nodeId;
        int heartbeatMs = 1000;
        //! A node not heard from this long is gone: its routes are dropped.
        int nodeTimeoutMs = 3500;
        //! A device that connected is drained again after this long (see above).
        int settleDrainMs = 2500;
        //! A batch for one node is sent when it reaches this size (else at the end of the turn).
        int maxBatchBytes = 256 * 1024;
        //! Routes per part of a snapshot.
        int snapshotPartRoutes = 20000;
    };
    //! What the node does about what the cluster tells it. All are called on the loop.
    struct Hooks {
        //! A user came online or went offline through another node's devices.
        std::function<void(quint64 userId, bool online, qint64 lastSeenMs)> presence;
        //! These local devices may have missed pushes: drain their inboxes (empty: all).
        std::function<void(const QList<quint64> &devices)> drain;
        //! Another node's announcement (membership_changed, device_revoked...).
        std::function<void(const wire::ClusterEvent &event)> event;
        //! Announcements may have been lost: forget every cached value another node could have
        //! changed.
        std::function<void()> staleAll;
    };
    struct Stats {
        quint64 pushesOut = 0;  //!< ClusterPush entries sent to other nodes
        quint64 batchesOut = 0; //!< NATS messages with pushes
        quint64 eventsOut = 0;
        quint64 pushesIn = 0;
        quint64 gapsFound = 0;    //!< losses found by sequence or heartbeat
        quint64 redrains = 0;     //!< drains asked for because of a loss or a reconnect
        quint64 tooBig = 0;       //!< pushes replaced by a drain: too big for one bus message
        quint64 pushesMerged = 0; //!< users added to a push already going to their node
        int nodes = 0;            //!< other nodes heard from
        int remoteRoutes = 0;
    };

    ClusterRouter(LocalRouter &local, NatsBus &bus, const Clock &clock, Options options,
                  QObject *parent = nullptr);
    ~ClusterRouter() override;

    void setHooks(Hooks hooks) { m_hooks = std::move(hooks); }
    //! Subscribes and starts the heartbeat; the bus may connect before or after.
    void start();

    void toUser(quint64 userId, const Push &push, quint64 exceptDevice = 0) override;
    void toDevice(quint64 deviceId, const Push &push) override;
    QList<quint64> connectedDevices(quint64 userId) const override;
    void disconnect(quint64 deviceId, const Error &why) override;

    //! Tells every other node (membership_changed, device_revoked...).
    void announce(wire::ClusterEvent event);

    Stats stats() const;
    const QString &nodeId() const { return m_options.nodeId; }
    //! Nodes heard from within the timeout, this one included.
    QStringList liveNodes() const;

private:
    static constexpr int kSelf = 0; //!< index of this node in m_nodes

    struct Route {
        int node = kSelf;
        quint64 userId = 0;
        quint64 epoch = 0;
    };
    struct Held {
        quint64 userId = 0;
        quint64 epoch = 0;
    };
    struct Node {
        QString id;
        QByteArray subject; //!< tidings.node.<id>
        quint64 incarnation = 0;
        quint64 eventsSeq = 0;     //!< last seq heard on tidings.all
        quint64 pushesSeq = 0;     //!< last seq heard on our subject
        quint64 claimedPushes = 0; //!< its previous heartbeat's count of pushes to us
        qint64 lastHeardMs = 0;
        bool live = false;
        //! The devices it holds, as it said (m_routes keeps the newest of a device's routes).
        QHash<quint64, Held> routes;
        std::vector<wire::ClusterRoute> staging; //!< a snapshot being received
        quint32 stagingNext = 0;
        // Outgoing to it.
        quint64 sentSeq = 0;
        wire::ClusterBatch out;
        qsizetype outBytes = 0;
        //! The last toUser push in `out` (-1: none), to add more users to (see toUser).
        int lastUserPush = -1;
        quint64 lastExcept = 0;
        std::optional<Push> lastPush;
    };
    static bool samePush(const std::optional<Push> &last, const Push &push);

    void onLocal(quint64 userId, quint64 deviceId, bool up);
    void onBusUp();
    void onMessage(const QByteArray &subject, const QByteArray &data);
    void onBatch(int node, const wire::ClusterBatch &batch, bool toUs);
    void onEvent(int node, const wire::ClusterEvent &e);
    void onPush(const wire::ClusterPush &p);
    void applySnapshot(int node, const std::vector<wire::ClusterRoute> &routes);
    void heartbeat();

    int nodeIndex(const QString &id);
    void routeUp(int node, const wire::ClusterRoute &r);
    void routeDown(int node, quint64 deviceId, quint64 epoch, qint64 lastSeenMs);
    //! Makes the newest of the device's routes the live one. When that is another node's, our
    //! own older connection of the device is closed: one live route. `notify`: tell the
    //! presence hook when the user comes online or goes offline (not for our own connections,
    //! which the gateway reports).
    void settle(quint64 deviceId, bool notify, qint64 lastSeenMs);
    void dropNode(int node, const char *why);
    void redrainAll(const char *why);

    wire::ClusterPush *pushTo(int node);
    void addPushBody(int node, wire::ClusterPush *p, const Push &push);
    void queueEvent(wire::ClusterEvent event);
    void scheduleFlush();
    void flush();
    void flushNode(int node);
    void sendSnapshot();
    void requestSync(const QString &nodeId);

    LocalRouter &m_local;
    NatsBus &m_bus;
    const Clock &m_clock;
    Options m_options;
    Hooks m_hooks;
    quint64 m_incarnation = 0;
    std::vector<Node> m_nodes; //!< [0] is this node
    QHash<QString, int> m_nodeByName;
    QHash<quint64, Route> m_routes;               //!< device → its live route (any node)
    QMultiHash<quint64, quint64> m_devicesOfUser; //!< user → routed devices (any node)
    quint64 m_lastEpoch = 0;
    QByteArray m_subject; //!< ours
    // Events for every node (tidings.all).
    quint64 m_eventsSeq = 0;
    wire::ClusterBatch m_eventsOut;
    bool m_flushScheduled = false;
    bool m_everUp = false;
    bool m_snapshotScheduled = false;
    bool m_redrainScheduled = false;
    QTimer *m_heartbeat = nullptr;
    Stats m_stats;
};

} // namespace tidings::server
