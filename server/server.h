#pragma once
// The whole server as one object and its composition root: the database pool, migrations and
// partition maintenance, the stores, caches and services, the router and the WebSocket gateway.
// tidingsd's main only builds a ServerConfig and this; the integration tests run exactly the same
// object in-process.
#include "core/server_config.h"
#include "protocol/result.h"

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

class QTimer;

namespace tidings::http {
class HttpServer;
}
namespace tidings::media {
class BlobStore;
}

namespace tidings::server {

class Clock;
class PgPool;
class PgConnection;
class LocalRouter;
class Delivery;
class NatsBus;
class ClusterRouter;
class Membership;
class DeviceDirectory;
class RevokedDevices;
class Argon2Hasher;
class PgAccountStore;
class PgMessageStore;
class PgGroupStore;
class PgPresenceStore;
class PgContactStore;
class PgKeyStore;
class PgProfileStore;
class AccountService;
class MessagingService;
class GroupService;
class PresenceService;
class ContactService;
class KeyService;
class ProfileService;
class PgMediaStore;
class MediaService;
class MediaHttp;
class HealthHttp;
class Metrics;
class MetricsHttp;
class Gateway;
class PgAdminStore;
class AdminService;
class AdminSocket;
class Backups;

class Server : public QObject {
    Q_OBJECT
public:
    explicit Server(ServerConfig config, QObject *parent = nullptr);
    ~Server() override;

    //! Connects, migrates, creates partitions, then listens: `started` or `failed` follows.
    void start();
    //! Closes every connection; the object can be deleted afterwards.
    void stop();
    quint16 port() const;
    //! See Gateway::reloadTls() (SIGHUP).
    Status reloadTls();
    //! SIGHUP with the options read again: applies what can change while serving (history and
    //! media retention, media limits, registrations per hour, token lifetime, connections per
    //! address, unencrypted sends) without touching a connection, then the settings the admin
    //! API stored over them again. Returns one line per change; an option that only applies at
    //! a restart (address, data directory, database, pool, metrics, password hashing) is named
    //! there as such and keeps its running value.
    QStringList reloadConfig(const ServerConfig &fresh);

    //! Creates partitions ahead and drops expired ones (inbox after 30 days, history after the
    //! retention period); once serving, also expires media (unfinished uploads after a day,
    //! blobs no message can reach). Runs at start and every maintenanceIntervalMs.
    //! Dropping a partition needs an exclusive lock on its parent table; so that a long reader
    //! never makes every other request queue behind that lock (or deadlock with a drain), the
    //! maintenance waits at most kMaintenanceLockTimeoutMs for it, then gives way and tries
    //! again a little later (up to kMaintenanceAttempts times).
    void runMaintenance(std::function<void(Result<QStringList>)> done = {}, int attempt = 1);
    static constexpr int kMaintenanceLockTimeoutMs = 200;
    static constexpr int kMaintenanceRetryMs = 500;
    static constexpr int kMaintenanceAttempts = 40;

    MessagingService *messaging() const { return m_messaging.get(); }
    //! Null without a data directory.
    MediaService *media() const { return m_media.get(); }
    Gateway *gateway() const { return m_gateway; }
    Metrics &metrics() const { return *m_metrics; }
    //! The scrape-time figures (storage, pool); the admin API's status reads them too.
    MetricsHttp &metricsHttp() const { return *m_metricsHttp; }
    //! The separate metrics listener's port (ServerConfig::metricsPort); 0 when there is none.
    quint16 metricsPort() const;
    AdminService &admin() const { return *m_adminService; }
    //! The cached member lists (tests look at what a change invalidated).
    Membership &membership() const { return *m_membership; }
    //! The admin API's socket (in the data directory); null without a data directory.
    AdminSocket *adminSocket() const { return m_adminSocket; }
    //! Online backups into DATA/backups; null without a data directory.
    Backups *backups() const { return m_backups; }
    //! The cluster's router; null for a node on its own.
    ClusterRouter *cluster() const { return m_cluster.get(); }

signals:
    void started(quint16 port);
    void failed(const QString &message);

private:
    void migrate();
    void setUpCluster(); // server_cluster.cpp
    void loadSettings();
    void startMedia();
    void listen();

    ServerConfig m_config;
    //! The options as the file (and flags) last gave them; SIGHUP compares with these.
    ServerConfig m_fileConfig;
    std::unique_ptr<Metrics> m_metrics;
    std::unique_ptr<Clock> m_clock;
    PgConnection *m_admin;
    PgPool *m_pool;
    std::unique_ptr<LocalRouter> m_router;
    // A cluster node (ServerConfig::natsServers): the services deliver through the cluster's
    // router, which wraps the local one; on its own, through the local one.
    NatsBus *m_bus = nullptr;
    std::unique_ptr<ClusterRouter> m_cluster;
    Delivery &m_delivery;
    // Stores, caches and services, in dependency order (destroyed in reverse).
    std::unique_ptr<PgAccountStore> m_accountStore;
    std::unique_ptr<PgMessageStore> m_messageStore;
    std::unique_ptr<PgGroupStore> m_groupStore;
    std::unique_ptr<PgPresenceStore> m_presenceStore;
    std::unique_ptr<PgContactStore> m_contactStore;
    std::unique_ptr<PgKeyStore> m_keyStore;
    std::unique_ptr<PgProfileStore> m_profileStore;
    std::unique_ptr<media::BlobStore> m_blobStore; //!< null without a data directory
    std::unique_ptr<PgMediaStore> m_mediaStore;
    std::unique_ptr<Membership> m_membership;
    std::unique_ptr<DeviceDirectory> m_directory;
    std::unique_ptr<RevokedDevices> m_revoked;
    Argon2Hasher *m_hasher;
    std::unique_ptr<KeyService> m_keys;
    std::unique_ptr<AccountService> m_accounts;
    std::unique_ptr<MessagingService> m_messaging;
    std::unique_ptr<GroupService> m_groups;
    std::unique_ptr<PresenceService> m_presence;
    std::unique_ptr<ContactService> m_contacts;
    std::unique_ptr<ProfileService> m_profiles;
    std::unique_ptr<MediaService> m_media;
    std::unique_ptr<MediaHttp> m_mediaHttp;
    std::unique_ptr<HealthHttp> m_health;
    std::unique_ptr<MetricsHttp> m_metricsHttp;
    std::unique_ptr<PgAdminStore> m_adminStore;
    std::unique_ptr<AdminService> m_adminService;
    AdminSocket *m_adminSocket = nullptr;
    Backups *m_backups = nullptr;
    //! A media collection is running; a backup that waits for it to end is in the waiters.
    bool m_collecting = false;
    std::vector<std::function<void()>> m_collectWaiters;
    http::HttpServer *m_http = nullptr;
    http::HttpServer *m_metricsServer = nullptr; //!< the separate metrics listener, if any
    Gateway *m_gateway;
    QTimer *m_maintenance;
    bool m_failed = false;
    bool m_started = false;
    QElapsedTimer m_up;
};

} // namespace tidings::server
