// LocalStore: the ordering half (incoming messages, contiguity, holes) and the read queries.
#include "core/store/local_store.h"
#include "core/store/local_store_p.h"
#include "core/store/store_crypto.h"

#include "core/logging.h"

#include <QSqlDatabase>
#include <QVariant>

#include <algorithm>
#include <map>

namespace tidings::client {

using detail::Txn;

Result<ConversationAdvance> LocalStore::advance(quint64 conversationId, quint64 floorSeq) {
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    QSqlQuery cur(db);
    cur.prepare(QStringLiteral(
        "SELECT last_contiguous_seq, kind, info_seq FROM conversations WHERE id = ?"));
    cur.addBindValue(conversationId);
    TIDINGS_TRY(exec(cur));
    if (!cur.next())
        return Error{ErrorCode::Storage, QStringLiteral("unknown conversation")};
    ConversationAdvance adv;
    adv.conversationId = conversationId;
    adv.previousContiguousSeq = cur.value(0).toULongLong();
    adv.unknownKind = cur.value(1).toInt() == int(ConversationKind::Unknown);
    const quint64 infoSeq = cur.value(2).toULongLong();
    quint64 last = std::max(adv.previousContiguousSeq, floorSeq);

    QSqlQuery above(db);
    above.setForwardOnly(true);
    above.prepare(QStringLiteral("SELECT seq FROM messages WHERE conversation_id = ? AND seq > ?"
                                 " ORDER BY seq"));
    above.addBindValue(conversationId);
    above.addBindValue(last);
    TIDINGS_TRY(exec(above));
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

    QSqlQuery up(db);
    up.prepare(QStringLiteral("UPDATE conversations SET last_contiguous_seq = ? WHERE id = ?"));
    up.addBindValue(last);
    up.addBindValue(conversationId);
    TIDINGS_TRY(exec(up));

    QSqlQuery rel(db);
    rel.setForwardOnly(true);
    rel.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                               " m.seq > ? AND m.seq <= ? AND m.outgoing = 0 AND m.hidden = 0"
                               " ORDER BY m.seq")
                    .arg(QLatin1String(detail::kMessageColumns)));
    rel.addBindValue(conversationId);
    rel.addBindValue(adv.previousContiguousSeq);
    rel.addBindValue(last);
    TIDINGS_TRY(exec(rel));
    while (rel.next()) {
        auto m = detail::readMessage(rel, m_cipher.get());
        if (!m)
            return m.error();
        adv.released.append(std::move(*m));
    }
    auto changed = applyEvents(conversationId, adv.released, infoSeq);
    if (!changed)
        return changed.error();
    adv.groupChanged = *changed;
    return adv;
}

Result<bool> LocalStore::applyEvents(quint64 conversationId, const QList<MessageRecord> &released,
                                     quint64 infoSeq) {
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    quint64 me = 0;
    bool changed = false;
    bool meKnown = false;
    for (const MessageRecord &m : released) {
        if (!m.event || m.seq <= infoSeq)
            continue; // the group_info snapshot already contains it
        const SystemEvent &e = *m.event;
        if (!meKnown) {
            QSqlQuery q(db);
            q.prepare(QStringLiteral("SELECT value FROM settings WHERE key = 'user_id'"));
            TIDINGS_TRY(exec(q));
            me = q.next() ? q.value(0).toULongLong() : 0;
            meKnown = true;
        }
        changed = true;
        QSqlQuery q(db);
        switch (e.kind) {
        case SystemEventKind::Created:
        case SystemEventKind::Renamed:
            q.prepare(QStringLiteral("UPDATE conversations SET name = ? WHERE id = ?"));
            q.addBindValue(detail::nn(e.name));
            q.addBindValue(conversationId);
            TIDINGS_TRY(exec(q));
            if (e.kind == SystemEventKind::Created && e.actorUserId != 0) {
                QSqlQuery creator(db);
                creator.prepare(QStringLiteral(
                    "INSERT OR IGNORE INTO group_members(conversation_id, user_id, username, role)"
                    " VALUES (?, ?, ?, 1)"));
                creator.addBindValue(conversationId);
                creator.addBindValue(e.actorUserId);
                creator.addBindValue(detail::nn(e.actorUsername));
                TIDINGS_TRY(exec(creator));
            }
            break;
        case SystemEventKind::MemberAdded:
            q.prepare(QStringLiteral(
                "INSERT OR IGNORE INTO group_members(conversation_id, user_id, username, role)"
                " VALUES (?, ?, ?, 0)"));
            q.addBindValue(conversationId);
            q.addBindValue(e.targetUserId);
            q.addBindValue(detail::nn(e.targetUsername));
            TIDINGS_TRY(exec(q));
            break;
        case SystemEventKind::MemberRemoved:
        case SystemEventKind::MemberLeft:
            q.prepare(QStringLiteral(
                "DELETE FROM group_members WHERE conversation_id = ? AND user_id = ?"));
            q.addBindValue(conversationId);
            q.addBindValue(e.targetUserId);
            TIDINGS_TRY(exec(q));
            break;
        case SystemEventKind::AdminGranted:
        case SystemEventKind::AdminRevoked:
            q.prepare(QStringLiteral(
                "UPDATE group_members SET role = ? WHERE conversation_id = ? AND user_id = ?"));
            q.addBindValue(e.kind == SystemEventKind::AdminGranted ? 1 : 0);
            q.addBindValue(conversationId);
            q.addBindValue(e.targetUserId);
            TIDINGS_TRY(exec(q));
            break;
        }
        if (me != 0 && e.targetUserId == me) {
            const bool left =
                e.kind == SystemEventKind::MemberRemoved || e.kind == SystemEventKind::MemberLeft;
            const bool joined = e.kind == SystemEventKind::MemberAdded;
            if (left || joined) {
                QSqlQuery mine(db);
                mine.prepare(QStringLiteral("UPDATE conversations SET is_member = ? WHERE id = ?"));
                mine.addBindValue(joined ? 1 : 0);
                mine.addBindValue(conversationId);
                TIDINGS_TRY(exec(mine));
            }
        }
    }
    return changed;
}

Result<QList<ConversationAdvance>>
LocalStore::storeIncoming(const QList<IncomingMessage> &messages, qint64 receivedAtMs,
                          const AccountSettings &me, const std::function<Status()> &inTransaction) {
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });

    QSqlQuery bySeq(db);
    bySeq.prepare(QStringLiteral("SELECT 1 FROM messages WHERE conversation_id = ? AND seq = ?"));
    QSqlQuery byId(db);
    byId.prepare(QStringLiteral("SELECT id, seq FROM messages WHERE client_message_id = ? AND"
                                " sender_user_id = ? AND sender_device_id = ?"));
    QSqlQuery confirm(db);
    confirm.prepare(
        QStringLiteral("UPDATE messages SET seq = ?, server_time_ms = ?, failed = 0 WHERE id = ?"));
    QSqlQuery unbox(db);
    unbox.prepare(QStringLiteral("DELETE FROM outbox WHERE client_message_id = ?"));
    QSqlQuery insert(db);
    insert.prepare(QStringLiteral(
        "INSERT INTO messages(client_message_id, conversation_id, seq, sender_user_id,"
        " sender_device_id, sender_username, text, sent_at_ms, server_time_ms, received_at_ms,"
        " outgoing, notified, event_kind, event_actor_id, event_actor, event_target_id,"
        " event_target, event_name, undecryptable, hidden, body)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    // A system event proves the conversation is a group (which has no peer).
    QSqlQuery group(db);
    group.prepare(QStringLiteral("UPDATE conversations SET kind = 2, peer_user_id = 0,"
                                 " peer_username = '' WHERE id = ? AND kind != 2"));
    QSqlQuery last(db);
    last.prepare(QStringLiteral("SELECT last_contiguous_seq FROM conversations WHERE id = ?"));

    std::map<quint64, ConversationAdvance> touched; // ordered by conversation id
    std::map<quint64, quint64> lastSeq;
    for (const IncomingMessage &m : messages) {
        if (m.conversationId == 0 || m.seq == 0)
            continue;
        auto [it, fresh] = touched.try_emplace(m.conversationId);
        ConversationAdvance &adv = it->second;
        if (fresh) {
            const bool fromPeer = m.senderUserId != me.userId && !m.event;
            TIDINGS_TRY(ensureConversation(m.conversationId, fromPeer ? m.senderUserId : 0,
                                           fromPeer ? m.senderUsername : QString()));
            last.bindValue(0, m.conversationId);
            TIDINGS_TRY(exec(last));
            lastSeq[m.conversationId] = last.next() ? last.value(0).toULongLong() : 0;
            adv.conversationId = m.conversationId;
        }
        if (m.seq <= lastSeq[m.conversationId]) {
            ++adv.duplicates;
            continue;
        }
        bySeq.bindValue(0, m.conversationId);
        bySeq.bindValue(1, m.seq);
        TIDINGS_TRY(exec(bySeq));
        if (bySeq.next()) {
            ++adv.duplicates;
            continue;
        }
        // System events are the server's: they carry no client id of their own (or one that
        // repeats per actor device), so they are identified by (conversation, seq).
        const QString clientId =
            m.event ? QStringLiteral("event:%1:%2").arg(m.conversationId).arg(m.seq)
                    : m.clientMessageId;
        byId.bindValue(0, detail::nn(clientId));
        byId.bindValue(1, m.senderUserId);
        byId.bindValue(2, m.senderDeviceId);
        TIDINGS_TRY(exec(byId));
        if (byId.next()) {
            if (!byId.value(1).isNull()) {
                ++adv.duplicates; // the same message under another seq: keep the first
                continue;
            }
            // My own pending message came back (history or another path): it is stored.
            confirm.bindValue(0, m.seq);
            confirm.bindValue(1, m.serverTimeMs);
            confirm.bindValue(2, byId.value(0));
            TIDINGS_TRY(exec(confirm));
            unbox.bindValue(0, m.clientMessageId);
            TIDINGS_TRY(exec(unbox));
            adv.confirmedOwn.append({m.clientMessageId, m.seq});
            ++adv.inserted;
            continue;
        }
        // A copy of a message this very device sent (e.g. after its cache was rebuilt) is
        // outgoing: never announce it as new. System events are everyone's, mine included.
        const bool mine =
            !m.event && m.senderUserId == me.userId && m.senderDeviceId == me.deviceId;
        if (m.event) {
            group.bindValue(0, m.conversationId);
            TIDINGS_TRY(exec(group));
        }
        // Placeholders and control messages carry no text; only readable text is sealed.
        const QString text = m.undecryptable || m.hidden || m.event ? QString() : m.text;
        const bool seal = m_cipher && !text.isEmpty();
        insert.bindValue(0, detail::nn(clientId));
        insert.bindValue(1, m.conversationId);
        insert.bindValue(2, m.seq);
        insert.bindValue(3, m.senderUserId);
        insert.bindValue(4, m.senderDeviceId);
        insert.bindValue(5, detail::nn(m.senderUsername));
        insert.bindValue(6, seal ? QStringLiteral("") : detail::nn(text));
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
        insert.bindValue(20, seal ? QVariant(m_cipher->sealText(text, m.conversationId,
                                                                m.senderUserId, clientId))
                                  : QVariant(QMetaType::fromType<QByteArray>()));
        TIDINGS_TRY(exec(insert));
        if (seal)
            TIDINGS_TRY(indexBlind(insert.lastInsertId().toLongLong(), text));
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
    TIDINGS_TRY(commit());
    txn.done();
    return out;
}

Result<ConversationAdvance> LocalStore::fillGap(quint64 conversationId, quint64 untilSeq) {
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    TIDINGS_TRY(ensureConversation(conversationId, 0, QString()));
    auto adv = advance(conversationId, untilSeq);
    if (!adv)
        return adv.error();
    TIDINGS_TRY(commit());
    txn.done();
    return adv;
}

Result<QList<Hole>> LocalStore::holes() const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral(
        "SELECT c.id, c.last_contiguous_seq, MIN(m.seq) FROM conversations c"
        " JOIN messages m ON m.conversation_id = c.id AND m.seq > c.last_contiguous_seq"
        " GROUP BY c.id ORDER BY c.id"));
    TIDINGS_TRY(exec(q));
    QList<Hole> out;
    while (q.next()) {
        Hole h{q.value(0).toULongLong(), q.value(1).toULongLong(), q.value(2).toULongLong() - 1};
        if (h.untilSeq > h.afterSeq)
            out.append(h);
    }
    return out;
}

Result<QList<MessageRecord>> LocalStore::history(quint64 conversationId, int limit) const {
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    QList<MessageRecord> out;
    QSqlQuery stored(db);
    stored.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                                  " m.seq IS NOT NULL AND m.hidden = 0 ORDER BY m.seq DESC LIMIT ?")
                       .arg(QLatin1String(detail::kMessageColumns)));
    stored.addBindValue(conversationId);
    stored.addBindValue(std::max(0, limit));
    TIDINGS_TRY(exec(stored));
    while (stored.next()) {
        auto m = detail::readMessage(stored, m_cipher.get());
        if (!m)
            return m.error();
        out.prepend(std::move(*m));
    }
    // Pending (and failed) messages show at the end, as the sender sees them until acked.
    QSqlQuery pending(db);
    pending.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.conversation_id = ? AND"
                                   " m.seq IS NULL ORDER BY m.id")
                        .arg(QLatin1String(detail::kMessageColumns)));
    pending.addBindValue(conversationId);
    TIDINGS_TRY(exec(pending));
    while (pending.next()) {
        auto m = detail::readMessage(pending, m_cipher.get());
        if (!m)
            return m.error();
        out.append(std::move(*m));
    }
    if (limit >= 0 && out.size() > limit)
        out = out.mid(out.size() - limit);
    return out;
}

Result<std::optional<MessageRecord>> LocalStore::messageByClientId(const QString &clientMessageId,
                                                                   quint64 senderUserId) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT %1 FROM messages m WHERE m.client_message_id = ? AND"
                             " m.sender_user_id = ? AND m.hidden = 0 ORDER BY m.id LIMIT 1")
                  .arg(QLatin1String(detail::kMessageColumns)));
    q.addBindValue(clientMessageId);
    q.addBindValue(senderUserId);
    TIDINGS_TRY(exec(q));
    if (!q.next())
        return std::optional<MessageRecord>();
    auto m = detail::readMessage(q, m_cipher.get());
    if (!m)
        return m.error();
    return std::optional<MessageRecord>(std::move(*m));
}

Result<QList<MessageRecord>> LocalStore::unnotified(int limit, bool skipUnknownKind) const {
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.setForwardOnly(true);
    q.prepare(
        QStringLiteral("SELECT %1 FROM messages m JOIN conversations c"
                       " ON c.id = m.conversation_id WHERE m.notified = 0 AND m.hidden = 0 AND"
                       " m.seq IS NOT NULL AND m.seq <= c.last_contiguous_seq%2"
                       " ORDER BY m.conversation_id, m.seq LIMIT ?")
            .arg(QLatin1String(detail::kMessageColumns),
                 skipUnknownKind ? QStringLiteral(" AND c.kind != 0") : QString()));
    q.addBindValue(limit < 0 ? -1 : limit);
    TIDINGS_TRY(exec(q));
    QList<MessageRecord> out;
    while (q.next()) {
        auto m = detail::readMessage(q, m_cipher.get());
        if (!m)
            return m.error();
        out.append(std::move(*m));
    }
    return out;
}

Status LocalStore::markNotified(const QList<qint64> &rowIds) {
    if (rowIds.isEmpty())
        return {};
    TIDINGS_TRY(begin());
    Txn txn([this] { rollback(); });
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("UPDATE messages SET notified = 1 WHERE id = ?"));
    for (qint64 id : rowIds) {
        q.bindValue(0, id);
        TIDINGS_TRY(exec(q));
    }
    TIDINGS_TRY(commit());
    txn.done();
    return {};
}

} // namespace tidings::client
