// The Server's part as a node of a cluster (issue 14): what the other nodes tell this one, and
// what this one tells them. docs/ARCHITECTURE.md, "Many nodes".
#include "server.h"

#include "admin/admin_service.h"
#include "cluster/cluster_router.h"
#include "cluster/nats_bus.h"
#include "core/clock.h"
#include "core/logging.h"
#include "core/metrics.h"
#include "gateway/gateway.h"
#include "routing/local_router.h"
#include "services/accounts/account_service.h"
#include "services/common/device_directory.h"
#include "services/common/membership.h"
#include "services/common/revoked_devices.h"
#include "services/presence/presence_service.h"

namespace tidings::server {

void Server::setUpCluster() {
    ClusterRouter &cluster = *m_cluster;
    // Changes committed here that other nodes hold in memory: each is one id in an event.
    using Setter = void (wire::ClusterEvent::*)(::uint64_t);
    const auto announcing = [&cluster](Setter set) {
        return [&cluster, set](quint64 id) {
            wire::ClusterEvent e;
            (e.*set)(id);
            cluster.announce(std::move(e));
        };
    };
    m_membership->setAnnounce(announcing(&wire::ClusterEvent::set_membership_changed));
    m_directory->setAnnounce(announcing(&wire::ClusterEvent::set_devices_changed));
    m_revoked->setAnnounce(announcing(&wire::ClusterEvent::set_device_revoked));
    m_presence->setAnnounce(announcing(&wire::ClusterEvent::set_presence_changed));

    ClusterRouter::Hooks hooks;
    hooks.presence = [this](quint64 user, bool online, qint64 lastSeenMs) {
        m_presence->remoteChange(user, online, lastSeenMs);
    };
    hooks.drain = [this](const QList<quint64> &devices) {
        if (m_gateway)
            m_gateway->drainAgain(devices);
    };
    hooks.staleAll = [this] {
        m_membership->invalidateAll();
        m_directory->invalidateAll();
    };
    hooks.event = [this](const wire::ClusterEvent &e) {
        switch (e.kind_case()) {
        case wire::ClusterEvent::kMembershipChanged:
            return m_membership->invalidate(e.membership_changed(), false);
        case wire::ClusterEvent::kDevicesChanged:
            return m_directory->invalidateUser(e.devices_changed(), false);
        case wire::ClusterEvent::kDeviceRevoked:
            // Requests of the device waiting here are refused, and a connection of it here
            // (one the revoking node did not know of yet) is closed.
            m_revoked->addFromPeer(e.device_revoked(), m_clock->elapsedMs());
            return m_router->disconnect(
                e.device_revoked(),
                Error{ErrorCode::BadToken, QStringLiteral("this device was logged out")});
        case wire::ClusterEvent::kUserDisabled:
            return m_accounts->setUserDisabled(e.user_disabled(), true);
        case wire::ClusterEvent::kUserEnabled:
            return m_accounts->setUserDisabled(e.user_enabled(), false);
        case wire::ClusterEvent::kPresenceChanged:
            return m_presence->refresh(e.presence_changed(), false);
        case wire::ClusterEvent::kSettingsChanged:
            return m_adminService->loadSettings([](Status s) {
                if (!s)
                    qCWarning(lcCluster)
                        << "reading the settings another node changed failed:" << s.error().detail;
            });
        default:
            return;
        }
    };
    cluster.setHooks(std::move(hooks));

    // What an admin watches on a node of a cluster (GET /metrics).
    using K = Metrics::Kind;
    NatsBus *bus = m_bus;
    m_metrics->addValue("tidings_cluster_bus_up", K::Gauge,
                        "1 while this node is connected to a NATS server.",
                        [bus] { return bus->isUp() ? 1.0 : 0.0; });
    m_metrics->addValue("tidings_cluster_nodes", K::Gauge,
                        "Nodes of the cluster this node hears from, itself included.",
                        [&cluster] { return double(cluster.stats().nodes + 1); });
    m_metrics->addValue("tidings_cluster_remote_devices", K::Gauge,
                        "Devices connected to the other nodes, as this node knows them.",
                        [&cluster] { return double(cluster.stats().remoteRoutes); });
    m_metrics->addValue("tidings_cluster_pushes_sent_total", K::Counter,
                        "Pushes sent to other nodes (one per node a push has devices on).",
                        [&cluster] { return double(cluster.stats().pushesOut); });
    m_metrics->addValue("tidings_cluster_pushes_received_total", K::Counter,
                        "Pushes received from other nodes.",
                        [&cluster] { return double(cluster.stats().pushesIn); });
    m_metrics->addValue("tidings_cluster_bus_messages_sent_total", K::Counter,
                        "NATS messages published (batches of pushes, events, heartbeats).",
                        [bus] { return double(bus->stats().published); });
    m_metrics->addValue("tidings_cluster_bus_bytes_sent_total", K::Counter,
                        "Payload bytes of the NATS messages published.",
                        [bus] { return double(bus->stats().publishedBytes); });
    m_metrics->addValue("tidings_cluster_bus_publish_failures_total", K::Counter,
                        "NATS publishes that could not even be queued (no server reachable).",
                        [bus] { return double(bus->stats().publishFailures); });
    m_metrics->addValue("tidings_cluster_losses_found_total", K::Counter,
                        "Lost bus messages found (sequence gaps, heartbeat counts).",
                        [&cluster] { return double(cluster.stats().gapsFound); });
    m_metrics->addValue("tidings_cluster_redrains_total", K::Counter,
                        "Times the connected devices' inboxes were drained again after a loss "
                        "or a reconnect to the bus.",
                        [&cluster] { return double(cluster.stats().redrains); });
}

} // namespace tidings::server
