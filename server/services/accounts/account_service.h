#pragma once
// The logic of accounts: the login failure budget (per username and per peer address over a
// sliding minute), the register / login / token flows, device tokens (random, stored hashed), and
// revocation, which closes the revoked device's connection wherever it is and enters it in the
// RevokedDevices set the other services check. Once a user has a signed device list, only the
// devices in it (those holding the account key) may revoke another device.
#include "services/accounts/account_store.h"
#include "services/accounts/accounts.h"

#include <QHash>

#include <deque>
#include <functional>
#include <optional>

namespace tidings::server {

class Clock;
class Delivery;
class PasswordHasher;
class RevokedDevices;

class AccountService final : public Accounts {
public:
    static constexpr qint64 kWindowMs = 60 * 1000;

    //! `failuresPerMinute`: per username; per peer address four times as many (several people
    //! may share one address). `deviceRevoked` runs after a revocation committed, once the
    //! device is in `revoked`.
    AccountService(AccountStore &store, PasswordHasher &hasher, Delivery &delivery,
                   RevokedDevices &revoked, const Clock &clock, int failuresPerMinute,
                   std::function<void(quint64 userId, quint64 deviceId)> deviceRevoked = {});

    void registerAccount(const NewAccount &account, const QString &peer,
                         Reply<Login> reply) override;
    void login(const Credentials &credentials, const QString &peer, Reply<Login> reply) override;
    void authenticate(const QByteArray &deviceToken, const QString &peer,
                      Reply<Login> reply) override;
    void listDevices(const Caller &caller, Reply<std::vector<DeviceInfo>> reply) override;
    void revokeDevice(const Caller &caller, quint64 deviceId, StatusReply reply) override;

    //! Drops failure windows that are over.
    void pruneRateLimits();
    int trackedKeys() const { return int(m_failures.size()); }

    static QByteArray hashToken(const QByteArray &token);
    static QByteArray randomToken();

private:
    std::optional<Error> checkRateLimit(const QString &username, const QString &peer) const;
    void recordFailure(const QString &username, const QString &peer);
    void createDevice(quint64 userId, const QString &username, const QString &deviceName,
                      Reply<Login> reply);

    AccountStore &m_store;
    PasswordHasher &m_hasher;
    Delivery &m_delivery;
    RevokedDevices &m_revoked;
    const Clock &m_clock;
    int m_failuresPerMinute;
    std::function<void(quint64, quint64)> m_deviceRevoked;
    QHash<QString, std::deque<qint64>> m_failures; //!< "u:name" / "p:address" → failure times
};

} // namespace tidings::server
