// The schema of client.sqlite. Never edit a shipped step: append a new one.
#include "core/store/migrations.h"

#include "core/logging.h"
#include "core/store/database.h"
#include "core/store/store_crypto.h"
#include "core/store/store_p.h"

#include <QSqlQuery>
#include <QVariant>

#include <iterator>

namespace tidings::client::detail {

namespace {

const char *const kSchemaV1[] = {
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

// Groups and multi-device. Columns are added (not tables rebuilt) so indexes on messages stay.
const char *const kSchemaV2[] = {
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

// End-to-end encryption, encryption at rest, profiles and message info.
const char *const kSchemaV3[] = {
    // Undecryptable: stored as a placeholder (counts for contiguity); hidden: E2E control
    // messages, never shown.
    "ALTER TABLE messages ADD COLUMN undecryptable INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE messages ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0",
    // text = '' and the sealed text in body (the search index holds blind tokens).
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

const char *const kSchemaV4[] = {
    // The encrypted frames an outbox entry became (end-to-end ciphertexts, not secret): a resend
    // sends the same bytes instead of using up new message keys.
    "ALTER TABLE outbox ADD COLUMN prepared BLOB",
};

// One schema owner. Up to schema 4 the E2E engine and the UI's view store created their tables
// themselves on every open (IF NOT EXISTS, unversioned), and the view store kept a plaintext FTS
// index by triggers on messages. A schema-4 file may hold any of them: the IF NOT EXISTS below
// adopt them unchanged (the statements are the ones that created them), or create them.
const char *const kSchemaV5[] = {
    // --- keys and sessions (KeyStore) ---
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
    // --- view state (ViewStateStore) ---
    "CREATE TABLE IF NOT EXISTS ui_chat_prefs ("
    " conversation_id INTEGER PRIMARY KEY,"
    " pinned INTEGER NOT NULL DEFAULT 0,"
    " muted INTEGER NOT NULL DEFAULT 0,"
    " draft TEXT NOT NULL DEFAULT '',"
    " draft_ms INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS ui_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    // Drafts are sealed like message texts (draft stays '' from now on).
    "ALTER TABLE ui_chat_prefs ADD COLUMN draft_body BLOB",
    // The chat list's newest pending message per chat.
    "CREATE INDEX IF NOT EXISTS ui_messages_pending ON messages(conversation_id, id)"
    " WHERE seq IS NULL",
    // --- search (SearchIndex) ---
    // The plaintext index of caches from before encryption at rest: never kept beside sealed
    // text (sealPlaintextCache indexes those rows again as blind tokens).
    "DROP TRIGGER IF EXISTS messages_fts_ai",
    "DROP TRIGGER IF EXISTS messages_fts_ad",
    "DROP TRIGGER IF EXISTS messages_fts_au",
    "DROP TABLE IF EXISTS messages_fts",
    // An early blind index over a messages.search_tokens column (it doubled every row's size).
    "DROP TRIGGER IF EXISTS messages_bfts_ai",
    "DROP TRIGGER IF EXISTS messages_bfts_ad",
    "DROP TRIGGER IF EXISTS messages_bfts_au",
    "DROP TABLE IF EXISTS messages_bfts",
};

// Media (issue 10): attachments of messages and the transfer jobs that move them (TransferStore).
const char *const kSchemaV6[] = {
    // pointer: the sealed AttachmentPointer (file key, name, type, sizes, thumbnail), bound to
    // (message_id, idx); NULL when a received pointer was refused (shown as an error).
    // local_path: sealed (it holds the file name). local_size > 0: counted in the media cache.
    "CREATE TABLE attachments ("
    " message_id INTEGER NOT NULL,"
    " idx INTEGER NOT NULL,"
    " pointer BLOB,"
    " state INTEGER NOT NULL DEFAULT 0,"
    " transferred INTEGER NOT NULL DEFAULT 0,"
    " error TEXT NOT NULL DEFAULT '',"
    " local_path BLOB,"
    " local_size INTEGER NOT NULL DEFAULT 0,"
    " last_used_ms INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (message_id, idx))",
    "CREATE INDEX attachments_cached ON attachments(last_used_ms) WHERE local_size > 0",
    // One job per attachment at a time; job: sealed (paths, the server's upload id, stage).
    "CREATE TABLE transfers ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " message_id INTEGER NOT NULL,"
    " idx INTEGER NOT NULL,"
    " upload INTEGER NOT NULL,"
    " job BLOB NOT NULL,"
    " created_at_ms INTEGER NOT NULL,"
    " UNIQUE (message_id, idx))",
};

// Trust (issue 12): the devices each message I sent was encrypted for (RecipientStore), one row
// per distinct set, messages.recipients naming the set by its SHA-256; which devices bind their
// bodies to their messages (MessageOpener); messages whose body was bound to another message
// (tampered: shown without text).
const char *const kSchemaV7[] = {
    "CREATE TABLE e2e_recipient_sets (digest BLOB PRIMARY KEY, devices BLOB NOT NULL)",
    "ALTER TABLE messages ADD COLUMN recipients BLOB",
    "ALTER TABLE e2e_devices ADD COLUMN binds_context INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE messages ADD COLUMN tampered INTEGER NOT NULL DEFAULT 0",
};

// Trust (issue 12): "security code changed" notices, this device's own history (see
// SecurityNoticeStore), in every conversation with the contact whose key changed.
const char *const kSchemaV8[] = {
    "CREATE TABLE security_notices ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " conversation_id INTEGER NOT NULL,"
    " after_seq INTEGER NOT NULL,"
    " user_id INTEGER NOT NULL,"
    " username TEXT NOT NULL,"
    " at_ms INTEGER NOT NULL)",
    "CREATE INDEX security_notices_by_place ON security_notices(conversation_id, after_seq)",
};

//! Signed group state (issue 12; docs/design/group-state.md §3.4): per group the verified head,
//! the log it was verified from, its members with the account keys the admins recorded, changes
//! waiting for the ones before them, and what each group event was found to be. Not sealed:
//! group names and members are stored in clear like the rest of group_members.
const char *const kSchemaV9[] = {
    "CREATE TABLE group_state ("
    " conversation_id INTEGER PRIMARY KEY,"
    " group_uid BLOB NOT NULL UNIQUE,"
    " version INTEGER NOT NULL,"
    " head_hash BLOB NOT NULL,"
    " name TEXT NOT NULL,"
    " fork_seen INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE group_state_log ("
    " conversation_id INTEGER NOT NULL,"
    " version INTEGER NOT NULL,"
    " hash BLOB NOT NULL,"
    " change BLOB NOT NULL,"
    " first_event_seq INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (conversation_id, version))",
    "CREATE TABLE group_state_members ("
    " conversation_id INTEGER NOT NULL,"
    " user_id INTEGER NOT NULL,"
    " aik BLOB NOT NULL,"
    " role INTEGER NOT NULL,"
    " since_version INTEGER NOT NULL,"
    " PRIMARY KEY (conversation_id, user_id))",
    "CREATE TABLE group_state_pending ("
    " conversation_id INTEGER NOT NULL,"
    " version INTEGER NOT NULL,"
    " change BLOB NOT NULL,"
    " event_seq INTEGER NOT NULL,"
    " PRIMARY KEY (conversation_id, version))",
    "ALTER TABLE messages ADD COLUMN event_state INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE messages ADD COLUMN event_refusal TEXT NOT NULL DEFAULT ''",
    // What a notice is about (SecurityNotice::kind): 0 a changed key, 10 a member no admin added.
    "ALTER TABLE security_notices ADD COLUMN kind INTEGER NOT NULL DEFAULT 0",
};

//! Account-key successions this device verified (issue 12, account-key lifecycle): each user's
//! chain of keys, so a list or statement signed by a superseded key is refused, and a key the
//! group state recorded vouches for its successors.
const char *const kSchemaV10[] = {
    "CREATE TABLE e2e_aik_chain ("
    " user_id INTEGER NOT NULL,"
    " old_aik BLOB NOT NULL,"
    " new_aik BLOB NOT NULL,"
    " authority INTEGER NOT NULL,"
    " PRIMARY KEY (user_id, old_aik))",
};

//! The blind search index: contentless (the tokens live only in the index, rows stay small);
//! lower-case base32 tokens, one per distinct word, which the ascii tokenizer keeps whole.
constexpr char kCreateSearchIndex[] =
    "CREATE VIRTUAL TABLE messages_search USING fts5(tokens, content='', tokenize='ascii')";

Status exec(Database &db, const char *sql) {
    return db.exec(QString::fromLatin1(sql));
}

Result<bool> tableExists(Database &db, const char *name) {
    QSqlQuery q = db.query();
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE name = ?"));
    q.addBindValue(QString::fromLatin1(name));
    TIDINGS_TRY(db.exec(q));
    return q.next() && q.value(0).toInt() > 0;
}

Status indexBlind(Database &db, qint64 rowId, const QString &text) {
    QSqlQuery q = db.query();
    q.prepare(QStringLiteral("INSERT INTO messages_search(rowid, tokens) VALUES (?, ?)"));
    q.addBindValue(rowId);
    q.addBindValue(db.cipher().blindTokens(text));
    return db.exec(q);
}

//! Schema 5's search index. Sealed stores of schema 3 and 4 already have it (LocalStore created
//! it on every keyed open); any other file gets it here, filled from the sealed bodies it holds.
Status adoptSearchIndex(Database &db) {
    auto exists = tableExists(db, "messages_search");
    if (!exists)
        return exists.error();
    if (*exists)
        return {};
    TIDINGS_TRY(exec(db, kCreateSearchIndex));
    QSqlQuery rows = db.query();
    rows.setForwardOnly(true);
    rows.prepare(QStringLiteral("SELECT id, conversation_id, sender_user_id, client_message_id,"
                                " body FROM messages WHERE body IS NOT NULL AND hidden = 0"));
    TIDINGS_TRY(db.exec(rows));
    QList<std::pair<qint64, QString>> texts;
    while (rows.next()) {
        auto text = db.cipher().openText(rows.value(4).toByteArray(), rows.value(1).toULongLong(),
                                         rows.value(2).toULongLong(), rows.value(3).toString());
        if (!text)
            return text.error();
        texts.append({rows.value(0).toLongLong(), std::move(*text)});
    }
    rows.finish();
    for (const auto &[id, text] : texts)
        TIDINGS_TRY(indexBlind(db, id, text));
    return {};
}

//! The view store kept drafts in clear: seal them.
Status sealDrafts(Database &db) {
    QSqlQuery rows = db.query();
    rows.setForwardOnly(true);
    rows.prepare(QStringLiteral("SELECT conversation_id, draft FROM ui_chat_prefs"
                                " WHERE draft != ''"));
    TIDINGS_TRY(db.exec(rows));
    QList<std::pair<quint64, QString>> drafts;
    while (rows.next())
        drafts.append({rows.value(0).toULongLong(), rows.value(1).toString()});
    rows.finish();
    QSqlQuery up = db.query();
    up.prepare(QStringLiteral(
        "UPDATE ui_chat_prefs SET draft = '', draft_body = ? WHERE conversation_id = ?"));
    for (const auto &[conversationId, text] : drafts) {
        up.bindValue(0, db.cipher().sealDraft(text, conversationId));
        up.bindValue(1, conversationId);
        TIDINGS_TRY(db.exec(up));
    }
    return {};
}

//! Schema 5's data work on what it adopted.
Status adoptUnversioned(Database &db) {
    TIDINGS_TRY(adoptSearchIndex(db));
    return sealDrafts(db);
}

struct Migration {
    int version;
    const char *const *steps;
    size_t count;
    Status (*after)(Database &db); //!< data work once the step's SQL ran (may be null)
};
const Migration kMigrations[] = {
    {1, kSchemaV1, std::size(kSchemaV1), nullptr},
    {2, kSchemaV2, std::size(kSchemaV2), nullptr},
    {3, kSchemaV3, std::size(kSchemaV3), nullptr},
    {4, kSchemaV4, std::size(kSchemaV4), nullptr},
    {5, kSchemaV5, std::size(kSchemaV5), adoptUnversioned},
    {6, kSchemaV6, std::size(kSchemaV6), nullptr},
    {7, kSchemaV7, std::size(kSchemaV7), nullptr},
    {8, kSchemaV8, std::size(kSchemaV8), nullptr},
    {9, kSchemaV9, std::size(kSchemaV9), nullptr},
    {10, kSchemaV10, std::size(kSchemaV10), nullptr},
};
static_assert(std::size(kMigrations) == size_t(Database::kSchemaVersion));

} // namespace

Status migrate(Database &db) {
    const int version = db.schemaVersion();
    if (version < 0)
        return Error{ErrorCode::Storage, QStringLiteral("cannot read the schema version")};
    if (version > Database::kSchemaVersion)
        return Error{ErrorCode::Storage,
                     QStringLiteral("database schema %1 is newer than this client (%2)")
                         .arg(version)
                         .arg(Database::kSchemaVersion)};
    if (version == Database::kSchemaVersion)
        return {};
    auto txn = db.begin();
    if (!txn)
        return txn.error();
    for (const Migration &m : kMigrations) {
        if (version >= m.version)
            continue;
        for (size_t i = 0; i < m.count; ++i)
            TIDINGS_TRY(exec(db, m.steps[i]));
        if (m.after)
            TIDINGS_TRY(m.after(db));
    }
    TIDINGS_TRY(db.exec(QStringLiteral("PRAGMA user_version = %1").arg(Database::kSchemaVersion)));
    return txn->commit();
}

Status sealPlaintextCache(Database &db) {
    const StoreCipher &cipher = db.cipher();
    auto txn = db.begin();
    if (!txn)
        return txn.error();
    struct Row {
        qint64 id;
        quint64 conversationId;
        quint64 senderUserId;
        QString clientId;
        QString text;
    };
    QList<Row> rows;
    QSqlQuery sel = db.query();
    sel.setForwardOnly(true);
    sel.prepare(QStringLiteral("SELECT id, conversation_id, sender_user_id, client_message_id, text"
                               " FROM messages WHERE body IS NULL AND text != ''"));
    TIDINGS_TRY(db.exec(sel));
    while (sel.next())
        rows.append(Row{sel.value(0).toLongLong(), sel.value(1).toULongLong(),
                        sel.value(2).toULongLong(), sel.value(3).toString(),
                        sel.value(4).toString()});
    sel.finish();
    // Each row is indexed from the plaintext in hand: no second pass that decrypts it again.
    QSqlQuery up = db.query();
    up.prepare(QStringLiteral("UPDATE messages SET text = '', body = ? WHERE id = ?"));
    for (const Row &r : rows) {
        up.bindValue(0, cipher.sealText(r.text, r.conversationId, r.senderUserId, r.clientId));
        up.bindValue(1, r.id);
        TIDINGS_TRY(db.exec(up));
        TIDINGS_TRY(indexBlind(db, r.id, r.text));
    }
    QSqlQuery box = db.query();
    box.prepare(QStringLiteral("SELECT client_message_id, conversation_id, payload FROM outbox"));
    TIDINGS_TRY(db.exec(box));
    QList<std::pair<QString, QByteArray>> sealed;
    while (box.next())
        sealed.append({box.value(0).toString(),
                       cipher.sealPayload(box.value(2).toByteArray(), box.value(1).toULongLong(),
                                          box.value(0).toString())});
    box.finish();
    QSqlQuery reseal = db.query();
    reseal.prepare(QStringLiteral("UPDATE outbox SET payload = ? WHERE client_message_id = ?"));
    for (const auto &[clientId, payload] : sealed) {
        reseal.bindValue(0, payload);
        reseal.bindValue(1, clientId);
        TIDINGS_TRY(db.exec(reseal));
    }
    QSqlQuery check = db.query();
    check.prepare(QStringLiteral("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)"));
    check.addBindValue(QString::fromLatin1(kKeyCheckSetting));
    check.addBindValue(QString::fromLatin1(cipher.keyCheck().toBase64()));
    TIDINGS_TRY(db.exec(check));
    TIDINGS_TRY(txn->commit());
    if (!rows.isEmpty() || !sealed.isEmpty()) {
        // secure_delete zeroes freed cells, but pages of the old plaintext may still sit in the
        // WAL and in free space: rewrite the file once and empty the WAL.
        qCInfo(lcStore) << "encrypted" << rows.size() << "stored messages in place";
        TIDINGS_TRY(db.exec(QStringLiteral("VACUUM")));
    }
    return db.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
}

} // namespace tidings::client::detail
