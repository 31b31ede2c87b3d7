#include "server.h"

#include "db/migrator.h"
#include "db/pg_connection.h"
#include "gateway/gateway.h"
#include "routing/router.h"
#include "server_logging.h"
#include "services/accounts.h"
#include "services/contacts.h"
#include "services/device_directory.h"
#include "services/groups.h"
#include "services/keys.h"
#include "services/membership.h"
#include "services/messaging.h"
#include "services/presence.h"
#include "services/profiles.h"

#include <QDateTime>
#include <QTimer>

static void initResources() {
    Q_INIT_RESOURCE(migrations);
}

namespace tidings::server {

Server::Server(ServerConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_admin(new PgConnection(m_config.databaseConninfo, false, this))
    , m_pool(new PgPool(m_config.databaseConninfo, m_config.poolSize, this))
    , m_router(new Router)
    , m_membership(new Membership(m_pool))
    , m_directory(new DeviceDirectory(m_pool))
    , m_accounts(new AccountService(m_config, m_pool, m_router, this))
    , m_messaging(new MessagingService(m_config, m_pool, m_router, m_membership, m_directory, this))
    , m_groups(new GroupService(m_config, m_pool, m_router, m_membership, this))
    , m_presence(new PresenceService(m_config, m_pool, m_router, m_membership, this))
    , m_contacts(new ContactService(m_pool, m_presence, this))
    , m_keys(new KeyService(m_config, m_pool, m_router, m_directory, this))
    , m_profiles(new ProfileService(m_pool, this))
    , m_gateway(new Gateway(
          m_config, m_router,
          Services{m_accounts, m_messaging, m_groups, m_presence, m_contacts, m_keys, m_profiles},
          this))
    , m_maintenance(new QTimer(this)) {
    initResources();
    connect(m_maintenance, &QTimer::timeout, this, [this] { runMaintenance(); });
    connect(m_accounts, &AccountService::deviceRevoked, m_keys, &KeyService::deviceRevoked);
}

Server::~Server() {
    stop();
    delete m_gateway; // sessions refer to the router and the services
    m_gateway = nullptr;
    delete m_router;
    delete m_membership;
    delete m_directory;
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
    const QByteArray t = QByteArray::number(m_config.nowMs());
    const QByteArray sql = "SELECT tidings_ensure_partitions(to_timestamp(" + t +
                           "::double precision / 1000), 3, 7);"
                           "SELECT * FROM tidings_drop_expired(to_timestamp(" +
                           t + "::double precision / 1000), " +
                           QByteArray::number(m_config.inboxDays) + ", " +
                           QByteArray::number(m_config.retentionDays) + ")";
    m_admin->exec(PgQuery{sql, {}, {}}, [done](PgResult r) {
        if (!r.ok()) {
            qCWarning(lcServer) << "maintenance failed:" << r.error().detail;
            if (done)
                done(r.error());
            return;
        }
        QStringList dropped;
        for (int i = 0; i < r.rows(); ++i)
            dropped << r.string(i, 0);
        if (!dropped.isEmpty())
            qCInfo(lcServer) << "dropped expired partitions:" << dropped;
        if (done)
            done(dropped);
    });
}

} // namespace tidings::server
