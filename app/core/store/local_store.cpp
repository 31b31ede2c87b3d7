#include "core/store/local_store.h"
#include "core/store/local_store_p.h"

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

namespace tidings::client {

namespace {

QAtomicInteger<quint64> s_connectionCounter;

const char *const kConversationColumns =
    "id, peer_user_id, peer_username, last_contiguous_seq, peer_delivered_seq, peer_read_seq, "
    "my_read_seq";

ConversationRecord readConversation(const QSqlQuery &q) {
    ConversationRecord c;
    c.id = q.value(0).toULongLong();
    c.peerUserId = q.value(1).toULongLong();
    c.peerUsername = q.value(2).toString();
    c.lastContiguousSeq = q.value(3).toULongLong();
    c.peerDeliveredSeq = q.value(4).toULongLong();
    c.peerReadSeq = q.value(5).toULongLong();
    c.myReadSeq = q.value(6).toULongLong();
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

} // namespace

namespace detail {
const char *const kMessageColumns =
    "m.id, m.client_message_id, m.conversation_id, m.seq, m.sender_user_id, m.sender_device_id, "
    "m.sender_username, m.text, m.sent_at_ms, m.server_time_ms, m.received_at_ms, m.outgoing, "
    "m.failed";

MessageRecord readMessage(const QSqlQuery &q) {
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

MessageState deriveState(const MessageRecord &m, const ConversationRecord &c, quint64 myUserId) {
    if (!m.outgoing && m.senderUserId != myUserId)
        return MessageState::Received;
    if (m.failed)
        return MessageState::Failed;
    if (m.seq == 0)
        return MessageState::Pending;
    if (m.seq <= c.peerReadSeq)
        return MessageState::Read;
    if (m.seq <= c.peerDeliveredSeq)
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
    const QString name =
        QStringLiteral("tidings-store-%1").arg(s_connectionCounter.fetchAndAddRelaxed(1));
    std::unique_ptr<LocalStore> store(new LocalStore(name));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        if (!db.open())
            return storageError(QStringLiteral("cannot open %1").arg(path), db.lastError());
    }
    for (const char *pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                               "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"}) {
        if (auto s = store->exec(QString::fromLatin1(pragma)); !s)
            return s.error();
    }
    if (auto s = store->migrate(); !s)
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
    if (version < 1) {
        for (const char *sql : kSchemaV1) {
            if (auto s = exec(QString::fromLatin1(sql)); !s) {
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
    if (!query.exec())
        return storageError(query.lastQuery().left(60), query.lastError());
    return {};
}

Status LocalStore::begin() {
    QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    if (!db.transaction())
        return storageError(QStringLiteral("begin"), db.lastError());
    return {};
}

Status LocalStore::commit() {
    QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    if (!db.commit()) {
        const auto e = storageError(QStringLiteral("commit"), db.lastError());
        db.rollback();
        return e;
    }
    return {};
}

void LocalStore::rollback() {
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
             {"DELETE FROM outbox", "DELETE FROM messages", "DELETE FROM conversations"})
            TIDINGS_TRY(exec(QString::fromLatin1(sql)));
    }
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)"));
    const std::pair<const char *, QString> rows[] = {
        {"server_url", account.serverUrl},
        {"user_id", QString::number(account.userId)},
        {"device_id", QString::number(account.deviceId)},
        {"username", account.username},
    };
    for (const auto &[key, value] : rows) {
        q.bindValue(0, QString::fromLatin1(key));
        q.bindValue(1, detail::nn(value));
        TIDINGS_TRY(exec(q));
    }
    TIDINGS_TRY(commit());
    txn.done();
    return {};
}

Status LocalStore::ensureConversation(quint64 id, quint64 peerUserId, const QString &peerUsername) {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    // Fill in the peer when it becomes known, but never erase a known one.
    q.prepare(QStringLiteral(
        "INSERT INTO conversations(id, peer_user_id, peer_username) VALUES (?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET "
        " peer_user_id = CASE WHEN excluded.peer_user_id != 0 THEN excluded.peer_user_id "
        "                ELSE peer_user_id END,"
        " peer_username = CASE WHEN excluded.peer_username != '' THEN excluded.peer_username "
        "                 ELSE peer_username END"));
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
    q.prepare(QStringLiteral("SELECT %1 FROM conversations WHERE peer_username = ? ORDER BY id")
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

Status LocalStore::enqueueOutgoing(const QList<OutgoingDraft> &drafts, const AccountSettings &me) {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    QSqlQuery msg(QSqlDatabase::database(m_connectionName));
    msg.prepare(QStringLiteral(
        "INSERT INTO messages(client_message_id, conversation_id, seq, sender_user_id,"
        " sender_device_id, sender_username, text, sent_at_ms, outgoing, notified)"
        " VALUES (?, ?, NULL, ?, ?, ?, ?, ?, 1, 1)"));
    QSqlQuery box(QSqlDatabase::database(m_connectionName));
    box.prepare(QStringLiteral("INSERT INTO outbox(client_message_id, conversation_id, payload,"
                               " created_at_ms) VALUES (?, ?, ?, ?)"));
    for (const auto &d : drafts) {
        TIDINGS_TRY(ensureConversation(d.conversationId, 0, QString()));
        msg.bindValue(0, d.clientMessageId);
        msg.bindValue(1, d.conversationId);
        msg.bindValue(2, me.userId);
        msg.bindValue(3, me.deviceId);
        msg.bindValue(4, detail::nn(me.username));
        msg.bindValue(5, detail::nn(d.text));
        msg.bindValue(6, d.sentAtMs);
        TIDINGS_TRY(exec(msg));
        box.bindValue(0, d.clientMessageId);
        box.bindValue(1, d.conversationId);
        box.bindValue(2, d.payload);
        box.bindValue(3, now);
        TIDINGS_TRY(exec(box));
    }
    TIDINGS_TRY(commit());
    txn.done();
    return {};
}

Result<QList<OutboxEntry>> LocalStore::outbox() const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT client_message_id, conversation_id, payload, created_at_ms"
                             " FROM outbox ORDER BY rowid"));
    TIDINGS_TRY(exec(q));
    QList<OutboxEntry> out;
    while (q.next())
        out.append(OutboxEntry{q.value(0).toString(), q.value(1).toULongLong(),
                               q.value(2).toByteArray(), q.value(3).toLongLong()});
    return out;
}

Result<int> LocalStore::outboxSize() const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM outbox"));
    TIDINGS_TRY(exec(q));
    return q.next() ? q.value(0).toInt() : 0;
}

Result<ConversationAdvance> LocalStore::applySendAck(const QString &clientMessageId,
                                                     quint64 conversationId, quint64 seq,
                                                     qint64 serverTimeMs) {
    auto advs = applySendAcks({SendAckRecord{clientMessageId, conversationId, seq, serverTimeMs}});
    if (!advs)
        return advs.error();
    return advs->first();
}

Result<QList<ConversationAdvance>> LocalStore::applySendAcks(const QList<SendAckRecord> &acks) {
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    QSqlQuery unbox(db);
    unbox.prepare(QStringLiteral("DELETE FROM outbox WHERE client_message_id = ?"));
    QSqlQuery clash(db);
    clash.prepare(QStringLiteral(
        "SELECT client_message_id FROM messages WHERE conversation_id = ? AND seq = ?"));
    QSqlQuery update(db);
    update.prepare(QStringLiteral(
        "UPDATE messages SET seq = ?, server_time_ms = ?, failed = 0"
        " WHERE client_message_id = ? AND outgoing = 1 AND (seq IS NULL OR seq = ?)"));
    QList<quint64> touched;
    for (const SendAckRecord &a : acks) {
        unbox.bindValue(0, a.clientMessageId);
        TIDINGS_TRY(exec(unbox));
        // If a push or history page already stored this seq (e.g. a copy of my message), the
        // pending row is the duplicate: keep the stored one.
        clash.bindValue(0, a.conversationId);
        clash.bindValue(1, a.seq);
        TIDINGS_TRY(exec(clash));
        if (clash.next() && clash.value(0).toString() != a.clientMessageId) {
            qCWarning(lcStore) << "ack seq" << a.seq << "already taken in conversation"
                               << a.conversationId;
        } else {
            update.bindValue(0, a.seq);
            update.bindValue(1, a.serverTimeMs);
            update.bindValue(2, a.clientMessageId);
            update.bindValue(3, a.seq);
            TIDINGS_TRY(exec(update));
        }
        clash.finish();
        if (!touched.contains(a.conversationId))
            touched.append(a.conversationId);
    }
    QList<ConversationAdvance> out;
    for (quint64 conversationId : touched) {
        TIDINGS_TRY(ensureConversation(conversationId, 0, QString()));
        auto adv = advance(conversationId, 0);
        if (!adv)
            return adv.error();
        out.append(std::move(*adv));
    }
    TIDINGS_TRY(commit());
    txn.done();
    return out;
}

Status LocalStore::markFailed(const QString &clientMessageId) {
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("DELETE FROM outbox WHERE client_message_id = ?"));
    q.addBindValue(clientMessageId);
    TIDINGS_TRY(exec(q));
    QSqlQuery u(QSqlDatabase::database(m_connectionName));
    u.prepare(QStringLiteral("UPDATE messages SET failed = 1 WHERE client_message_id = ? AND"
                             " outgoing = 1 AND seq IS NULL"));
    u.addBindValue(clientMessageId);
    TIDINGS_TRY(exec(u));
    TIDINGS_TRY(commit());
    txn.done();
    return {};
}

} // namespace tidings::client
