// KeyStore: the E2E engine's state on the client database: own keys, pinned peers and device
// lists, pairwise sessions (rank, pruning), sender keys and their distributions. Secrets are
// sealed to their table and row (a blob moved elsewhere does not open, another master key opens
// nothing), and its writes join the Database's transactions so they commit or roll back with
// the messages.
#include "store_fixture.h"

#include "core/store/key_store.h"
#include "core/store/message_store.h"
#include "core/store/view_state_store.h"

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

    void peersAndDeviceLists() {
        auto store = m_files.open();
        KeyStore &keys = store->keys();
        QVERIFY(!keys.peer(2)->exists);
        QVERIFY(keys.pinAccountKey(2, "aik-1").ok());
        QVERIFY(keys.peer(2)->exists);
        QVERIFY(keys.storeDeviceList(2, "aik-1", 3, "list v3", false).ok());
        QVERIFY(keys.listDevice(2, 21, "dsk21", "dik21").ok());
        QVERIFY(keys.listDevice(2, 22, "dsk22", "dik22").ok());
        QCOMPARE(*keys.listedDevices(2), (QList<quint64>{21, 22}));
        KeyStore::Peer p = *keys.peer(2);
        QCOMPARE(p.aik, QByteArray("aik-1"));
        QCOMPARE(p.listVersion, quint64(3));
        QCOMPARE(p.listBlob, QByteArray("list v3"));
        QVERIFY(!p.changed);
        // Verification pins the current key; a changed key stays marked until acknowledged.
        QVERIFY(keys.setVerified(2, true).ok());
        QCOMPARE(keys.peer(2)->verifiedAik, QByteArray("aik-1"));
        QVERIFY(keys.storeDeviceList(2, "aik-2", 4, "list v4", true).ok());
        QVERIFY(keys.storeDeviceList(2, "aik-2", 5, "list v5", false).ok());
        p = *keys.peer(2);
        QVERIFY(p.changed);
        QCOMPARE(p.verifiedAik, QByteArray("aik-1"));
        QVERIFY(keys.acknowledgeIdentityChange(2).ok());
        p = *keys.peer(2);
        QVERIFY(!p.changed);
        QVERIFY(p.verifiedAik.isEmpty()); // verified the old key, not this one
        QVERIFY(keys.setVerified(2, true).ok());
        QVERIFY(keys.setVerified(2, false).ok());
        QVERIFY(keys.peer(2)->verifiedAik.isEmpty());

        // A known device whose keys change leaves the list; a new list puts back who is on it.
        QVERIFY(keys.rememberDevice(2, 22, "dsk22", "dik22").ok());
        QVERIFY((*keys.device(2, 22))->listed);
        QVERIFY(keys.rememberDevice(2, 22, "other", "dik22").ok());
        QVERIFY(!(*keys.device(2, 22))->listed);
        QCOMPARE((*keys.device(2, 22))->dsk, QByteArray("other"));
        QVERIFY(!keys.device(2, 99)->has_value());
        QVERIFY(keys.unlistDevices(2).ok());
        QVERIFY(keys.listedDevices(2)->isEmpty());
        QVERIFY(keys.listDevice(2, 21, "dsk21", "dik21").ok());
        QCOMPARE(*keys.listedDevices(2), QList<quint64>{21});
    }

    void sessionsRankPruneAndSeal() {
        auto store = m_files.open();
        KeyStore &keys = store->keys();
        auto state = [](char c) { return SecretBytes::fromRaw(QByteArray(40, c).constData(), 40); };
        QVERIFY(!*keys.hasSession(2, 21));
        QVERIFY(keys.saveSession(2, 21, "s1", state('1'), "x3dh", {}, true, 2).ok());
        QVERIFY(*keys.hasSession(2, 21));
        QVERIFY(keys.saveSession(2, 21, "s2", state('2'), {}, "inbound", true, 2).ok());
        auto all = std::move(*keys.sessions(2, 21));
        QCOMPARE(int(all.size()), 2);
        QCOMPARE(all[0].sid, QByteArray("s2")); // the newest active one first
        QCOMPARE(all[0].inbound, QByteArray("inbound"));
        QCOMPARE(all[1].pending, QByteArray("x3dh"));
        QVERIFY(all[1].state.equals(state('1')));
        QCOMPARE(*keys.sealedSession(2, 21, "s1"), all[1].sealed);
        // Advancing a session keeps its rank; making one active prunes beyond `keep`.
        QVERIFY(keys.saveSession(2, 21, "s1", state('3'), {}, {}, false, 2).ok());
        QCOMPARE(keys.sessions(2, 21, true)->at(0).sid, QByteArray("s2"));
        QVERIFY(keys.sessions(2, 21)->at(1).pending.isEmpty());
        QVERIFY(keys.saveSession(2, 21, "s3", state('4'), {}, {}, true, 2).ok());
        QCOMPARE(int(keys.sessions(2, 21)->size()), 2);
        QVERIFY(keys.sealedSession(2, 21, "s1")->isEmpty());
        // A sealed state copied to another device's row does not open.
        QVERIFY(keys.saveSession(2, 22, "s1", state('5'), {}, {}, true, 2).ok());
        QVERIFY(
            store->database()
                .exec(u"UPDATE e2e_sessions SET state = (SELECT state FROM e2e_sessions"
                      " WHERE device_id = 21 AND sid = CAST('s3' AS BLOB)) WHERE device_id = 22"_qs)
                .ok());
        QVERIFY(!keys.sessions(2, 22).ok());
        // Sessions with devices that left the list end; forgetting a device drops everything.
        QVERIFY(keys.listDevice(2, 21, "dsk", "dik").ok());
        QVERIFY(keys.dropUnlistedSessions(2).ok());
        QVERIFY(!*keys.hasSession(2, 22));
        QVERIFY(*keys.hasSession(2, 21));
        QVERIFY(keys.saveReceiverKey(2, 21, "dist", kGroup, state('r')).ok());
        QVERIFY(keys.markDistributed(kGroup, "mine", 2, 21).ok());
        QVERIFY(keys.forgetDevice(2, 21).ok());
        QVERIFY(!*keys.hasSession(2, 21));
        QVERIFY(!*keys.hasReceiverKey(2, 21, "dist"));
        QVERIFY(keys.distributionHolders(kGroup, "mine")->isEmpty());
    }

    // A dump of the SQLite file, its -wal and its -shm after a session was advanced and then
    // deleted, and after a draft was written, holds neither sealed state nor the draft's text.
    // Without the WAL scrub both old states stay in the -wal file (secure_delete zeroes freed
    // space in the main file only), where a later holder of the master key could open them.
    void deletedKeysLeaveNoTraceInTheFiles() {
        const QString path = m_files.freshPath();
        auto store = m_files.open(path);
        KeyStore &keys = store->keys();
        auto state = [](char c) { return SecretBytes::fromRaw(QByteArray(40, c).constData(), 40); };
        QVERIFY(keys.saveSession(3, 31, "s1", state('a'), {}, {}, true, 2).ok());
        const QByteArray first = *keys.sealedSession(3, 31, "s1");
        QVERIFY(keys.saveSession(3, 31, "s1", state('b'), {}, {}, false, 2).ok());
        const QByteArray second = *keys.sealedSession(3, 31, "s1");
        QVERIFY(first.size() > 48 && second.size() > 48 && first != second);
        QVERIFY(keys.forgetDevice(3, 31).ok());
        const QString draft = u"the draft about the quokka"_qs;
        QVERIFY(store->viewState().setDraft(7, draft).ok());
        const auto dump = [&] {
            return fileBytes(path) + fileBytes(path + u"-wal"_qs) + fileBytes(path + u"-shm"_qs);
        };
        // The ciphertext part of each sealed state (past its nonce) is what must be gone.
        const QByteArray firstTail = first.right(32), secondTail = second.right(32);
        // The scrub is throttled to one a second: the last writes go on the timer.
        QTRY_VERIFY_WITH_TIMEOUT(!dump().contains(firstTail) && !dump().contains(secondTail), 5000);
        QVERIFY(store->database().journalScrubs() >= 1);
        QVERIFY(!dump().contains(draft.toUtf8()));
        QVERIFY(fileBytes(path + u"-wal"_qs).isEmpty()); // truncated, not only reset
        QCOMPARE(*store->viewState().draft(7), draft);
    }

    void senderKeysAndDistributions() {
        auto store = m_files.open();
        KeyStore &keys = store->keys();
        const SecretBytes mine = SecretBytes::random(64);
        QVERIFY(!keys.senderKey(kGroup)->has_value());
        QVERIFY(keys.markRotationNeeded(kGroup).ok()); // nothing to rotate yet
        QVERIFY(keys.saveSenderKey(kGroup, mine).ok());
        auto stored = std::move(*keys.senderKey(kGroup));
        QVERIFY(stored->state.equals(mine));
        QVERIFY(!stored->rotate);
        QVERIFY(keys.markRotationNeeded(kGroup).ok());
        QVERIFY((*keys.senderKey(kGroup))->rotate);
        QVERIFY(keys.saveSenderKey(kGroup, mine).ok()); // rotated and saved: done
        QVERIFY(!(*keys.senderKey(kGroup))->rotate);

        QVERIFY(keys.markDistributed(kGroup, "d1", 2, 21).ok());
        QVERIFY(keys.markDistributed(kGroup, "d1", 2, 21).ok()); // once
        QVERIFY(keys.markDistributed(kGroup, "d1", 3, 31).ok());
        QVERIFY(keys.markDistributed(kGroup, "d0", 3, 31).ok());
        using Holders = QList<std::pair<quint64, quint64>>;
        QCOMPARE(*keys.distributionHolders(kGroup, "d1"), (Holders{{2, 21}, {3, 31}}));
        QVERIFY(keys.clearDistribution(kGroup, 2, 21).ok());
        QCOMPARE(*keys.distributionHolders(kGroup, "d1"), (Holders{{3, 31}}));
        QVERIFY(keys.clearDistributions(kGroup).ok());
        QVERIFY(keys.distributionHolders(kGroup, "d0")->isEmpty());

        const SecretBytes theirs = SecretBytes::random(48);
        QVERIFY(!*keys.hasReceiverKey(2, 21, "dist"));
        QVERIFY(!keys.receiverKey(2, 21, "dist")->has_value());
        QVERIFY(keys.sealedReceiverKey(2, 21, "dist")->isEmpty());
        QVERIFY(keys.saveReceiverKey(2, 21, "dist", kGroup, theirs).ok());
        QVERIFY(*keys.hasReceiverKey(2, 21, "dist"));
        auto rx = std::move(*keys.receiverKey(2, 21, "dist"));
        QCOMPARE(rx->groupId, kGroup);
        QVERIFY(rx->state.equals(theirs));
        QCOMPARE(*keys.sealedReceiverKey(2, 21, "dist"), rx->sealed);
        // Under another sender's address the state does not open.
        QVERIFY(store->database().exec(u"UPDATE e2e_group_in SET device_id = 22"_qs).ok());
        QVERIFY(!keys.receiverKey(2, 22, "dist").ok());
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
        // A failing statement is a typed error (here: the table is gone).
        QVERIFY(store->database().exec(u"DROP TABLE e2e_peers"_qs).ok());
        auto bad = keys.peer(2);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, ErrorCode::Storage);
    }
};

QTEST_GUILESS_MAIN(TestKeyStore)
#include "test_key_store.moc"
