#pragma once
// The logic of accounts: the login failure budget (per username and per peer address over a
// sliding minute), registrations per address, the register / login / token flows, device tokens
// (random, stored hashed, expiring, renewed while in use), password changes, and
// revocation, which closes the revoked device's connection wherever it is and enters it in the
// RevokedDevices set the other services check. Once a user has a signed device list, only the
// devices in it (those holding the account key) may revoke another device.
#include "services/accounts/account_store.h"
#include "services/accounts/accounts.h"

#include <QHash>
#include <QSet>

#include <deque>
#include <functional>
#include <optional>

namespace tidings::server {

class Clock;
class Delivery;
class PasswordHasher;
class RevokedDevices;

//! Who may create an account (the admin sets it: tidings-admin registration ...).
enum class Registration { Open, Invite, Closed };

//! The limits and lifetimes accounts are run with (ServerConfig sets them).
struct AccountPolicy {
    //! Failed logins per username a minute; per peer address four times as many (several people
    //! may share one address).
    int failuresPerMinute = 5;
    //! Accounts one peer address may register an hour; 0: no limit (benchmarks, tests).
    int registrationsPerHour = 0;
    //! A device token unused this long stops working; one in use is renewed once it is older
    //! than `tokenRenewAfterMs`, and the renewed one then works `tokenGraceMs` longer at most.
    qint64 tokenLifetimeMs = 90LL * 24 * 3600 * 1000;
    qint64 tokenRenewAfterMs = 24LL * 3600 * 1000;
    qint64 tokenGraceMs = 24LL * 3600 * 1000;
};

class AccountService final : public Accounts {
public:
    static constexpr qint64 kWindowMs = 60 * 1000;
    static constexpr qint64 kRegistrationWindowMs = 3600 * 1000;

    //! `deviceRevoked` runs after a revocation committed, once the device is in `revoked`.
    AccountService(AccountStore &store, PasswordHasher &hasher, Delivery &delivery,
                   RevokedDevices &revoked, const Clock &clock, AccountPolicy policy,
                   std::function<void(quint64 userId, quint64 deviceId)> deviceRevoked = {});

    void registerAccount(const NewAccount &account, const QString &peer,
                         Reply<Login> reply) override;
    void login(const Credentials &credentials, const QString &peer, Reply<Login> reply) override;
    void authenticate(const QByteArray &deviceToken, const QString &peer,
                      Reply<Login> reply) override;
    void listDevices(const Caller &caller, Reply<std::vector<DeviceInfo>> reply) override;
    void revokeDevice(const Caller &caller, quint64 deviceId, StatusReply reply) override;
    void verifyPassword(const Caller &caller, const QByteArray &password, const QString &peer,
                        StatusReply reply) override;
    //! Logs devices out at once: revoked here, connections closed, keys told.
    void cutOff(quint64 userId, const std::vector<quint64> &devices, const QString &why);
    void changePassword(const Caller &caller, const QByteArray &oldPassword,
                        const QByteArray &newPassword, const QString &peer,
                        StatusReply reply) override;

    //! Who may register from now on.
    void setRegistration(Registration registration) { m_registration = registration; }
    //! New limits (SIGHUP): registrations per hour and token lifetime apply from now on.
    void setPolicy(const AccountPolicy &policy) { m_policy = policy; }
    Registration registration() const { return m_registration; }
    //! The admin disabled (or enabled) a user: from now on its logins and connections are refused
    //! with ACCOUNT_DISABLED, and when disabled its devices are disconnected at once. Also kept
    //! here, not only in the database: a token lookup that read the row just before the change
    //! committed is still refused.
    void setUserDisabled(quint64 userId, bool disabled);
    //! The admin is about to disable, reset or delete `username`: a login whose password check
    //! is under way now is refused when it finishes (it may have read the old password), and a
    //! device it created meanwhile is revoked again.
    void credentialsChanging(const QString &username) { ++m_credentialEpochs[username]; }

    //! Drops failure windows that are over.
    void pruneRateLimits();
    int trackedKeys() const { return int(m_failures.size()); }

    static QByteArray hashToken(const QByteArray &token);
    //! An invite code's canonical form (its letters and digits, upper case) hashed: how it is
    //! stored and looked up, so "abcd-efgh" and "ABCDEFGH" are the same code.
    static QByteArray inviteHash(const QString &code);
    static QByteArray randomToken();

private:
    std::optional<Error> checkRateLimit(const QString &username, const QString &peer) const;
    void recordFailure(const QString &username, const QString &peer);
    //! Checks `password` against the stored hash of the user (a wrong one is BAD_CREDENTIALS
    //! with `wrong` and counts as a failed login); `then` gets Ok or the error.
    void checkStoredPassword(quint64 userId, const QString &username, const QByteArray &password,
                             const QString &peer, const QString &wrong, StatusReply then);
    std::optional<Error> checkRegistrations(const QString &peer) const;
    void verifyAndChangePassword(quint64 userId, quint64 deviceId, const QString &username,
                                 const QByteArray &oldPassword, const QByteArray &newPassword,
                                 const QString &peer, StatusReply reply);
    //! Marks `devices` revoked everywhere and closes their connections with `why`.
    void createDevice(quint64 userId, const QString &username, const QString &deviceName,
                      Reply<Login> reply);
    //! The name is free and the invite (if one was needed) spent: hashes and creates.
    void createAccount(const NewAccount &account, const QString &username, const QString &peer,
                       const QByteArray &inviteHash, Reply<Login> reply);

    AccountStore &m_store;
    PasswordHasher &m_hasher;
    Delivery &m_delivery;
    RevokedDevices &m_revoked;
    const Clock &m_clock;
    AccountPolicy m_policy;
    std::function<void(quint64, quint64)> m_deviceRevoked;
    QHash<QString, std::deque<qint64>> m_failures; //!< "u:name" / "p:address" → failure times
    QHash<QString, std::deque<qint64>> m_registrations; //!< address → registration times
    Registration m_registration = Registration::Open;
    QSet<quint64> m_disabledUsers; //!< disabled while this server runs (see setUserDisabled)
    QHash<QString, quint64> m_credentialEpochs; //!< username → admin changes (see above)
};

} // namespace tidings::server
