#include "core/store/message_store.h"

#include "core/logging.h"
#include "core/store/conversation_store.h"
#include "core/store/database.h"
#include "core/store/message_rows.h"
#include "core/store/outbox_store.h"
#include "core/store/search_index.h"
#include "core/store/store_crypto.h"
#include "core/store/store_p.h"
#include "core/store/transfer_store.h"

#include <QDateTime>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <map>

namespace tidings::client {

Result<ConversationAdvance> MessageStore::advance(quint64 conversationId, quint64 floorSeq) {
    auto ordering = m_conversations.ordering(conversationId);
    if (!ordering)
        return ordering.error();
    if (!ordering->has_value())
        return Error{ErrorCode::Storage, QStringLiteral("unknown conversation")};
    const ConversationStore::Ordering &o = **ordering;
    ConversationAdvance adv;
    adv.conversationId = conversationId;
    adv.previousContiguousSeq = o.lastContiguousSeq;
    adv.unknownKind = o.kind == ConversationKind::Unknown;
    quint64 last = std::max(adv.previousContiguousSeq, floorSeq);

    QSqlQuery above = m_db.query();
    above.setForwardOnly(true);
    above.prepare(QStringLiteral("SELECT seq FROM messages WHERE conversation_id = ? AND seq > ?"
                                 " ORDER BY seq"));
    above.addBindValue(conversationId);
    above.addBindValue(last);
    TIDINGS_TRY(m_db.exec(above));
    while (above.next()) {
        const quint64 seq = above.value(0).toULongLong();
        if (seq != last + 1) {
            adv.hasHeld = true;
            break;
        }
        last = seq;
    }
    adv.lastContiguousSeq = last;
    if (last == adv.previousContiguousSeq)
        return adv;
    TIDINGS_TRY(m_conversations.setLastContiguousSeq(conversationId, last));

    QSqlQuery rel = m_db.query();
    rel.setForwardOnly(true);
    rel.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                               " m.seq > ? AND m.seq <= ? AND m.outgoing = 0 AND m.hidden = 0"
                               " ORDER BY m.seq")
                    .arg(QLatin1String(detail::kMessageColumns)));
    rel.addBindValue(conversationId);
    rel.addBindValue(adv.previousContiguousSeq);
    rel.addBindValue(last);
    TIDINGS_TRY(m_db.exec(rel));
    auto released = readAll(rel);
    if (!released)
        return released.error();
    adv.released = std::move(*released);
    auto changed = m_conversations.applyEvents(conversationId, adv.released, o.infoSeq);
    if (!changed)
        return changed.error();
    adv.groupChanged = *changed;
    return adv;
}

Result<QList<ConversationAdvance>>
MessageStore::storeIncoming(const QList<IncomingMessage> &messages, qint64 receivedAtMs,
                            const AccountSettings &me,
                            const std::function<Status()> &inTransaction) {
    const detail::StoreCipher &cipher = m_db.cipher();
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();

    QSqlQuery bySeq = m_db.query();
    bySeq.prepare(QStringLiteral("SELECT 1 FROM messages WHERE conversation_id = ? AND seq = ?"));
    QSqlQuery byId = m_db.query();
    byId.prepare(QStringLiteral("SELECT id, seq FROM messages WHERE client_message_id = ? AND"
                                " sender_user_id = ? AND sender_device_id = ?"));
    QSqlQuery confirm = m_db.query();
    confirm.prepare(
        QStringLiteral("UPDATE messages SET seq = ?, server_time_ms = ?, failed = 0 WHERE id = ?"));
    QSqlQuery insert = m_db.query();
    insert.prepare(QStringLiteral(
        "INSERT INTO messages(client_message_id, conversation_id, seq, sender_user_id,"
        " sender_device_id, sender_username, text, sent_at_ms, server_time_ms, received_at_ms,"
        " outgoing, notified, event_kind, event_actor_id, event_actor, event_target_id,"
        " event_target, event_name, undecryptable, hidden, body, tampered, event_state,"
        " event_refusal)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));

    std::map<quint64, ConversationAdvance> touched; // ordered by conversation id
    std::map<quint64, quint64> lastSeq;
    for (const IncomingMessage &m : messages) {
        if (m.conversationId == 0 || m.seq == 0)
            continue;
        auto [it, fresh] = touched.try_emplace(m.conversationId);
        ConversationAdvance &adv = it->second;
        if (fresh) {
            const bool fromPeer = m.senderUserId != me.userId && !m.event;
            TIDINGS_TRY(
                m_conversations.ensureConversation(m.conversationId, fromPeer ? m.senderUserId : 0,
                                                   fromPeer ? m.senderUsername : QString()));
            auto ordering = m_conversations.ordering(m.conversationId);
            if (!ordering)
                return ordering.error();
            lastSeq[m.conversationId] =
                ordering->has_value() ? (*ordering)->lastContiguousSeq : quint64(0);
            adv.conversationId = m.conversationId;
        }
        if (m.seq <= lastSeq[m.conversationId]) {
            ++adv.duplicates;
            continue;
        }
        bySeq.bindValue(0, m.conversationId);
        bySeq.bindValue(1, m.seq);
        TIDINGS_TRY(m_db.exec(bySeq));
        if (bySeq.next()) {
            ++adv.duplicates;
            continue;
        }
        // System events are the server's: they carry no client id of their own (or one that
        // repeats per actor device), so they are identified by (conversation, seq).
        // A tampered copy keeps its own id too: the genuine message may still come under the
        // real one.
        const QString clientId =
            m.event      ? QStringLiteral("event:%1:%2").arg(m.conversationId).arg(m.seq)
            : m.tampered ? QStringLiteral("tampered:%1:%2").arg(m.conversationId).arg(m.seq)
                         : m.clientMessageId;
        byId.bindValue(0, detail::nn(clientId));
        byId.bindValue(1, m.senderUserId);
        byId.bindValue(2, m.senderDeviceId);
        TIDINGS_TRY(m_db.exec(byId));
        if (byId.next()) {
            if (!byId.value(1).isNull()) {
                ++adv.duplicates; // the same message under another seq: keep the first
                continue;
            }
            // My own pending message came back (history or another path): it is stored.
            confirm.bindValue(0, m.seq);
            confirm.bindValue(1, m.serverTimeMs);
            confirm.bindValue(2, byId.value(0));
            TIDINGS_TRY(m_db.exec(confirm));
            TIDINGS_TRY(m_outbox.remove(m.clientMessageId));
            adv.confirmedOwn.append({m.clientMessageId, m.seq});
            ++adv.inserted;
            continue;
        }
        // A copy of a message this very device sent (e.g. after its cache was rebuilt) is
        // outgoing: never announce it as new. System events are everyone's, mine included.
        const bool mine =
            !m.event && m.senderUserId == me.userId && m.senderDeviceId == me.deviceId;
        if (m.event)
            TIDINGS_TRY(m_conversations.markGroup(m.conversationId));
        // Placeholders and control messages carry no text; only readable text is sealed.
        const QString text =
            m.undecryptable || m.tampered || m.hidden || m.event ? QString() : m.text;
        const bool seal = !text.isEmpty();
        insert.bindValue(0, detail::nn(clientId));
        insert.bindValue(1, m.conversationId);
        insert.bindValue(2, m.seq);
        insert.bindValue(3, m.senderUserId);
        insert.bindValue(4, m.senderDeviceId);
        insert.bindValue(5, detail::nn(m.senderUsername));
        insert.bindValue(6, QStringLiteral(""));
        insert.bindValue(7, m.sentAtMs);
        insert.bindValue(8, m.serverTimeMs);
        insert.bindValue(9, receivedAtMs);
        insert.bindValue(10, mine ? 1 : 0);
        insert.bindValue(11, mine || m.hidden ? 1 : 0);
        insert.bindValue(12, m.event ? QVariant(int(m.event->kind)) : QVariant());
        insert.bindValue(13, m.event ? m.event->actorUserId : 0);
        insert.bindValue(14, detail::nn(m.event ? m.event->actorUsername : QString()));
        insert.bindValue(15, m.event ? m.event->targetUserId : 0);
        insert.bindValue(16, detail::nn(m.event ? m.event->targetUsername : QString()));
        insert.bindValue(17, detail::nn(m.event ? m.event->name : QString()));
        insert.bindValue(18, m.undecryptable && !m.hidden ? 1 : 0);
        insert.bindValue(19, m.hidden ? 1 : 0);
        insert.bindValue(
            20, seal ? QVariant(cipher.sealText(text, m.conversationId, m.senderUserId, clientId))
                     : QVariant(QMetaType::fromType<QByteArray>()));
        insert.bindValue(21, m.tampered && !m.hidden ? 1 : 0);
        insert.bindValue(22, m.event ? int(m.event->check) : 0);
        insert.bindValue(23, detail::nn(m.event ? m.event->refusal : QString()));
        TIDINGS_TRY(m_db.exec(insert));
        const qint64 rowId = insert.lastInsertId().toLongLong();
        if (seal)
            TIDINGS_TRY(m_search.add(rowId, text));
        if (!m.hidden && !m.undecryptable && !m.event &&
            (!m.attachments.isEmpty() || m.invalidAttachments > 0))
            TIDINGS_TRY(m_transfers.addAttachments(
                rowId, m.attachments, AttachmentRecord::Transfer::None, m.invalidAttachments));
        ++adv.inserted;
    }

    QList<ConversationAdvance> out;
    for (auto &[conversationId, counts] : touched) {
        auto adv = advance(conversationId, 0);
        if (!adv)
            return adv.error();
        adv->inserted = counts.inserted;
        adv->duplicates = counts.duplicates;
        adv->confirmedOwn = counts.confirmedOwn;
        out.append(std::move(*adv));
    }
    if (inTransaction)
        TIDINGS_TRY(inTransaction());
    TIDINGS_TRY(txn->commit());
    return out;
}

Status MessageStore::replaceUndecryptable(quint64 conversationId, quint64 seq, const QString &text,
                                          qint64 sentAtMs) {
    return replaceUndecryptable(conversationId, seq, 0, text, sentAtMs);
}

Status MessageStore::replaceUndecryptable(quint64 conversationId, quint64 seq, quint64 senderUserId,
                                          const QString &text, qint64 sentAtMs) {
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    QSqlQuery row = m_db.query();
    row.prepare(QStringLiteral("SELECT id, sender_user_id, client_message_id, undecryptable,"
                               " tampered FROM messages WHERE conversation_id = ? AND seq = ? AND"
                               " hidden = 0"));
    row.addBindValue(conversationId);
    row.addBindValue(seq);
    TIDINGS_TRY(m_db.exec(row));
    if (!row.next())
        return Error{
            ErrorCode::Storage,
            QStringLiteral("no message %1 in conversation %2").arg(seq).arg(conversationId)};
    const qint64 id = row.value(0).toLongLong();
    const quint64 sender = row.value(1).toULongLong();
    if (senderUserId != 0 && sender != senderUserId)
        return Error{ErrorCode::Forbidden,
                     QStringLiteral("a resend from another user than the sender")};
    // Already readable (a second resend), or altered on its way: a resend never fills that in
    // (it was never asked for), and refusing it must not fail the message that carried it.
    if (!row.value(3).toBool() || row.value(4).toBool())
        return txn->commit();
    const QString clientId = row.value(2).toString();
    row.finish();
    const bool seal = !text.isEmpty();
    QSqlQuery up = m_db.query();
    up.prepare(QStringLiteral("UPDATE messages SET text = '', body = ?,"
                              " sent_at_ms = ?, undecryptable = 0 WHERE id = ?"));
    up.addBindValue(seal ? QVariant(m_db.cipher().sealText(text, conversationId, sender, clientId))
                         : QVariant(QMetaType::fromType<QByteArray>()));
    up.addBindValue(sentAtMs);
    up.addBindValue(id);
    TIDINGS_TRY(m_db.exec(up));
    if (seal)
        TIDINGS_TRY(m_search.add(id, text)); // a placeholder was never indexed
    return txn->commit();
}

Result<ConversationAdvance> MessageStore::fillGap(quint64 conversationId, quint64 untilSeq) {
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    TIDINGS_TRY(m_conversations.ensureConversation(conversationId, 0, QString()));
    auto adv = advance(conversationId, untilSeq);
    if (!adv)
        return adv.error();
    TIDINGS_TRY(txn->commit());
    return adv;
}

Result<QList<Hole>> MessageStore::holes() const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral(
        "SELECT c.id, c.last_contiguous_seq, MIN(m.seq) FROM conversations c"
        " JOIN messages m ON m.conversation_id = c.id AND m.seq > c.last_contiguous_seq"
        " GROUP BY c.id ORDER BY c.id"));
    TIDINGS_TRY(m_db.exec(q));
    QList<Hole> out;
    while (q.next()) {
        Hole h{q.value(0).toULongLong(), q.value(1).toULongLong(), q.value(2).toULongLong() - 1};
        if (h.untilSeq > h.afterSeq)
            out.append(h);
    }
    return out;
}

// --- outgoing ----------------------------------------------------------------------------------

Result<qint64> MessageStore::insertPending(const OutgoingDraft &d, const AccountSettings &me,
                                           bool toOutbox, qint64 nowMs) {
    TIDINGS_TRY(m_conversations.ensureConversation(d.conversationId, 0, QString()));
    QSqlQuery msg = m_db.query();
    msg.prepare(QStringLiteral(
        "INSERT INTO messages(client_message_id, conversation_id, seq, sender_user_id,"
        " sender_device_id, sender_username, text, sent_at_ms, outgoing, notified, body)"
        " VALUES (?, ?, NULL, ?, ?, ?, '', ?, 1, 1, ?)"));
    msg.addBindValue(d.clientMessageId);
    msg.addBindValue(d.conversationId);
    msg.addBindValue(me.userId);
    msg.addBindValue(me.deviceId);
    msg.addBindValue(detail::nn(me.username));
    const bool seal = !d.text.isEmpty();
    msg.addBindValue(d.sentAtMs);
    msg.addBindValue(seal ? QVariant(m_db.cipher().sealText(d.text, d.conversationId, me.userId,
                                                            d.clientMessageId))
                          : QVariant(QMetaType::fromType<QByteArray>()));
    TIDINGS_TRY(m_db.exec(msg));
    const qint64 rowId = msg.lastInsertId().toLongLong();
    if (seal)
        TIDINGS_TRY(m_search.add(rowId, d.text));
    if (toOutbox)
        TIDINGS_TRY(m_outbox.add(d, nowMs));
    return rowId;
}

Status MessageStore::enqueueOutgoing(const QList<OutgoingDraft> &drafts,
                                     const AccountSettings &me) {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    for (const auto &d : drafts)
        TIDINGS_TRY(insertPending(d, me, true, now));
    return txn->commit();
}

Result<qint64> MessageStore::addOutgoing(const OutgoingDraft &draft,
                                         const QList<media::AttachmentDescriptor> &attachments,
                                         bool held, const AccountSettings &me) {
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    auto rowId = insertPending(draft, me, !held, QDateTime::currentMSecsSinceEpoch());
    if (!rowId)
        return rowId.error();
    TIDINGS_TRY(m_transfers.addAttachments(*rowId, attachments,
                                           held ? AttachmentRecord::Transfer::Queued
                                                : AttachmentRecord::Transfer::Done));
    TIDINGS_TRY(txn->commit());
    return rowId;
}

Status MessageStore::releaseHeld(const OutgoingDraft &draft) {
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    // Pending once more if it had failed (its files were uploaded anew); no row: nothing to send.
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE messages SET failed = 0 WHERE client_message_id = ? AND"
                             " conversation_id = ? AND outgoing = 1 AND seq IS NULL"));
    q.addBindValue(draft.clientMessageId);
    q.addBindValue(draft.conversationId);
    TIDINGS_TRY(m_db.exec(q));
    if (q.numRowsAffected() < 1)
        return Error{ErrorCode::Storage, QStringLiteral("no pending message to release")};
    TIDINGS_TRY(m_outbox.remove(draft.clientMessageId)); // a second release replaces the first
    TIDINGS_TRY(m_outbox.add(draft, QDateTime::currentMSecsSinceEpoch()));
    return txn->commit();
}

Result<ConversationAdvance> MessageStore::applySendAck(const QString &clientMessageId,
                                                       quint64 conversationId, quint64 seq,
                                                       qint64 serverTimeMs) {
    auto advs = applySendAcks({SendAckRecord{clientMessageId, conversationId, seq, serverTimeMs}});
    if (!advs)
        return advs.error();
    return advs->first();
}

Result<QList<ConversationAdvance>> MessageStore::applySendAcks(const QList<SendAckRecord> &acks) {
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    QSqlQuery clash = m_db.query();
    clash.prepare(QStringLiteral(
        "SELECT client_message_id FROM messages WHERE conversation_id = ? AND seq = ?"));
    QSqlQuery update = m_db.query();
    update.prepare(QStringLiteral(
        "UPDATE messages SET seq = ?, server_time_ms = ?, failed = 0"
        " WHERE client_message_id = ? AND outgoing = 1 AND (seq IS NULL OR seq = ?)"));
    QList<quint64> touched;
    for (const SendAckRecord &a : acks) {
        TIDINGS_TRY(m_outbox.remove(a.clientMessageId));
        // If a push or history page already stored this seq (e.g. a copy of my message), the
        // pending row is the duplicate: keep the stored one.
        clash.bindValue(0, a.conversationId);
        clash.bindValue(1, a.seq);
        TIDINGS_TRY(m_db.exec(clash));
        if (clash.next() && clash.value(0).toString() != a.clientMessageId) {
            qCWarning(lcStore) << "ack seq" << a.seq << "already taken in conversation"
                               << a.conversationId;
        } else {
            update.bindValue(0, a.seq);
            update.bindValue(1, a.serverTimeMs);
            update.bindValue(2, a.clientMessageId);
            update.bindValue(3, a.seq);
            TIDINGS_TRY(m_db.exec(update));
        }
        clash.finish();
        if (!touched.contains(a.conversationId))
            touched.append(a.conversationId);
    }
    QList<ConversationAdvance> out;
    for (quint64 conversationId : touched) {
        TIDINGS_TRY(m_conversations.ensureConversation(conversationId, 0, QString()));
        auto adv = advance(conversationId, 0);
        if (!adv)
            return adv.error();
        out.append(std::move(*adv));
    }
    TIDINGS_TRY(txn->commit());
    return out;
}

Status MessageStore::markFailed(const QString &clientMessageId) {
    return leaveOutbox(clientMessageId, true);
}

Status MessageStore::holdAgain(const QString &clientMessageId) {
    return leaveOutbox(clientMessageId, false);
}

Status MessageStore::leaveOutbox(const QString &clientMessageId, bool failed) {
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    TIDINGS_TRY(m_outbox.remove(clientMessageId));
    QSqlQuery u = m_db.query();
    u.prepare(QStringLiteral("UPDATE messages SET failed = ? WHERE client_message_id = ? AND"
                             " outgoing = 1 AND seq IS NULL"));
    u.addBindValue(failed ? 1 : 0);
    u.addBindValue(clientMessageId);
    TIDINGS_TRY(m_db.exec(u));
    return txn->commit();
}

// --- reading -----------------------------------------------------------------------------------

Result<QList<MessageRecord>> MessageStore::readAll(QSqlQuery &query) const {
    QList<MessageRecord> out;
    while (query.next()) {
        auto m = detail::readMessage(query, m_db.cipher());
        if (!m)
            return m.error();
        out.append(std::move(*m));
    }
    query.finish();
    TIDINGS_TRY(m_transfers.fill(out));
    return out;
}

Result<std::optional<MessageRecord>> MessageStore::readOne(QSqlQuery &query) const {
    auto all = readAll(query);
    if (!all)
        return all.error();
    if (all->isEmpty())
        return std::optional<MessageRecord>();
    return std::optional<MessageRecord>(std::move(all->first()));
}

Result<QList<MessageRecord>> MessageStore::history(quint64 conversationId, int limit) const {
    auto out = latest(conversationId, std::max(0, limit));
    if (!out)
        return out.error();
    // Pending (and failed) messages show at the end, as the sender sees them until acked.
    if (limit >= 0 && out->size() > limit)
        *out = out->mid(out->size() - limit);
    return out;
}

Result<QList<MessageRecord>> MessageStore::latest(quint64 conversationId, int limit,
                                                  quint64 fromSeq) const {
    QSqlQuery q = m_db.query();
    q.setForwardOnly(true);
    if (fromSeq > 0) {
        q.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                                 " m.seq >= ? AND m.hidden = 0 ORDER BY m.seq DESC")
                      .arg(QLatin1String(detail::kMessageColumns)));
        q.addBindValue(conversationId);
        q.addBindValue(fromSeq);
    } else {
        q.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                                 " m.seq IS NOT NULL AND m.hidden = 0 ORDER BY m.seq DESC LIMIT ?")
                      .arg(QLatin1String(detail::kMessageColumns)));
        q.addBindValue(conversationId);
        q.addBindValue(limit);
    }
    TIDINGS_TRY(m_db.exec(q));
    auto out = readAll(q);
    if (!out)
        return out.error();
    std::reverse(out->begin(), out->end());
    QSqlQuery p = m_db.query();
    p.setForwardOnly(true);
    p.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                             " m.seq IS NULL ORDER BY m.id")
                  .arg(QLatin1String(detail::kMessageColumns)));
    p.addBindValue(conversationId);
    TIDINGS_TRY(m_db.exec(p));
    auto pending = readAll(p);
    if (!pending)
        return pending.error();
    out->append(std::move(*pending));
    return out;
}

Result<QList<MessageRecord>> MessageStore::olderThan(quint64 conversationId, quint64 beforeSeq,
                                                     int limit) const {
    QSqlQuery q = m_db.query();
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                             " m.seq < ? AND m.hidden = 0 ORDER BY m.seq DESC LIMIT ?")
                  .arg(QLatin1String(detail::kMessageColumns)));
    q.addBindValue(conversationId);
    q.addBindValue(beforeSeq);
    q.addBindValue(limit);
    TIDINGS_TRY(m_db.exec(q));
    auto out = readAll(q);
    if (!out)
        return out.error();
    std::reverse(out->begin(), out->end());
    return out;
}

Result<std::optional<MessageRecord>> MessageStore::messageByRowId(qint64 rowId) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.id = ? AND m.hidden = 0")
                  .arg(QLatin1String(detail::kMessageColumns)));
    q.addBindValue(rowId);
    TIDINGS_TRY(m_db.exec(q));
    return readOne(q);
}

Result<std::optional<MessageRecord>> MessageStore::messageBySeq(quint64 conversationId,
                                                                quint64 seq) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                             " m.seq = ? AND m.hidden = 0")
                  .arg(QLatin1String(detail::kMessageColumns)));
    q.addBindValue(conversationId);
    q.addBindValue(seq);
    TIDINGS_TRY(m_db.exec(q));
    return readOne(q);
}

Result<std::optional<MessageRecord>> MessageStore::messageByClientId(const QString &clientMessageId,
                                                                     quint64 senderUserId) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.client_message_id = ? AND"
                             " m.sender_user_id = ? AND m.hidden = 0 ORDER BY m.id LIMIT 1")
                  .arg(QLatin1String(detail::kMessageColumns)));
    q.addBindValue(clientMessageId);
    q.addBindValue(senderUserId);
    TIDINGS_TRY(m_db.exec(q));
    return readOne(q);
}

Result<int> MessageStore::unreadCount(quint64 conversationId) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral(
        "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        " WHERE m.conversation_id = ? AND m.seq > c.my_read_seq AND m.outgoing = 0 AND"
        " m.hidden = 0 AND m.event_kind IS NULL AND m.sender_user_id != COALESCE((SELECT "
        "CAST(value AS INTEGER) FROM settings WHERE key = 'user_id'), 0)"));
    q.addBindValue(conversationId);
    TIDINGS_TRY(m_db.exec(q));
    return q.next() ? q.value(0).toInt() : 0;
}

Result<QList<MessageRecord>> MessageStore::unnotified(int limit, bool skipUnknownKind) const {
    QSqlQuery q = m_db.query();
    q.setForwardOnly(true);
    q.prepare(
        QStringLiteral("SELECT %1 FROM messages m JOIN conversations c"
                       " ON c.id = m.conversation_id WHERE m.notified = 0 AND m.hidden = 0 AND"
                       " m.seq IS NOT NULL AND m.seq <= c.last_contiguous_seq%2"
                       " ORDER BY m.conversation_id, m.seq LIMIT ?")
            .arg(QLatin1String(detail::kMessageColumns),
                 skipUnknownKind ? QStringLiteral(" AND c.kind != 0") : QString()));
    q.addBindValue(limit < 0 ? -1 : limit);
    TIDINGS_TRY(m_db.exec(q));
    return readAll(q);
}

Status MessageStore::markNotified(const QList<qint64> &rowIds) {
    if (rowIds.isEmpty())
        return {};
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE messages SET notified = 1 WHERE id = ?"));
    for (qint64 id : rowIds) {
        q.bindValue(0, id);
        TIDINGS_TRY(m_db.exec(q));
    }
    return txn->commit();
}

} // namespace tidings::client

namespace tidings::client {

Status MessageStore::setEventCheck(quint64 conversationId, quint64 seq, EventCheck check,
                                   const QString &refusal) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE messages SET event_state = ?, event_refusal = ? WHERE"
                             " conversation_id = ? AND seq = ? AND event_kind IS NOT NULL"));
    q.addBindValue(int(check));
    q.addBindValue(detail::nn(refusal));
    q.addBindValue(conversationId);
    q.addBindValue(seq);
    return m_db.exec(q);
}

} // namespace tidings::client
