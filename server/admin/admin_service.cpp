#include "admin/admin_service.h"

#include "admin/backups.h"
#include "admin/pg_admin_store.h"
#include "core/logging.h"
#include "core/metrics.h"
#include "gateway/metrics_http.h"
#include "protocol/codec.h"
#include "protocol/limits.h"
#include "routing/delivery.h"
#include "services/accounts/account_service.h"
#include "services/accounts/password_hasher.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTimer>

#include <cmath>
#include <limits>

#include <sodium.h>

namespace tidings::server {

namespace {

constexpr int kSampleMs = 5000;
constexpr std::size_t kSamples = 13; //!< one minute of kSampleMs samples
constexpr int kMaxListLimit = 1000;
constexpr int kMaxInviteUses = 1000;
constexpr int kMaxInviteDays = 365;

Error usage(const QString &what) {
    return Error{ErrorCode::Usage, what};
}

Error noSuchUser(const QString &username) {
    return Error{ErrorCode::NoSuchUser, QStringLiteral("there is no user %1").arg(username)};
}

//! A required username argument in canonical form; an error when missing or not a username.
Result<QString> usernameArg(const QJsonObject &args) {
    const QString name = protocol::normalizeUsername(args.value("username").toString());
    if (name.isEmpty())
        return usage(QStringLiteral("a username is needed"));
    if (!protocol::isValidUsername(name))
        return Error{ErrorCode::InvalidUsername,
                     QStringLiteral("usernames are 3-32 characters: a letter, then letters, "
                                    "digits, '_', '.' or '-'")};
    return name;
}

Result<QByteArray> passwordArg(const QJsonObject &args) {
    const QByteArray pw = args.value("password").toString().toUtf8();
    if (pw.size() < limits::kMinPasswordBytes)
        return Error{ErrorCode::WeakPassword, QStringLiteral("passwords need at least 8 bytes")};
    if (pw.size() > limits::kMaxPasswordBytes)
        return Error{ErrorCode::TooLarge, QStringLiteral("password longer than 1024 bytes")};
    return pw;
}

//! An optional integer argument within [min, max]; `fallback` when absent.
Result<int> intArg(const QJsonObject &args, const char *name, int fallback, int min, int max) {
    const QJsonValue v = args.value(QLatin1String(name));
    if (v.isUndefined() || v.isNull())
        return fallback;
    const double d = v.toDouble(-1e300);
    if (!v.isDouble() || d < min || d > max || d != std::floor(d))
        return usage(QStringLiteral("%1 wants a whole number from %2 to %3")
                         .arg(QLatin1String(name))
                         .arg(min)
                         .arg(max));
    return int(d);
}

//! 16 characters without look-alikes (no I, L, O, U, 0, 1), in groups of four.
QString newInviteCode() {
    static constexpr char kAlphabet[] = "ABCDEFGHJKMNPQRSTVWXYZ23456789";
    QString code;
    for (int i = 0; i < 16; ++i) {
        if (i && i % 4 == 0)
            code += QLatin1Char('-');
        code += QLatin1Char(kAlphabet[randombytes_uniform(sizeof(kAlphabet) - 1)]);
    }
    return code;
}

std::optional<Registration> registrationFrom(const QString &name) {
    if (name == QLatin1String("open"))
        return Registration::Open;
    if (name == QLatin1String("invite"))
        return Registration::Invite;
    if (name == QLatin1String("closed"))
        return Registration::Closed;
    return std::nullopt;
}

} // namespace

AdminService::AdminService(PgAdminStore &store, AccountService &accounts, PasswordHasher &hasher,
                           Delivery &delivery, Metrics &metrics, MetricsHttp &storage,
                           AdminHooks hooks)
    : m_store(store)
    , m_accounts(accounts)
    , m_hasher(hasher)
    , m_delivery(delivery)
    , m_metrics(metrics)
    , m_storage(storage)
    , m_hooks(std::move(hooks))
    , m_sampler(std::make_unique<QTimer>()) {
    m_clock.start();
    sample();
    QObject::connect(m_sampler.get(), &QTimer::timeout, [this] { sample(); });
    m_sampler->start(kSampleMs);
}

AdminService::~AdminService() = default;

QString AdminService::registrationName(Registration r) {
    switch (r) {
    case Registration::Open:
        return QStringLiteral("open");
    case Registration::Invite:
        return QStringLiteral("invite");
    case Registration::Closed:
        return QStringLiteral("closed");
    }
    return {};
}

void AdminService::sample() {
    m_samples.emplace_back(m_clock.elapsed(), m_metrics.messagesStoredTotal());
    while (m_samples.size() > kSamples)
        m_samples.pop_front();
}

void AdminService::loadSettings(std::function<void(Status)> done) {
    m_store.settings([this, done](Result<QHash<QString, QString>> r) {
        if (!r)
            return done(r.error());
        m_stored.clear();
        for (auto it = r->constBegin(); it != r->constEnd(); ++it)
            m_stored.insert(it.key());
        // A value this server cannot read (written by a newer one) keeps the current setting.
        if (const auto reg = registrationFrom(r->value(QStringLiteral("registration"))))
            m_accounts.setRegistration(*reg);
        bool ok = false;
        const int days = r->value(QStringLiteral("retention_days")).toInt(&ok);
        if (ok && days >= 0 && m_hooks.setRetentionDays)
            m_hooks.setRetentionDays(days);
        const int mediaDays = r->value(QStringLiteral("media_retention_days")).toInt(&ok);
        if (ok && mediaDays >= 0 && m_hooks.setMediaRetentionDays)
            m_hooks.setMediaRetentionDays(mediaDays);
        if (m_hooks.backups) {
            bool hourOk = false, keepOk = false;
            const int hour = r->value(QStringLiteral("backup_hour")).toInt(&hourOk);
            const int keep = r->value(QStringLiteral("backup_keep")).toInt(&keepOk);
            m_hooks.backups->setSchedule(hourOk && hour >= -1 && hour <= 23 ? hour : -1,
                                         keepOk && keep >= 1 ? keep : Backups::kDefaultKeep);
        }
        done(Status{});
    });
}

void AdminService::call(const QString &command, const QJsonObject &args, Answer done) {
    if (command == QLatin1String("status"))
        return status(std::move(done));
    if (command == QLatin1String("users.list"))
        return listUsers(args, std::move(done));
    if (command == QLatin1String("users.create"))
        return createUser(args, std::move(done));
    if (command == QLatin1String("users.disable"))
        return setDisabled(args, true, std::move(done));
    if (command == QLatin1String("users.enable"))
        return setDisabled(args, false, std::move(done));
    if (command == QLatin1String("users.reset_password"))
        return resetPassword(args, std::move(done));
    if (command == QLatin1String("users.delete"))
        return deleteUser(args, std::move(done));
    if (command == QLatin1String("invites.create"))
        return createInvite(args, std::move(done));
    if (command == QLatin1String("invites.list"))
        return listInvites(std::move(done));
    if (command == QLatin1String("invites.revoke"))
        return revokeInvite(args, std::move(done));
    if (command == QLatin1String("settings.get"))
        return done(QJsonValue(settingsObject()));
    if (command == QLatin1String("settings.set"))
        return setSettings(args, std::move(done));
    if (command == QLatin1String("backup.create") || command == QLatin1String("backup.status") ||
        command == QLatin1String("backups.list"))
        return backupCommand(command, std::move(done));
    done(usage(QStringLiteral("unknown command \"%1\"").arg(command.left(64))));
}

void AdminService::status(Answer done) {
    m_storage.withStorage([this, done](const StorageFigures &s) {
        QJsonObject o = m_hooks.facts ? m_hooks.facts() : QJsonObject{};
        sample();
        const auto &[t0, n0] = m_samples.front();
        const auto &[t1, n1] = m_samples.back();
        const double rate = t1 > t0 ? double(n1 - n0) * 1000.0 / double(t1 - t0) : 0.0;
        o.insert("messages_stored_total", double(m_metrics.messagesStoredTotal()));
        o.insert("messages_delivered_total", double(m_metrics.messagesDeliveredTotal()));
        o.insert("messages_per_second", std::round(rate * 10.0) / 10.0);
        o.insert("errors_total", double(m_metrics.errorsTotal()));
        o.insert("storage_known", s.known);
        o.insert("database_bytes", s.databaseBytes);
        o.insert("media_bytes", s.mediaBytes);
        o.insert("users", s.users);
        o.insert("inbox_backlog", s.inboxBacklog);
        const QJsonObject settings = settingsObject();
        for (auto it = settings.constBegin(); it != settings.constEnd(); ++it)
            o.insert(it.key(), it.value());
        done(QJsonValue(o));
    });
}

void AdminService::listUsers(const QJsonObject &args, Answer done) {
    const auto limit = intArg(args, "limit", 100, 1, kMaxListLimit);
    const auto offset = intArg(args, "offset", 0, 0, std::numeric_limits<int>::max());
    if (!limit || !offset)
        return done(!limit ? limit.error() : offset.error());
    const QString search = args.value("search").toString().left(64);
    m_store.users(search, *limit, *offset, [this, done](Result<std::vector<AdminUser>> r) {
        if (!r)
            return done(r.error());
        QJsonArray out;
        for (const AdminUser &u : *r) {
            out.append(QJsonObject{
                {"id", double(u.id)},
                {"username", u.username},
                {"display_name", u.displayName},
                {"created_ms", double(u.createdMs)},
                {"disabled", u.disabled},
                {"devices", u.devices},
                {"last_seen_ms", double(u.lastSeenMs)},
                {"online", !m_delivery.connectedDevices(u.id).isEmpty()},
            });
        }
        done(QJsonValue(out));
    });
}

void AdminService::createUser(const QJsonObject &args, Answer done) {
    const auto name = usernameArg(args);
    if (!name)
        return done(name.error());
    const auto pw = passwordArg(args);
    if (!pw)
        return done(pw.error());
    const QString display = args.value("display_name").toString();
    if (display.toUtf8().size() > limits::kMaxDisplayNameBytes)
        return done(
            Error{ErrorCode::TooLarge, QStringLiteral("display name longer than 64 bytes")});
    const QString username = *name;
    m_hasher.hash(*pw, [this, done, username, display](QByteArray hash) {
        if (hash.isEmpty())
            return done(Error{ErrorCode::Internal, QStringLiteral("hashing failed")});
        m_store.createUser(
            username, display, hash, [done, username](Result<std::optional<quint64>> r) {
                if (!r)
                    return done(r.error());
                if (!*r)
                    return done(Error{ErrorCode::UsernameTaken,
                                      QStringLiteral("the username %1 is taken").arg(username)});
                qCInfo(lcAccounts) << "admin created user" << **r;
                done(QJsonValue(QJsonObject{{"id", double(**r)}, {"username", username}}));
            });
    });
}

void AdminService::setDisabled(const QJsonObject &args, bool disabled, Answer done) {
    const auto name = usernameArg(args);
    if (!name)
        return done(name.error());
    const QString username = *name;
    if (disabled)
        m_accounts.credentialsChanging(username);
    m_store.setDisabled(
        username, disabled, [this, done, username, disabled](Result<std::optional<quint64>> r) {
            if (!r)
                return done(r.error());
            if (!*r)
                return done(noSuchUser(username));
            // After the commit: a connection authenticating meanwhile is
            // refused by the service's own set.
            m_accounts.setUserDisabled(**r, disabled);
            if (m_hooks.userDisabled)
                m_hooks.userDisabled(**r, disabled);
            qCInfo(lcAccounts) << "admin" << (disabled ? "disabled" : "enabled") << "user" << **r;
            done(QJsonValue(QJsonObject{{"username", username}, {"disabled", disabled}}));
        });
}

void AdminService::resetPassword(const QJsonObject &args, Answer done) {
    const auto name = usernameArg(args);
    if (!name)
        return done(name.error());
    const auto pw = passwordArg(args);
    if (!pw)
        return done(pw.error());
    const QString username = *name;
    m_hasher.hash(*pw, [this, done, username](QByteArray hash) {
        if (hash.isEmpty())
            return done(Error{ErrorCode::Internal, QStringLiteral("hashing failed")});
        m_accounts.credentialsChanging(username);
        m_store.resetPassword(
            username, hash, [this, done, username](Result<std::optional<LoggedOut>> r) {
                if (!r)
                    return done(r.error());
                if (!*r)
                    return done(noSuchUser(username));
                m_accounts.cutOff((*r)->userId, (*r)->devices,
                                  QStringLiteral("the server's admin reset this account's "
                                                 "password; log in again"));
                qCInfo(lcAccounts) << "admin reset the password of user" << (*r)->userId;
                done(QJsonValue(QJsonObject{{"username", username},
                                            {"devices_logged_out", int((*r)->devices.size())}}));
            });
    });
}

void AdminService::deleteUser(const QJsonObject &args, Answer done) {
    const auto name = usernameArg(args);
    if (!name)
        return done(name.error());
    const QString username = *name;
    m_accounts.credentialsChanging(username);
    m_store.deleteUser(username, [this, done, username](Result<std::optional<LoggedOut>> r) {
        if (!r)
            return done(r.error());
        if (!*r)
            return done(noSuchUser(username));
        m_accounts.cutOff((*r)->userId, (*r)->devices,
                          QStringLiteral("this account was deleted by the server's admin"));
        if (m_hooks.userDeleted)
            m_hooks.userDeleted((*r)->userId, (*r)->conversations);
        qCInfo(lcAccounts) << "admin deleted user" << (*r)->userId;
        done(QJsonValue(QJsonObject{{"username", username},
                                    {"devices_logged_out", int((*r)->devices.size())}}));
    });
}

void AdminService::createInvite(const QJsonObject &args, Answer done) {
    const auto uses = intArg(args, "uses", 1, 1, kMaxInviteUses);
    const auto days = intArg(args, "days", 7, 1, kMaxInviteDays);
    if (!uses || !days)
        return done(!uses ? uses.error() : days.error());
    const QString note = args.value("note").toString().left(200);
    const QString code = newInviteCode();
    const qint64 expires = QDateTime::currentMSecsSinceEpoch() + qint64(*days) * 24 * 3600 * 1000;
    m_store.createInvite(AccountService::inviteHash(code), note, *uses, expires,
                         [done, code, expires, uses = *uses, note](Result<quint64> r) {
                             if (!r)
                                 return done(r.error());
                             done(QJsonValue(QJsonObject{{"id", double(*r)},
                                                         {"code", code},
                                                         {"uses", uses},
                                                         {"note", note},
                                                         {"expires_ms", double(expires)}}));
                         });
}

void AdminService::listInvites(Answer done) {
    m_store.invites([done](Result<std::vector<InviteRow>> r) {
        if (!r)
            return done(r.error());
        QJsonArray out;
        for (const InviteRow &i : *r)
            out.append(QJsonObject{{"id", double(i.id)},
                                   {"note", i.note},
                                   {"uses_left", i.usesLeft},
                                   {"created_ms", double(i.createdMs)},
                                   {"expires_ms", double(i.expiresMs)}});
        done(QJsonValue(out));
    });
}

void AdminService::revokeInvite(const QJsonObject &args, Answer done) {
    const auto id = intArg(args, "id", 0, 1, std::numeric_limits<int>::max());
    if (!id || *id == 0)
        return done(!id ? id.error() : usage(QStringLiteral("an invite id is needed")));
    m_store.revokeInvite(quint64(*id), [done, id = *id](Result<bool> r) {
        if (!r)
            return done(r.error());
        if (!*r)
            return done(usage(QStringLiteral("there is no invite %1").arg(id)));
        done(QJsonValue(QJsonObject{{"id", id}, {"revoked", true}}));
    });
}

QJsonObject AdminService::settingsObject() const {
    QJsonObject o{
        {"registration", registrationName(m_accounts.registration())},
        {"retention_days", m_hooks.retentionDays ? m_hooks.retentionDays() : 0},
        {"media_retention_days", m_hooks.mediaRetentionDays ? m_hooks.mediaRetentionDays() : 0},
    };
    if (m_hooks.backups) {
        o.insert("backup_hour", m_hooks.backups->scheduleHour());
        o.insert("backup_keep", m_hooks.backups->keep());
    }
    return o;
}

void AdminService::backupCommand(const QString &command, Answer done) {
    Backups *b = m_hooks.backups;
    if (!b)
        return done(usage(QStringLiteral("this server has no data directory to back up into")));
    if (command == QLatin1String("backups.list"))
        return done(QJsonValue(b->list()));
    if (command == QLatin1String("backup.create")) {
        if (auto s = b->start(); !s)
            return done(s.error());
        qCInfo(lcAccounts) << "admin started a backup";
    }
    done(QJsonValue(b->status()));
}

void AdminService::setSettings(const QJsonObject &args, Answer done) {
    // Everything is checked before anything is stored: a bad value changes nothing.
    static const QStringList kKeys{"registration", "retention_days", "media_retention_days",
                                   "backup_hour", "backup_keep"};
    for (auto it = args.constBegin(); it != args.constEnd(); ++it) {
        if (!kKeys.contains(it.key()))
            return done(usage(QStringLiteral("unknown setting \"%1\" (%2)")
                                  .arg(it.key().left(64), kKeys.join(QStringLiteral(", ")))));
    }
    std::optional<Registration> reg;
    if (args.contains("registration")) {
        reg = registrationFrom(args.value("registration").toString());
        if (!reg)
            return done(usage(QStringLiteral("registration is open, invite or closed")));
    }
    std::optional<int> days;
    if (args.contains("retention_days")) {
        const auto d = intArg(args, "retention_days", 0, 0, 36500);
        if (!d)
            return done(d.error());
        days = *d;
    }
    std::optional<int> mediaDays;
    if (args.contains("media_retention_days")) {
        const auto d = intArg(args, "media_retention_days", 0, 0, 36500);
        if (!d)
            return done(d.error());
        mediaDays = *d;
    }
    std::optional<int> hour, keep;
    if (args.contains("backup_hour") || args.contains("backup_keep")) {
        if (!m_hooks.backups)
            return done(usage(QStringLiteral("this server has no data directory to back up into")));
        const auto h = intArg(args, "backup_hour", m_hooks.backups->scheduleHour(), -1, 23);
        if (!h)
            return done(h.error());
        const auto k = intArg(args, "backup_keep", m_hooks.backups->keep(), 1, Backups::kMaxKeep);
        if (!k)
            return done(k.error());
        hour = *h;
        keep = *k;
    }
    if (!reg && !days && !mediaDays && !hour)
        return done(usage(QStringLiteral("nothing to set (%1)").arg(kKeys.join(", "))));
    // Stored first in one statement, applied once stored: a failed write leaves the server and
    // the database as they were.
    QList<std::pair<QString, QString>> values;
    if (reg)
        values.append({QStringLiteral("registration"), registrationName(*reg)});
    if (days)
        values.append({QStringLiteral("retention_days"), QString::number(*days)});
    if (mediaDays)
        values.append({QStringLiteral("media_retention_days"), QString::number(*mediaDays)});
    if (hour) {
        values.append({QStringLiteral("backup_hour"), QString::number(*hour)});
        values.append({QStringLiteral("backup_keep"), QString::number(*keep)});
    }
    m_store.setSettings(values,
                        [this, done, values, reg, days, mediaDays, hour, keep](Result<bool> r) {
                            if (!r)
                                return done(r.error());
                            for (const auto &[key, value] : values)
                                m_stored.insert(key);
                            if (reg)
                                m_accounts.setRegistration(*reg);
                            if (days && m_hooks.setRetentionDays)
                                m_hooks.setRetentionDays(*days);
                            if (mediaDays && m_hooks.setMediaRetentionDays)
                                m_hooks.setMediaRetentionDays(*mediaDays);
                            if (hour)
                                m_hooks.backups->setSchedule(*hour, *keep);
                            if (m_hooks.settingsChanged)
                                m_hooks.settingsChanged();
                            qCInfo(lcAccounts) << "admin changed the settings";
                            done(QJsonValue(settingsObject()));
                        });
}

} // namespace tidings::server
