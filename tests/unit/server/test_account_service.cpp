// Accounts without a database and without Argon2's cost: the failure budget per username and per
// address over a sliding minute (fake clock), the register / login / token flows, and revocation
// closing the revoked device's connection through the router, only linked devices revoking others,
// and an authentication answered after a revocation being refused.
#include "core/clock.h"
#include "protocol/limits.h"
#include "services/accounts/account_service.h"
#include "services/accounts/password_hasher.h"
#include "services/common/revoked_devices.h"
#include "support/captured.h"
#include "support/fake_delivery.h"

#include <QTest>

using namespace tidings;
using namespace tidings::server;
using namespace tidings::server::test;

namespace {

//! "Hashes" by prefixing; answers at once, or when released (`hold`).
class FakeHasher final : public PasswordHasher {
public:
    int verifications = 0;
    bool full = false; //!< the queue is saturated
    bool hold = false; //!< keep verifications in `held` (a check that takes a while)
    std::vector<std::function<void()>> held;
    bool saturated() const override { return full; }
    void hash(const QByteArray &password, std::function<void(QByteArray)> done) override {
        done("hash:" + password);
    }
    void verify(const QByteArray &stored, const QByteArray &password,
                std::function<void(bool)> done) override {
        ++verifications; // also for unknown users: the same cost
        const bool ok = !stored.isEmpty() && stored == "hash:" + password;
        if (hold)
            held.push_back([done, ok] { done(ok); });
        else
            done(ok);
    }
};

class FakeAccountStore final : public AccountStore {
public:
    struct User {
        quint64 id;
        QByteArray hash;
        QString display;
    };
    QHash<QString, User> users;
    QHash<QByteArray, Login> tokens; //!< token hash → device
    std::vector<DeviceRow> deviceRows;
    QSet<quint64> revocable;
    std::optional<QSet<quint64>> listed; //!< the user's device list, if it has one
    int revocations = 0;                 //!< store writes
    bool holdTokenLookups = false;       //!< keep deviceOfToken answers in `heldLookups`
    std::vector<std::function<void()>> heldLookups;
    quint64 nextUser = 1, nextDevice = 100;
    bool raceOnCreate = false;
    bool renewEvery = false;                            //!< renew the token on every lookup
    std::optional<std::vector<quint64>> passwordChange; //!< what changePassword answers
    QByteArray changedHash;

    void usernameTaken(const QString &name, Callback<bool> cb) override {
        cb(users.contains(name));
    }
    void createAccount(const QString &name, const QString &display, const QByteArray &hash,
                       const QString &, const QByteArray &tokenHash, qint64, qint64,
                       Callback<std::optional<NewDevice>> cb) override {
        if (raceOnCreate)
            return cb(std::optional<NewDevice>{});
        const quint64 user = nextUser++, device = nextDevice++;
        users.insert(name, {user, hash, display});
        tokens.insert(tokenHash, Login{user, device, name, display, {}});
        cb(std::optional<NewDevice>{NewDevice{user, device}});
    }
    void password(const QString &name, Callback<std::optional<StoredPassword>> cb) override {
        if (!users.contains(name))
            return cb(std::optional<StoredPassword>{});
        cb(std::optional<StoredPassword>{StoredPassword{users[name].id, users[name].hash}});
    }
    void createDevice(quint64 userId, const QString &, const QByteArray &tokenHash, qint64, qint64,
                      Callback<quint64> cb) override {
        const quint64 device = nextDevice++;
        for (auto it = users.cbegin(); it != users.cend(); ++it)
            if (it->id == userId)
                tokens.insert(tokenHash, Login{userId, device, it.key(), it->display, {}});
        cb(device);
    }
    void deviceOfToken(const QByteArray &tokenHash, const TokenRenewal &renewal,
                       Callback<std::optional<Login>> cb) override {
        const auto it = tokens.constFind(tokenHash);
        auto found = it == tokens.cend() ? std::optional<Login>{} : std::optional<Login>{*it};
        if (found && renewEvery) {
            // Renewed as the real store does when the token is due: the successor logs in too.
            found->tokenRenewed = true;
            tokens.insert(renewal.newTokenHash, *found);
        }
        if (holdTokenLookups)
            heldLookups.push_back([cb, found] { cb(found); });
        else
            cb(found);
    }
    void devices(quint64, Callback<std::vector<DeviceRow>> cb) override { cb(deviceRows); }
    void revokeDevice(quint64, quint64 caller, quint64 deviceId,
                      Callback<RevokeStatus> cb) override {
        if (!revocable.contains(deviceId))
            return cb(RevokeStatus::NoSuchDevice);
        if (deviceId != caller && listed && !listed->contains(caller))
            return cb(RevokeStatus::NotLinked);
        ++revocations;
        revocable.remove(deviceId);
        for (auto it = tokens.begin(); it != tokens.end();)
            it = it->deviceId == deviceId ? tokens.erase(it) : std::next(it);
        cb(RevokeStatus::Revoked);
    }
    void mayActForAccount(quint64, quint64 device, Callback<bool> cb) override {
        cb(!listed || listed->contains(device));
    }
    QHash<QByteArray, int> invites; //!< code hash → uses left
    void consumeInvite(const QByteArray &codeHash, qint64, Callback<bool> cb) override {
        if (invites.value(codeHash) <= 0)
            return cb(false);
        --invites[codeHash];
        cb(true);
    }
    void refundInvite(const QByteArray &codeHash) override { ++invites[codeHash]; }
    void changePassword(quint64 userId, quint64, const QByteArray &hash,
                        Callback<std::optional<std::vector<quint64>>> cb) override {
        if (passwordChange) {
            changedHash = hash;
            for (auto it = users.begin(); it != users.end(); ++it)
                if (it->id == userId)
                    it->hash = hash;
        }
        cb(passwordChange);
    }
};

} // namespace

class TestAccountService : public QObject {
    Q_OBJECT

    FakeClock m_clock;
    FakeAccountStore m_store;
    FakeHasher m_hasher;
    FakeDelivery m_delivery;
    RevokedDevices m_revokedSet;
    QList<std::pair<quint64, quint64>> m_revoked;
    std::unique_ptr<AccountService> m_service;

    Result<Login> login(const QString &user, const QByteArray &password,
                        const QString &peer = "10.0.0.1") {
        Captured<Login> r;
        m_service->login(Credentials{user, password, "laptop"}, peer, r.reply());
        return r.result->value_or(Result<Login>(Error{ErrorCode::Internal, "no answer"}));
    }

private slots:
    void init() {
        m_store = FakeAccountStore{};
        m_delivery = FakeDelivery{};
        m_revoked.clear();
        m_revokedSet = RevokedDevices{};
        AccountPolicy policy;
        policy.failuresPerMinute = 3;
        policy.registrationsPerHour = 4;
        m_service = std::make_unique<AccountService>(m_store, m_hasher, m_delivery, m_revokedSet,
                                                     m_clock, policy, [this](quint64 u, quint64 d) {
                                                         m_revoked.append({u, d});
                                                     });
    }

    void registerThenLoginThenAuthenticateWithTheToken() {
        Captured<Login> reg;
        m_service->registerAccount(NewAccount{"Alice", "pw", "phone", "Alice A."}, "10.0.0.1",
                                   reg.reply());
        QVERIFY(reg.ok());
        QCOMPARE(reg.value().username, QString("alice"));
        QCOMPARE(reg.value().token.size(), int(limits::kDeviceTokenBytes));
        QVERIFY(m_store.tokens.contains(AccountService::hashToken(reg.value().token)));
        QVERIFY(!m_store.tokens.contains(reg.value().token)); // only the hash is stored

        const auto second = login("ALICE", "pw");
        QVERIFY(second.ok());
        QVERIFY(second->deviceId != reg.value().deviceId);
        QVERIFY(second->token != reg.value().token);

        Captured<Login> auth;
        m_service->authenticate(second->token, "10.0.0.1", auth.reply());
        QVERIFY(auth.ok());
        QCOMPARE(auth.value().deviceId, second->deviceId);
        QVERIFY(auth.value().token.isEmpty());
        QCOMPARE(auth.value().displayName, QString("Alice A."));

        Captured<Login> taken, race;
        m_service->registerAccount(NewAccount{"alice", "x", "d", ""}, "10.0.0.2", taken.reply());
        QCOMPARE(taken.code(), ErrorCode::UsernameTaken);
        m_store.raceOnCreate = true;
        m_service->registerAccount(NewAccount{"bob", "x", "d", ""}, "10.0.0.2", race.reply());
        QCOMPARE(race.code(), ErrorCode::UsernameTaken);
    }

    void registrationFollowsTheAdminsPolicy() {
        const auto reg = [this](const QString &name, const QString &invite) {
            Captured<Login> r;
            m_service->registerAccount(NewAccount{name, "pw", "d", "", invite}, "10.0.0.1",
                                       r.reply());
            return r.code();
        };
        m_service->setRegistration(Registration::Closed);
        QCOMPARE(reg("ann", {}), ErrorCode::RegistrationClosed);
        m_service->setRegistration(Registration::Invite);
        QCOMPARE(reg("ann", {}), ErrorCode::BadInvite);
        QCOMPARE(reg("ann", "NOPE-NOPE"), ErrorCode::BadInvite);
        // A code works as often as it was made for; case and spaces do not matter.
        m_store.invites.insert(AccountService::inviteHash("ABCD-EFGH"), 2);
        QCOMPARE(reg("ann", " abcd-efgh "), ErrorCode::None);
        // A taken name spends no use; a registration that fails later gives it back.
        QCOMPARE(reg("ann", "ABCD-EFGH"), ErrorCode::UsernameTaken);
        m_store.raceOnCreate = true;
        QCOMPARE(reg("bea", "ABCD-EFGH"), ErrorCode::UsernameTaken);
        QCOMPARE(m_store.invites.value(AccountService::inviteHash("abcdefgh")), 1);
        m_store.raceOnCreate = false;
        QCOMPARE(reg("bea", "ABCD-EFGH"), ErrorCode::None);
        QCOMPARE(reg("cai", "ABCD-EFGH"), ErrorCode::BadInvite); // used up
        m_service->setRegistration(Registration::Open);
        QCOMPARE(reg("cai", {}), ErrorCode::None);
    }

    void aDisabledAccountIsCutOffAndRefusedUntilEnabled() {
        Captured<Login> reg;
        m_service->registerAccount(NewAccount{"dan", "pw", "d", ""}, "10.0.0.1", reg.reply());
        QVERIFY(reg.ok());
        const Login dan = reg.value();
        m_delivery.connect(dan.userId, dan.deviceId);
        m_service->setUserDisabled(dan.userId, true);
        QCOMPARE(m_delivery.disconnected.size(), 1);
        QCOMPARE(m_delivery.disconnected[0].first, dan.deviceId);
        QCOMPARE(m_delivery.disconnected[0].second.code, ErrorCode::AccountDisabled);
        // The token is refused, not forgotten; a wrong password still says only that.
        Captured<Login> auth;
        m_service->authenticate(dan.token, "10.0.0.1", auth.reply());
        QCOMPARE(auth.code(), ErrorCode::AccountDisabled);
        QCOMPARE(login("dan", "wrong").error().code, ErrorCode::BadCredentials);
        QCOMPARE(login("dan", "pw").error().code, ErrorCode::AccountDisabled);
        QVERIFY(m_revoked.isEmpty()); // no device was logged out
        m_service->setUserDisabled(dan.userId, false);
        Captured<Login> again;
        m_service->authenticate(dan.token, "10.0.0.1", again.reply());
        QVERIFY(again.ok());
        QVERIFY(login("dan", "pw").ok());
    }

    void aLoginUnderwayWhenTheAdminActsDoesNotCount() {
        Captured<Login> reg;
        m_service->registerAccount(NewAccount{"eli", "pw", "d", ""}, "10.0.0.1", reg.reply());
        QVERIFY(reg.ok());
        const int devices = int(m_store.tokens.size());
        // The password is being checked (against the hash read before the admin's change)...
        m_hasher.hold = true;
        Captured<Login> underway;
        m_service->login(Credentials{"eli", "pw", "laptop"}, "10.0.0.1", underway.reply());
        QVERIFY(!underway.answered());
        // ... when the admin resets the password (or disables or deletes the account).
        m_service->credentialsChanging(QStringLiteral("eli"));
        m_hasher.hold = false;
        for (auto &release : std::exchange(m_hasher.held, {}))
            release();
        QCOMPARE(underway.code(), ErrorCode::BadCredentials);
        QCOMPARE(int(m_store.tokens.size()), devices); // no device was made
        // Logins that start after the change count as usual.
        QVERIFY(login("eli", "pw").ok());
        // Disabled during the check: refused as disabled, not let in.
        m_hasher.hold = true;
        Captured<Login> second;
        m_service->login(Credentials{"eli", "pw", "tablet"}, "10.0.0.1", second.reply());
        m_service->setUserDisabled(reg.value().userId, true);
        m_hasher.hold = false;
        for (auto &release : std::exchange(m_hasher.held, {}))
            release();
        QCOMPARE(second.code(), ErrorCode::AccountDisabled);
    }

    void failuresAreLimitedPerUsernameForAMinute() {
        m_service->registerAccount(NewAccount{"alice", "pw", "d", ""}, "10.0.0.1",
                                   Captured<Login>().reply());
        for (int i = 0; i < 3; ++i)
            QCOMPARE(login("alice", "wrong").error().code, ErrorCode::BadCredentials);
        // The budget is spent: even the right password waits now, and is told for how long.
        const int verified = m_hasher.verifications;
        const auto limited = login("alice", "pw", "10.0.0.9");
        QCOMPARE(limited.error().code, ErrorCode::RateLimited);
        QVERIFY(limited.error().retryAfterMs >= 1000);
        QVERIFY(limited.error().retryAfterMs <= quint32(AccountService::kWindowMs));
        QCOMPARE(m_hasher.verifications, verified); // refused before any hashing
        m_clock.advance(AccountService::kWindowMs);
        QVERIFY(login("alice", "pw").ok());
        // Unknown users count too, and cost a verification like known ones.
        QCOMPARE(login("nobody", "x").error().code, ErrorCode::BadCredentials);
        QCOMPARE(m_hasher.verifications, verified + 2);
    }

    void anAddressGetsFourTimesTheBudget() {
        const QString peer = "192.0.2.7";
        for (int i = 0; i < 12; ++i)
            QCOMPARE(login(QStringLiteral("user%1").arg(i), "x", peer).error().code,
                     ErrorCode::BadCredentials);
        QCOMPARE(login("someone", "x", peer).error().code, ErrorCode::RateLimited);
        QCOMPARE(login("someone", "x", "192.0.2.8").error().code, ErrorCode::BadCredentials);
        // Bad tokens count against the address.
        Captured<Login> token;
        m_service->authenticate("garbage", peer, token.reply());
        QCOMPARE(token.code(), ErrorCode::RateLimited);
        m_service->authenticate("garbage", "198.51.100.1", token.reply());
        QCOMPARE(token.code(), ErrorCode::BadToken);
    }

    void badTokensFromAnAddressDoNotLockOutValidOnes() {
        Captured<Login> reg;
        m_service->registerAccount(NewAccount{"erin", "pw", "phone", {}}, "10.0.0.1", reg.reply());
        QVERIFY(reg.ok());
        // An attacker behind the office's one address floods bad tokens.
        const QString office = "203.0.113.5";
        for (int i = 0; i < 40; ++i) {
            Captured<Login> bad;
            m_service->authenticate(QByteArray(32, char('a' + i % 26)), office, bad.reply());
        }
        Captured<Login> refused;
        m_service->authenticate(QByteArray(32, 'z'), office, refused.reply());
        QCOMPARE(refused.code(), ErrorCode::RateLimited);
        // Everyone else in the office still reconnects with their device's token.
        Captured<Login> valid;
        m_service->authenticate(reg.value().token, office, valid.reply());
        QVERIFY(valid.ok());
        QCOMPARE(valid.value().deviceId, reg.value().deviceId);
    }

    void pruningForgetsWindowsThatAreOver() {
        QCOMPARE(login("a", "x").error().code, ErrorCode::BadCredentials);
        QCOMPARE(login("b", "x").error().code, ErrorCode::BadCredentials);
        QCOMPARE(m_service->trackedKeys(), 3); // two usernames, one address
        m_clock.advance(30'000);
        QCOMPARE(login("c", "x").error().code, ErrorCode::BadCredentials);
        m_service->pruneRateLimits();
        QCOMPARE(m_service->trackedKeys(), 4);
        m_clock.advance(30'000);
        m_service->pruneRateLimits();
        QCOMPARE(m_service->trackedKeys(), 2); // c and the address, from the later failure
        m_clock.advance(30'000);
        m_service->pruneRateLimits();
        QCOMPARE(m_service->trackedKeys(), 0);
    }

    void devicesShowWhichAreOnlineAndRevokingClosesTheConnection() {
        const Caller me{1, 100, "alice"};
        m_store.deviceRows = {{100, "phone", 1, 2}, {101, "laptop", 3, 4}, {102, "tablet", 5, 0}};
        m_delivery.connect(1, 100);
        m_delivery.connect(1, 102);
        Captured<std::vector<DeviceInfo>> list;
        m_service->listDevices(me, list.reply());
        QVERIFY(list.ok());
        QCOMPARE(list.value().size(), std::size_t(3));
        QVERIFY(list.value()[0].current && list.value()[0].online);
        QVERIFY(!list.value()[1].current && !list.value()[1].online);
        QVERIFY(list.value()[2].online);

        m_store.revocable = {102};
        CapturedStatus revoked, unknown;
        m_service->revokeDevice(me, 102, revoked.reply());
        QVERIFY(revoked.ok());
        QCOMPARE(m_revoked, (QList<std::pair<quint64, quint64>>{{1, 102}}));
        QCOMPARE(m_delivery.disconnected.size(), 1);
        QCOMPARE(m_delivery.disconnected[0].first, quint64(102));
        QCOMPARE(m_delivery.disconnected[0].second.code, ErrorCode::BadToken);
        m_service->revokeDevice(me, 102, unknown.reply());
        QCOMPARE(unknown.code(), ErrorCode::NoSuchDevice);
        QCOMPARE(m_delivery.disconnected.size(), 1);
        QVERIFY(m_revokedSet.contains(102));
    }

    void onlyAListedDeviceRevokesOthers() {
        const Caller listed{1, 100, "alice"}, passwordOnly{1, 101, "alice"};
        m_store.revocable = {100, 101, 102, 103};
        m_store.listed = QSet<quint64>{100, 102};

        CapturedStatus refused;
        m_service->revokeDevice(passwordOnly, 100, refused.reply());
        QCOMPARE(refused.code(), ErrorCode::Forbidden);
        QCOMPARE(m_store.revocations, 0);
        QVERIFY(m_delivery.disconnected.isEmpty());
        QVERIFY(!m_revokedSet.contains(100));

        CapturedStatus byListed;
        m_service->revokeDevice(listed, 102, byListed.reply());
        QVERIFY(byListed.ok());
        CapturedStatus itself;
        m_service->revokeDevice(passwordOnly, 101, itself.reply()); // logging out oneself
        QVERIFY(itself.ok());
        QCOMPARE(m_store.revocations, 2);

        m_store.listed.reset(); // no list yet (no end-to-end keys): the password's authority
        const Caller other{1, 103, "alice"};
        CapturedStatus noList;
        m_service->revokeDevice(other, 100, noList.reply());
        QVERIFY(noList.ok());
    }

    void registrationsAreLimitedPerAddressForAnHour() {
        const QString peer = "198.51.100.20";
        for (int i = 0; i < 4; ++i) {
            Captured<Login> r;
            m_service->registerAccount(NewAccount{QStringLiteral("u%1").arg(i), "pw", "d", {}},
                                       peer, r.reply());
            QVERIFY(r.ok());
        }
        Captured<Login> fifth, elsewhere;
        m_service->registerAccount(NewAccount{"u4", "pw", "d", {}}, peer, fifth.reply());
        QCOMPARE(fifth.code(), ErrorCode::RateLimited);
        QVERIFY(fifth.error().retryAfterMs > 60'000);
        QVERIFY(!m_store.users.contains("u4"));
        m_service->registerAccount(NewAccount{"u4", "pw", "d", {}}, "198.51.100.21",
                                   elsewhere.reply());
        QVERIFY(elsewhere.ok());
        // Logins from that address are not affected.
        QVERIFY(login("u0", "pw", peer).ok());
        m_clock.advance(AccountService::kRegistrationWindowMs);
        m_service->pruneRateLimits();
        Captured<Login> later;
        m_service->registerAccount(NewAccount{"u5", "pw", "d", {}}, peer, later.reply());
        QVERIFY(later.ok());
    }

    void aFullHashingQueueAnswersBusyAtOnce() {
        m_service->registerAccount(NewAccount{"alice", "pw", "d", {}}, "10.0.0.1",
                                   Captured<Login>().reply());
        m_hasher.full = true;
        const int verified = m_hasher.verifications;
        const auto busy = login("alice", "pw");
        QCOMPARE(busy.error().code, ErrorCode::RateLimited);
        QCOMPARE(busy.error().retryAfterMs, 1000u);
        Captured<Login> reg;
        m_service->registerAccount(NewAccount{"bob", "pw", "d", {}}, "10.0.0.3", reg.reply());
        QCOMPARE(reg.code(), ErrorCode::RateLimited);
        QCOMPARE(m_hasher.verifications, verified); // nothing queued
        QVERIFY(!m_store.users.contains("bob"));
        // Being busy is not a failed login: the budget is untouched.
        m_hasher.full = false;
        QVERIFY(login("alice", "pw").ok());
    }

    void aDueTokenIsRenewedAndTheSuccessorLogsIn() {
        Captured<Login> reg;
        m_service->registerAccount(NewAccount{"alice", "pw", "phone", {}}, "10.0.0.1", reg.reply());
        QVERIFY(reg.ok());
        QVERIFY(reg.value().tokenExpiresMs > m_clock.nowMs() + 80LL * 24 * 3600 * 1000);
        Captured<Login> plain;
        m_service->authenticate(reg.value().token, "10.0.0.1", plain.reply());
        QVERIFY(plain.ok());
        QVERIFY(plain.value().renewedToken.isEmpty());

        m_store.renewEvery = true;
        Captured<Login> renewed;
        m_service->authenticate(reg.value().token, "10.0.0.1", renewed.reply());
        QVERIFY(renewed.ok());
        const QByteArray next = renewed.value().renewedToken;
        QCOMPARE(next.size(), int(limits::kDeviceTokenBytes));
        QVERIFY(next != reg.value().token);
        QVERIFY(!m_store.tokens.contains(next)); // stored hashed, like every token
        m_store.renewEvery = false;
        Captured<Login> withNext;
        m_service->authenticate(next, "10.0.0.1", withNext.reply());
        QVERIFY(withNext.ok());
        QCOMPARE(withNext.value().deviceId, reg.value().deviceId);
    }

    void changingThePasswordLogsOutEveryOtherDevice() {
        Captured<Login> reg;
        m_service->registerAccount(NewAccount{"alice", "old-password", "phone", {}}, "10.0.0.1",
                                   reg.reply());
        QVERIFY(reg.ok());
        const Caller me{reg.value().userId, reg.value().deviceId, "alice"};

        // The wrong current password: refused, and it counts like a failed login.
        m_store.passwordChange = std::vector<quint64>{201, 202};
        CapturedStatus wrong;
        m_service->changePassword(me, "guess", "new-password", "10.0.0.1", wrong.reply());
        QCOMPARE(wrong.code(), ErrorCode::BadCredentials);
        QVERIFY(m_store.changedHash.isEmpty());
        QCOMPARE(m_service->trackedKeys(), 2);

        CapturedStatus changed;
        m_service->changePassword(me, "old-password", "new-password", "10.0.0.1", changed.reply());
        QVERIFY(changed.ok());
        QCOMPARE(m_store.changedHash, QByteArray("hash:new-password"));
        QCOMPARE(m_delivery.disconnected.size(), 2);
        QCOMPARE(m_delivery.disconnected[0].first, quint64(201));
        QCOMPARE(m_delivery.disconnected[1].second.code, ErrorCode::BadToken);
        QVERIFY(m_revokedSet.contains(201) && m_revokedSet.contains(202));
        QVERIFY(!m_revokedSet.contains(me.deviceId));
        QCOMPARE(m_revoked.size(), 2);
        QCOMPARE(login("alice", "old-password").error().code, ErrorCode::BadCredentials);
        QVERIFY(login("alice", "new-password").ok());

        // A device outside the device list (it only knows the password) may not, and is told
        // so before any hashing; the store's own check under the user's lock stays the last word.
        m_store.listed = QSet<quint64>{7};
        const int verified = m_hasher.verifications;
        CapturedStatus unlinked;
        m_service->changePassword(me, "new-password", "third-password", "10.0.0.1",
                                  unlinked.reply());
        QCOMPARE(unlinked.code(), ErrorCode::Forbidden);
        QCOMPARE(m_hasher.verifications, verified);
        QCOMPARE(m_delivery.disconnected.size(), 2);
        m_store.listed.reset();
        m_store.passwordChange.reset(); // the locked check says no (a list appeared meanwhile)
        CapturedStatus raced;
        m_service->changePassword(me, "new-password", "third-password", "10.0.0.1", raced.reply());
        QCOMPARE(raced.code(), ErrorCode::Forbidden);
    }

    void anAuthenticationAnsweredAfterARevocationIsRefused() {
        Captured<Login> reg;
        m_service->registerAccount(NewAccount{"alice", "pw", "phone", {}}, "10.0.0.1", reg.reply());
        QVERIFY(reg.ok());
        const auto second = login("alice", "pw");
        QVERIFY(second.ok());

        // The token is read before the revocation commits, and answered after it.
        m_store.holdTokenLookups = true;
        Captured<Login> auth;
        m_service->authenticate(second->token, "10.0.0.2", auth.reply());
        QCOMPARE(m_store.heldLookups.size(), std::size_t(1));
        QVERIFY(!auth.answered());
        m_store.holdTokenLookups = false;
        m_store.revocable = {second->deviceId};
        CapturedStatus revoked;
        m_service->revokeDevice(Caller{reg.value().userId, reg.value().deviceId, "alice"},
                                second->deviceId, revoked.reply());
        QVERIFY(revoked.ok());
        m_store.heldLookups.front()();
        QCOMPARE(auth.code(), ErrorCode::BadToken);
    }
};

QTEST_GUILESS_MAIN(TestAccountService)
#include "test_account_service.moc"
