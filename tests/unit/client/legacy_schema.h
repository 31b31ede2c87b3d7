#pragma once
// Files as the client of schema 4 left them, for the upgrade tests: the statements below are the
// old code's own (LocalStore's steps 1-4, E2eStore::createTables, ViewStore's tables, its
// plaintext search index and LocalStore's blind one), copied from that code and never edited.
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <initializer_list>

namespace tidings::client::test::legacy {

// LocalStore (schema 1-4), run in order by LocalStore::migrate.
inline const char *const kLocalStoreV1[] = {
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE conversations ("
    " id INTEGER PRIMARY KEY,"
    " peer_user_id INTEGER NOT NULL DEFAULT 0,"
    " peer_username TEXT NOT NULL DEFAULT '',"
    " last_contiguous_seq INTEGER NOT NULL DEFAULT 0,"
    " peer_delivered_seq INTEGER NOT NULL DEFAULT 0,"
    " peer_read_seq INTEGER NOT NULL DEFAULT 0,"
    " my_read_seq INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX conversations_by_peer ON conversations(peer_username)",
    // seq is NULL while the message waits in the outbox; SQLite lets NULLs repeat in UNIQUE.
    "CREATE TABLE messages ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " client_message_id TEXT NOT NULL,"
    " conversation_id INTEGER NOT NULL,"
    " seq INTEGER,"
    " sender_user_id INTEGER NOT NULL,"
    " sender_device_id INTEGER NOT NULL DEFAULT 0,"
    " sender_username TEXT NOT NULL DEFAULT '',"
    " text TEXT NOT NULL,"
    " sent_at_ms INTEGER NOT NULL DEFAULT 0,"
    " server_time_ms INTEGER,"
    " received_at_ms INTEGER,"
    " outgoing INTEGER NOT NULL DEFAULT 0,"
    " failed INTEGER NOT NULL DEFAULT 0,"
    " notified INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (conversation_id, seq),"
    " UNIQUE (client_message_id, sender_user_id, sender_device_id))",
    "CREATE INDEX messages_unnotified ON messages(conversation_id, seq) WHERE notified = 0",
    // Insertion order is the rowid order (rowids only grow while rows remain).
    "CREATE TABLE outbox ("
    " client_message_id TEXT PRIMARY KEY,"
    " conversation_id INTEGER NOT NULL,"
    " payload BLOB NOT NULL,"
    " created_at_ms INTEGER NOT NULL)",
};
inline const char *const kLocalStoreV2[] = {
    // kind: 0 unknown (a group_info request resolves it), 1 direct, 2 group. Every v1
    // conversation was a 1:1.
    "ALTER TABLE conversations ADD COLUMN kind INTEGER NOT NULL DEFAULT 0",
    "UPDATE conversations SET kind = 1",
    "ALTER TABLE conversations ADD COLUMN name TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE conversations ADD COLUMN all_delivered_seq INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE conversations ADD COLUMN all_read_seq INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE conversations ADD COLUMN is_member INTEGER NOT NULL DEFAULT 1",
    // The last_seq of the newest group_info snapshot: events up to it are already in it.
    "ALTER TABLE conversations ADD COLUMN info_seq INTEGER NOT NULL DEFAULT 0",
    "CREATE TABLE group_members ("
    " conversation_id INTEGER NOT NULL,"
    " user_id INTEGER NOT NULL,"
    " username TEXT NOT NULL DEFAULT '',"
    " role INTEGER NOT NULL DEFAULT 0,"
    " delivered_seq INTEGER NOT NULL DEFAULT 0,"
    " read_seq INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (conversation_id, user_id))",
    // event_kind is NULL for ordinary messages.
    "ALTER TABLE messages ADD COLUMN event_kind INTEGER",
    "ALTER TABLE messages ADD COLUMN event_actor_id INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE messages ADD COLUMN event_actor TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE messages ADD COLUMN event_target_id INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE messages ADD COLUMN event_target TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE messages ADD COLUMN event_name TEXT NOT NULL DEFAULT ''",
};
inline const char *const kLocalStoreV3[] = {
    // Undecryptable: stored as a placeholder (counts for contiguity); hidden: E2E control
    // messages, never shown.
    "ALTER TABLE messages ADD COLUMN undecryptable INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE messages ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0",
    // Encrypted stores keep text = '' and the sealed text in body (their search index is the
    // contentless messages_search, filled by LocalStore with blind tokens).
    "ALTER TABLE messages ADD COLUMN body BLOB",
    "CREATE TABLE users (user_id INTEGER PRIMARY KEY, display_name TEXT NOT NULL DEFAULT '')",
    // One row per cursor advance; pruned to the newest rows per conversation. receipt_floor
    // remembers the cursors of pruned rows: a seq they covered has no known time any more.
    "CREATE TABLE receipt_times ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " conversation_id INTEGER NOT NULL,"
    " user_id INTEGER NOT NULL,"
    " delivered_seq INTEGER NOT NULL,"
    " read_seq INTEGER NOT NULL,"
    " at_ms INTEGER NOT NULL)",
    "CREATE INDEX receipt_times_by_user ON receipt_times(conversation_id, user_id, id)",
    "CREATE INDEX receipt_times_by_conversation ON receipt_times(conversation_id, id)",
    "CREATE TABLE receipt_floor ("
    " conversation_id INTEGER NOT NULL,"
    " user_id INTEGER NOT NULL,"
    " delivered_seq INTEGER NOT NULL DEFAULT 0,"
    " read_seq INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (conversation_id, user_id))",
};
inline const char *const kLocalStoreV4[] = {
    // The encrypted frames an outbox entry became (end-to-end ciphertexts, not secret): a resend
    // sends the same bytes instead of using up new message keys.
    "ALTER TABLE outbox ADD COLUMN prepared BLOB",
};
// E2eStore::createTables, run by the E2E engine on LocalStore's connection at every open.
inline const char *const kE2eTables[] = {
    // Own identity and prekeys: k = "user_id", "device_id", "aik_pub", secrets sealed.
    "CREATE TABLE IF NOT EXISTS e2e_own (k TEXT PRIMARY KEY, v BLOB NOT NULL)",
    // Per peer user (me included): pinned AIK, last accepted signed list, verification.
    "CREATE TABLE IF NOT EXISTS e2e_peers (user_id INTEGER PRIMARY KEY, aik BLOB NOT NULL,"
    " list_version INTEGER NOT NULL DEFAULT 0, list_blob BLOB, verified_aik BLOB,"
    " changed INTEGER NOT NULL DEFAULT 0)",
    // Known device identities; listed = in the user's last accepted list.
    "CREATE TABLE IF NOT EXISTS e2e_devices (user_id INTEGER NOT NULL, device_id INTEGER NOT NULL,"
    " dsk BLOB NOT NULL, dik BLOB NOT NULL, listed INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (user_id, device_id))",
    // Pairwise sessions: the highest rank per device is the active one. pending = X3DH
    // parameters while our first message is unacknowledged; inbound = (spk id, EK) of a session
    // created by a peer's PreKeyMessage, so its repeats reach the same session.
    "CREATE TABLE IF NOT EXISTS e2e_sessions (user_id INTEGER NOT NULL,"
    " device_id INTEGER NOT NULL, sid BLOB NOT NULL, rank INTEGER NOT NULL, state BLOB NOT NULL,"
    " pending BLOB, inbound BLOB, PRIMARY KEY (user_id, device_id, sid))",
    "CREATE TABLE IF NOT EXISTS e2e_group_out (group_id INTEGER PRIMARY KEY,"
    " state BLOB NOT NULL, rotate INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS e2e_group_sent (group_id INTEGER NOT NULL, dist_id BLOB NOT NULL,"
    " user_id INTEGER NOT NULL, device_id INTEGER NOT NULL,"
    " PRIMARY KEY (group_id, dist_id, user_id, device_id))",
    "CREATE TABLE IF NOT EXISTS e2e_group_in (user_id INTEGER NOT NULL,"
    " device_id INTEGER NOT NULL, dist_id BLOB NOT NULL, group_id INTEGER NOT NULL,"
    " state BLOB NOT NULL, PRIMARY KEY (user_id, device_id, dist_id))",
};
// ViewStore, on its own connection at every open.
inline const char *const kViewTables[] = {
    "CREATE TABLE IF NOT EXISTS ui_chat_prefs ("
    " conversation_id INTEGER PRIMARY KEY,"
    " pinned INTEGER NOT NULL DEFAULT 0,"
    " muted INTEGER NOT NULL DEFAULT 0,"
    " draft TEXT NOT NULL DEFAULT '',"
    " draft_ms INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS ui_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
};
inline const char kViewPendingIndex[] = "CREATE INDEX IF NOT EXISTS ui_messages_pending ON "
                                        "messages(conversation_id, id) WHERE seq IS NULL";
// ViewStore on an unencrypted store: the plaintext FTS index kept by triggers on messages.
inline const char *const kPlainSearch[] = {
    "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text, content='messages',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_ai AFTER INSERT ON messages BEGIN"
    " INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_ad AFTER DELETE ON messages BEGIN"
    " INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);"
    " END",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_au AFTER UPDATE OF text ON messages BEGIN"
    " INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);"
    " INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
};
// LocalStore on an encrypted store (ensureBlindIndex).
inline const char kBlindSearch[] = "CREATE VIRTUAL TABLE messages_search USING fts5(tokens,"
                                   " content='', tokenize='ascii')";

//! A raw connection to a file being built as old code would have left it.
class File {
public:
    explicit File(const QString &path)
        : m_name(QStringLiteral("legacy-") + path) {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        if (!db.open())
            qFatal("cannot open %s", qPrintable(path));
        // Test files need no durability: no fsync per statement.
        exec(QStringLiteral("PRAGMA synchronous=OFF"));
    }
    ~File() {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    File(const File &) = delete;
    File &operator=(const File &) = delete;

    void exec(const QString &sql, std::initializer_list<QVariant> binds = {}) {
        QSqlQuery q(QSqlDatabase::database(m_name));
        if (!q.prepare(sql))
            qFatal("prepare %s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
        for (const QVariant &v : binds)
            q.addBindValue(v);
        if (!q.exec())
            qFatal("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
    }
    template <size_t N> void execAll(const char *const (&statements)[N]) {
        for (const char *sql : statements)
            exec(QString::fromLatin1(sql));
    }
    //! The schema-4 tables of LocalStore, as a store at schema 4 has them.
    void createLocalStoreSchema4() {
        execAll(kLocalStoreV1);
        execAll(kLocalStoreV2);
        execAll(kLocalStoreV3);
        execAll(kLocalStoreV4);
        exec(QStringLiteral("PRAGMA user_version = 4"));
    }

private:
    QString m_name;
};

} // namespace tidings::client::test::legacy
