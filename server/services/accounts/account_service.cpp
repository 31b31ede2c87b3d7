#include "services/accounts/account_service.h"

#include "core/clock.h"
#include "core/logging.h"
#include "protocol/codec.h"
#include "protocol/limits.h"
#include "routing/delivery.h"
#include "services/accounts/password_hasher.h"
#include "services/common/revoked_devices.h"

#include <sodium.h>

namespace tidings::server {

namespace {

Error badCredentials() {
    return Error{ErrorCode::BadCredentials, QStringLiteral("wrong username or password")};
}

//! The hashing queue is full: the request is not queued behind hundreds of others.
Error busyError() {
    return Error{ErrorCode::RateLimited,
                 QStringLiteral("the server is busy checking passwords; try again shortly"), 1000};
}

Error notLinkedError() {
    return Error{ErrorCode::Forbidden, QStringLiteral("only a linked device may change the "
                                                      "password; link this device to one of "
                                                      "yours first")};
}

Error disabledError() {
    return Error{ErrorCode::AccountDisabled,
                 QStringLiteral("this account is disabled by the server's admin")};
}

Error takenError(const QString &username) {
    return Error{ErrorCode::UsernameTaken,
                 QStringLiteral("the username %1 is taken").arg(username)};
}

} // namespace

AccountService::AccountService(AccountStore &store, PasswordHasher &hasher, Delivery &delivery,
                               RevokedDevices &revoked, const Clock &clock, AccountPolicy policy,
                               std::function<void(quint64, quint64)> deviceRevoked)
    : m_store(store)
    , m_hasher(hasher)
    , m_delivery(delivery)
    , m_revoked(revoked)
    , m_clock(clock)
    , m_policy(policy)
    , m_deviceRevoked(std::move(deviceRevoked)) {
    if (sodium_init() < 0)
        qFatal("libsodium failed to initialise");
}

QByteArray AccountService::inviteHash(const QString &code) {
    QByteArray canonical;
    for (QChar c : code)
        if (c.isLetterOrNumber() && c.unicode() < 0x80)
            canonical += char(c.toUpper().unicode());
    return canonical.isEmpty() ? QByteArray() : hashToken(canonical);
}

QByteArray AccountService::hashToken(const QByteArray &token) {
    QByteArray out(crypto_hash_sha256_BYTES, Qt::Uninitialized);
    crypto_hash_sha256(reinterpret_cast<unsigned char *>(out.data()),
                       reinterpret_cast<const unsigned char *>(token.constData()),
                       quint64(token.size()));
    return out;
}

QByteArray AccountService::randomToken() {
    QByteArray token(limits::kDeviceTokenBytes, Qt::Uninitialized);
    randombytes_buf(token.data(), size_t(token.size()));
    return token;
}

std::optional<Error> AccountService::checkRateLimit(const QString &username,
                                                    const QString &peer) const {
    const qint64 t = m_clock.nowMs();
    for (const QString &key : {QStringLiteral("u:") + username, QStringLiteral("p:") + peer}) {
        if (key == QLatin1String("u:"))
            continue; // token authentication has no username
        const auto it = m_failures.constFind(key);
        if (it == m_failures.cend())
            continue;
        const int budget = m_policy.failuresPerMinute * (key.startsWith('p') ? 4 : 1);
        int recent = 0;
        qint64 oldest = t;
        for (qint64 at : *it)
            if (t - at < kWindowMs) {
                ++recent;
                oldest = std::min(oldest, at);
            }
        if (recent >= budget)
            return Error{ErrorCode::RateLimited, QStringLiteral("too many failed attempts"),
                         quint32(std::max<qint64>(1000, kWindowMs - (t - oldest)))};
    }
    return std::nullopt;
}

void AccountService::recordFailure(const QString &username, const QString &peer) {
    const qint64 t = m_clock.nowMs();
    for (const QString &key : {QStringLiteral("u:") + username, QStringLiteral("p:") + peer}) {
        if (key == QLatin1String("u:"))
            continue;
        auto &q = m_failures[key];
        q.push_back(t);
        while (q.size() > 64)
            q.pop_front();
    }
}

std::optional<Error> AccountService::checkRegistrations(const QString &peer) const {
    if (m_policy.registrationsPerHour <= 0)
        return std::nullopt;
    const auto it = m_registrations.constFind(peer);
    if (it == m_registrations.cend())
        return std::nullopt;
    const qint64 t = m_clock.nowMs();
    int recent = 0;
    qint64 oldest = t;
    for (qint64 at : *it)
        if (t - at < kRegistrationWindowMs) {
            ++recent;
            oldest = std::min(oldest, at);
        }
    if (recent < m_policy.registrationsPerHour)
        return std::nullopt;
    return Error{ErrorCode::RateLimited,
                 QStringLiteral("too many new accounts from this address; try again later"),
                 quint32(std::max<qint64>(1000, kRegistrationWindowMs - (t - oldest)))};
}

void AccountService::pruneRateLimits() {
    const qint64 t = m_clock.nowMs();
    for (auto *table : {&m_failures, &m_registrations}) {
        const qint64 window = table == &m_failures ? kWindowMs : kRegistrationWindowMs;
        for (auto it = table->begin(); it != table->end();) {
            while (!it->empty() && t - it->front() >= window)
                it->pop_front();
            it = it->empty() ? table->erase(it) : std::next(it);
        }
    }
}

void AccountService::registerAccount(const NewAccount &account, const QString &peer,
                                     Reply<Login> reply) {
    const QString username = protocol::normalizeUsername(account.username);
    if (auto limited = checkRateLimit(username, peer))
        return reply(*limited);
    if (auto limited = checkRegistrations(peer))
        return reply(*limited);
    if (m_hasher.saturated())
        return reply(busyError());
    if (m_registration == Registration::Closed)
        return reply(Error{ErrorCode::RegistrationClosed,
                           QStringLiteral("this server takes no new accounts; ask its admin")});
    const QByteArray inviteHash = AccountService::inviteHash(account.inviteCode);
    if (m_registration == Registration::Invite && inviteHash.isEmpty())
        return reply(Error{ErrorCode::BadInvite,
                           QStringLiteral("this server takes new accounts by invitation: enter "
                                          "the invite code its admin gave you")});
    // Cheap check first so a taken name costs no hashing (and spends no invite).
    m_store.usernameTaken(username, [=, this](Result<bool> taken) {
        if (!taken)
            return reply(taken.error());
        // The admin may have closed registration while the name was looked up.
        if (m_registration == Registration::Closed)
            return reply(Error{ErrorCode::RegistrationClosed,
                               QStringLiteral("this server takes no new accounts; ask its admin")});
        if (*taken) {
            recordFailure(username, peer);
            return reply(takenError(username));
        }
        if (m_registration != Registration::Invite)
            return createAccount(account, username, peer, {}, reply);
        // A wrong code counts as a failed login: guessing codes costs the same budget.
        m_store.consumeInvite(inviteHash, m_clock.nowMs(), [=, this](Result<bool> spent) {
            if (!spent)
                return reply(spent.error());
            if (!*spent) {
                recordFailure(username, peer);
                return reply(Error{ErrorCode::BadInvite,
                                   QStringLiteral("this invite code is unknown, used up or "
                                                  "expired; ask the server's admin for another")});
            }
            createAccount(account, username, peer, inviteHash, reply);
        });
    });
}

void AccountService::createAccount(const NewAccount &account, const QString &username,
                                   const QString &peer, const QByteArray &inviteHash,
                                   Reply<Login> reply) {
    // A registration that fails after the invite was spent gives the use back.
    const auto fail = [=, this](const Error &e) {
        if (!inviteHash.isEmpty())
            m_store.refundInvite(inviteHash);
        reply(e);
    };
    if (m_hasher.saturated())
        return fail(busyError());
    m_hasher.hash(account.password, [=, this](QByteArray hash) {
        if (hash.isEmpty())
            return fail(Error{ErrorCode::Internal, QStringLiteral("hashing failed")});
        const QByteArray token = randomToken();
        const qint64 now = m_clock.nowMs(), expires = now + m_policy.tokenLifetimeMs;
        m_store.createAccount(
            username, account.displayName, hash, account.deviceName, hashToken(token), now, expires,
            [=, this](Result<std::optional<NewDevice>> created) {
                if (!created)
                    return fail(created.error());
                if (!*created) // lost a race for the name
                    return fail(takenError(username));
                qCDebug(lcAccounts) << "registered user" << (*created)->userId;
                if (m_policy.registrationsPerHour > 0) {
                    auto &times = m_registrations[peer];
                    times.push_back(m_clock.nowMs());
                    while (times.size() > size_t(m_policy.registrationsPerHour))
                        times.pop_front();
                }
                Login login{(*created)->userId, (*created)->deviceId, username, {}, token};
                login.tokenExpiresMs = expires;
                reply(std::move(login));
            });
    });
}

void AccountService::login(const Credentials &credentials, const QString &peer,
                           Reply<Login> reply) {
    const QString username = protocol::normalizeUsername(credentials.username);
    if (auto limited = checkRateLimit(username, peer))
        return reply(*limited);
    if (m_hasher.saturated())
        return reply(busyError());
    m_store.password(username, [=, this](Result<std::optional<StoredPassword>> stored) {
        if (!stored)
            return reply(stored.error());
        const quint64 userId = *stored ? (*stored)->userId : 0;
        const QByteArray hash = *stored ? (*stored)->hash : QByteArray();
        if (m_hasher.saturated())
            return reply(busyError());
        const bool disabled = *stored && ((*stored)->disabled || m_disabledUsers.contains(userId));
        const quint64 epoch = m_credentialEpochs.value(username);
        m_hasher.verify(hash, credentials.password, [=, this](bool ok) {
            if (!ok) {
                recordFailure(username, peer);
                return reply(badCredentials());
            }
            // Only after the password: the refusal must not tell strangers who is disabled.
            if (disabled || m_disabledUsers.contains(userId))
                return reply(disabledError());
            // The admin changed the account while the password was checked (the hash read may
            // be the old one): this login does not count.
            if (m_credentialEpochs.value(username) != epoch)
                return reply(badCredentials());
            createDevice(userId, username, credentials.deviceName, [=, this](Result<Login> login) {
                if (login && m_credentialEpochs.value(username) != epoch) {
                    // Created after the change was sent: revoke it again.
                    const quint64 device = login->deviceId;
                    m_store.revokeDevice(userId, device, device,
                                         [](Result<AccountStore::RevokeStatus>) {});
                    cutOff(userId, {device}, QStringLiteral("the account changed; log in again"));
                    return reply(badCredentials());
                }
                reply(std::move(login));
            });
        });
    });
}

void AccountService::createDevice(quint64 userId, const QString &username,
                                  const QString &deviceName, Reply<Login> reply) {
    const QByteArray token = randomToken();
    const qint64 now = m_clock.nowMs(), expires = now + m_policy.tokenLifetimeMs;
    m_store.createDevice(userId, deviceName, hashToken(token), now, expires,
                         [=](Result<quint64> device) {
                             if (!device)
                                 return reply(device.error());
                             Login login{userId, *device, username, {}, token};
                             login.tokenExpiresMs = expires;
                             reply(std::move(login));
                         });
}

void AccountService::authenticate(const QByteArray &deviceToken, const QString &peer,
                                  Reply<Login> reply) {
    // A valid token is never refused for what others did from the same address: behind one NAT
    // address (an office) an attacker's bad tokens would otherwise lock every device there out
    // of its reconnects. The address budget only turns further bad tokens from it into
    // RATE_LIMITED. Tokens are 32 random bytes, so no budget protects them from guessing; the
    // lookups a flood costs are bounded by the connections per address the gateway admits.
    // A successor is drawn every time; the store keeps it only when the token is due.
    const QByteArray successor = randomToken();
    const TokenRenewal renewal{hashToken(successor), m_clock.nowMs(), m_policy.tokenLifetimeMs,
                               m_policy.tokenRenewAfterMs, m_policy.tokenGraceMs};
    m_store.deviceOfToken(hashToken(deviceToken), renewal,
                          [=, this](Result<std::optional<Login>> r) {
                              if (!r)
                                  return reply(r.error());
                              // The set: the token may have been read just before a revocation
                              // committed on another database connection; the answer and the
                              // routing of the session run in this one turn.
                              if (!*r || m_revoked.contains((*r)->deviceId)) {
                                  if (auto limited = checkRateLimit(QString(), peer))
                                      return reply(*limited);
                                  recordFailure(QString(), peer);
                                  return reply(Error{ErrorCode::BadToken,
                                                     QStringLiteral("unknown, expired or revoked "
                                                                    "device token; log in again")});
                              }
                              if ((*r)->disabled || m_disabledUsers.contains((*r)->userId))
                                  return reply(disabledError());
                              Login login = std::move(**r);
                              if (login.tokenRenewed)
                                  login.renewedToken = successor;
                              reply(std::move(login));
                          });
}

void AccountService::listDevices(const Caller &caller, Reply<std::vector<DeviceInfo>> reply) {
    const quint64 current = caller.deviceId;
    const quint64 user = caller.userId;
    m_store.devices(user, [this, user, current, reply](Result<std::vector<DeviceRow>> rows) {
        if (!rows)
            return reply(rows.error());
        const QList<quint64> online = m_delivery.connectedDevices(user);
        std::vector<DeviceInfo> out;
        for (const auto &d : *rows)
            out.push_back(DeviceInfo{d.deviceId, d.name, d.createdMs, d.lastSeenMs,
                                     d.deviceId == current, online.contains(d.deviceId)});
        reply(std::move(out));
    });
}

void AccountService::revokeDevice(const Caller &caller, quint64 deviceId, StatusReply reply) {
    const quint64 userId = caller.userId;
    using RevokeStatus = AccountStore::RevokeStatus;
    m_store.revokeDevice(userId, caller.deviceId, deviceId, [=, this](Result<RevokeStatus> r) {
        if (!r)
            return reply(r.error());
        if (*r == RevokeStatus::NoSuchDevice)
            return reply(Error{ErrorCode::NoSuchDevice, QStringLiteral("no such device of yours")});
        if (*r == RevokeStatus::NotLinked)
            return reply(Error{ErrorCode::Forbidden,
                               QStringLiteral("only a linked device may log out another; link "
                                              "this device to one of yours first")});
        qCInfo(lcAccounts) << "device" << deviceId << "logged out remotely";
        reply(Status{});
        cutOff(userId, {deviceId}, QStringLiteral("this device was logged out"));
    });
}

void AccountService::setUserDisabled(quint64 userId, bool disabled) {
    if (!disabled) {
        m_disabledUsers.remove(userId);
        return;
    }
    m_disabledUsers.insert(userId);
    // Cut off at once; the devices stay registered and reconnect once the account is enabled.
    for (quint64 device : m_delivery.connectedDevices(userId))
        m_delivery.disconnect(device, disabledError());
}

void AccountService::cutOff(quint64 userId, const std::vector<quint64> &devices,
                            const QString &why) {
    for (quint64 device : devices) {
        m_revoked.add(device, m_clock.elapsedMs());
        if (m_deviceRevoked)
            m_deviceRevoked(userId, device);
        // Cut off at once, not at its next reconnect.
        m_delivery.disconnect(device, Error{ErrorCode::BadToken, why});
    }
}

void AccountService::changePassword(const Caller &caller, const QByteArray &oldPassword,
                                    const QByteArray &newPassword, const QString &peer,
                                    StatusReply reply) {
    const QString username = caller.username;
    const quint64 userId = caller.userId, deviceId = caller.deviceId;
    // Guessing the current password through this request costs the same budget as logins.
    if (auto limited = checkRateLimit(username, peer))
        return reply(*limited);
    if (m_hasher.saturated())
        return reply(busyError());
    // A device that may not change it is told so before two Argon2 hashes are spent on it.
    m_store.mayActForAccount(userId, deviceId, [=, this](Result<bool> may) {
        if (!may)
            return reply(may.error());
        if (!*may)
            return reply(notLinkedError());
        verifyAndChangePassword(userId, deviceId, username, oldPassword, newPassword, peer, reply);
    });
}

void AccountService::verifyPassword(const Caller &caller, const QByteArray &password,
                                    const QString &peer, StatusReply reply) {
    const QString username = caller.username;
    const quint64 userId = caller.userId;
    if (auto limited = checkRateLimit(username, peer))
        return reply(*limited);
    if (m_hasher.saturated())
        return reply(busyError());
    checkStoredPassword(userId, username, password, peer, QStringLiteral("the password is wrong"),
                        std::move(reply));
}

void AccountService::checkStoredPassword(quint64 userId, const QString &username,
                                         const QByteArray &password, const QString &peer,
                                         const QString &wrong, StatusReply then) {
    m_store.password(username, [=, this](Result<std::optional<StoredPassword>> stored) {
        if (!stored)
            return then(stored.error());
        const QByteArray hash =
            *stored && (*stored)->userId == userId ? (*stored)->hash : QByteArray();
        if (m_hasher.saturated())
            return then(busyError());
        m_hasher.verify(hash, password, [=, this](bool ok) {
            if (!ok) {
                // A wrong password here costs the same budget as a failed login.
                recordFailure(username, peer);
                return then(Error{ErrorCode::BadCredentials, wrong});
            }
            then(Status{});
        });
    });
}

void AccountService::verifyAndChangePassword(quint64 userId, quint64 deviceId,
                                             const QString &username, const QByteArray &oldPassword,
                                             const QByteArray &newPassword, const QString &peer,
                                             StatusReply reply) {
    checkStoredPassword(
        userId, username, oldPassword, peer, QStringLiteral("the current password is wrong"),
        [=, this](Status verified) {
            if (!verified)
                return reply(verified);
            m_hasher.hash(newPassword, [=, this](QByteArray newHash) {
                if (newHash.isEmpty())
                    return reply(Error{ErrorCode::Internal, QStringLiteral("hashing failed")});
                m_store.changePassword(
                    userId, deviceId, newHash,
                    [=, this](Result<std::optional<std::vector<quint64>>> r) {
                        if (!r)
                            return reply(r.error());
                        if (!*r)
                            return reply(notLinkedError());
                        qCInfo(lcAccounts) << "password of user" << userId << "changed;"
                                           << (*r)->size() << "other devices logged out";
                        reply(Status{});
                        cutOff(userId, **r,
                               QStringLiteral("the account's password was changed; log in again"));
                    });
            });
        });
}

} // namespace tidings::server
