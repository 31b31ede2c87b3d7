// LocalStore: encryption at rest (key check, in-place encryption of a plaintext store, the blind
// search index), caller transactions for the E2E engine, placeholders, display names and
// receipt times. Split from local_store.cpp to keep each file readable.
#include "core/store/local_store.h"
#include "core/store/local_store_p.h"
#include "core/store/store_crypto.h"

#include "core/logging.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <map>

namespace tidings::client {

using detail::Txn;

namespace {

// The plaintext index of unencrypted stores (created by ViewStore): never kept beside sealed text.
const char *const kDropPlainIndex[] = {
    "DROP TRIGGER IF EXISTS messages_fts_ai",
    "DROP TRIGGER IF EXISTS messages_fts_ad",
    "DROP TRIGGER IF EXISTS messages_fts_au",
    "DROP TABLE IF EXISTS messages_fts",
};

// Before the contentless index: an external-content index over a messages.search_tokens column
// (it doubled the size of every row). Replaced on open.
const char *const kDropOldBlindIndex[] = {
    "DROP TRIGGER IF EXISTS messages_bfts_ai",
    "DROP TRIGGER IF EXISTS messages_bfts_ad",
    "DROP TRIGGER IF EXISTS messages_bfts_au",
    "DROP TABLE IF EXISTS messages_bfts",
};

} // namespace

// Blind tokens are lower-case base32, one per distinct word: the ascii tokenizer keeps them
// whole. Contentless (content=''): the tokens live only in the index, rows stay small; LocalStore
// adds each row's tokens itself (triggers cannot compute them) and the only deletion, a change of
// account, empties the whole index.
Status LocalStore::ensureBlindIndex() {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    if (!q.exec(
            QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages_search'")))
        return detail::storageError(QStringLiteral("schema"), q.lastError());
    const bool hadIndex = q.next() && q.value(0).toInt() > 0;
    q.finish();
    for (const char *sql : kDropPlainIndex)
        TIDINGS_TRY(exec(QString::fromLatin1(sql)));
    for (const char *sql : kDropOldBlindIndex)
        TIDINGS_TRY(exec(QString::fromLatin1(sql)));
    if (hadIndex)
        return {};
    TIDINGS_TRY(exec(QStringLiteral("CREATE VIRTUAL TABLE messages_search USING fts5(tokens,"
                                    " content='', tokenize='ascii')")));
    // Index what is stored (a store encrypted in place, or one from before this index).
    QSqlQuery rows(QSqlDatabase::database(m_connectionName));
    rows.setForwardOnly(true);
    rows.prepare(QStringLiteral("SELECT id, conversation_id, sender_user_id, client_message_id,"
                                " body FROM messages WHERE body IS NOT NULL AND hidden = 0"));
    TIDINGS_TRY(exec(rows));
    QList<std::pair<qint64, QString>> texts;
    while (rows.next()) {
        auto text = m_cipher->openText(rows.value(4).toByteArray(), rows.value(1).toULongLong(),
                                       rows.value(2).toULongLong(), rows.value(3).toString());
        if (!text)
            return text.error();
        texts.append({rows.value(0).toLongLong(), std::move(*text)});
    }
    rows.finish();
    for (const auto &[id, text] : texts)
        TIDINGS_TRY(indexBlind(id, text));
    return {};
}

Status LocalStore::indexBlind(qint64 rowId, const QString &text) {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("INSERT INTO messages_search(rowid, tokens) VALUES (?, ?)"));
    q.addBindValue(rowId);
    q.addBindValue(m_cipher->blindTokens(text));
    return exec(q);
}

Status LocalStore::setUpEncryption() {
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT value FROM settings WHERE key = ?"));
    q.addBindValue(QString::fromLatin1(detail::kKeyCheckSetting));
    TIDINGS_TRY(exec(q));
    const bool encrypted = q.next();
    const QByteArray check =
        encrypted ? QByteArray::fromBase64(q.value(0).toString().toLatin1()) : QByteArray();
    q.finish();
    if (!m_cipher) {
        if (encrypted)
            return Error{ErrorCode::BadCredentials,
                         QStringLiteral("the local store is encrypted: it needs the master key")};
        return {};
    }
    if (encrypted) {
        if (!m_cipher->matchesKeyCheck(check))
            return Error{ErrorCode::BadCredentials,
                         QStringLiteral("the master key does not open this local store")};
        TIDINGS_TRY(begin());
        Txn txn([this] { rollback(); });
        TIDINGS_TRY(ensureBlindIndex());
        TIDINGS_TRY(commit());
        txn.done();
        return {};
    }

    // First open with a key: seal what an older version stored in plaintext, in one transaction.
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    for (const char *sql : kDropPlainIndex)
        TIDINGS_TRY(exec(QString::fromLatin1(sql)));
    struct Row {
        qint64 id;
        quint64 conversationId;
        quint64 senderUserId;
        QString clientId;
        QString text;
    };
    QList<Row> rows;
    QSqlQuery sel(db);
    sel.setForwardOnly(true);
    sel.prepare(QStringLiteral("SELECT id, conversation_id, sender_user_id, client_message_id, text"
                               " FROM messages WHERE body IS NULL AND text != ''"));
    TIDINGS_TRY(exec(sel));
    while (sel.next())
        rows.append(Row{sel.value(0).toLongLong(), sel.value(1).toULongLong(),
                        sel.value(2).toULongLong(), sel.value(3).toString(),
                        sel.value(4).toString()});
    sel.finish();
    QSqlQuery up(db);
    up.prepare(QStringLiteral("UPDATE messages SET text = '', body = ? WHERE id = ?"));
    // The (empty) index first, then each row indexed from the plaintext in hand: no second pass
    // that decrypts everything again.
    TIDINGS_TRY(ensureBlindIndex());
    for (const Row &r : rows) {
        up.bindValue(0, m_cipher->sealText(r.text, r.conversationId, r.senderUserId, r.clientId));
        up.bindValue(1, r.id);
        TIDINGS_TRY(exec(up));
        TIDINGS_TRY(indexBlind(r.id, r.text));
    }
    QSqlQuery box(db);
    box.prepare(QStringLiteral("SELECT client_message_id, conversation_id, payload FROM outbox"));
    TIDINGS_TRY(exec(box));
    QList<std::pair<QString, QByteArray>> sealed;
    while (box.next())
        sealed.append({box.value(0).toString(),
                       m_cipher->sealPayload(box.value(2).toByteArray(), box.value(1).toULongLong(),
                                             box.value(0).toString())});
    box.finish();
    QSqlQuery reseal(db);
    reseal.prepare(QStringLiteral("UPDATE outbox SET payload = ? WHERE client_message_id = ?"));
    for (const auto &[clientId, payload] : sealed) {
        reseal.bindValue(0, payload);
        reseal.bindValue(1, clientId);
        TIDINGS_TRY(exec(reseal));
    }
    QSqlQuery setCheck(db);
    setCheck.prepare(QStringLiteral("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)"));
    setCheck.addBindValue(QString::fromLatin1(detail::kKeyCheckSetting));
    setCheck.addBindValue(QString::fromLatin1(m_cipher->keyCheck().toBase64()));
    TIDINGS_TRY(exec(setCheck));
    TIDINGS_TRY(commit());
    txn.done();
    if (!rows.isEmpty() || !sealed.isEmpty()) {
        // secure_delete zeroes freed cells, but pages of the old plaintext may still sit in the
        // WAL and in free space: rewrite the file once and empty the WAL.
        qCInfo(lcStore) << "encrypted" << rows.size() << "stored messages in place";
        TIDINGS_TRY(exec(QStringLiteral("VACUUM")));
    }
    TIDINGS_TRY(exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")));
    return {};
}

Status LocalStore::transaction(const std::function<Status()> &body) {
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    if (body)
        TIDINGS_TRY(body());
    TIDINGS_TRY(commit());
    txn.done();
    return {};
}

Status LocalStore::replaceUndecryptable(quint64 conversationId, quint64 seq, const QString &text,
                                        qint64 sentAtMs) {
    return replaceUndecryptable(conversationId, seq, 0, text, sentAtMs);
}

Status LocalStore::replaceUndecryptable(quint64 conversationId, quint64 seq, quint64 senderUserId,
                                        const QString &text, qint64 sentAtMs) {
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    QSqlQuery row(db);
    row.prepare(QStringLiteral("SELECT id, sender_user_id, client_message_id, undecryptable"
                               " FROM messages WHERE conversation_id = ? AND seq = ? AND"
                               " hidden = 0"));
    row.addBindValue(conversationId);
    row.addBindValue(seq);
    TIDINGS_TRY(exec(row));
    if (!row.next())
        return Error{
            ErrorCode::Storage,
            QStringLiteral("no message %1 in conversation %2").arg(seq).arg(conversationId)};
    const qint64 id = row.value(0).toLongLong();
    const quint64 sender = row.value(1).toULongLong();
    if (senderUserId != 0 && sender != senderUserId)
        return Error{ErrorCode::Forbidden,
                     QStringLiteral("a resend from another user than the sender")};
    if (!row.value(3).toBool()) {
        TIDINGS_TRY(commit());
        txn.done();
        return {}; // already readable (a second resend)
    }
    const QString clientId = row.value(2).toString();
    row.finish();
    const bool seal = m_cipher && !text.isEmpty();
    QSqlQuery up(db);
    up.prepare(QStringLiteral("UPDATE messages SET text = ?, body = ?,"
                              " sent_at_ms = ?, undecryptable = 0 WHERE id = ?"));
    up.addBindValue(seal ? QStringLiteral("") : detail::nn(text));
    up.addBindValue(seal ? QVariant(m_cipher->sealText(text, conversationId, sender, clientId))
                         : QVariant(QMetaType::fromType<QByteArray>()));
    up.addBindValue(sentAtMs);
    up.addBindValue(id);
    TIDINGS_TRY(exec(up));
    if (seal)
        TIDINGS_TRY(indexBlind(id, text)); // a placeholder was never indexed
    TIDINGS_TRY(commit());
    txn.done();
    return {};
}

// --- profiles --------------------------------------------------------------------------------

Status LocalStore::writeDisplayName(quint64 userId, const QString &name) {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("INSERT INTO users(user_id, display_name) VALUES (?, ?)"
                             " ON CONFLICT(user_id) DO UPDATE SET display_name ="
                             " excluded.display_name"));
    q.addBindValue(userId);
    q.addBindValue(detail::nn(name));
    return exec(q);
}

Status LocalStore::setDisplayName(quint64 userId, const QString &name) {
    if (userId == 0)
        return Error{ErrorCode::NoSuchUser, QStringLiteral("no user id")};
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    TIDINGS_TRY(writeDisplayName(userId, name));
    // Mine is also the account's.
    QSqlQuery mine(db);
    mine.prepare(QStringLiteral(
        "INSERT OR REPLACE INTO settings(key, value) SELECT 'display_name', ? FROM settings"
        " WHERE key = 'user_id' AND CAST(value AS INTEGER) = ?"));
    mine.addBindValue(detail::nn(name));
    mine.addBindValue(userId);
    TIDINGS_TRY(exec(mine));
    TIDINGS_TRY(commit());
    txn.done();
    return {};
}

Result<QString> LocalStore::displayName(quint64 userId) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT display_name FROM users WHERE user_id = ?"));
    q.addBindValue(userId);
    TIDINGS_TRY(exec(q));
    return q.next() ? q.value(0).toString() : QString();
}

// --- receipt times ---------------------------------------------------------------------------

Status LocalStore::recordReceiptTime(quint64 conversationId, quint64 userId, quint64 deliveredSeq,
                                     quint64 readSeq, qint64 atMs) {
    if (conversationId == 0 || userId == 0)
        return {};
    deliveredSeq = std::max(deliveredSeq, readSeq); // read implies delivered
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    // Only an advance over everything recorded (kept or pruned) is worth a row.
    QSqlQuery top(db);
    top.prepare(QStringLiteral(
        "SELECT MAX(d), MAX(r) FROM (SELECT MAX(delivered_seq) AS d, MAX(read_seq) AS r FROM"
        " receipt_times WHERE conversation_id = ? AND user_id = ? UNION ALL"
        " SELECT delivered_seq, read_seq FROM receipt_floor WHERE conversation_id = ? AND"
        " user_id = ?)"));
    for (int i = 0; i < 4; i += 2) {
        top.bindValue(i, conversationId);
        top.bindValue(i + 1, userId);
    }
    TIDINGS_TRY(exec(top));
    const quint64 knownDelivered = top.next() ? top.value(0).toULongLong() : 0;
    const quint64 knownRead = top.value(1).toULongLong();
    top.finish();
    if (deliveredSeq <= knownDelivered && readSeq <= knownRead)
        return {};
    QSqlQuery ins(db);
    ins.prepare(QStringLiteral("INSERT INTO receipt_times(conversation_id, user_id,"
                               " delivered_seq, read_seq, at_ms) VALUES (?, ?, ?, ?, ?)"));
    ins.addBindValue(conversationId);
    ins.addBindValue(userId);
    ins.addBindValue(std::max(deliveredSeq, knownDelivered));
    ins.addBindValue(std::max(readSeq, knownRead));
    ins.addBindValue(atMs);
    TIDINGS_TRY(exec(ins));

    // Keep the newest rows of the conversation; remember what the pruned ones covered.
    QSqlQuery cut(db);
    cut.prepare(QStringLiteral("SELECT id FROM receipt_times WHERE conversation_id = ?"
                               " ORDER BY id DESC LIMIT 1 OFFSET ?"));
    cut.addBindValue(conversationId);
    cut.addBindValue(kReceiptTimesKept);
    TIDINGS_TRY(exec(cut));
    if (cut.next()) {
        const qint64 cutId = cut.value(0).toLongLong();
        cut.finish();
        QSqlQuery floor(db);
        floor.prepare(QStringLiteral(
            "INSERT INTO receipt_floor(conversation_id, user_id, delivered_seq, read_seq)"
            " SELECT conversation_id, user_id, MAX(delivered_seq), MAX(read_seq)"
            " FROM receipt_times WHERE conversation_id = ? AND id <= ? GROUP BY user_id"
            " ON CONFLICT(conversation_id, user_id) DO UPDATE SET"
            " delivered_seq = MAX(delivered_seq, excluded.delivered_seq),"
            " read_seq = MAX(read_seq, excluded.read_seq)"));
        floor.addBindValue(conversationId);
        floor.addBindValue(cutId);
        TIDINGS_TRY(exec(floor));
        QSqlQuery del(db);
        del.prepare(
            QStringLiteral("DELETE FROM receipt_times WHERE conversation_id = ? AND id <= ?"));
        del.addBindValue(conversationId);
        del.addBindValue(cutId);
        TIDINGS_TRY(exec(del));
    }
    TIDINGS_TRY(commit());
    txn.done();
    return {};
}

Result<QList<ReceiptTime>> LocalStore::receiptTimes(quint64 conversationId, quint64 seq) const {
    return detail::receiptTimes(m_connectionName, conversationId, seq);
}

Result<QList<ReceiptTime>> detail::receiptTimes(const QString &connectionName,
                                                quint64 conversationId, quint64 seq) {
    const QSqlDatabase db = QSqlDatabase::database(connectionName);
    const auto exec = [](QSqlQuery &q) -> Status {
        // As LocalStore::exec: Qt 6.4 binds quint64 as TEXT, which never equals an integer.
        const QVariantList bound = q.boundValues();
        for (int i = 0; i < bound.size(); ++i) {
            if (bound[i].typeId() == QMetaType::ULongLong)
                q.bindValue(i, qint64(bound[i].toULongLong()));
        }
        if (!q.exec())
            return storageError(QStringLiteral("receipt times"), q.lastError());
        return {};
    };
    // Members of a group, the peer of a 1:1; never me.
    QSqlQuery who(db);
    who.prepare(
        QStringLiteral(
            "SELECT g.user_id, g.username, COALESCE(u.display_name, '') FROM group_members g"
            " LEFT JOIN users u ON u.user_id = g.user_id WHERE g.conversation_id = ?"
            " AND g.user_id != COALESCE((SELECT CAST(value AS INTEGER) FROM settings"
            " WHERE key = 'user_id'), 0)"
            " UNION SELECT c.peer_user_id, c.peer_username, %1 FROM conversations c"
            " WHERE c.id = ? AND c.kind != 2 AND c.peer_user_id != 0 ORDER BY 2, 1")
            .arg(detail::peerDisplayNameSql("c")));
    who.bindValue(0, conversationId);
    who.bindValue(1, conversationId);
    TIDINGS_TRY(exec(who));
    QList<ReceiptTime> out;
    while (who.next())
        out.append(ReceiptTime{who.value(0).toULongLong(), who.value(1).toString(), 0, 0,
                               who.value(2).toString()});
    who.finish();

    // The first kept advance covering seq is the true one unless a pruned row covered it.
    QSqlQuery first(db);
    first.prepare(QStringLiteral(
        "SELECT (SELECT MIN(at_ms) FROM receipt_times WHERE conversation_id = ? AND"
        "  user_id = ? AND delivered_seq >= ?),"
        " (SELECT MIN(at_ms) FROM receipt_times WHERE conversation_id = ? AND user_id = ?"
        "  AND read_seq >= ?),"
        " COALESCE((SELECT delivered_seq FROM receipt_floor WHERE conversation_id = ? AND"
        "  user_id = ?), 0),"
        " COALESCE((SELECT read_seq FROM receipt_floor WHERE conversation_id = ? AND"
        "  user_id = ?), 0)"));
    for (ReceiptTime &t : out) {
        // Numbered parameters (?1) do not mix with QSqlQuery's positional binding: repeat them.
        const QVariant values[] = {
            conversationId, t.userId,       seq,     conversationId, t.userId, seq, conversationId,
            t.userId,       conversationId, t.userId};
        for (int i = 0; i < int(std::size(values)); ++i)
            first.bindValue(i, values[i]);
        TIDINGS_TRY(exec(first));
        if (!first.next())
            continue;
        const bool deliveredPruned = first.value(2).toULongLong() >= seq;
        const bool readPruned = first.value(3).toULongLong() >= seq;
        t.deliveredAtMs = deliveredPruned ? 0 : first.value(0).toLongLong();
        t.readAtMs = readPruned ? 0 : first.value(1).toLongLong();
        first.finish();
    }
    return out;
}

} // namespace tidings::client
