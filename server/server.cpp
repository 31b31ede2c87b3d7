#include "server.h"

#include "admin/admin_service.h"
#include "admin/admin_socket.h"
#include "admin/backups.h"
#include "admin/pg_admin_store.h"
#include "cluster/cluster_router.h"
#include "cluster/nats_bus.h"
#include "core/clock.h"
#include "core/logging.h"
#include "core/metrics.h"
#include "db/migrator.h"
#include "db/pg_connection.h"
#include "gateway/gateway.h"
#include "gateway/health_http.h"
#include "gateway/media_http.h"
#include "gateway/metrics_http.h"
#include "http/http_server.h"
#include "media/blob_store.h"
#include "routing/local_router.h"
#include "services/accounts/account_service.h"
#include "services/accounts/password_hasher.h"
#include "services/accounts/pg_account_store.h"
#include "services/common/device_directory.h"
#include "services/common/membership.h"
#include "services/common/revoked_devices.h"
#include "services/contacts/contact_service.h"
#include "services/contacts/pg_contact_store.h"
#include "services/groups/group_service.h"
#include "services/groups/pg_group_store.h"
#include "services/keys/key_service.h"
#include "services/keys/pg_key_store.h"
#include "services/media/media_service.h"
#include "services/media/pg_media_store.h"
#include "services/messaging/messaging_service.h"
#include "services/messaging/pg_message_store.h"
#include "services/presence/pg_presence_store.h"
#include "services/presence/presence_service.h"
#include "services/profiles/pg_profile_store.h"
#include "services/profiles/profile_service.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>
#include <QStorageInfo>
#include <QVariant>

#include "protocol/limits.h"

#include <QThread>
#include <QTimer>

#include <algorithm>

static void initResources() {
    Q_INIT_RESOURCE(migrations);
}

namespace tidings::server {

int defaultPoolSize() {
    return std::clamp(QThread::idealThreadCount() / 2, 1, 4);
}

namespace {

std::unique_ptr<Clock> makeClock(const ServerConfig &config) {
    if (config.clock)
        return std::make_unique<FunctionClock>(config.clock);
    return std::make_unique<SystemClock>();
}

std::unique_ptr<media::BlobStore> makeBlobStore(const ServerConfig &config) {
    if (config.dataDir.isEmpty())
        return nullptr;
    media::BlobStoreOptions options;
    options.maxBlobSize = config.mediaMaxBytes;
    options.write = config.mediaWrite;
    return std::make_unique<media::BlobStore>(config.dataDir, std::move(options));
}

MediaOptions mediaOptions(const ServerConfig &config) {
    MediaOptions o;
    o.maxFileBytes = config.mediaMaxBytes;
    o.quotaBytes = config.mediaQuotaBytes;
    o.retentionDays = config.mediaRetentionDays;
    o.chunkBytes = qBound<quint32>(64 * 1024, config.mediaChunkBytes, limits::kMaxMediaChunkBytes);
    o.requestsPerMinute = config.mediaRequestsPerMinute;
    o.concurrentDownloads = config.mediaDownloadsPerUser;
    o.freeBytes = config.mediaFreeBytes;
    return o;
}

Registration registrationOf(const QString &name) {
    if (name == QLatin1String("invite"))
        return Registration::Invite;
    if (name == QLatin1String("closed"))
        return Registration::Closed;
    return Registration::Open;
}

AccountPolicy accountPolicy(const ServerConfig &config) {
    AccountPolicy p;
    p.failuresPerMinute = config.loginFailuresPerMinute;
    p.registrationsPerHour = config.registrationsPerHour;
    p.tokenLifetimeMs = qint64(std::max(1, config.tokenLifetimeDays)) * 24 * 3600 * 1000;
    return p;
}

} // namespace

Server::Server(ServerConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_fileConfig(m_config)
    , m_metrics(std::make_unique<Metrics>())
    , m_clock(makeClock(m_config))
    , m_admin(new PgConnection(m_config.databaseConninfo, false, this))
    // One reader connection beside the shards: history pages and inbox drains never wait behind
    // a send batch, and a flood of them (four at a time per client) never delays a send. One bulk
    // connection for big groups' sends and acks (MessagingService routes them there).
    , m_pool(new PgPool(m_config.databaseConninfo,
                        m_config.poolSize > 0 ? m_config.poolSize : defaultPoolSize(), 1, 1, this))
    , m_router(std::make_unique<LocalRouter>())
    , m_bus(m_config.natsServers.isEmpty()
                ? nullptr
                : new NatsBus(m_config.natsServers,
                              QStringLiteral("tidingsd %1").arg(m_config.nodeId), this))
    , m_cluster(m_bus ? std::make_unique<ClusterRouter>(*m_router, *m_bus, *m_clock,
                                                        ClusterRouter::Options{m_config.nodeId})
                      : nullptr)
    , m_delivery(m_cluster ? static_cast<Delivery &>(*m_cluster) : *m_router)
    , m_accountStore(std::make_unique<PgAccountStore>(*m_pool))
    , m_messageStore(std::make_unique<PgMessageStore>(*m_pool, m_config.inboxDays))
    , m_groupStore(std::make_unique<PgGroupStore>(*m_pool, m_config.inboxDays))
    , m_presenceStore(std::make_unique<PgPresenceStore>(*m_pool))
    , m_contactStore(std::make_unique<PgContactStore>(*m_pool))
    , m_keyStore(std::make_unique<PgKeyStore>(*m_pool))
    , m_profileStore(std::make_unique<PgProfileStore>(*m_pool))
    , m_blobStore(makeBlobStore(m_config))
    , m_mediaStore(std::make_unique<PgMediaStore>(*m_pool))
    , m_membership(std::make_unique<Membership>(
          [store = m_groupStore.get()](quint64 conv, Membership::Callback cb) {
              store->members(conv, std::move(cb));
          },
          std::size_t(m_config.membershipCacheSize)))
    , m_directory(std::make_unique<DeviceDirectory>(
          [store = m_keyStore.get()](const std::vector<quint64> &users, auto cb) {
              store->currentDevices(users, std::move(cb));
          },
          std::size_t(m_config.deviceCacheSize)))
    , m_revoked(std::make_unique<RevokedDevices>())
    , m_hasher(
          new Argon2Hasher(m_config.cheapPasswordHashing, m_config.maxQueuedPasswordHashes, this))
    , m_keys(std::make_unique<KeyService>(*m_keyStore, *m_directory, m_delivery, *m_clock))
    , m_accounts(std::make_unique<AccountService>(*m_accountStore, *m_hasher, m_delivery,
                                                  *m_revoked, *m_clock, accountPolicy(m_config),
                                                  [this](quint64 user, quint64 device) {
                                                      m_keys->deviceRevoked(user, device);
                                                      if (m_media)
                                                          m_media->deviceRevoked(user, device);
                                                  }))
    , m_messaging(std::make_unique<MessagingService>(*m_messageStore, *m_membership, *m_directory,
                                                     m_delivery, *m_revoked, *m_clock))
    , m_groups(std::make_unique<GroupService>(*m_groupStore, *m_membership, m_delivery, *m_clock))
    , m_presence(
          std::make_unique<PresenceService>(*m_presenceStore, *m_membership, m_delivery, *m_clock))
    , m_contacts(std::make_unique<ContactService>(
          *m_contactStore,
          [presence = m_presence.get()](quint64 user) { presence->refresh(user); }))
    , m_profiles(std::make_unique<ProfileService>(*m_profileStore))
    , m_media(m_blobStore ? std::make_unique<MediaService>(*m_mediaStore, *m_blobStore, *m_clock,
                                                           mediaOptions(m_config))
                          : nullptr)
    , m_gateway(
          new Gateway(m_config, *m_clock, *m_router,
                      Services{m_accounts.get(), m_messaging.get(), m_groups.get(),
                               m_presence.get(), m_contacts.get(), m_keys.get(), m_profiles.get(),
                               m_media.get(), m_revoked.get(), m_metrics.get()},
                      this))
    , m_maintenance(new QTimer(this)) {
    m_up.start();
    initResources();
    m_messaging->setRefuseUnencrypted(!m_config.allowUnencrypted);
    m_accounts->setRegistration(registrationOf(m_config.registration));
    m_keys->setCutOff([this](quint64 user, const std::vector<quint64> &devices) {
        m_accounts->cutOff(user, devices,
                           QStringLiteral("the account was recovered on another device"));
    });
    // HTTP shares the WebSocket's port: the gateway's front door hands it over. /healthz always;
    // media with a data directory.
    m_http = new http::HttpServer(http::HttpLimits{}, this);
    m_health = std::make_unique<HealthHttp>(
        *m_pool, [this] { return m_gateway ? m_gateway->sessionCount() : 0; },
        QCoreApplication::applicationVersion());
    if (!m_health->addRoutes(*m_http))
        qFatal("health route malformed");
    m_metricsHttp = std::make_unique<MetricsHttp>(
        *m_metrics, *m_pool, [this] { return m_gateway ? m_gateway->sessionCount() : 0; });
    if (m_config.metricsOnMainPort && !m_metricsHttp->addRoutes(*m_http))
        qFatal("metrics route malformed");
    if (m_config.metricsPort >= 0) {
        m_metricsServer = new http::HttpServer(http::HttpLimits{}, this);
        if (!m_metricsHttp->addRoutes(*m_metricsServer))
            qFatal("metrics route malformed");
    }
    if (m_media) {
        m_mediaHttp = std::make_unique<MediaHttp>(*m_media);
        if (!m_mediaHttp->addRoutes(*m_http))
            qFatal("media routes malformed");
    }
    m_adminStore = std::make_unique<PgAdminStore>(*m_pool);
    AdminHooks hooks;
    hooks.facts = [this] {
        QJsonObject o{{"version", QCoreApplication::applicationVersion()},
                      {"uptime_s", double(m_up.elapsed() / 1000)},
                      {"devices_connected", m_gateway ? m_gateway->sessionCount() : 0},
                      {"tls", m_gateway && m_gateway->usesTls()},
                      {"data_dir", m_config.dataDir}};
        if (m_gateway && m_gateway->usesTls())
            o.insert("tls_sha256", m_gateway->tlsFingerprint());
        if (m_gateway)
            o.insert("port", m_gateway->port());
        if (m_cluster)
            o.insert("cluster",
                     QJsonObject{{"node_id", m_config.nodeId},
                                 {"nodes", QJsonArray::fromStringList(m_cluster->liveNodes())},
                                 {"bus_up", m_bus->isUp()}});
        o.insert("host", m_config.host.toString());
        // The tray app warns before the disk is full (media is refused then; messages flow as
        // long as the database can write).
        if (!m_config.dataDir.isEmpty()) {
            const QStorageInfo disk(m_config.dataDir);
            o.insert("disk_free_bytes", double(disk.bytesAvailable()));
            o.insert("disk_total_bytes", double(disk.bytesTotal()));
        }
        return o;
    };
    if (!m_config.dataDir.isEmpty()) {
        m_backups =
            new Backups(BackupOptions{m_config.dataDir, m_config.databaseConninfo,
                                      m_config.pgBinDir, QCoreApplication::applicationVersion(),
                                      Migrator::latestVersion(), m_config.backupCheckMs},
                        this);
        // A backup starts once no media collection runs; none starts while it runs (see
        // runMaintenance), so no blob the database snapshot refers to is deleted before it is
        // copied.
        m_backups->setMediaQuiesce([this](std::function<void()> ready) {
            if (m_collecting)
                m_collectWaiters.push_back(std::move(ready));
            else
                ready();
        });
    }
    hooks.backups = m_backups;
    hooks.userDeleted = [this](quint64 user, const std::vector<quint64> &conversations) {
        for (const quint64 c : conversations)
            m_membership->invalidate(c);
        m_directory->invalidateUser(user);
    };
    if (m_cluster) {
        // The other nodes apply the same (their sets of disabled users, their settings).
        hooks.userDisabled = [this](quint64 user, bool disabled) {
            wire::ClusterEvent e;
            if (disabled)
                e.set_user_disabled(user);
            else
                e.set_user_enabled(user);
            m_cluster->announce(std::move(e));
        };
        hooks.settingsChanged = [this] {
            wire::ClusterEvent e;
            e.set_settings_changed(true);
            m_cluster->announce(std::move(e));
        };
    }
    hooks.setRetentionDays = [this](int days) { m_config.retentionDays = days; };
    hooks.retentionDays = [this] { return m_config.retentionDays; };
    hooks.setMediaRetentionDays = [this](int days) {
        m_config.mediaRetentionDays = days;
        if (m_media)
            m_media->setLimits(m_config.mediaMaxBytes, m_config.mediaQuotaBytes, days);
    };
    hooks.mediaRetentionDays = [this] { return m_config.mediaRetentionDays; };
    m_adminService =
        std::make_unique<AdminService>(*m_adminStore, *m_accounts, *m_hasher, m_delivery,
                                       *m_metrics, *m_metricsHttp, std::move(hooks));
    if (!m_config.dataDir.isEmpty())
        m_adminSocket = new AdminSocket(*m_adminService, this, m_config.adminIdleMs);
    m_gateway->setHttp(m_http);
    if (m_cluster)
        setUpCluster();
    connect(m_maintenance, &QTimer::timeout, this, [this] { runMaintenance(); });
    connect(m_gateway, &Gateway::heartbeat, this, [this] {
        m_accounts->pruneRateLimits();
        m_revoked->prune(m_clock->elapsedMs());
        m_keys->pruneRateLimits();
        if (m_media)
            m_media->pruneRateLimits();
    });
}

Server::~Server() {
    stop();
    // Sessions call into the router and the services as they close; then the pool goes, with
    // the callbacks still queued on it, before the services those callbacks refer to.
    delete m_gateway;
    m_gateway = nullptr;
    // HTTP connections hold chunks of uploads (their files' locks) and refer to the media
    // service: they go before it.
    delete m_http;
    m_http = nullptr;
    delete m_metricsServer;
    m_metricsServer = nullptr;
    delete m_pool;
    m_pool = nullptr;
}

quint16 Server::metricsPort() const {
    return m_metricsServer ? m_metricsServer->serverPort() : 0;
}

quint16 Server::port() const {
    return m_gateway ? m_gateway->port() : 0;
}

void Server::start() {
    if (m_cluster)
        m_cluster->start();
    // Failures count only while starting: once serving, lost connections are retried with
    // backoff (requests fail with INTERNAL meanwhile and clients resend).
    auto fail = [this](const QString &msg) {
        if (m_failed || m_started)
            return;
        m_failed = true;
        emit failed(msg);
    };
    connect(m_admin, &PgConnection::connectionFailed, this,
            [fail](const QString &m) { fail(QStringLiteral("database: ") + m); });
    connect(m_admin, &PgConnection::connected, this, &Server::migrate, Qt::SingleShotConnection);
    m_admin->open();
}

void Server::migrate() {
    auto *migrator = new Migrator(m_admin, this);
    migrator->run([this, migrator](Result<QList<int>> r) {
        migrator->deleteLater();
        if (!r) {
            m_failed = true;
            emit failed(r.error().detail);
            return;
        }
        runMaintenance([this](Result<QStringList> m) {
            if (!m) {
                m_failed = true;
                emit failed(QStringLiteral("partition maintenance failed: ") + m.error().detail);
                return;
            }
            connect(m_pool, &PgPool::failed, this, [this](const QString &msg) {
                if (!m_failed && !m_started) {
                    m_failed = true;
                    emit failed(QStringLiteral("database: ") + msg);
                }
            });
            connect(m_pool, &PgPool::ready, this, &Server::loadSettings, Qt::SingleShotConnection);
            m_pool->open();
        });
    });
}

void Server::loadSettings() {
    m_adminService->loadSettings([this](Status s) {
        if (!s) {
            m_failed = true;
            emit failed(QStringLiteral("reading the settings failed: ") + s.error().detail);
            return;
        }
        startMedia();
    });
}

void Server::startMedia() {
    if (!m_media)
        return listen();
    m_media->start([this](Status s) {
        if (!s) {
            m_failed = true;
            emit failed(QStringLiteral("media store: ") + s.error().detail);
            return;
        }
        listen();
    });
}

void Server::listen() {
    QString error;
    if (!m_gateway->listen(m_config.host, m_config.port, &error)) {
        m_failed = true;
        emit failed(QStringLiteral("cannot listen on %1:%2: %3")
                        .arg(m_config.host.toString())
                        .arg(m_config.port)
                        .arg(error));
        return;
    }
    if (m_metricsServer &&
        !m_metricsServer->listen(m_config.metricsHost, quint16(m_config.metricsPort))) {
        m_failed = true;
        emit failed(QStringLiteral("cannot listen for metrics on %1:%2")
                        .arg(m_config.metricsHost.toString())
                        .arg(m_config.metricsPort));
        return;
    }
    if (m_adminSocket && !m_adminSocket->listen(m_config.dataDir, &error, m_config.adminGroup)) {
        m_failed = true;
        emit failed(QStringLiteral("admin API: ") + error);
        return;
    }
    m_started = true;
    m_maintenance->start(m_config.maintenanceIntervalMs);
    emit started(m_gateway->port());
}

Status Server::reloadTls() {
    return m_gateway ? m_gateway->reloadTls()
                     : Status(Error{ErrorCode::Internal, QStringLiteral("not started")});
}

QStringList Server::reloadConfig(const ServerConfig &fresh) {
    QStringList changes;
    const auto changed = [&changes](const char *name, auto before, auto after) {
        if (before == after)
            return false;
        changes << QStringLiteral("%1: %2 -> %3")
                       .arg(QLatin1String(name), QVariant::fromValue(before).toString(),
                            QVariant::fromValue(after).toString());
        return true;
    };
    const auto needsRestart = [&changes](const char *name, bool differs) {
        if (differs)
            changes << QStringLiteral("%1 changes at the next start").arg(QLatin1String(name));
    };
    needsRestart("listen", fresh.host != m_config.host || fresh.port != m_config.port);
    needsRestart("data-dir", fresh.dataDir != m_config.dataDir);
    needsRestart("pool-size", fresh.poolSize != m_config.poolSize);
    needsRestart("metrics", fresh.metricsOnMainPort != m_config.metricsOnMainPort ||
                                fresh.metricsPort != m_config.metricsPort);
    needsRestart("tls-cert/tls-key", fresh.tlsCertFile != m_config.tlsCertFile ||
                                         fresh.tlsKeyFile != m_config.tlsKeyFile);
    needsRestart("cheap-password-hashing",
                 fresh.cheapPasswordHashing != m_config.cheapPasswordHashing);

    // Retention and registration: the file's value is compared with the file's last one (the
    // running value may be the admin's); a setting the admin stored through the API stays.
    const auto ownSetting = [&](const char *name, const char *key, auto before, auto after) {
        if (!changed(name, before, after))
            return false;
        if (!m_adminService->isStored(QLatin1String(key)))
            return true;
        changes.last() +=
            QStringLiteral(" (not applied: the setting made with tidings-admin stays)");
        return false;
    };
    if (ownSetting("retention-days", "retention_days", m_fileConfig.retentionDays,
                   fresh.retentionDays))
        m_config.retentionDays = fresh.retentionDays;
    if (ownSetting("media-retention-days", "media_retention_days", m_fileConfig.mediaRetentionDays,
                   fresh.mediaRetentionDays))
        m_config.mediaRetentionDays = fresh.mediaRetentionDays;
    if (ownSetting("registration", "registration", m_fileConfig.registration, fresh.registration)) {
        m_config.registration = fresh.registration;
        m_accounts->setRegistration(registrationOf(fresh.registration));
    }
    const bool sizeChanged =
        changed("media-max-bytes", m_config.mediaMaxBytes, fresh.mediaMaxBytes);
    const bool quotaChanged =
        changed("media-quota-bytes", m_config.mediaQuotaBytes, fresh.mediaQuotaBytes);
    const bool media = sizeChanged || quotaChanged;
    if (media) {
        m_config.mediaMaxBytes = fresh.mediaMaxBytes;
        m_config.mediaQuotaBytes = fresh.mediaQuotaBytes;
        if (m_blobStore)
            m_blobStore->setMaxBlobSize(fresh.mediaMaxBytes);
    }
    if (m_media)
        m_media->setLimits(m_config.mediaMaxBytes, m_config.mediaQuotaBytes,
                           m_config.mediaRetentionDays);
    bool accounts = changed("registrations-per-hour", m_config.registrationsPerHour,
                            fresh.registrationsPerHour);
    accounts =
        changed("token-lifetime-days", m_config.tokenLifetimeDays, fresh.tokenLifetimeDays) ||
        accounts;
    if (accounts) {
        m_config.registrationsPerHour = fresh.registrationsPerHour;
        m_config.tokenLifetimeDays = fresh.tokenLifetimeDays;
        m_accounts->setPolicy(accountPolicy(m_config));
    }
    if (changed("connections-per-address", m_config.maxSessionsPerIp, fresh.maxSessionsPerIp)) {
        m_config.maxSessionsPerIp = fresh.maxSessionsPerIp;
        m_gateway->setMaxSessionsPerIp(fresh.maxSessionsPerIp);
    }
    if (changed("allow-unencrypted", m_config.allowUnencrypted, fresh.allowUnencrypted)) {
        m_config.allowUnencrypted = fresh.allowUnencrypted;
        m_messaging->setRefuseUnencrypted(!fresh.allowUnencrypted);
    }
    needsRestart("admin-group", fresh.adminGroup != m_fileConfig.adminGroup);
    m_fileConfig = fresh;
    return changes;
}

void Server::stop() {
    m_maintenance->stop();
    if (m_gateway)
        m_gateway->closeAll();
}

void Server::runMaintenance(std::function<void(Result<QStringList>)> done, int attempt) {
    const QByteArray t = QByteArray::number(m_clock->nowMs());
    // A session setting on the admin connection, which only migrations and maintenance use.
    const QByteArray sql = "SET lock_timeout = '" + QByteArray::number(kMaintenanceLockTimeoutMs) +
                           "ms';"
                           "SELECT tidings_ensure_partitions(to_timestamp(" +
                           t +
                           "::double precision / 1000), 3, 7);"
                           "SELECT * FROM tidings_drop_expired(to_timestamp(" +
                           t + "::double precision / 1000), " +
                           QByteArray::number(m_config.inboxDays) + ", " +
                           QByteArray::number(m_config.retentionDays) + ") AS dropped";
    m_admin->exec(PgQuery{sql, {}, {}}, [this, done, attempt](PgResult r) {
        // 55P03: lock_timeout expired; 40P01: chosen as a deadlock's victim. Either way the
        // whole statement rolled back, so trying again is safe.
        const QByteArray state = r.ok() ? QByteArray() : r.sqlState();
        if ((state == "55P03" || state == "40P01") && attempt < kMaintenanceAttempts) {
            qCDebug(lcServer) << "maintenance gave way to a lock, attempt" << attempt;
            QTimer::singleShot(kMaintenanceRetryMs, this,
                               [this, done, attempt] { runMaintenance(done, attempt + 1); });
            return;
        }
        if (!r.ok()) {
            qCWarning(lcServer) << "maintenance failed:" << r.error().detail;
            if (done)
                done(r.error());
            return;
        }
        QStringList dropped;
        const int cDropped = r.column("dropped");
        for (int i = 0; i < r.rows(); ++i)
            dropped << r.string(i, cDropped);
        if (!dropped.isEmpty())
            qCInfo(lcServer) << "dropped expired partitions:" << dropped;
        // Media expiry runs on the pool, which is open once the server serves.
        if (!m_media || !m_started || (m_backups && m_backups->running())) {
            if (done)
                done(dropped);
            return;
        }
        if (m_collecting) { // the last run's collection has not finished: it covers this one
            if (done)
                done(dropped);
            return;
        }
        m_collecting = true;
        m_media->collect([this, done, dropped](Result<MediaCollection> c) {
            m_collecting = false;
            for (auto &ready : std::exchange(m_collectWaiters, {}))
                ready();
            if (!c)
                qCWarning(lcServer) << "media expiry failed:" << c.error().detail;
            else if (c->uploads > 0 || c->blobs > 0)
                qCInfo(lcServer) << "media expiry removed" << c->uploads << "unfinished uploads and"
                                 << c->blobs << "blobs";
            if (done)
                done(dropped);
        });
    });
}

} // namespace tidings::server
