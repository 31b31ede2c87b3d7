// The outbox half of LocalStore: messages written before they are sent, acknowledged by the
// server (seq assigned) or refused. Split from local_store.cpp, which keeps schema, account and
// conversations.
#include "core/store/local_store.h"
#include "core/store/local_store_p.h"
#include "core/store/store_crypto.h"

#include "core/logging.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace tidings::client {

using detail::Txn;

Status LocalStore::enqueueOutgoing(const QList<OutgoingDraft> &drafts, const AccountSettings &me) {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    QSqlQuery msg(QSqlDatabase::database(m_connectionName));
    msg.prepare(QStringLiteral(
        "INSERT INTO messages(client_message_id, conversation_id, seq, sender_user_id,"
        " sender_device_id, sender_username, text, sent_at_ms, outgoing, notified, body)"
        " VALUES (?, ?, NULL, ?, ?, ?, ?, ?, 1, 1, ?)"));
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
        const bool seal = m_cipher && !d.text.isEmpty();
        msg.bindValue(5, seal ? QStringLiteral("") : detail::nn(d.text));
        msg.bindValue(6, d.sentAtMs);
        msg.bindValue(7, seal ? QVariant(m_cipher->sealText(d.text, d.conversationId, me.userId,
                                                            d.clientMessageId))
                              : QVariant(QMetaType::fromType<QByteArray>()));
        TIDINGS_TRY(exec(msg));
        if (seal)
            TIDINGS_TRY(indexBlind(msg.lastInsertId().toLongLong(), d.text));
        box.bindValue(0, d.clientMessageId);
        box.bindValue(1, d.conversationId);
        box.bindValue(2, m_cipher
                             ? m_cipher->sealPayload(d.payload, d.conversationId, d.clientMessageId)
                             : d.payload);
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
    while (q.next()) {
        OutboxEntry e{q.value(0).toString(), q.value(1).toULongLong(), q.value(2).toByteArray(),
                      q.value(3).toLongLong()};
        if (m_cipher) {
            auto plain = m_cipher->openPayload(e.payload, e.conversationId, e.clientMessageId);
            if (!plain)
                return plain.error();
            e.payload = std::move(*plain);
        }
        out.append(std::move(e));
    }
    return out;
}

Result<QByteArray> LocalStore::outboxPrepared(const QString &clientMessageId) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT prepared FROM outbox WHERE client_message_id = ?"));
    q.addBindValue(clientMessageId);
    TIDINGS_TRY(exec(q));
    return q.next() ? q.value(0).toByteArray() : QByteArray();
}

Status LocalStore::setOutboxPrepared(const QString &clientMessageId, const QByteArray &prepared) {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("UPDATE outbox SET prepared = ? WHERE client_message_id = ?"));
    q.addBindValue(prepared.isEmpty() ? QVariant(QMetaType::fromType<QByteArray>())
                                      : QVariant(prepared));
    q.addBindValue(clientMessageId);
    return exec(q);
}

Status LocalStore::clearOutboxPrepared(quint64 conversationId) {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("UPDATE outbox SET prepared = NULL WHERE conversation_id = ?"));
    q.addBindValue(conversationId);
    return exec(q);
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
