// The key directory without a database: what the server verifies before storing (bindings,
// signed prekeys, device lists), which refusal each SQL status becomes, the per-device bundle
// budget over a sliding minute (fake clock), the refill push, and the linking relay between a
// user's own connected devices.
#include "core/clock.h"
#include "crypto/device_list.h"
#include "crypto/key_succession.h"
#include "crypto/recovery_key.h"
#include "crypto/x3dh.h"
#include "protocol/limits.h"
#include "services/common/device_directory.h"
#include "services/keys/key_service.h"
#include "support/captured.h"
#include "support/fake_delivery.h"

#include <QTest>

using namespace tidings;
using namespace tidings::server;
using namespace tidings::server::test;

namespace {

class FakeKeyStore final : public KeyStore {
public:
    UploadOutcome upload{UploadStatus::Stored, 100};
    int uploads = 0;
    FetchedBundles bundles;
    PublishStatus publish = PublishStatus::Stored;
    std::vector<VerifiedDeviceList> published;
    QHash<quint64, SignedDeviceList> lists;

    void uploadKeys(quint64, quint64, const KeyUpload &, int, Callback<UploadOutcome> cb) override {
        ++uploads;
        cb(upload);
    }
    void fetchBundles(quint64, const std::vector<quint64> &, const QByteArray &,
                      Callback<FetchedBundles> cb) override {
        cb(bundles);
    }
    void publishDeviceList(quint64, const VerifiedDeviceList &list,
                           Callback<PublishStatus> cb) override {
        published.push_back(list);
        cb(publish);
    }
    void deviceList(quint64 userId, const QByteArray &,
                    Callback<std::optional<SignedDeviceList>> cb) override {
        cb(lists.contains(userId) ? std::optional<SignedDeviceList>{lists[userId]}
                                  : std::optional<SignedDeviceList>{});
    }
    AccountKeyHandoff handoff;
    void accountKeyHandoff(quint64, Callback<AccountKeyHandoff> cb) override { cb(handoff); }
    RecoveryOutcome recovery;
    std::vector<VerifiedRecovery> recoveries;
    void recoverAccount(quint64, quint64, const VerifiedRecovery &r, int,
                        Callback<RecoveryOutcome> cb) override {
        recoveries.push_back(r);
        cb(recovery);
    }
    void currentDevices(const std::vector<quint64> &,
                        Callback<QHash<quint64, QList<quint64>>> cb) override {
        cb(QHash<quint64, QList<quint64>>{});
    }
};

KeyUpload signedUpload(const crypto::DeviceKeys &device, const crypto::Ed25519KeyPair &aik) {
    const auto spk = crypto::SignedPreKey::generate(device.dsk, 7);
    KeyUpload k;
    k.signingKey = device.dsk.publicKey;
    k.identityKey = device.dik.publicKey;
    k.accountKey = aik.publicKey;
    k.bindingSignature = crypto::signBinding(device, aik.publicKey);
    k.signedPreKey = SignedPreKey{spk.id, spk.key.publicKey, spk.signature};
    return k;
}

FetchedBundle bundle(quint64 device, int stock, bool taken) {
    FetchedBundle b;
    b.bundle.userId = 2;
    b.bundle.deviceId = device;
    b.stock = stock;
    b.taken = taken;
    return b;
}

} // namespace

class TestKeyService : public QObject {
    Q_OBJECT

    FakeClock m_clock;
    FakeKeyStore m_store;
    FakeDelivery m_delivery;
    int m_directoryLoads = 0;
    std::unique_ptr<DeviceDirectory> m_directory;
    std::unique_ptr<KeyService> m_service;
    const Caller alice{1, 11, QStringLiteral("alice")};

    ErrorCode upload(const KeyUpload &k, const Caller &as) {
        Captured<KeyStock> r;
        m_service->uploadKeys(as, k, r.reply());
        return r.code();
    }

private slots:
    void init() {
        m_store = FakeKeyStore{};
        m_delivery = FakeDelivery{};
        m_directoryLoads = 0;
        m_directory = std::make_unique<DeviceDirectory>(
            [this](const std::vector<quint64> &, auto cb) {
                ++m_directoryLoads;
                cb(DeviceDirectory::Lists{{1, {11}}});
            },
            10);
        m_service = std::make_unique<KeyService>(m_store, *m_directory, m_delivery, m_clock);
    }

    void uploadsAreVerifiedBeforeTheyAreStored() {
        const auto aik = crypto::Ed25519KeyPair::generate();
        const auto device = crypto::DeviceKeys::generate(1, 11);
        const KeyUpload good = signedUpload(device, aik);
        QCOMPARE(upload(good, alice), ErrorCode::None);
        // The binding names user and device: nobody uploads keys for another device.
        QCOMPARE(upload(good, Caller{1, 12, "alice"}), ErrorCode::BadFrame);
        KeyUpload forged = good;
        forged.accountKey = crypto::Ed25519KeyPair::generate().publicKey;
        QCOMPARE(upload(forged, alice), ErrorCode::BadFrame);
        KeyUpload badSpk = good;
        badSpk.signedPreKey->signature[0] = char(badSpk.signedPreKey->signature[0] ^ 1);
        QCOMPARE(upload(badSpk, alice), ErrorCode::BadFrame);
        QCOMPARE(m_store.uploads, 1);
        KeyUpload noSpk = good;
        noSpk.signedPreKey.reset(); // fine after the first upload; the store decides
        QCOMPARE(upload(noSpk, alice), ErrorCode::None);
    }

    void uploadStatusesAndTheRefillFlag() {
        const auto aik = crypto::Ed25519KeyPair::generate();
        const KeyUpload k = signedUpload(crypto::DeviceKeys::generate(1, 11), aik);
        const std::vector<std::pair<UploadStatus, ErrorCode>> cases = {
            {UploadStatus::IdentityChanged, ErrorCode::IdentityMismatch},
            {UploadStatus::AccountKeyMismatch, ErrorCode::IdentityMismatch},
            {UploadStatus::NeedsSignedPreKey, ErrorCode::BadFrame}};
        for (const auto &[status, code] : cases) {
            m_store.upload = {status, 0};
            QCOMPARE(upload(k, alice), code);
        }
        Captured<KeyStock> low, high;
        m_store.upload = {UploadStatus::Stored, limits::kPrekeyRefillThreshold - 1};
        m_service->uploadKeys(alice, k, low.reply());
        QVERIFY(low.ok() && low.value().refill);
        m_store.upload = {UploadStatus::Stored, limits::kPrekeyRefillThreshold};
        m_service->uploadKeys(alice, k, high.reply());
        QVERIFY(high.ok() && !high.value().refill);
        QCOMPARE(high.value().oneTimePreKeys, quint32(limits::kPrekeyRefillThreshold));
    }

    void bundleFetchesHaveABudgetPerDeviceAndAMinute() {
        m_store.bundles.userKnown = true;
        m_store.bundles.bundles = {bundle(21, 50, true)};
        for (int i = 0; i < limits::kMaxBundleFetchesPerMinute; ++i) {
            Captured<Bundles> r;
            m_service->fetchBundles(alice, 2, {}, {}, r.reply());
            QVERIFY(r.ok());
            m_clock.advance(10);
        }
        Captured<Bundles> limited, other;
        m_service->fetchBundles(alice, 2, {}, {}, limited.reply());
        QCOMPARE(limited.code(), ErrorCode::RateLimited);
        // The oldest fetch leaves the window 60 s after it was made.
        const qint64 oldestLeavesIn =
            KeyService::kFetchWindowMs - 10 * limits::kMaxBundleFetchesPerMinute;
        QCOMPARE(qint64(limited.error().retryAfterMs), oldestLeavesIn);
        m_service->fetchBundles(Caller{1, 12, "alice"}, 2, {}, {}, other.reply()); // another device
        QVERIFY(other.ok());
        m_clock.advance(oldestLeavesIn);
        Captured<Bundles> again;
        m_service->fetchBundles(alice, 2, {}, {}, again.reply());
        QVERIFY(again.ok());
        QCOMPARE(m_service->trackedFetchers(), 2);
        m_clock.advance(KeyService::kFetchWindowMs);
        m_service->pruneRateLimits();
        QCOMPARE(m_service->trackedFetchers(), 0);
    }

    void aDeviceLowOnPrekeysIsAskedToRefill() {
        m_delivery.connect(2, 21);
        m_delivery.connect(2, 22);
        m_delivery.connect(2, 23);
        m_store.bundles.userKnown = true;
        m_store.bundles.bundles = {bundle(21, limits::kPrekeyRefillThreshold - 1, true),
                                   bundle(22, 0, false), // none taken now: asked before
                                   bundle(23, limits::kPrekeyRefillThreshold, true)};
        Captured<Bundles> r;
        m_service->fetchBundles(alice, 2, {}, {}, r.reply());
        QVERIFY(r.ok());
        QCOMPARE(r.value().bundles.size(), std::size_t(3));
        const auto refill = m_delivery.of<wire::KeysResponse>(21);
        QCOMPARE(refill.size(), std::size_t(1));
        QVERIFY(refill[0].refill());
        QCOMPARE(refill[0].one_time_prekeys(), quint32(limits::kPrekeyRefillThreshold - 1));
        QVERIFY(m_delivery.of<wire::KeysResponse>(22).empty());
        QVERIFY(m_delivery.of<wire::KeysResponse>(23).empty());

        Captured<Bundles> unknown, none;
        m_store.bundles = FetchedBundles{};
        m_service->fetchBundles(alice, 9, {}, {}, unknown.reply());
        QCOMPARE(unknown.code(), ErrorCode::NoSuchUser);
        m_store.bundles.userKnown = true;
        m_service->fetchBundles(alice, 2, {99}, {}, none.reply());
        QCOMPARE(none.code(), ErrorCode::NoKeys);
    }

    void deviceListsAreVerifiedAndAStoredOneRefreshesTheDirectory() {
        const auto aik = crypto::Ed25519KeyPair::generate();
        const auto device = crypto::DeviceKeys::generate(1, 11);
        crypto::DeviceList list{
            1, 3, m_clock.nowMs(), {{11, device.dsk.publicKey, device.dik.publicKey}}, {}};
        const QByteArray blob = crypto::signDeviceList(list, aik);

        m_directory->withCurrentDevices({1}, [](Result<QList<DeviceRef>>) {});
        QCOMPARE(m_directoryLoads, 1);
        CapturedStatus ok;
        m_service->publishDeviceList(alice, ListPublication{blob, aik.publicKey, {}, {}, false},
                                     ok.reply());
        QVERIFY(ok.ok());
        QCOMPARE(m_store.published.size(), std::size_t(1));
        QCOMPARE(m_store.published[0].version, quint64(3));
        QCOMPARE(m_store.published[0].devices.size(), std::size_t(1));
        m_directory->withCurrentDevices({1}, [](Result<QList<DeviceRef>>) {});
        QCOMPARE(m_directoryLoads, 2); // invalidated

        CapturedStatus wrongKey, notMine;
        m_service->publishDeviceList(
            alice,
            ListPublication{blob, crypto::Ed25519KeyPair::generate().publicKey, {}, {}, false},
            wrongKey.reply());
        QCOMPARE(wrongKey.code(), ErrorCode::BadFrame);
        m_service->publishDeviceList(Caller{2, 21, "bob"},
                                     ListPublication{blob, aik.publicKey, {}, {}, false},
                                     notMine.reply());
        QCOMPARE(notMine.code(), ErrorCode::Forbidden);

        crypto::DeviceList many{1, 4, 0, {}, {}};
        for (quint64 d = 1; d <= quint64(limits::kMaxDevicesPerUser) + 1; ++d)
            many.devices.append({d, device.dsk.publicKey, device.dik.publicKey});
        CapturedStatus tooMany;
        m_service->publishDeviceList(
            alice, ListPublication{crypto::signDeviceList(many, aik), aik.publicKey, {}, {}, false},
            tooMany.reply());
        QCOMPARE(tooMany.code(), ErrorCode::TooLarge);

        const std::vector<std::pair<PublishStatus, ErrorCode>> cases = {
            {PublishStatus::AccountKeyMismatch, ErrorCode::IdentityMismatch},
            {PublishStatus::StaleVersion, ErrorCode::Forbidden},
            {PublishStatus::ForeignDevice, ErrorCode::BadFrame},
            {PublishStatus::KeysDiffer, ErrorCode::IdentityMismatch}};
        for (const auto &[status, code] : cases) {
            m_store.publish = status;
            CapturedStatus r;
            m_service->publishDeviceList(alice, ListPublication{blob, aik.publicKey, {}, {}, false},
                                         r.reply());
            QCOMPARE(r.code(), code);
        }
        QCOMPARE(m_directoryLoads, 2);

        Captured<SignedDeviceList> unknown, known;
        m_service->deviceList(alice, 9, {}, unknown.reply());
        QCOMPARE(unknown.code(), ErrorCode::NoSuchUser);
        m_store.lists.insert(2, SignedDeviceList{2, "blob", "aik", {}});
        m_service->deviceList(alice, 2, {}, known.reply());
        QCOMPARE(known.value().signedList, QByteArray("blob"));
    }

    void aSuccessionIsCheckedBeforeTheStoreAndHandsTheKeyOn() {
        const auto oldAik = crypto::Ed25519KeyPair::generate();
        const auto newAik = crypto::Ed25519KeyPair::generate();
        const auto mine = crypto::DeviceKeys::generate(1, 11);
        const auto laptop = crypto::DeviceKeys::generate(1, 12);
        crypto::DeviceList list{1, 8, m_clock.nowMs(), {}, {}};
        list.devices = {{11, mine.dsk.publicKey, mine.dik.publicKey},
                        {12, laptop.dsk.publicKey, laptop.dik.publicKey}};
        const QByteArray blob = crypto::signDeviceList(list, newAik);
        crypto::KeySuccession s;
        s.userId = 1;
        s.oldKey = oldAik.publicKey;
        s.newKey = newAik.publicKey;
        s.lastVersion = 7;
        const QByteArray statement = crypto::signSuccession(s, oldAik, newAik);
        QVERIFY(!statement.isEmpty());
        // Handoffs go to listed devices other than the caller only.
        const ListPublication pub{blob,
                                  newAik.publicKey,
                                  statement,
                                  {{12, "for the laptop"}, {11, "self"}, {13, "unlisted"}},
                                  false};

        QByteArray garbled = statement;
        garbled[10] = char(garbled[10] ^ 1);
        CapturedStatus bad, otherKey, noStatement;
        m_service->publishDeviceList(
            alice, ListPublication{blob, newAik.publicKey, garbled, {}, false}, bad.reply());
        QCOMPARE(bad.code(), ErrorCode::BadFrame);
        crypto::KeySuccession toOther = s;
        toOther.newKey = crypto::Ed25519KeyPair::generate().publicKey;
        const auto other = crypto::Ed25519KeyPair::generate();
        toOther.newKey = other.publicKey;
        m_service->publishDeviceList(
            alice,
            ListPublication{
                blob, newAik.publicKey, crypto::signSuccession(toOther, oldAik, other), {}, false},
            otherKey.reply());
        QCOMPARE(otherKey.code(), ErrorCode::BadFrame);
        m_service->publishDeviceList(
            alice, ListPublication{blob, newAik.publicKey, {}, {{12, "x"}}, false},
            noStatement.reply());
        QCOMPARE(noStatement.code(), ErrorCode::BadFrame);
        QVERIFY(m_store.published.empty());

        m_delivery.connect(1, 12);
        CapturedStatus ok;
        m_service->publishDeviceList(alice, pub, ok.reply());
        QVERIFY(ok.ok());
        QCOMPARE(m_store.published.size(), std::size_t(1));
        const VerifiedDeviceList &stored = m_store.published[0];
        QCOMPARE(stored.oldKey, oldAik.publicKey);
        QCOMPARE(stored.lastVersion, quint64(7));
        QCOMPARE(stored.callerDevice, quint64(11));
        QCOMPARE(stored.handoffs.size(), std::size_t(1));
        QCOMPARE(stored.handoffs[0].first, quint64(12));
        const auto pushes = m_delivery.of<wire::AccountKeyPush>(12);
        QCOMPARE(pushes.size(), std::size_t(1));
        QCOMPARE(QByteArray::fromStdString(pushes[0].handoff()), QByteArray("for the laptop"));
        QCOMPARE(QByteArray::fromStdString(pushes[0].successions(0)), statement);

        const std::vector<std::pair<PublishStatus, ErrorCode>> cases = {
            {PublishStatus::NotSuccessor, ErrorCode::IdentityMismatch},
            {PublishStatus::LastVersionMismatch, ErrorCode::IdentityMismatch},
            {PublishStatus::NotLinked, ErrorCode::Forbidden},
            {PublishStatus::TooManySuccessions, ErrorCode::RateLimited},
            {PublishStatus::PasswordRequired, ErrorCode::Forbidden}};
        for (const auto &[status, code] : cases) {
            m_store.publish = status;
            CapturedStatus r;
            m_service->publishDeviceList(alice, pub, r.reply());
            QCOMPARE(r.code(), code);
        }
        QCOMPARE(m_delivery.of<wire::AccountKeyPush>(12).size(), std::size_t(1)); // Stored only
    }

    void failedRecoveriesAreLimitedPerUser() {
        const auto oldAik = crypto::Ed25519KeyPair::generate();
        const auto newAik = crypto::Ed25519KeyPair::generate();
        const auto device = crypto::DeviceKeys::generate(1, 11);
        auto rsk = crypto::recoverySigningKey(crypto::newRecoverySecret());
        QVERIFY(rsk.ok());
        crypto::DeviceList old{1, 4, 0, {}, {}};
        old.devices = {{10, device.dsk.publicKey, device.dik.publicKey}};
        old.recoveryKey = rsk->publicKey;
        crypto::KeySuccession s;
        s.authority = crypto::SuccessionAuthority::RecoveryKey;
        s.userId = 1;
        s.oldKey = oldAik.publicKey;
        s.newKey = newAik.publicKey;
        s.lastVersion = 4;
        s.embeddedList = crypto::signDeviceList(old, oldAik);
        crypto::DeviceList fresh{1, 5, 0, {{11, device.dsk.publicKey, device.dik.publicKey}}, {}};
        fresh.recoveryKey = rsk->publicKey;
        AccountRecovery rec;
        rec.keys = signedUpload(device, newAik);
        rec.signedList = crypto::signDeviceList(fresh, newAik);
        rec.accountKey = newAik.publicKey;

        // Not signed by the key the list names (a flipped bit in the recovery signature):
        // BAD_RECOVERY_KEY, five times.
        const QByteArray genuine = crypto::signRecoverySuccession(s, *rsk, newAik);
        QVERIFY(!genuine.isEmpty());
        rec.succession = genuine;
        rec.succession[genuine.size() - 100] = char(genuine[genuine.size() - 100] ^ 1);
        for (int i = 0; i < KeyService::kMaxFailedRecoveriesPerHour; ++i) {
            Captured<std::vector<quint64>> r;
            m_service->recoverAccount(alice, rec, r.reply());
            QCOMPARE(r.code(), ErrorCode::BadRecoveryKey);
        }
        // Then even the right key waits: the budget is per user, counted by the server.
        rec.succession = crypto::signRecoverySuccession(s, *rsk, newAik);
        Captured<std::vector<quint64>> limited;
        m_service->recoverAccount(alice, rec, limited.reply());
        QCOMPARE(limited.code(), ErrorCode::RateLimited);
        QVERIFY(limited.error().retryAfterMs > 0);
        QVERIFY(m_store.recoveries.empty());
        // Counted per device: another device of alice (her own, new one) is not limited, so a
        // thief holding one device cannot use up the owner's attempts.
        Captured<std::vector<quint64>> otherDevice;
        QByteArray garbled = genuine;
        garbled[genuine.size() - 100] = char(garbled[genuine.size() - 100] ^ 1);
        AccountRecovery wrong = rec;
        wrong.succession = garbled;
        m_service->recoverAccount(Caller{1, 12, "alice"}, wrong, otherDevice.reply());
        QCOMPARE(otherDevice.code(), ErrorCode::BadRecoveryKey);
        // An hour later the first device may try again.
        m_clock.advance(KeyService::kRecoveryWindowMs + 1);
        m_store.recovery = RecoveryOutcome{RecoveryStatus::Recovered, {10}};
        Captured<std::vector<quint64>> ok;
        m_service->recoverAccount(alice, rec, ok.reply());
        QVERIFY(ok.ok());
        QCOMPARE(ok.value(), std::vector<quint64>{10});
        QCOMPARE(m_store.recoveries.size(), std::size_t(1));
        QCOMPARE(m_store.recoveries[0].oldKey, oldAik.publicKey);
        QCOMPARE(m_store.recoveries[0].recoveryKey, rsk->publicKey);
        // A list naming more devices than this one is not a recovery.
        fresh.devices.append({12, device.dsk.publicKey, device.dik.publicKey});
        rec.signedList = crypto::signDeviceList(fresh, newAik);
        Captured<std::vector<quint64>> two;
        m_service->recoverAccount(alice, rec, two.reply());
        QCOMPARE(two.code(), ErrorCode::BadFrame);
    }

    void theLinkRelayIsBetweenTheCallersOwnConnectedDevices() {
        m_delivery.connect(1, 11);
        m_delivery.connect(1, 12);
        m_delivery.connect(2, 21);
        CapturedStatus ok, self, foreign, offline;
        m_service->linkRelay(alice, 12, "blob", ok.reply());
        QVERIFY(ok.ok());
        const auto got = m_delivery.of<wire::LinkRelayPush>(12);
        QCOMPARE(got.size(), std::size_t(1));
        QCOMPARE(got[0].from_device_id(), quint64(11));
        QCOMPARE(got[0].blob(), std::string("blob"));
        m_service->linkRelay(alice, 11, "blob", self.reply());
        m_service->linkRelay(alice, 21, "blob", foreign.reply());
        m_service->linkRelay(alice, 13, "blob", offline.reply());
        for (const auto *r : {&self, &foreign, &offline})
            QCOMPARE(r->code(), ErrorCode::NoSuchDevice);
        QVERIFY(m_delivery.of<wire::LinkRelayPush>(21).empty());
    }
};

QTEST_GUILESS_MAIN(TestKeyService)
#include "test_key_service.moc"
