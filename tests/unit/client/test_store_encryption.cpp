// The local store encrypted at rest: no plaintext word of a message (or outbox payload) in the
// SQLite file or its WAL after storing and searching; a wrong master key is a typed error;
// secure_delete on the connection; a plaintext cache from before encryption at rest is sealed in
// place on its first keyed open; the master key in the SecretStore.
#include "legacy_schema.h"
#include "store_fixture.h"

#include "core/secrets/master_key.h"
#include "core/secrets/secret_store.h"
#include "core/store/chat_list_reader.h"
#include "core/store/message_store.h"
#include "core/store/outbox_store.h"
#include "core/store/search_index.h"
#include "core/store/view_state_store.h"

#include <QFile>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

namespace {
// Words that occur nowhere else in a fresh store (no schema name, no username).
const QStringList kSecretWords = {u"Quokka"_qs,       u"zanzibar"_qs,  u"Marmalade"_qs,
                                  u"périphérique"_qs, u"xylophone"_qs, u"outboxonly"_qs};

//! Plaintext words found in the database file, its WAL and shared memory.
QStringList leakedWords(const QString &path, const QStringList &words) {
    const QByteArray all =
        fileBytes(path) + fileBytes(path + u"-wal"_qs) + fileBytes(path + u"-shm"_qs);
    QStringList found;
    for (const QString &w : words) {
        for (const QString &form : {w, w.toLower(), w.toUpper()}) {
            if (all.contains(form.toUtf8()) ||
                all.contains(
                    QByteArray(reinterpret_cast<const char *>(form.utf16()), form.size() * 2))) {
                found.append(form);
                break;
            }
        }
    }
    return found;
}

//! A cache as a client from before encryption at rest left it (schema 2): texts and outbox
//! payloads in clear, and the view store's plaintext FTS index kept by triggers.
void writePlaintextCache(const QString &path) {
    legacy::File f(path);
    f.execAll(legacy::kLocalStoreV1);
    f.execAll(legacy::kLocalStoreV2);
    f.exec(u"PRAGMA user_version = 2"_qs);
    f.execAll(legacy::kViewTables);
    f.execAll(legacy::kPlainSearch);
    f.exec(u"INSERT INTO settings VALUES ('user_id', '1'), ('device_id', '11'),"
           " ('username', 'alice'), ('server_url', 'ws://x')"_qs);
    f.exec(u"INSERT INTO conversations(id, peer_user_id, peer_username, last_contiguous_seq,"
           " kind) VALUES (7, 2, 'bob', 2, 1)"_qs);
    f.exec(u"INSERT INTO messages(client_message_id, conversation_id, seq, sender_user_id,"
           " sender_device_id, sender_username, text, notified) VALUES"
           " ('bob-1', 7, 1, 2, 22, 'bob', 'Quokka marmalade', 1),"
           " ('bob-2', 7, 2, 2, 22, 'bob', 'xylophone', 1),"
           " ('c1', 7, NULL, 1, 11, 'alice', 'zanzibar', 1)"_qs);
    f.exec(u"INSERT INTO outbox VALUES ('c1', 7, 'outboxonly', 10)"_qs);
    f.exec(u"INSERT INTO ui_chat_prefs(conversation_id, pinned, draft) VALUES (7, 1, 'later')"_qs);
}
} // namespace

class TestStoreEncryption : public QObject {
    Q_OBJECT
private:
    StoreFiles m_files;

private slots:
    void noPlaintextInTheFileOrWal() {
        const QString path = m_files.freshPath();
        {
            auto store = m_files.open(path);
            QVERIFY(store->messages()
                        .storeIncoming({fromBob(1, u"The Quokka ate marmalade in Zanzibar"_qs),
                                        fromBob(2, u"périphérique and xylophone"_qs)},
                                       5000, kMe)
                        .ok());
            QVERIFY(store->messages()
                        .enqueueOutgoing({OutgoingDraft{u"c1"_qs, kConv, u"zanzibar again"_qs, 10,
                                                        QByteArray("outboxonly payload")}},
                                         kMe)
                        .ok());
            // Reads decrypt, search works.
            auto rows = *store->messages().latest(kConv, 10);
            QCOMPARE(rows.size(), 3);
            QCOMPARE(rows.at(0).text, u"The Quokka ate marmalade in Zanzibar"_qs);
            QCOMPARE(rows.at(2).text, u"zanzibar again"_qs);
            QCOMPARE(store->search().search(u"ZANZIBAR"_qs, 10)->size(), 2);
            QCOMPARE(store->chatList().chatSummary(kConv)->lastMessage->text, u"zanzibar again"_qs);
            QCOMPARE(store->outbox().entries()->at(0).payload, QByteArray("outboxonly payload"));
            QCOMPARE(store->messages().history(kConv, 10)->at(1).text,
                     u"périphérique and xylophone"_qs);
            // While the connection is open (the WAL holds the newest pages).
            QCOMPARE(leakedWords(path, kSecretWords), QStringList());
        }
        QCOMPARE(leakedWords(path, kSecretWords), QStringList());
        // The control: the same words in a plaintext cache do leak (the scan works).
        const QString plainPath = m_files.freshPath();
        writePlaintextCache(plainPath);
        QVERIFY(!leakedWords(plainPath, kSecretWords).isEmpty());
    }

    void wrongKeyIsATypedError() {
        const QString path = m_files.freshPath();
        {
            auto store = Storage::open(path, keyOf('a'));
            QVERIFY(store.ok());
            QVERIFY((*store)->accounts().saveAccount(kMe).ok());
            QVERIFY((*store)->messages().storeIncoming({fromBob(1, u"quokka"_qs)}, 5000, kMe).ok());
        }
        auto wrong = Storage::open(path, keyOf('b'));
        QVERIFY(!wrong.ok());
        QCOMPARE(wrong.error().code, ErrorCode::BadCredentials);
        auto shortKey = Storage::open(path, SecretBytes::random(16));
        QVERIFY(!shortKey.ok());
        // The right key still reads everything.
        auto right = Storage::open(path, keyOf('a'));
        QVERIFY(right.ok());
        QCOMPARE((*right)->messages().history(kConv, 10)->at(0).text, u"quokka"_qs);
    }

    void secureDeleteOnTheConnection() {
        auto store = m_files.open();
        QCOMPARE(scalar(store->database(), u"PRAGMA secure_delete"_qs).toInt(), 1);
        QCOMPARE(scalar(store->database(), u"PRAGMA journal_mode"_qs).toString(), u"wal"_qs);
    }

    void plaintextCacheIsSealedInPlace() {
        const QString path = m_files.freshPath();
        writePlaintextCache(path);
        QVERIFY(!leakedWords(path, kSecretWords).isEmpty());
        {
            auto opened = Storage::open(path, keyOf('z'));
            QVERIFY2(opened.ok(), errorOf(opened).constData());
            Storage &store = **opened;
            auto rows = *store.messages().history(kConv, 10);
            QCOMPARE(rows.size(), 3);
            QCOMPARE(rows.at(0).text, u"Quokka marmalade"_qs);
            QCOMPARE(rows.at(2).text, u"zanzibar"_qs);
            QCOMPARE(store.outbox().entries()->at(0).payload, QByteArray("outboxonly"));
            QCOMPARE(store.search().search(u"marmalade"_qs, 10)->size(), 1);
            QCOMPARE(store.search().search(u"zanzibar"_qs, 10)->size(), 1);
            QCOMPARE(*store.viewState().draft(kConv), u"later"_qs);
            QVERIFY(store.chatList().chatSummary(kConv)->pinned);
            // The plaintext index and its triggers are gone.
            QCOMPARE(scalar(store.database(), u"SELECT COUNT(*) FROM sqlite_master WHERE name"
                                              " LIKE 'messages_fts%'"_qs)
                         .toInt(),
                     0);
            // New messages are sealed and indexed like the old ones.
            QVERIFY(store.messages().storeIncoming({fromBob(3, u"quokka"_qs)}, 5000, kMe).ok());
            QCOMPARE(store.search().search(u"quokka"_qs, 10)->size(), 2);
        }
        QCOMPARE(leakedWords(path, kSecretWords), QStringList());
        // Sealed once: the next open checks the key like any sealed store.
        QVERIFY(!Storage::open(path, keyOf('y')).ok());
        auto again = Storage::open(path, keyOf('z'));
        QVERIFY(again.ok());
        QCOMPARE((*again)->messages().history(kConv, 10)->size(), 4);
    }

    void masterKeyIsCreatedOnceAndKept() {
        MemorySecretStore secrets;
        auto first = loadOrCreateMasterKey(secrets);
        QVERIFY(first.ok());
        QCOMPARE(int(first->size()), kMasterKeySize);
        QCOMPARE(secrets.read(kMasterKeyKey)->size(), kMasterKeySize);
        auto again = loadOrCreateMasterKey(secrets);
        QVERIFY(again.ok());
        QVERIFY(again->equals(*first));
        // Another store gets another key.
        MemorySecretStore other;
        QVERIFY(!loadOrCreateMasterKey(other)->equals(*first));
        // A damaged entry is an error, never silently replaced.
        QVERIFY(secrets.write(kMasterKeyKey, QByteArray(5, 'x')).ok());
        auto damaged = loadOrCreateMasterKey(secrets);
        QVERIFY(!damaged.ok());
        QCOMPARE(damaged.error().code, ErrorCode::Storage);
    }

    void masterKeyInAFileSecretStoreIs0600() {
        const QString path = m_files.freshPath() + u".secrets"_qs;
        SecretBytes created;
        {
            FileSecretStore secrets(path);
            auto k = loadOrCreateMasterKey(secrets);
            QVERIFY(k.ok());
            created = std::move(*k);
        }
        QCOMPARE(QFile(path).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther |
                                              QFileDevice::WriteGroup | QFileDevice::WriteOther),
                 QFileDevice::Permissions());
        FileSecretStore reopened(path);
        auto k = loadOrCreateMasterKey(reopened);
        QVERIFY(k.ok());
        QVERIFY(k->equals(created));
        // It opens a store.
        auto store = Storage::open(m_files.freshPath(), *k);
        QVERIFY(store.ok());
    }
};

QTEST_GUILESS_MAIN(TestStoreEncryption)
#include "test_store_encryption.moc"
