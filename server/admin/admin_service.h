#pragma once
// The admin API's commands (issue 13; docs/OPERATIONS.md, "The admin API"): the server's status,
// users (list, create, disable, enable, reset the password, delete), invite codes, and the
// settings an admin changes at run time (registration policy, history retention). Reached only
// through AdminSocket (admin_socket.h), never from the public listener. Each command takes a JSON
// object and answers a JSON value or a typed Error.
//
// Settings changed here are stored in the database (server_settings) and win over the config
// file's values from then on, also after a restart: the file gives the first value.
#include "protocol/result.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QJsonValue>
#include <QSet>
#include <QString>

#include <deque>
#include <functional>
#include <memory>

class QTimer;

namespace tidings::server {

class AccountService;
class Backups;
class Delivery;
class Metrics;
class MetricsHttp;
class PasswordHasher;
class PgAdminStore;
enum class Registration;

struct AdminHooks {
    //! The server's own facts for `status` (version, listen address, TLS fingerprint).
    std::function<QJsonObject()> facts;
    //! History retention changed (days; 0 keeps history forever).
    std::function<void(int days)> setRetentionDays;
    std::function<int()> retentionDays;
    //! Media retention changed (days since a blob was last sent; 0 keeps it while reachable).
    std::function<void(int days)> setMediaRetentionDays;
    std::function<int()> mediaRetentionDays;
    //! An account was deleted: its conversations' cached member lists and its cached devices
    //! are stale.
    std::function<void(quint64 userId, const std::vector<quint64> &conversations)> userDeleted;
    //! After the commit of a disable/enable, and of changed settings: a cluster tells its other
    //! nodes (which then apply the same, or read the settings again).
    std::function<void(quint64 userId, bool disabled)> userDisabled;
    std::function<void()> settingsChanged;
    //! Online backups; null without a data directory.
    Backups *backups = nullptr;
};

class AdminService {
public:
    using Answer = std::function<void(Result<QJsonValue>)>;

    AdminService(PgAdminStore &store, AccountService &accounts, PasswordHasher &hasher,
                 Delivery &delivery, Metrics &metrics, MetricsHttp &storage, AdminHooks hooks);
    ~AdminService();

    //! Reads the stored settings and applies them (at start, after migrations).
    void loadSettings(std::function<void(Status)> done);
    //! Runs `command` ("status", "users.list", ...) with `args`; `done` gets the answer.
    void call(const QString &command, const QJsonObject &args, Answer done);

    static QString registrationName(Registration r);
    //! Whether the admin stored `key` (e.g. "retention_days") through the API: the config
    //! file's value then no longer applies.
    bool isStored(const QString &key) const { return m_stored.contains(key); }

private:
    void status(Answer done);
    void listUsers(const QJsonObject &args, Answer done);
    void createUser(const QJsonObject &args, Answer done);
    void setDisabled(const QJsonObject &args, bool disabled, Answer done);
    void resetPassword(const QJsonObject &args, Answer done);
    void deleteUser(const QJsonObject &args, Answer done);
    void createInvite(const QJsonObject &args, Answer done);
    void listInvites(Answer done);
    void revokeInvite(const QJsonObject &args, Answer done);
    QJsonObject settingsObject() const;
    void setSettings(const QJsonObject &args, Answer done);
    void backupCommand(const QString &command, Answer done);
    void sample();

    PgAdminStore &m_store;
    AccountService &m_accounts;
    PasswordHasher &m_hasher;
    Delivery &m_delivery;
    Metrics &m_metrics;
    MetricsHttp &m_storage;
    AdminHooks m_hooks;
    QSet<QString> m_stored; //!< the settings' keys in server_settings
    //! (ms since start, messages stored) every few seconds over the last minute: the rate.
    std::deque<std::pair<qint64, quint64>> m_samples;
    QElapsedTimer m_clock;
    std::unique_ptr<QTimer> m_sampler;
};

} // namespace tidings::server
