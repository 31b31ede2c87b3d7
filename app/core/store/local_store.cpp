#include "core/store/local_store.h"
#include "core/store/local_store_p.h"
#include "core/store/store_crypto.h"

#include "core/logging.h"
#include "protocol/codec.h"

#include <QAtomicInteger>
#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QVariant>

#include <algorithm>
#include <iterator>

namespace tidings::client {

namespace {

QAtomicInteger<quint64> s_connectionCounter;

const char *const kConversationColumns =
    "id, peer_user_id, peer_username, last_contiguous_seq, peer_delivered_seq, peer_read_seq, "
    "my_read_seq, kind, name, all_delivered_seq, all_read_seq, is_member, "
    "COALESCE((SELECT u.display_name FROM users u WHERE u.user_id = conversations.peer_user_id"
    " AND conversations.kind != 2), '')";

ConversationRecord readConversation(const QSqlQuery &q) {
    ConversationRecord c;
    c.id = q.value(0).toULongLong();
    c.peerUserId = q.value(1).toULongLong();
    c.peerUsername = q.value(2).toString();
    c.lastContiguousSeq = q.value(3).toULongLong();
    c.peerDeliveredSeq = q.value(4).toULongLong();
    c.peerReadSeq = q.value(5).toULongLong();
    c.myReadSeq = q.value(6).toULongLong();
    c.kind = ConversationKind(q.value(7).toInt());
    c.name = q.value(8).toString();
    c.allDeliveredSeq = q.value(9).toULongLong();
    c.allReadSeq = q.value(10).toULongLong();
    c.isMember = q.value(11).toBool();
    c.displayName = q.value(12).toString();
    return c;
}

// The schema, one entry per version. Never edit a shipped step: append a new one.
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

// Groups and multi-device. Columns are added (not tables rebuilt) so triggers on messages stay.
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

const char *const kSchemaV4[] = {
    // The encrypted frames an outbox entry became (end-to-end ciphertexts, not secret): a resend
    // sends the same bytes instead of using up new message keys.
    "ALTER TABLE outbox ADD COLUMN prepared BLOB",
};

struct Migration {
    int version;
    const char *const *steps;
    size_t count;
};
const Migration kMigrations[] = {
    {1, kSchemaV1, std::size(kSchemaV1)},
    {2, kSchemaV2, std::size(kSchemaV2)},
    {3, kSchemaV3, std::size(kSchemaV3)},
    {4, kSchemaV4, std::size(kSchemaV4)},
};

} // namespace

namespace detail {
const char *const kMessageColumns =
    "m.id, m.client_message_id, m.conversation_id, m.seq, m.sender_user_id, m.sender_device_id, "
    "m.sender_username, m.text, m.sent_at_ms, m.server_time_ms, m.received_at_ms, m.outgoing, "
    "m.failed, m.event_kind, m.event_actor_id, m.event_actor, m.event_target_id, m.event_target, "
    "m.event_name, m.undecryptable, m.body";

QString peerDisplayNameSql(const char *alias) {
    return QStringLiteral("COALESCE((SELECT pu.display_name FROM users pu WHERE pu.user_id ="
                          " %1.peer_user_id AND %1.kind != 2), '')")
        .arg(QLatin1String(alias));
}

Result<MessageRecord> readMessage(const QSqlQuery &q, const StoreCipher *cipher) {
    MessageRecord m;
    m.rowId = q.value(0).toLongLong();
    m.clientMessageId = q.value(1).toString();
    m.conversationId = q.value(2).toULongLong();
    m.seq = q.value(3).isNull() ? 0 : q.value(3).toULongLong();
    m.senderUserId = q.value(4).toULongLong();
    m.senderDeviceId = q.value(5).toULongLong();
    m.senderUsername = q.value(6).toString();
    m.text = q.value(7).toString();
    m.sentAtMs = q.value(8).toLongLong();
    m.serverTimeMs = q.value(9).toLongLong();
    m.receivedAtMs = q.value(10).toLongLong();
    m.outgoing = q.value(11).toBool();
    m.failed = q.value(12).toBool();
    if (!q.value(13).isNull()) {
        SystemEvent e;
        e.kind = SystemEventKind(q.value(13).toInt());
        e.actorUserId = q.value(14).toULongLong();
        e.actorUsername = q.value(15).toString();
        e.targetUserId = q.value(16).toULongLong();
        e.targetUsername = q.value(17).toString();
        e.name = q.value(18).toString();
        m.event = e;
    }
    m.undecryptable = q.value(19).toBool();
    if (!q.value(20).isNull()) {
        if (!cipher)
            return Error{ErrorCode::BadCredentials,
                         QStringLiteral("the message is encrypted: open the store with its key")};
        auto text = cipher->openText(q.value(20).toByteArray(), m.conversationId, m.senderUserId,
                                     m.clientMessageId);
        if (!text)
            return text.error();
        m.text = std::move(*text);
    }
    return m;
}

} // namespace detail

using detail::storageError;
using detail::Txn;

const char *messageStateName(MessageState state) {
    switch (state) {
    case MessageState::Pending:
        return "pending";
    case MessageState::Stored:
        return "stored";
    case MessageState::Delivered:
        return "delivered";
    case MessageState::Read:
        return "read";
    case MessageState::Received:
        return "received";
    case MessageState::Failed:
        return "failed";
    }
    return "unknown";
}

const char *memberRoleName(MemberRole role) {
    return role == MemberRole::Admin ? "admin" : "member";
}

const char *systemEventName(SystemEventKind kind) {
    switch (kind) {
    case SystemEventKind::Created:
        return "created";
    case SystemEventKind::MemberAdded:
        return "member_added";
    case SystemEventKind::MemberRemoved:
        return "member_removed";
    case SystemEventKind::MemberLeft:
        return "member_left";
    case SystemEventKind::Renamed:
        return "renamed";
    case SystemEventKind::AdminGranted:
        return "admin_granted";
    case SystemEventKind::AdminRevoked:
        return "admin_revoked";
    }
    return "unknown";
}

MessageState deriveState(const MessageRecord &m, const ConversationRecord &c, quint64 myUserId) {
    if (m.event || (!m.outgoing && m.senderUserId != myUserId))
        return MessageState::Received;
    if (m.failed)
        return MessageState::Failed;
    if (m.seq == 0)
        return MessageState::Pending;
    // A group's ticks need every member; a 1:1's the peer.
    const quint64 readSeq = c.isGroup() ? c.allReadSeq : c.peerReadSeq;
    const quint64 deliveredSeq = c.isGroup() ? c.allDeliveredSeq : c.peerDeliveredSeq;
    if (m.seq <= readSeq)
        return MessageState::Read;
    if (m.seq <= deliveredSeq)
        return MessageState::Delivered;
    return MessageState::Stored;
}

LocalStore::LocalStore(QString connectionName)
    : m_connectionName(std::move(connectionName)) {}

LocalStore::~LocalStore() {
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

Result<std::unique_ptr<LocalStore>> LocalStore::open(const QString &path) {
    return openImpl(path, nullptr);
}

Result<std::unique_ptr<LocalStore>> LocalStore::open(const QString &path,
                                                     const crypto::SecretBytes &masterKey) {
    return openImpl(path, &masterKey);
}

Result<std::unique_ptr<LocalStore>> LocalStore::openImpl(const QString &path,
                                                         const crypto::SecretBytes *masterKey) {
    const QString name =
        QStringLiteral("tidings-store-%1").arg(s_connectionCounter.fetchAndAddRelaxed(1));
    std::unique_ptr<LocalStore> store(new LocalStore(name));
    if (masterKey) {
        store->m_cipher = std::make_unique<detail::StoreCipher>(*masterKey);
        if (!store->m_cipher->valid())
            return Error{ErrorCode::Usage, QStringLiteral("the master key must be 32 bytes")};
    }
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        if (!db.open())
            return storageError(QStringLiteral("cannot open %1").arg(path), db.lastError());
    }
    // secure_delete: freed pages and cells are zeroed, so deleted or re-encrypted text does not
    // linger in the file.
    for (const char *pragma :
         {"PRAGMA secure_delete=ON", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
          "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"}) {
        if (auto s = store->exec(QString::fromLatin1(pragma)); !s)
            return s.error();
    }
    if (auto s = store->migrate(); !s)
        return s.error();
    if (auto s = store->setUpEncryption(); !s)
        return s.error();
    return store;
}

int LocalStore::schemaVersion() const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
        return -1;
    return q.value(0).toInt();
}

Status LocalStore::migrate() {
    const int version = schemaVersion();
    if (version < 0)
        return Error{ErrorCode::Storage, QStringLiteral("cannot read the schema version")};
    if (version > kSchemaVersion)
        return Error{ErrorCode::Storage,
                     QStringLiteral("database schema %1 is newer than this client (%2)")
                         .arg(version)
                         .arg(kSchemaVersion)};
    if (version == kSchemaVersion)
        return {};
    if (auto s = begin(); !s)
        return s;
    for (const Migration &m : kMigrations) {
        if (version >= m.version)
            continue;
        for (size_t i = 0; i < m.count; ++i) {
            if (auto s = exec(QString::fromLatin1(m.steps[i])); !s) {
                rollback();
                return s;
            }
        }
    }
    if (auto s = exec(QStringLiteral("PRAGMA user_version = %1").arg(kSchemaVersion)); !s) {
        rollback();
        return s;
    }
    return commit();
}

Status LocalStore::exec(const QString &sql) {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    if (!q.exec(sql))
        return storageError(sql.left(60), q.lastError());
    return {};
}

Status LocalStore::exec(QSqlQuery &query) const {
    // Qt 6.4's SQLite driver binds quint64 as TEXT, and in SQLite any text compares greater
    // than any integer ('0' != 0 is true, MAX(5, '3') is '3'): ids and seqs go in as integers.
    const QVariantList bound = query.boundValues();
    for (int i = 0; i < bound.size(); ++i) {
        if (bound[i].typeId() == QMetaType::ULongLong)
            query.bindValue(i, qint64(bound[i].toULongLong()));
    }
    if (!query.exec())
        return storageError(query.lastQuery().left(60), query.lastError());
    return {};
}

// Nested calls (a store method inside transaction() or the storeIncoming hook) become savepoints,
// so an inner failure undoes only its own writes and the outer caller decides about the rest.
Status LocalStore::begin() {
    QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    if (m_depth > 0) {
        TIDINGS_TRY(exec(QStringLiteral("SAVEPOINT tidings_%1").arg(m_depth)));
        ++m_depth;
        return {};
    }
    if (!db.transaction())
        return storageError(QStringLiteral("begin"), db.lastError());
    m_depth = 1;
    return {};
}

Status LocalStore::commit() {
    if (m_depth > 1) {
        --m_depth;
        return exec(QStringLiteral("RELEASE tidings_%1").arg(m_depth));
    }
    m_depth = 0;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    if (!db.commit()) {
        const auto e = storageError(QStringLiteral("commit"), db.lastError());
        db.rollback();
        return e;
    }
    return {};
}

void LocalStore::rollback() {
    if (m_depth > 1) {
        --m_depth;
        (void)exec(QStringLiteral("ROLLBACK TO tidings_%1").arg(m_depth));
        (void)exec(QStringLiteral("RELEASE tidings_%1").arg(m_depth));
        return;
    }
    m_depth = 0;
    QSqlDatabase::database(m_connectionName).rollback();
}

Result<AccountSettings> LocalStore::account() const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT key, value FROM settings"));
    TIDINGS_TRY(exec(q));
    AccountSettings a;
    while (q.next()) {
        const QString key = q.value(0).toString();
        const QString value = q.value(1).toString();
        if (key == u"server_url")
            a.serverUrl = value;
        else if (key == u"user_id")
            a.userId = value.toULongLong();
        else if (key == u"device_id")
            a.deviceId = value.toULongLong();
        else if (key == u"username")
            a.username = value;
        else if (key == u"display_name")
            a.displayName = value;
    }
    return a;
}

Status LocalStore::saveAccount(const AccountSettings &account) {
    auto previous = this->account();
    if (!previous)
        return previous.error();
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    if (previous->userId != 0 && previous->userId != account.userId) {
        // Another user's cache must not leak into this account.
        for (const char *sql :
             {"DELETE FROM outbox", "DELETE FROM messages", "DELETE FROM group_members",
              "DELETE FROM conversations", "DELETE FROM users", "DELETE FROM receipt_times",
              "DELETE FROM receipt_floor"})
            TIDINGS_TRY(exec(QString::fromLatin1(sql)));
        if (m_cipher)
            TIDINGS_TRY(exec(QStringLiteral(
                "INSERT INTO messages_search(messages_search) VALUES ('delete-all')")));
    }
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)"));
    const std::pair<const char *, QString> rows[] = {
        {"server_url", account.serverUrl},
        {"user_id", QString::number(account.userId)},
        {"device_id", QString::number(account.deviceId)},
        {"username", account.username},
        {"display_name", account.displayName},
    };
    for (const auto &[key, value] : rows) {
        q.bindValue(0, QString::fromLatin1(key));
        q.bindValue(1, detail::nn(value));
        TIDINGS_TRY(exec(q));
    }
    if (account.userId != 0)
        TIDINGS_TRY(writeDisplayName(account.userId, account.displayName));
    TIDINGS_TRY(commit());
    txn.done();
    return {};
}

Status LocalStore::ensureConversation(quint64 id, quint64 peerUserId, const QString &peerUsername) {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    // Fill in the peer when it becomes known, but never erase a known one. Groups have none.
    q.prepare(QStringLiteral(
        "INSERT INTO conversations(id, peer_user_id, peer_username) VALUES (?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET "
        " peer_user_id = CASE WHEN excluded.peer_user_id != 0 AND kind != 2 "
        "                THEN excluded.peer_user_id ELSE peer_user_id END,"
        " peer_username = CASE WHEN excluded.peer_username != '' AND kind != 2 "
        "                 THEN excluded.peer_username ELSE peer_username END"));
    q.addBindValue(id);
    q.addBindValue(peerUserId);
    q.addBindValue(detail::nn(protocol::normalizeUsername(peerUsername)));
    return exec(q);
}

Status LocalStore::upsertConversation(quint64 id, quint64 peerUserId, const QString &peerUsername) {
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    TIDINGS_TRY(ensureConversation(id, peerUserId, peerUsername));
    TIDINGS_TRY(commit());
    txn.done();
    return {};
}

Result<std::optional<ConversationRecord>> LocalStore::conversation(quint64 id) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT %1 FROM conversations WHERE id = ?")
                  .arg(QLatin1String(kConversationColumns)));
    q.addBindValue(id);
    TIDINGS_TRY(exec(q));
    if (!q.next())
        return std::optional<ConversationRecord>();
    return std::optional<ConversationRecord>(readConversation(q));
}

Result<std::optional<ConversationRecord>>
LocalStore::conversationWithPeer(const QString &username) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT %1 FROM conversations WHERE peer_username = ? AND kind = 1"
                             " ORDER BY id")
                  .arg(QLatin1String(kConversationColumns)));
    q.addBindValue(protocol::normalizeUsername(username));
    TIDINGS_TRY(exec(q));
    if (!q.next())
        return std::optional<ConversationRecord>();
    return std::optional<ConversationRecord>(readConversation(q));
}

Result<QList<ConversationRecord>> LocalStore::conversations() const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT %1 FROM conversations ORDER BY id")
                  .arg(QLatin1String(kConversationColumns)));
    TIDINGS_TRY(exec(q));
    QList<ConversationRecord> out;
    while (q.next())
        out.append(readConversation(q));
    return out;
}

Result<bool> LocalStore::updatePeerCursors(quint64 conversationId, quint64 deliveredSeq,
                                           quint64 readSeq) {
    // Read implies delivered.
    deliveredSeq = std::max(deliveredSeq, readSeq);
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(
        QStringLiteral("UPDATE conversations SET peer_delivered_seq = MAX(peer_delivered_seq, ?),"
                       " peer_read_seq = MAX(peer_read_seq, ?) WHERE id = ? AND"
                       " (peer_delivered_seq < ? OR peer_read_seq < ?)"));
    q.addBindValue(deliveredSeq);
    q.addBindValue(readSeq);
    q.addBindValue(conversationId);
    q.addBindValue(deliveredSeq);
    q.addBindValue(readSeq);
    TIDINGS_TRY(exec(q));
    return q.numRowsAffected() > 0;
}

Result<bool> LocalStore::updateMyReadSeq(quint64 conversationId, quint64 readSeq) {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral(
        "UPDATE conversations SET my_read_seq = ? WHERE id = ? AND my_read_seq < ?"));
    q.addBindValue(readSeq);
    q.addBindValue(conversationId);
    q.addBindValue(readSeq);
    TIDINGS_TRY(exec(q));
    return q.numRowsAffected() > 0;
}

Result<ReceiptEffect> LocalStore::applyReceipt(quint64 conversationId, quint64 userId,
                                               quint64 deliveredSeq, quint64 readSeq,
                                               quint64 allDeliveredSeq, quint64 allReadSeq,
                                               quint64 myUserId) {
    ReceiptEffect effect;
    deliveredSeq = std::max(deliveredSeq, readSeq); // read implies delivered
    allDeliveredSeq = std::max(allDeliveredSeq, allReadSeq);
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    if (userId == myUserId) {
        auto mine = updateMyReadSeq(conversationId, readSeq);
        if (!mine)
            return mine.error();
        effect.myReadChanged = *mine;
    } else if (userId != 0) {
        // Kept for every kind (the kind may be learned later); a group's ticks ignore them.
        auto peer = updatePeerCursors(conversationId, deliveredSeq, readSeq);
        if (!peer)
            return peer.error();
        QSqlQuery isDirect(db);
        isDirect.prepare(QStringLiteral("SELECT kind FROM conversations WHERE id = ?"));
        isDirect.addBindValue(conversationId);
        TIDINGS_TRY(exec(isDirect));
        const bool group = isDirect.next() && isDirect.value(0).toInt() == 2;
        effect.ticksChanged = *peer && !group;
    }
    if (userId != 0) {
        QSqlQuery member(db);
        member.prepare(QStringLiteral(
            "UPDATE group_members SET delivered_seq = MAX(delivered_seq, ?),"
            " read_seq = MAX(read_seq, ?) WHERE conversation_id = ? AND user_id = ?"));
        member.addBindValue(deliveredSeq);
        member.addBindValue(readSeq);
        member.addBindValue(conversationId);
        member.addBindValue(userId);
        TIDINGS_TRY(exec(member));
    }
    if (allDeliveredSeq > 0 || allReadSeq > 0) {
        QSqlQuery all(db);
        all.prepare(
            QStringLiteral("UPDATE conversations SET all_delivered_seq = MAX(all_delivered_seq, ?),"
                           " all_read_seq = MAX(all_read_seq, ?) WHERE id = ? AND"
                           " (all_delivered_seq < ? OR all_read_seq < ?)"));
        all.addBindValue(allDeliveredSeq);
        all.addBindValue(allReadSeq);
        all.addBindValue(conversationId);
        all.addBindValue(allDeliveredSeq);
        all.addBindValue(allReadSeq);
        TIDINGS_TRY(exec(all));
        if (all.numRowsAffected() > 0)
            effect.ticksChanged = true;
    }
    TIDINGS_TRY(commit());
    txn.done();
    return effect;
}

Result<int> LocalStore::unreadCount(quint64 conversationId) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral(
        "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        " WHERE m.conversation_id = ? AND m.seq > c.my_read_seq AND m.outgoing = 0 AND"
        " m.hidden = 0 AND m.event_kind IS NULL AND m.sender_user_id != COALESCE((SELECT "
        "CAST(value AS INTEGER)"
        " FROM settings WHERE key = 'user_id'), 0)"));
    q.addBindValue(conversationId);
    TIDINGS_TRY(exec(q));
    return q.next() ? q.value(0).toInt() : 0;
}

Status LocalStore::applyConversationInfo(const ConversationInfo &info, quint64 myUserId) {
    if (info.id == 0)
        return Error{ErrorCode::BadFrame, QStringLiteral("conversation without id")};
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    TIDINGS_TRY(ensureConversation(info.id, 0, QString()));
    const bool group = info.kind == ConversationKind::Group;
    QSqlQuery up(db);
    if (group) {
        bool member = false;
        for (const MemberRecord &m : info.members)
            member = member || m.userId == myUserId;
        up.prepare(QStringLiteral(
            "UPDATE conversations SET kind = 2, name = ?, peer_user_id = 0, peer_username = '',"
            " is_member = ?, info_seq = MAX(info_seq, ?) WHERE id = ?"));
        up.addBindValue(detail::nn(info.name));
        up.addBindValue(member || info.members.isEmpty() ? 1 : 0);
        up.addBindValue(info.lastSeq);
        up.addBindValue(info.id);
        TIDINGS_TRY(exec(up));
        if (!info.members.isEmpty()) {
            QSqlQuery del(db);
            del.prepare(QStringLiteral("DELETE FROM group_members WHERE conversation_id = ?"));
            del.addBindValue(info.id);
            TIDINGS_TRY(exec(del));
            QSqlQuery ins(db);
            ins.prepare(QStringLiteral(
                "INSERT OR REPLACE INTO group_members(conversation_id, user_id, username, role,"
                " delivered_seq, read_seq) VALUES (?, ?, ?, ?, ?, ?)"));
            for (const MemberRecord &m : info.members) {
                ins.bindValue(0, info.id);
                ins.bindValue(1, m.userId);
                ins.bindValue(2, detail::nn(m.username));
                ins.bindValue(3, int(m.role));
                ins.bindValue(4, m.deliveredSeq);
                ins.bindValue(5, m.readSeq);
                TIDINGS_TRY(exec(ins));
                // The server sends the names it knows; an empty one does not erase ours.
                if (!m.displayName.isEmpty())
                    TIDINGS_TRY(writeDisplayName(m.userId, m.displayName));
            }
        }
    } else {
        quint64 peerId = info.peerUserId;
        QString peerName = info.peerUsername;
        QString peerDisplayName = info.peerDisplayName;
        for (const MemberRecord &m : info.members) {
            if (peerId == 0 && m.userId != myUserId) {
                peerId = m.userId;
                peerName = m.username;
            }
            if (!m.displayName.isEmpty())
                TIDINGS_TRY(writeDisplayName(m.userId, m.displayName));
        }
        if (peerId != 0 && !peerDisplayName.isEmpty())
            TIDINGS_TRY(writeDisplayName(peerId, peerDisplayName));
        up.prepare(QStringLiteral("UPDATE conversations SET kind = 1 WHERE id = ?"));
        up.addBindValue(info.id);
        TIDINGS_TRY(exec(up));
        TIDINGS_TRY(ensureConversation(info.id, peerId, peerName));
    }
    TIDINGS_TRY(commit());
    txn.done();
    return {};
}

Status LocalStore::setConversationKind(quint64 conversationId, ConversationKind kind) {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("UPDATE conversations SET kind = ? WHERE id = ?"));
    q.addBindValue(int(kind));
    q.addBindValue(conversationId);
    return exec(q);
}

Result<QList<MemberRecord>> LocalStore::members(quint64 conversationId) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(
        QStringLiteral("SELECT g.user_id, g.username, g.role, g.delivered_seq, g.read_seq,"
                       " COALESCE(u.display_name, '') FROM group_members g"
                       " LEFT JOIN users u ON u.user_id = g.user_id WHERE g.conversation_id = ?"
                       " ORDER BY g.role DESC, g.username, g.user_id"));
    q.addBindValue(conversationId);
    TIDINGS_TRY(exec(q));
    QList<MemberRecord> out;
    while (q.next()) {
        out.append(MemberRecord{q.value(0).toULongLong(), q.value(1).toString(),
                                MemberRole(q.value(2).toInt()), q.value(3).toULongLong(),
                                q.value(4).toULongLong(), q.value(5).toString()});
    }
    return out;
}

} // namespace tidings::client
