// OwnKeys alone (no engine around it): creating, persisting and reloading this device's keys,
// refusing another device's ids, prekey refill limits, signed-prekey rotation on a fake clock,
// and adopting an account key received by linking.
#include "core/e2e/own_keys.h"
#include "core/store/database.h"
#include "core/store/key_store.h"
#include "crypto/primitives.h"

#include <QTest>

#include <memory>

using tidings::ErrorCode;
using tidings::client::Database;
using tidings::client::KeyStore;
using tidings::client::e2e::Clock;
using tidings::client::e2e::OwnKeys;
using tidings::crypto::Ed25519KeyPair;
using tidings::crypto::PreKeyStore;
using tidings::crypto::SecretBytes;

namespace {
constexpr qint64 kDayMs = 24LL * 3600 * 1000;
constexpr qint64 kStartMs = 1'700'000'000'000;
} // namespace

class TestE2eOwnKeys : public QObject {
    Q_OBJECT

    SecretBytes m_master = SecretBytes::random(32);
    std::unique_ptr<Database> m_db;
    std::unique_ptr<KeyStore> m_store;
    Clock m_clock;

    std::unique_ptr<OwnKeys> openKeys() {
        auto keys = std::make_unique<OwnKeys>(*m_store, m_clock);
        auto s = keys->open();
        if (!s)
            qFatal("open: %s", qPrintable(s.error().toString()));
        return keys;
    }

private slots:
    void init() {
        auto db = Database::open(QStringLiteral(":memory:"), m_master);
        QVERIFY(db);
        m_db = std::move(*db);
        m_store = std::make_unique<KeyStore>(*m_db, m_master);
        m_clock.set([] { return kStartMs; });
    }
    void cleanup() {
        m_store.reset();
        m_db.reset();
    }

    void refusesBeforeOpen() {
        OwnKeys keys(*m_store, m_clock);
        auto r = keys.ensureDeviceKeys(1, 1, true);
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::Usage);
        QVERIFY(!keys.requireKeys());
    }

    void createsPersistsAndReloads() {
        auto keys = openKeys();
        QVERIFY(!keys->hasDeviceKeys());
        auto first = keys->ensureDeviceKeys(1, 7, true);
        QVERIFY(first);
        QCOMPARE(first->one_time_prekeys_size(), PreKeyStore::kOpkUploadCount);
        QVERIFY(first->has_signed_prekey());
        QVERIFY(!first->account_key().empty());
        QVERIFY(!first->binding_signature().empty());
        QVERIFY(keys->hasAccountKey());
        QCOMPARE(keys->oneTimePrekeyCount(), PreKeyStore::kOpkUploadCount);

        // Another instance on the same store (a restart) holds the same keys.
        auto again = openKeys();
        QVERIFY(again->hasDeviceKeys());
        QVERIFY(again->hasAccountKey());
        QCOMPARE(again->userId(), quint64(1));
        QCOMPARE(again->deviceId(), quint64(7));
        QCOMPARE(again->deviceKeys().dsk.publicKey, keys->deviceKeys().dsk.publicKey);
        QCOMPARE(again->deviceKeys().dik.publicKey, keys->deviceKeys().dik.publicKey);
        QCOMPARE(again->accountPublicKey(), keys->accountPublicKey());
        // Asking again uploads the same identity and SPK, and no new OPKs.
        auto second = again->ensureDeviceKeys(1, 7, true);
        QVERIFY(second);
        QCOMPARE(second->one_time_prekeys_size(), 0);
        QCOMPARE(second->signing_key(), first->signing_key());
        QCOMPARE(second->signed_prekey().key_id(), first->signed_prekey().key_id());
    }

    void refusesAnotherDevicesIds() {
        auto keys = openKeys();
        QVERIFY(keys->ensureDeviceKeys(1, 7, true));
        auto other = keys->ensureDeviceKeys(1, 8, true);
        QVERIFY(!other);
        QCOMPARE(other.error().code, ErrorCode::Usage);
        QCOMPARE(keys->deviceId(), quint64(7));
    }

    void refillLimits() {
        auto keys = openKeys();
        QVERIFY(!keys->refillPrekeys(5)); // no keys yet
        QVERIFY(keys->ensureDeviceKeys(1, 7, true));
        auto more = keys->refillPrekeys(5);
        QVERIFY(more);
        QCOMPARE(more->one_time_prekeys_size(), 5);
        QVERIFY(!more->has_signed_prekey());
        QCOMPARE(more->signing_key(), keys->deviceKeys().dsk.publicKey.toStdString());
        QCOMPARE(keys->oneTimePrekeyCount(), PreKeyStore::kOpkUploadCount + 5);
        QVERIFY(!keys->refillPrekeys(0));
        QVERIFY(!keys->refillPrekeys(PreKeyStore::kOpkUploadCount + 1));
        QCOMPARE(keys->oneTimePrekeyCount(), PreKeyStore::kOpkUploadCount + 5);
    }

    void signedPrekeyRotatesWeekly() {
        auto keys = openKeys();
        auto first = keys->ensureDeviceKeys(1, 7, true);
        QVERIFY(first);
        auto early = keys->rotateSignedPrekeyIfDue(kStartMs + 6 * kDayMs);
        QVERIFY(early);
        QVERIFY(!early->has_value());
        auto due = keys->rotateSignedPrekeyIfDue(kStartMs + 8 * kDayMs);
        QVERIFY(due);
        QVERIFY(due->has_value());
        QVERIFY((*due)->signed_prekey().key_id() != first->signed_prekey().key_id());
        QCOMPARE((*due)->one_time_prekeys_size(), 0);
        // The new SPK is the current one from now on, also after a restart.
        auto again = openKeys();
        auto pk = again->loadPrekeys();
        QVERIFY(pk);
        QCOMPARE(pk->currentSignedPreKey()->id, (*due)->signed_prekey().key_id());
    }

    void adoptsALinkedAccountKey() {
        auto keys = openKeys();
        auto first = keys->ensureDeviceKeys(1, 7, false);
        QVERIFY(first);
        QVERIFY(!keys->hasAccountKey());
        QVERIFY(first->account_key().empty());
        QVERIFY(first->binding_signature().empty());
        const Ed25519KeyPair aik = Ed25519KeyPair::generate();
        auto seed = SecretBytes::fromRaw(aik.secretKey.data(), 32);
        auto copy = Ed25519KeyPair::fromSeed(seed);
        QVERIFY(copy);
        QVERIFY(keys->adoptAccountKey(std::move(*copy)));
        QCOMPARE(keys->accountPublicKey(), aik.publicKey);
        // The upload now carries the account key and the binding; a restart keeps it.
        auto upload = keys->ensureDeviceKeys(1, 7, false);
        QVERIFY(upload);
        QCOMPARE(upload->account_key(), aik.publicKey.toStdString());
        QVERIFY(!upload->binding_signature().empty());
        QCOMPARE(openKeys()->accountPublicKey(), aik.publicKey);
    }
};

QTEST_GUILESS_MAIN(TestE2eOwnKeys)
#include "test_e2e_own_keys.moc"
