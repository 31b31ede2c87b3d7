// KeyStore: the E2E engine's state on the client database. Secrets are sealed to their table and
// row (a blob moved elsewhere does not open, another master key opens nothing), and its writes
// join the Database's transactions so they commit or roll back with the messages.
#include "store_fixture.h"

#include "core/store/key_store.h"
#include "core/store/message_store.h"

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

class TestKeyStore : public QObject {
    Q_OBJECT
private:
    StoreFiles m_files;

private slots:
    void ownValuesAndSealedSecrets() {
        const QString path = m_files.freshPath();
        const QByteArray secretBytes("0123456789abcdef-device-secret!!");
        {
            auto store = m_files.open(path);
            KeyStore &keys = store->keys();
            QVERIFY(keys.valid());
            QVERIFY(keys.ownValue(u"user_id"_qs)->isEmpty());
            QVERIFY(keys.ownSecret(u"aik"_qs)->isEmpty());
            QVERIFY(keys.setOwnValue(u"user_id"_qs, "1").ok());
            QVERIFY(keys.setOwnSecret(u"aik"_qs, SecretBytes::fromRaw(secretBytes.constData(),
                                                                      size_t(secretBytes.size())))
                        .ok());
            QVERIFY(store->database().exec(u"PRAGMA wal_checkpoint(TRUNCATE)"_qs).ok());
        }
        QVERIFY(!fileBytes(path).contains(secretBytes));
        auto store = m_files.open(path);
        KeyStore &keys = store->keys();
        QCOMPARE(*keys.ownValue(u"user_id"_qs), QByteArray("1"));
        auto aik = keys.ownSecret(u"aik"_qs);
        QVERIFY2(aik.ok(), errorOf(aik).constData());
        QVERIFY(aik->equals(secretBytes.constData(), size_t(secretBytes.size())));
        // Moved to another row, the sealed blob does not open.
        QVERIFY(keys.setOwnValue(u"device_keys"_qs, *keys.ownValue(u"aik"_qs)).ok());
        QVERIFY(!keys.ownSecret(u"device_keys"_qs).ok());
        // Another master key opens nothing (the engine's own key derivation).
        KeyStore other(store->database(), keyOf('o'));
        QVERIFY(!other.ownSecret(u"aik"_qs).ok());
        QVERIFY(!KeyStore(store->database(), SecretBytes::random(8)).valid());
    }

    void sealedRowsAreBoundToTheirTable() {
        auto store = m_files.open();
        KeyStore &keys = store->keys();
        const SecretBytes state = SecretBytes::random(40);
        const QByteArray sealed = keys.seal("e2e_sessions", "row", state);
        QVERIFY(!sealed.isEmpty());
        QVERIFY(keys.unseal("e2e_sessions", "row", sealed)->equals(state));
        QVERIFY(!keys.unseal("e2e_group_in", "row", sealed).ok());
        QVERIFY(!keys.unseal("e2e_sessions", "other row", sealed).ok());
    }

    void writesJoinTheCallersTransaction() {
        auto store = m_files.open();
        KeyStore &keys = store->keys();
        // The engine's own transaction is one level of the Database's.
        QVERIFY(!store
                     ->transaction([&]() -> Status {
                         RETURN_ON_ERROR(store->messages().storeIncoming({fromBob(1)}, 5000, kMe));
                         RETURN_ON_ERROR(keys.transaction(
                             [&] { return keys.setOwnValue(u"prekeys"_qs, "state 2"); }));
                         return Error{ErrorCode::Internal, u"storing failed"_qs};
                     })
                     .ok());
        QVERIFY(keys.ownValue(u"prekeys"_qs)->isEmpty());
        QVERIFY(store->messages().history(kConv, 10)->isEmpty());
        QVERIFY(keys.transaction([&] { return keys.setOwnValue(u"prekeys"_qs, "state 3"); }).ok());
        QCOMPARE(*keys.ownValue(u"prekeys"_qs), QByteArray("state 3"));
        // A failing statement is a typed error.
        auto bad = keys.exec(u"SELECT nothing FROM nowhere"_qs);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, ErrorCode::Storage);
    }
};

QTEST_GUILESS_MAIN(TestKeyStore)
#include "test_key_store.moc"
