// The Server's part as a node of a cluster (issue 14): what the other nodes tell this one, and
// what this one tells them. docs/ARCHITECTURE.md, "Many nodes".
#include "server.h"

#include "admin/admin_service.h"
#include "cluster/cluster_router.h"
#include "core/clock.h"
#include "core/logging.h"
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
    // Changes committed here that other nodes hold in memory.
    m_membership->setAnnounce([&cluster](quint64 conversation) {
        wire::ClusterEvent e;
        e.set_membership_changed(conversation);
        cluster.announce(std::move(e));
    });
    m_directory->setAnnounce([&cluster](quint64 user) {
        wire::ClusterEvent e;
        e.set_devices_changed(user);
        cluster.announce(std::move(e));
    });
    m_revoked->setAnnounce([&cluster](quint64 device) {
        wire::ClusterEvent e;
        e.set_device_revoked(device);
        cluster.announce(std::move(e));
    });
    m_presence->setAnnounce([&cluster](quint64 user) {
        wire::ClusterEvent e;
        e.set_presence_changed(user);
        cluster.announce(std::move(e));
    });

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
}

} // namespace tidings::server
