#pragma once
// The whole server as one object and its composition root: the database pool, migrations and
// partition maintenance, the stores, caches and services, the router and the WebSocket gateway.
// tidingsd's main only builds a ServerConfig and this; the integration tests run exactly the same
// object in-process.
#include "core/server_config.h"
#include "protocol/result.h"

#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>

class QTimer;

namespace tidings::server {

class Clock;
class PgPool;
class PgConnection;
class LocalRouter;
class Membership;
class DeviceDirectory;
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

    MessagingService *messaging() const { return m_messaging.get(); }
    Gateway *gateway() const { return m_gateway; }

signals:
    void started(quint16 port);
    void failed(const QString &message);

private:
    void migrate();
    void listen();

    ServerConfig m_config;
    std::unique_ptr<Clock> m_clock;
    PgConnection *m_admin;
    PgPool *m_pool;
    std::unique_ptr<LocalRouter> m_router;
    // Stores, caches and services, in dependency order (destroyed in reverse).
    std::unique_ptr<PgAccountStore> m_accountStore;
    std::unique_ptr<PgMessageStore> m_messageStore;
    std::unique_ptr<PgGroupStore> m_groupStore;
    std::unique_ptr<PgPresenceStore> m_presenceStore;
    std::unique_ptr<PgContactStore> m_contactStore;
    std::unique_ptr<PgKeyStore> m_keyStore;
    std::unique_ptr<PgProfileStore> m_profileStore;
    std::unique_ptr<Membership> m_membership;
    std::unique_ptr<DeviceDirectory> m_directory;
    Argon2Hasher *m_hasher;
    std::unique_ptr<KeyService> m_keys;
    std::unique_ptr<AccountService> m_accounts;
    std::unique_ptr<MessagingService> m_messaging;
    std::unique_ptr<GroupService> m_groups;
    std::unique_ptr<PresenceService> m_presence;
    std::unique_ptr<ContactService> m_contacts;
    std::unique_ptr<ProfileService> m_profiles;
    Gateway *m_gateway;
    QTimer *m_maintenance;
    bool m_failed = false;
    bool m_started = false;
};

} // namespace tidings::server
