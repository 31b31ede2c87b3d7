#include "server.h"

#include "core/clock.h"
#include "core/logging.h"
#include "db/migrator.h"
#include "db/pg_connection.h"
#include "gateway/gateway.h"
#include "routing/local_router.h"
#include "services/accounts/account_service.h"
#include "services/accounts/password_hasher.h"
#include "services/accounts/pg_account_store.h"
#include "services/common/device_directory.h"
#include "services/common/membership.h"
#include "services/contacts/contact_service.h"
#include "services/contacts/pg_contact_store.h"
#include "services/groups/group_service.h"
#include "services/groups/pg_group_store.h"
#include "services/keys/key_service.h"
#include "services/keys/pg_key_store.h"
#include "services/messaging/messaging_service.h"
#include "services/messaging/pg_message_store.h"
#include "services/presence/pg_presence_store.h"
#include "services/presence/presence_service.h"
#include "services/profiles/pg_profile_store.h"
#include "services/profiles/profile_service.h"

#include <QTimer>

static void initResources() {
    Q_INIT_RESOURCE(migrations);
}

namespace tidings::server {

namespace {

std::unique_ptr<Clock> makeClock(const ServerConfig &config) {
    if (config.clock)
        return std::make_unique<FunctionClock>(config.clock);
    return std::make_unique<SystemClock>();
}

} // namespace

Server::Server(ServerConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_clock(makeClock(m_config))
    , m_admin(new PgConnection(m_config.databaseConninfo, false, this))
    , m_pool(new PgPool(m_config.databaseConninfo, m_config.poolSize, this))
    , m_router(std::make_unique<LocalRouter>())
    , m_accountStore(std::make_unique<PgAccountStore>(*m_pool))
    , m_messageStore(std::make_unique<PgMessageStore>(*m_pool))
    , m_groupStore(std::make_unique<PgGroupStore>(*m_pool))
    , m_presenceStore(std::make_unique<PgPresenceStore>(*m_pool))
    , m_contactStore(std::make_unique<PgContactStore>(*m_pool))
    , m_keyStore(std::make_unique<PgKeyStore>(*m_pool))
    , m_profileStore(std::make_unique<PgProfileStore>(*m_pool))
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
    , m_hasher(new Argon2Hasher(m_config.cheapPasswordHashing, this))
    , m_keys(std::make_unique<KeyService>(*m_keyStore, *m_directory, *m_router, *m_clock))
    , m_accounts(std::make_unique<AccountService>(
          *m_accountStore, *m_hasher, *m_router, *m_clock, m_config.loginFailuresPerMinute,
          [keys = m_keys.get()](quint64 user, quint64 device) {
              keys->deviceRevoked(user, device);
          }))
    , m_messaging(std::make_unique<MessagingService>(*m_messageStore, *m_membership, *m_directory,
                                                     *m_router, *m_clock))
    , m_groups(std::make_unique<GroupService>(*m_groupStore, *m_membership, *m_router, *m_clock))
    , m_presence(
          std::make_unique<PresenceService>(*m_presenceStore, *m_membership, *m_router, *m_clock))
    , m_contacts(std::make_unique<ContactService>(
          *m_contactStore,
          [presence = m_presence.get()](quint64 user) { presence->refresh(user); }))
    , m_profiles(std::make_unique<ProfileService>(*m_profileStore))
    , m_gateway(
          new Gateway(m_config, *m_clock, *m_router,
                      Services{m_accounts.get(), m_messaging.get(), m_groups.get(),
                               m_presence.get(), m_contacts.get(), m_keys.get(), m_profiles.get()},
                      this))
    , m_maintenance(new QTimer(this)) {
    initResources();
    connect(m_maintenance, &QTimer::timeout, this, [this] { runMaintenance(); });
    connect(m_gateway, &Gateway::heartbeat, this, [this] {
        m_accounts->pruneRateLimits();
        m_keys->pruneRateLimits();
    });
}

Server::~Server() {
    stop();
    // Sessions call into the router and the services as they close; then the pool goes, with
    // the callbacks still queued on it, before the services those callbacks refer to.
    delete m_gateway;
    m_gateway = nullptr;
    delete m_pool;
    m_pool = nullptr;
}

quint16 Server::port() const {
    return m_gateway ? m_gateway->port() : 0;
}

void Server::start() {
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
            connect(m_pool, &PgPool::ready, this, &Server::listen, Qt::SingleShotConnection);
            m_pool->open();
        });
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
    m_started = true;
    m_maintenance->start(m_config.maintenanceIntervalMs);
    emit started(m_gateway->port());
}

void Server::stop() {
    m_maintenance->stop();
    if (m_gateway)
        m_gateway->closeAll();
}

void Server::runMaintenance(std::function<void(Result<QStringList>)> done) {
    const QByteArray t = QByteArray::number(m_clock->nowMs());
    const QByteArray sql = "SELECT tidings_ensure_partitions(to_timestamp(" + t +
                           "::double precision / 1000), 3, 7);"
                           "SELECT * FROM tidings_drop_expired(to_timestamp(" +
                           t + "::double precision / 1000), " +
                           QByteArray::number(m_config.inboxDays) + ", " +
                           QByteArray::number(m_config.retentionDays) + ") AS dropped";
    m_admin->exec(PgQuery{sql, {}, {}}, [done](PgResult r) {
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
        if (done)
            done(dropped);
    });
}

} // namespace tidings::server
