// Database: the one schema owner of client.sqlite. Migrations from an empty file and from the
// files older clients left (schema 1; schema 4 with the E2E engine's and the UI's unversioned
// tables), refusals that change nothing (newer schema, wrong key, a failing step), and the one
// transaction manager: nesting as savepoints and rollback across stores.
#include "legacy_schema.h"
#include "store_fixture.h"

#include "core/store/chat_list_reader.h"
#include "core/store/conversation_store.h"
#include "core/store/key_store.h"
#include "core/store/message_store.h"
#include "core/store/outbox_store.h"
#include "core/store/search_index.h"
#include "core/store/store_crypto.h"
#include "core/store/view_state_store.h"
#include "crypto/primitives.h"

#include <QCoreApplication>
#include <QFile>
#include <QSqlQuery>
#include <QSysInfo>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

namespace {

//! Every object of the file with its SQL, and every column of every table: two files with the
//! same description have the same schema.
QStringList describeSchema(Database &db) {
    QStringList out;
    QSqlQuery q = db.query();
    q.exec(QStringLiteral("SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master"
                          " ORDER BY type, name"));
    QStringList tables;
    while (q.next()) {
        out.append(QStringLiteral("%1 %2 on %3: %4")
                       .arg(q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
                            q.value(3).toString().simplified()));
        if (q.value(0).toString() == u"table")
            tables.append(q.value(1).toString());
    }
    for (const QString &t : tables) {
        QSqlQuery c = db.query();
        c.exec(QStringLiteral("SELECT name, type, \"notnull\", COALESCE(dflt_value, ''), pk FROM"
                              " pragma_table_info('%1') ORDER BY cid")
                   .arg(t));
        while (c.next())
            out.append(QStringLiteral("column %1.%2 %3 notnull=%4 default=%5 pk=%6")
                           .arg(t, c.value(0).toString(), c.value(1).toString(),
                                c.value(2).toString(), c.value(3).toString(),
                                c.value(4).toString()));
    }
    return out;
}

//! How E2eStore (schema 4) sealed a secret: HKDF(master, "TidingsLocalE2ev1"), AD = table 0x1f
//! row key. Written out here so a change of the format breaks this test.
QByteArray oldE2eSeal(const char *table, const QByteArray &rowKey, const QByteArray &plain) {
    const SecretBytes key = crypto::hkdf({}, testMasterKey(), QByteArray("TidingsLocalE2ev1"), 32);
    QByteArray ad(table);
    ad.append('\x1f');
    ad.append(rowKey);
    return crypto::aeadSeal(key, ad, plain);
}

//! A sealed profile as the client of schema 4 left it, with data in every table.
void writeSchema4Profile(const QString &path) {
    const detail::StoreCipher cipher(testMasterKey());
    legacy::File f(path);
    f.exec(u"PRAGMA journal_mode=WAL"_qs); // as LocalStore set it
    // LocalStore::open(path, key): its migrations, then the blind index and the key check.
    f.createLocalStoreSchema4();
    f.exec(QString::fromLatin1(legacy::kBlindSearch));
    f.exec(u"INSERT INTO settings VALUES ('store_key_check', ?)"_qs,
           {QString::fromLatin1(cipher.keyCheck().toBase64())});
    // E2eEngine::open on the same connection; ViewStore::open on its own.
    f.execAll(legacy::kE2eTables);
    f.execAll(legacy::kViewTables);
    f.exec(QString::fromLatin1(legacy::kViewPendingIndex));

    for (const auto &[k, v] : {std::pair{"server_url", "ws://old"},
                               {"user_id", "1"},
                               {"device_id", "11"},
                               {"username", "alice"},
                               {"display_name", "Alice"}})
        f.exec(u"INSERT INTO settings VALUES (?, ?)"_qs,
               {QString::fromLatin1(k), QString::fromLatin1(v)});
    f.exec(u"INSERT INTO users VALUES (1, 'Alice'), (2, 'Bobby')"_qs);
    f.exec(u"INSERT INTO conversations(id, peer_user_id, peer_username, last_contiguous_seq,"
           " peer_delivered_seq, peer_read_seq, my_read_seq, kind) VALUES (7, 2, 'bob', 2, 2,"
           " 1, 1, 1)"_qs);
    f.exec(u"INSERT INTO conversations(id, last_contiguous_seq, kind, name, info_seq) VALUES"
           " (40, 1, 2, 'Band', 1)"_qs);
    f.exec(u"INSERT INTO group_members VALUES (40, 1, 'alice', 1, 1, 1), (40, 2, 'bob', 0, 1,"
           " 0)"_qs);
    const struct {
        qint64 id;
        quint64 conv;
        QVariant seq;
        quint64 sender;
        const char *clientId;
        QString text;
        int outgoing;
    } rows[] = {{1, 7, 1, 2, "bob-1", u"Grüße aus Zanzibar"_qs, 0},
                {2, 7, 2, 1, "me-1", u"thanks, quokka"_qs, 1},
                {3, 40, 1, 2, "bob-g1", u"band practice tomorrow"_qs, 0},
                {4, 7, QVariant(), 1, "me-2", u"pending marmalade"_qs, 1}};
    for (const auto &r : rows) {
        f.exec(u"INSERT INTO messages(id, client_message_id, conversation_id, seq, sender_user_id,"
               " sender_device_id, sender_username, text, sent_at_ms, server_time_ms, outgoing,"
               " notified, body) VALUES (?, ?, ?, ?, ?, ?, ?, '', 100, 200, ?, 1, ?)"_qs,
               {r.id, QString::fromLatin1(r.clientId), r.conv, r.seq, r.sender,
                r.sender == 1 ? 11 : 22, r.sender == 1 ? u"alice"_qs : u"bob"_qs, r.outgoing,
                cipher.sealText(r.text, r.conv, r.sender, QString::fromLatin1(r.clientId))});
        f.exec(u"INSERT INTO messages_search(rowid, tokens) VALUES (?, ?)"_qs,
               {r.id, cipher.blindTokens(r.text)});
    }
    f.exec(u"INSERT INTO outbox VALUES ('me-2', 7, ?, 300, ?)"_qs,
           {cipher.sealPayload(QByteArray("wire payload"), 7, u"me-2"_qs),
            QByteArray("prepared frames")});
    f.exec(u"INSERT INTO receipt_times(conversation_id, user_id, delivered_seq, read_seq, at_ms)"
           " VALUES (7, 2, 2, 1, 5000)"_qs);
    f.exec(u"INSERT INTO receipt_floor VALUES (7, 2, 0, 0)"_qs);
    f.exec(u"INSERT INTO ui_chat_prefs VALUES (7, 1, 0, 'unsent draft', 400), (40, 0, 1, '',"
           " 0)"_qs);
    f.exec(u"INSERT INTO ui_settings VALUES ('theme', 'dark')"_qs);
    f.exec(u"INSERT INTO e2e_own VALUES ('user_id', '1'), ('device_id', '11')"_qs);
    f.exec(u"INSERT INTO e2e_own VALUES ('aik', ?)"_qs,
           {oldE2eSeal("e2e_own", "aik", QByteArray(32, 'A'))});
    f.exec(u"INSERT INTO e2e_peers(user_id, aik, list_version, list_blob) VALUES (2, ?, 3, ?)"_qs,
           {QByteArray(32, 'B'), QByteArray("signed list")});
    f.exec(u"INSERT INTO e2e_devices VALUES (2, 22, ?, ?, 1)"_qs,
           {QByteArray(32, 'S'), QByteArray(32, 'D')});
    f.exec(u"INSERT INTO e2e_sessions VALUES (2, 22, ?, 1, ?, NULL, NULL)"_qs,
           {QByteArray("sid"), QByteArray("sealed session state")});
    f.exec(u"INSERT INTO e2e_group_out VALUES (40, ?, 1)"_qs, {QByteArray("sealed sender")});
    f.exec(u"INSERT INTO e2e_group_sent VALUES (40, ?, 2, 22)"_qs, {QByteArray("dist")});
    f.exec(u"INSERT INTO e2e_group_in VALUES (2, 22, ?, 40, ?)"_qs,
           {QByteArray("dist"), QByteArray("sealed receiver")});
}

int userVersion(const QString &path) {
    legacy::File f(path);
    QSqlQuery q(QSqlDatabase::database(QStringLiteral("legacy-") + path));
    return q.exec(u"PRAGMA user_version"_qs) && q.next() ? q.value(0).toInt() : -1;
}

} // namespace

class TestDatabase : public QObject {
    Q_OBJECT
private:
    StoreFiles m_files;

private slots:
    void anEmptyFileGetsTheWholeSchema() {
        const QString path = m_files.freshPath();
        auto storage = m_files.open(path);
        Database &db = storage->database();
        QCOMPARE(db.schemaVersion(), Database::kSchemaVersion);
        const QStringList expected = {u"attachments"_qs,
                                      u"conversations"_qs,
                                      u"e2e_aik_chain"_qs,
                                      u"e2e_devices"_qs,
                                      u"e2e_group_in"_qs,
                                      u"e2e_group_out"_qs,
                                      u"e2e_group_sent"_qs,
                                      u"e2e_own"_qs,
                                      u"e2e_peers"_qs,
                                      u"e2e_recipient_sets"_qs,
                                      u"e2e_sessions"_qs,
                                      u"group_members"_qs,
                                      u"group_state"_qs,
                                      u"group_state_log"_qs,
                                      u"group_state_members"_qs,
                                      u"group_state_pending"_qs,
                                      u"messages"_qs,
                                      u"messages_search"_qs,
                                      u"outbox"_qs,
                                      u"receipt_floor"_qs,
                                      u"receipt_times"_qs,
                                      u"security_notices"_qs,
                                      u"settings"_qs,
                                      u"transfers"_qs,
                                      u"ui_chat_prefs"_qs,
                                      u"ui_settings"_qs,
                                      u"users"_qs};
        QSqlQuery q = db.query();
        QVERIFY(q.exec(u"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE"
                       " 'sqlite_%' AND name NOT LIKE 'messages_search_%' ORDER BY name"_qs));
        QStringList tables;
        while (q.next())
            tables.append(q.value(0).toString());
        QCOMPARE(tables, expected);
        // Nothing keeps data in sync behind the stores' backs.
        QCOMPARE(scalar(db, u"SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"_qs),
                 QVariant(0));
        QVERIFY(!scalar(db, u"SELECT value FROM settings WHERE key = 'store_key_check'"_qs)
                     .toString()
                     .isEmpty());
        // A second open keeps the data and runs nothing again.
        QVERIFY(storage->messages().storeIncoming({fromBob(1)}, 5000, kMe).ok());
        const QStringList schema = describeSchema(db);
        storage.reset();
        auto again = Storage::open(path, testMasterKey());
        QVERIFY2(again.ok(), errorOf(again).constData());
        QCOMPARE((*again)->database().schemaVersion(), Database::kSchemaVersion);
        QCOMPARE((*again)->accounts().account()->userId, quint64(1));
        QCOMPARE((*again)->messages().history(kConv, 10)->size(), 1);
        QCOMPARE(describeSchema((*again)->database()), schema);
    }

    void aProfileIsOpenInOneProcessAtATime() {
        const QString path = m_files.freshPath();
        auto first = Storage::open(path, testMasterKey());
        QVERIFY2(first.ok(), errorOf(first).constData());
        auto second = Storage::open(path, testMasterKey());
        QVERIFY(!second.ok());
        QCOMPARE(second.error().code, ErrorCode::ProfileInUse);
        QVERIFY(
            second.error().detail.contains(QString::number(QCoreApplication::applicationPid())));
        first->reset(); // closing releases it
        auto third = Storage::open(path, testMasterKey());
        QVERIFY2(third.ok(), errorOf(third).constData());
        // A lock left behind by a process that died is taken over.
        third->reset();
        {
            QFile stale(path + QStringLiteral(".lock"));
            QVERIFY(stale.open(QIODevice::WriteOnly));
            // QLockFile's format: pid, application name, host name.
            stale.write("999999999\ntidings\n" + QSysInfo::machineHostName().toUtf8() + "\n");
        }
        auto afterCrash = Storage::open(path, testMasterKey());
        QVERIFY2(afterCrash.ok(), errorOf(afterCrash).constData());
    }

    void aSchema4ProfileUpgradesInPlace() {
        const QString path = m_files.freshPath();
        writeSchema4Profile(path);
        auto opened = Storage::open(path, testMasterKey());
        QVERIFY2(opened.ok(), errorOf(opened).constData());
        Storage &s = **opened;
        QCOMPARE(s.database().schemaVersion(), Database::kSchemaVersion);

        // The same schema as a new profile's: the unversioned tables were adopted as they were.
        auto fresh = m_files.open();
        QCOMPARE(describeSchema(s.database()), describeSchema(fresh->database()));

        // Synced data.
        const AccountSettings account = *s.accounts().account();
        QCOMPARE(account.serverUrl, u"ws://old"_qs);
        QCOMPARE(account.deviceId, quint64(11));
        QCOMPARE(account.displayName, u"Alice"_qs);
        const ConversationRecord direct = **s.conversations().conversation(kConv);
        QCOMPARE(direct.title(), u"Bobby"_qs);
        QCOMPARE(direct.peerDeliveredSeq, quint64(2));
        QCOMPARE(memberNames(*s.conversations().members(kGroup)),
                 (QStringList{u"alice*"_qs, u"bob"_qs}));
        const auto history = *s.messages().history(kConv, 10);
        QCOMPARE(history.size(), 3);
        QCOMPARE(history.at(0).text, u"Grüße aus Zanzibar"_qs);
        QCOMPARE(history.at(1).text, u"thanks, quokka"_qs);
        QCOMPARE(history.at(2).text, u"pending marmalade"_qs);
        QCOMPARE(history.at(2).seq, quint64(0));
        QCOMPARE(s.outbox().entries()->at(0).payload, QByteArray("wire payload"));
        QCOMPARE(*s.outbox().prepared(u"me-2"_qs), QByteArray("prepared frames"));
        QCOMPARE(s.conversations().receiptTimes(kConv, 2)->at(0).deliveredAtMs, qint64(5000));
        // The old search index answers.
        auto hits = *s.search().search(u"grüße AUS"_qs, 10);
        QCOMPARE(hits.size(), 1);
        QCOMPARE(hits.at(0).message.clientMessageId, u"bob-1"_qs);
        QCOMPARE(s.search().search(u"TOMORROW"_qs, 10)->size(), 1);
        // View state.
        QCOMPARE(*s.viewState().draft(kConv), u"unsent draft"_qs); // sealed now
        QVERIFY(s.database().exec(u"PRAGMA wal_checkpoint(TRUNCATE)"_qs).ok());
        QVERIFY(!fileBytes(path).contains("unsent draft"));
        QCOMPARE(s.viewState().setting(u"theme"_qs), u"dark"_qs);
        const ChatSummary summary = *s.chatList().chatSummary(kConv);
        QVERIFY(summary.pinned);
        QCOMPARE(summary.draft, u"unsent draft"_qs);
        QCOMPARE(summary.lastMessage->text, u"pending marmalade"_qs);
        QVERIFY(s.chatList().chatSummary(kGroup)->muted);
        // Keys and sessions: the sealed format is unchanged, the rows are untouched.
        QCOMPARE(*s.keys().ownValue(u"user_id"_qs), QByteArray("1"));
        auto aik = s.keys().ownSecret(u"aik"_qs);
        QVERIFY2(aik.ok(), errorOf(aik).constData());
        QVERIFY(aik->equals(QByteArray(32, 'A').constData(), 32));
        Database &db = s.database();
        QCOMPARE(scalar(db, u"SELECT list_blob FROM e2e_peers WHERE user_id = 2"_qs).toByteArray(),
                 QByteArray("signed list"));
        QCOMPARE(scalar(db, u"SELECT state FROM e2e_sessions"_qs).toByteArray(),
                 QByteArray("sealed session state"));
        QCOMPARE(scalar(db, u"SELECT rotate FROM e2e_group_out"_qs).toInt(), 1);
        QCOMPARE(scalar(db, u"SELECT COUNT(*) FROM e2e_group_sent"_qs).toInt(), 1);
        QCOMPARE(scalar(db, u"SELECT state FROM e2e_group_in"_qs).toByteArray(),
                 QByteArray("sealed receiver"));
        QCOMPARE(scalar(db, u"SELECT listed FROM e2e_devices"_qs).toInt(), 1);

        // And it goes on working: a new message is stored, ordered, indexed.
        auto adv = s.messages().storeIncoming({fromBob(3, u"zanzibar once more"_qs)}, 6000, kMe);
        QVERIFY2(adv.ok(), errorOf(adv).constData());
        QCOMPARE(adv->at(0).lastContiguousSeq, quint64(3));
        QCOMPARE(s.search().search(u"zanzibar"_qs, 10)->size(), 2);
    }

    void aSchema1FileMigrates() {
        const QString path = m_files.freshPath();
        {
            legacy::File f(path);
            f.execAll(legacy::kLocalStoreV1);
            f.exec(u"INSERT INTO settings VALUES ('user_id', '1')"_qs);
            f.exec(u"INSERT INTO conversations(id, peer_user_id, peer_username,"
                   " last_contiguous_seq) VALUES (7, 2, 'bob', 1)"_qs);
            f.exec(u"INSERT INTO messages(client_message_id, conversation_id, seq,"
                   " sender_user_id, text) VALUES ('b1', 7, 1, 2, 'hi')"_qs);
            f.exec(u"PRAGMA user_version = 1"_qs);
        }
        auto opened = Storage::open(path, testMasterKey());
        QVERIFY2(opened.ok(), errorOf(opened).constData());
        Storage &s = **opened;
        QCOMPARE(s.database().schemaVersion(), Database::kSchemaVersion);
        auto c = s.conversations().conversation(kConv);
        QVERIFY(c.ok() && c->has_value());
        QCOMPARE((*c)->kind, ConversationKind::Direct);
        QCOMPARE((*c)->peerUsername, QStringLiteral("bob"));
        auto rows = s.messages().history(kConv, 10);
        QCOMPARE(rows->size(), 1);
        QVERIFY(!rows->at(0).event);
        QCOMPARE(rows->at(0).text, QStringLiteral("hi")); // sealed in place, still readable
        QVERIFY(s.conversations().conversationWithPeer(QStringLiteral("bob"))->has_value());
        QCOMPARE(s.search().search(u"hi"_qs, 10)->size(), 1);
        auto fresh = m_files.open();
        QCOMPARE(describeSchema(s.database()), describeSchema(fresh->database()));
    }

    void aNewerSchemaIsRefusedAndKept() {
        const QString path = m_files.freshPath();
        {
            legacy::File f(path);
            f.createLocalStoreSchema4();
            f.exec(u"PRAGMA user_version = 99"_qs);
        }
        auto opened = Storage::open(path, testMasterKey());
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().code, ErrorCode::Storage);
        QCOMPARE(userVersion(path), 99);
    }

    void aWrongKeyChangesNothing() {
        const QString path = m_files.freshPath();
        writeSchema4Profile(path);
        const QByteArray before = fileBytes(path);
        auto wrong = Storage::open(path, keyOf('w'));
        QVERIFY(!wrong.ok());
        QCOMPARE(wrong.error().code, ErrorCode::BadCredentials);
        QCOMPARE(userVersion(path), 4); // checked before any migration ran
        QCOMPARE(fileBytes(path), before);
        auto shortKey = Storage::open(path, SecretBytes::random(16));
        QVERIFY(!shortKey.ok());
        QCOMPARE(shortKey.error().code, ErrorCode::Usage);
        QVERIFY(Storage::open(path, testMasterKey()).ok());
    }

    void aFailingMigrationRollsBackCompletely() {
        // A sealed schema-3 store without its search index (as if the index had been dropped):
        // step 5 rebuilds the index from the bodies, and one of them does not open.
        const QString path = m_files.freshPath();
        {
            const detail::StoreCipher cipher(testMasterKey());
            legacy::File f(path);
            f.execAll(legacy::kLocalStoreV1);
            f.execAll(legacy::kLocalStoreV2);
            f.execAll(legacy::kLocalStoreV3);
            f.exec(u"PRAGMA user_version = 3"_qs);
            f.exec(u"INSERT INTO settings VALUES ('store_key_check', ?)"_qs,
                   {QString::fromLatin1(cipher.keyCheck().toBase64())});
            f.exec(u"INSERT INTO messages(client_message_id, conversation_id, seq,"
                   " sender_user_id, text, body) VALUES ('b1', 7, 1, 2, '', ?)"_qs,
                   {QByteArray("not a sealed body")});
        }
        auto opened = Storage::open(path, testMasterKey());
        QVERIFY(!opened.ok());
        QCOMPARE(userVersion(path), 3);
        legacy::File f(path);
        QSqlQuery q(QSqlDatabase::database(u"legacy-"_qs + path));
        // Neither step 4's column nor step 5's tables remain.
        QVERIFY(q.exec(u"SELECT COUNT(*) FROM sqlite_master WHERE name IN ('e2e_own',"
                       " 'ui_settings', 'messages_search')"_qs) &&
                q.next());
        QCOMPARE(q.value(0).toInt(), 0);
        QVERIFY(q.exec(u"SELECT COUNT(*) FROM pragma_table_info('outbox') WHERE name ="
                       " 'prepared'"_qs) &&
                q.next());
        QCOMPARE(q.value(0).toInt(), 0);
    }

    void transactionsSpanStoresAndNestAsSavepoints() {
        auto storage = m_files.open();
        Storage &s = *storage;
        Database &db = s.database();
        // One failing body undoes what every store wrote in it.
        Status failed = s.transaction([&]() -> Status {
            RETURN_ON_ERROR(s.messages().storeIncoming({fromBob(1)}, 5000, kMe));
            RETURN_ON_ERROR(s.keys().setOwnValue(u"user_id"_qs, "1"));
            RETURN_ON_ERROR(s.viewState().setDraft(kConv, u"draft"_qs));
            RETURN_ON_ERROR(s.accounts().setDisplayName(2, u"Bobby"_qs));
            return Error{ErrorCode::Internal, u"no"_qs};
        });
        QVERIFY(!failed.ok());
        QCOMPARE(db.transactionDepth(), 0);
        QVERIFY(s.messages().history(kConv, 10)->isEmpty());
        QVERIFY(!s.conversations().conversation(kConv)->has_value());
        QVERIFY(s.keys().ownValue(u"user_id"_qs)->isEmpty());
        QCOMPARE(*s.viewState().draft(kConv), QString());
        QCOMPARE(*s.accounts().displayName(2), QString());

        // An inner level that fails undoes only itself; the outer one commits the rest.
        QVERIFY(s.transaction([&]() -> Status {
                     RETURN_ON_ERROR(s.messages().storeIncoming({fromBob(1)}, 5000, kMe));
                     if (db.transactionDepth() != 1)
                         return Error{ErrorCode::Internal, u"depth"_qs};
                     Status inner = db.transaction([&]() -> Status {
                         RETURN_ON_ERROR(s.viewState().setDraft(kConv, u"inner"_qs));
                         if (db.transactionDepth() != 2)
                             return Error{ErrorCode::Internal, u"depth"_qs};
                         // A store method that fails inside rolls back its own savepoint.
                         return s.messages().replaceUndecryptable(kConv, 99, u"x"_qs, 1);
                     });
                     if (inner.ok())
                         return Error{ErrorCode::Internal, u"inner should fail"_qs};
                     return s.keys().setOwnValue(u"user_id"_qs, "1");
                 }).ok());
        QCOMPARE(db.transactionDepth(), 0);
        QCOMPARE(s.messages().history(kConv, 10)->size(), 1);
        QCOMPARE(*s.keys().ownValue(u"user_id"_qs), QByteArray("1"));
        QCOMPARE(*s.viewState().draft(kConv), QString());

        // A Transaction that goes out of scope uncommitted rolls back.
        {
            auto txn = db.begin();
            QVERIFY(txn.ok());
            QVERIFY(s.viewState().setSetting(u"theme"_qs, u"dark"_qs).ok());
            QCOMPARE(s.viewState().setting(u"theme"_qs), u"dark"_qs); // visible inside
        }
        QCOMPARE(db.transactionDepth(), 0);
        QCOMPARE(s.viewState().setting(u"theme"_qs, u"none"_qs), u"none"_qs);

        // Levels close innermost first: committing the outer one first is refused and undoes it.
        {
            auto outer = db.begin();
            QVERIFY(outer.ok());
            QVERIFY(s.viewState().setSetting(u"theme"_qs, u"light"_qs).ok());
            auto inner = db.begin();
            QVERIFY(inner.ok());
            const Status early = outer->commit();
            QVERIFY(!early.ok());
            QCOMPARE(early.error().code, ErrorCode::Usage);
            QCOMPARE(db.transactionDepth(), 0);
            QVERIFY(!outer->commit().ok()); // finished
        }
        QCOMPARE(db.transactionDepth(), 0);
        QCOMPARE(s.viewState().setting(u"theme"_qs, u"none"_qs), u"none"_qs);
        // The manager works on after that.
        QVERIFY(s.viewState().setSetting(u"theme"_qs, u"light"_qs).ok());
        QCOMPARE(s.viewState().setting(u"theme"_qs), u"light"_qs);
    }

    void cachedStatementsAreKeptReusedAndLetGo() {
        auto store = m_files.open();
        Database &db = store->database();
        static constexpr char kInsert[] = "INSERT OR REPLACE INTO e2e_own (k, v) VALUES (?, ?)";
        static constexpr char kSelect[] = "SELECT k, v FROM e2e_own ORDER BY k";
        for (const char *k : {"a", "b"}) {
            auto c = db.cached(kInsert);
            QVERIFY(c.ok());
            c->query().bindValue(0, QString::fromLatin1(k));
            c->query().bindValue(1, QByteArray(k));
            QVERIFY(db.exec(c->query()).ok());
        }
        QSqlQuery *kept = nullptr;
        {
            auto first = db.cached(kSelect);
            QVERIFY(first.ok() && db.exec(first->query()).ok());
            kept = &first->query();
            QVERIFY(first->next());
            QCOMPARE(first->value(0).toString(), QStringLiteral("a"));
            // Still being read: the same statement again is a statement of its own, and neither
            // run disturbs the other.
            auto nested = db.cached(kSelect);
            QVERIFY(nested.ok() && db.exec(nested->query()).ok());
            QVERIFY(&nested->query() != kept);
            QVERIFY(nested->next() && nested->next());
            QCOMPARE(nested->value(0).toString(), QStringLiteral("b"));
            QVERIFY(first->next());
            QCOMPARE(first->value(1).toByteArray(), QByteArray("b"));
            QVERIFY(kept->isActive());
        }
        // Gone with one row unread: reset, so no read snapshot stays open behind the cache.
        QVERIFY(!kept->isActive());
        auto again = db.cached(kSelect);
        QVERIFY(again.ok());
        QCOMPARE(&again->query(), kept); // prepared once, reused
        QVERIFY(db.exec(again->query()).ok() && again->next());
        QCOMPARE(again->value(0).toString(), QStringLiteral("a"));
    }

    void twoStoragesDoNotShareAConnection() {
        auto a = m_files.open();
        auto b = m_files.open();
        QVERIFY(a->conversations().upsertConversation(kConv, 2, QStringLiteral("bob")).ok());
        QVERIFY(a->conversations().conversation(kConv)->has_value());
        QVERIFY(!b->conversations().conversation(kConv)->has_value());
        // A transaction open on one does not nest the other's.
        auto txn = a->database().begin();
        QVERIFY(txn.ok());
        QCOMPARE(b->database().transactionDepth(), 0);
        QVERIFY(txn->commit().ok());
    }
};

QTEST_GUILESS_MAIN(TestDatabase)
#include "test_database.moc"
