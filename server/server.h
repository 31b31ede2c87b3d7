#pragma once
// The whole server as one object: database pool, migrations, partition maintenance, services
// and the WebSocket gateway. tidingsd's main only builds a ServerConfig and this; the
// integration tests run exactly the same object in-process.
#include "protocol/result.h"
#include "server_config.h"

#include <QObject>
#include <QStringList>

#include <functional>

class QTimer;

namespace tidings::server {

class PgPool;
class PgConnection;
class Router;
class AccountService;
class MessagingService;
class GroupService;
class PresenceService;
class ContactService;
class Membership;
class DeviceDirectory;
class KeyService;
class ProfileService;
class Gateway;

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

    //! Creates partitions ahead and drops expired ones (inbox after 30 days, history after the
    //! retention period). Runs at start and every maintenanceIntervalMs.
    void runMaintenance(std::function<void(Result<QStringList>)> done = {});

    MessagingService *messaging() const { return m_messaging; }
    Gateway *gateway() const { return m_gateway; }

signals:
    void started(quint16 port);
    void failed(const QString &message);

private:
    void migrate();
    void listen();

    ServerConfig m_config;
    PgConnection *m_admin;
    PgPool *m_pool;
    Router *m_router;
    Membership *m_membership;
    DeviceDirectory *m_directory;
    AccountService *m_accounts;
    MessagingService *m_messaging;
    GroupService *m_groups;
    PresenceService *m_presence;
    ContactService *m_contacts;
    KeyService *m_keys;
    ProfileService *m_profiles;
    Gateway *m_gateway;
    QTimer *m_maintenance;
    bool m_failed = false;
    bool m_started = false;
};

} // namespace tidings::server
