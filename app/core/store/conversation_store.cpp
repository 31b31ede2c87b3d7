#include "core/store/conversation_store.h"

#include "core/store/account_store.h"
#include "core/store/database.h"
#include "core/store/store_p.h"

#include "protocol/codec.h"

#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <optional>

namespace tidings::client {

namespace {

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

} // namespace

Status ConversationStore::ensureConversation(quint64 id, quint64 peerUserId,
                                             const QString &peerUsername) {
    QSqlQuery q = m_db.query();
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
    return m_db.exec(q);
}

Status ConversationStore::upsertConversation(quint64 id, quint64 peerUserId,
                                             const QString &peerUsername) {
    return m_db.transaction([&] { return ensureConversation(id, peerUserId, peerUsername); });
}

Result<std::optional<ConversationRecord>> ConversationStore::conversation(quint64 id) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT %1 FROM conversations WHERE id = ?")
                  .arg(QLatin1String(kConversationColumns)));
    q.addBindValue(id);
    TIDINGS_TRY(m_db.exec(q));
    if (!q.next())
        return std::optional<ConversationRecord>();
    return std::optional<ConversationRecord>(readConversation(q));
}

Result<std::optional<ConversationRecord>>
ConversationStore::conversationWithPeer(const QString &username) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT %1 FROM conversations WHERE peer_username = ? AND kind = 1"
                             " ORDER BY id")
                  .arg(QLatin1String(kConversationColumns)));
    q.addBindValue(protocol::normalizeUsername(username));
    TIDINGS_TRY(m_db.exec(q));
    if (!q.next())
        return std::optional<ConversationRecord>();
    return std::optional<ConversationRecord>(readConversation(q));
}

Result<QList<ConversationRecord>> ConversationStore::conversations() const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT %1 FROM conversations ORDER BY id")
                  .arg(QLatin1String(kConversationColumns)));
    TIDINGS_TRY(m_db.exec(q));
    QList<ConversationRecord> out;
    while (q.next())
        out.append(readConversation(q));
    return out;
}

namespace {

// Monotonic cursors: they never move backwards, and a row counts as changed only if one moved.
const QString kPeerCursorsSql =
    QStringLiteral("UPDATE conversations SET peer_delivered_seq = MAX(peer_delivered_seq, ?),"
                   " peer_read_seq = MAX(peer_read_seq, ?) WHERE id = ? AND"
                   " (peer_delivered_seq < ? OR peer_read_seq < ?)");
const QString kMyReadSql =
    QStringLiteral("UPDATE conversations SET my_read_seq = ? WHERE id = ? AND my_read_seq < ?");
const QString kMemberCursorsSql =
    QStringLiteral("UPDATE group_members SET delivered_seq = MAX(delivered_seq, ?),"
                   " read_seq = MAX(read_seq, ?) WHERE conversation_id = ? AND user_id = ?");
const QString kAllCursorsSql =
    QStringLiteral("UPDATE conversations SET all_delivered_seq = MAX(all_delivered_seq, ?),"
                   " all_read_seq = MAX(all_read_seq, ?) WHERE id = ? AND"
                   " (all_delivered_seq < ? OR all_read_seq < ?)");

void bindAll(QSqlQuery &q, std::initializer_list<quint64> values) {
    int i = 0;
    for (quint64 v : values)
        q.bindValue(i++, v);
}

} // namespace

Result<bool> ConversationStore::updatePeerCursors(quint64 conversationId, quint64 deliveredSeq,
                                                  quint64 readSeq) {
    // Read implies delivered.
    deliveredSeq = std::max(deliveredSeq, readSeq);
    QSqlQuery q = m_db.query();
    q.prepare(kPeerCursorsSql);
    bindAll(q, {deliveredSeq, readSeq, conversationId, deliveredSeq, readSeq});
    TIDINGS_TRY(m_db.exec(q));
    return q.numRowsAffected() > 0;
}

Result<bool> ConversationStore::updateMyReadSeq(quint64 conversationId, quint64 readSeq) {
    QSqlQuery q = m_db.query();
    q.prepare(kMyReadSql);
    bindAll(q, {readSeq, conversationId, readSeq});
    TIDINGS_TRY(m_db.exec(q));
    return q.numRowsAffected() > 0;
}

Result<ReceiptEffect> ConversationStore::applyReceipt(quint64 conversationId, quint64 userId,
                                                      quint64 deliveredSeq, quint64 readSeq,
                                                      quint64 allDeliveredSeq, quint64 allReadSeq,
                                                      quint64 myUserId) {
    auto effects = applyReceipts(
        conversationId, {ReceiptCursor{userId, deliveredSeq, readSeq, allDeliveredSeq, allReadSeq}},
        myUserId);
    if (!effects)
        return effects.error();
    return effects->first();
}

Result<QList<ReceiptEffect>> ConversationStore::applyReceipts(quint64 conversationId,
                                                              const QList<ReceiptCursor> &cursors,
                                                              quint64 myUserId) {
    QList<ReceiptEffect> effects;
    effects.reserve(cursors.size());
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    // Compiled once per call, not per cursor: a 500-member group's history page cost 2,000
    // statement compilations and 500 savepoints before (perf: sqlite3Parser, Qt's binding
    // rewrites), most of what a member of a busy big group spent.
    // Each prepared when first needed: a live push (one cursor) compiles no more than it uses.
    QSqlQuery mine = m_db.query(), peer = m_db.query(), member = m_db.query(), all = m_db.query();
    const auto ready = [](QSqlQuery &q, const QString &sql) -> QSqlQuery & {
        if (q.lastQuery().isEmpty())
            q.prepare(sql);
        return q;
    };
    std::optional<bool> group; // looked up once, when a peer's cursor needs it
    for (ReceiptCursor c : cursors) {
        ReceiptEffect effect;
        c.deliveredSeq = std::max(c.deliveredSeq, c.readSeq); // read implies delivered
        c.allDeliveredSeq = std::max(c.allDeliveredSeq, c.allReadSeq);
        if (c.userId == myUserId) {
            bindAll(ready(mine, kMyReadSql), {c.readSeq, conversationId, c.readSeq});
            TIDINGS_TRY(m_db.exec(mine));
            effect.myReadChanged = mine.numRowsAffected() > 0;
        } else if (c.userId != 0) {
            // Kept for every kind (the kind may be learned later); a group's ticks ignore them.
            bindAll(ready(peer, kPeerCursorsSql),
                    {c.deliveredSeq, c.readSeq, conversationId, c.deliveredSeq, c.readSeq});
            TIDINGS_TRY(m_db.exec(peer));
            const bool moved = peer.numRowsAffected() > 0;
            if (!group) {
                QSqlQuery kind = m_db.query();
                kind.prepare(QStringLiteral("SELECT kind FROM conversations WHERE id = ?"));
                kind.addBindValue(conversationId);
                TIDINGS_TRY(m_db.exec(kind));
                group = kind.next() && kind.value(0).toInt() == 2;
            }
            effect.ticksChanged = moved && !*group;
        }
        if (c.userId != 0) {
            bindAll(ready(member, kMemberCursorsSql),
                    {c.deliveredSeq, c.readSeq, conversationId, c.userId});
            TIDINGS_TRY(m_db.exec(member));
        }
        if (c.allDeliveredSeq > 0 || c.allReadSeq > 0) {
            bindAll(ready(all, kAllCursorsSql), {c.allDeliveredSeq, c.allReadSeq, conversationId,
                                                 c.allDeliveredSeq, c.allReadSeq});
            TIDINGS_TRY(m_db.exec(all));
            if (all.numRowsAffected() > 0)
                effect.ticksChanged = true;
        }
        effects.append(effect);
    }
    TIDINGS_TRY(txn->commit());
    return effects;
}

Status ConversationStore::applyConversationInfo(const ConversationInfo &info, quint64 myUserId) {
    if (info.id == 0)
        return Error{ErrorCode::BadFrame, QStringLiteral("conversation without id")};
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    TIDINGS_TRY(ensureConversation(info.id, 0, QString()));
    const bool group = info.kind == ConversationKind::Group;
    QSqlQuery up = m_db.query();
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
        TIDINGS_TRY(m_db.exec(up));
        if (!info.members.isEmpty()) {
            QSqlQuery del = m_db.query();
            del.prepare(QStringLiteral("DELETE FROM group_members WHERE conversation_id = ?"));
            del.addBindValue(info.id);
            TIDINGS_TRY(m_db.exec(del));
            QSqlQuery ins = m_db.query();
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
                TIDINGS_TRY(m_db.exec(ins));
                // The server sends the names it knows; an empty one does not erase ours.
                if (!m.displayName.isEmpty())
                    TIDINGS_TRY(m_accounts.rememberDisplayName(m.userId, m.displayName));
            }
        }
    } else {
        quint64 peerId = info.peerUserId;
        QString peerName = info.peerUsername;
        for (const MemberRecord &m : info.members) {
            if (peerId == 0 && m.userId != myUserId) {
                peerId = m.userId;
                peerName = m.username;
            }
            if (!m.displayName.isEmpty())
                TIDINGS_TRY(m_accounts.rememberDisplayName(m.userId, m.displayName));
        }
        if (peerId != 0 && !info.peerDisplayName.isEmpty())
            TIDINGS_TRY(m_accounts.rememberDisplayName(peerId, info.peerDisplayName));
        up.prepare(QStringLiteral("UPDATE conversations SET kind = 1 WHERE id = ?"));
        up.addBindValue(info.id);
        TIDINGS_TRY(m_db.exec(up));
        TIDINGS_TRY(ensureConversation(info.id, peerId, peerName));
    }
    // The server's list for a group with signed state: only what the admins signed counts.
    TIDINGS_TRY(alignWithVerifiedMembers(info.id));
    return txn->commit();
}

Status ConversationStore::setConversationKind(quint64 conversationId, ConversationKind kind) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE conversations SET kind = ? WHERE id = ?"));
    q.addBindValue(int(kind));
    q.addBindValue(conversationId);
    return m_db.exec(q);
}

Result<QList<MemberRecord>> ConversationStore::members(quint64 conversationId) const {
    QSqlQuery q = m_db.query();
    q.prepare(
        QStringLiteral("SELECT g.user_id, g.username, g.role, g.delivered_seq, g.read_seq,"
                       " COALESCE(u.display_name, '') FROM group_members g"
                       " LEFT JOIN users u ON u.user_id = g.user_id WHERE g.conversation_id = ?"
                       " ORDER BY g.role DESC, g.username, g.user_id"));
    q.addBindValue(conversationId);
    TIDINGS_TRY(m_db.exec(q));
    QList<MemberRecord> out;
    while (q.next()) {
        out.append(MemberRecord{q.value(0).toULongLong(), q.value(1).toString(),
                                MemberRole(q.value(2).toInt()), q.value(3).toULongLong(),
                                q.value(4).toULongLong(), q.value(5).toString()});
    }
    return out;
}

// --- the message path's steps ------------------------------------------------------------------

Result<std::optional<ConversationStore::Ordering>>
ConversationStore::ordering(quint64 conversationId) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral(
        "SELECT last_contiguous_seq, kind, info_seq FROM conversations WHERE id = ?"));
    q.addBindValue(conversationId);
    TIDINGS_TRY(m_db.exec(q));
    if (!q.next())
        return std::optional<Ordering>();
    return std::optional<Ordering>(Ordering{
        q.value(0).toULongLong(), ConversationKind(q.value(1).toInt()), q.value(2).toULongLong()});
}

Status ConversationStore::setLastContiguousSeq(quint64 conversationId, quint64 seq) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE conversations SET last_contiguous_seq = ? WHERE id = ?"));
    q.addBindValue(seq);
    q.addBindValue(conversationId);
    return m_db.exec(q);
}

Status ConversationStore::markGroup(quint64 conversationId) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE conversations SET kind = 2, peer_user_id = 0,"
                             " peer_username = '' WHERE id = ? AND kind != 2"));
    q.addBindValue(conversationId);
    return m_db.exec(q);
}

Status ConversationStore::alignWithVerifiedMembers(quint64 conversationId) {
    const char *const steps[] = {
        "DELETE FROM group_members WHERE conversation_id = ? AND EXISTS (SELECT 1 FROM"
        " group_state s WHERE s.conversation_id = ?) AND user_id NOT IN (SELECT user_id FROM"
        " group_state_members WHERE conversation_id = ?)",
        "INSERT OR IGNORE INTO group_members (conversation_id, user_id, role) SELECT"
        " conversation_id, user_id, role FROM group_state_members WHERE conversation_id = ?",
        "UPDATE group_members SET role = (SELECT v.role FROM group_state_members v WHERE"
        " v.conversation_id = ? AND v.user_id = group_members.user_id) WHERE conversation_id ="
        " ? AND user_id IN (SELECT user_id FROM group_state_members WHERE conversation_id = ?)",
        "UPDATE conversations SET name = (SELECT name FROM group_state WHERE conversation_id = ?),"
        " is_member = EXISTS (SELECT 1 FROM group_state_members v WHERE v.conversation_id = ?"
        " AND v.user_id = (SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'user_id'))"
        " WHERE id = ? AND EXISTS"
        " (SELECT 1 FROM group_state WHERE conversation_id = ?)",
    };
    for (const char *sql : steps) {
        QSqlQuery q = m_db.query();
        q.prepare(QString::fromLatin1(sql));
        // Every placeholder is the conversation (Qt's SQLite binding knows no ?1).
        for (int k = 0, n = int(QByteArray(sql).count('?')); k < n; ++k)
            q.addBindValue(conversationId);
        TIDINGS_TRY(m_db.exec(q));
    }
    return {};
}

Result<bool> ConversationStore::applyEvents(quint64 conversationId,
                                            const QList<MessageRecord> &released, quint64 infoSeq) {
    std::optional<quint64> me;
    bool changed = false;
    for (const MessageRecord &m : released) {
        if (!m.event || m.seq <= infoSeq)
            continue; // the group_info snapshot already contains it
        if (m.event->check == EventCheck::Refused || m.event->check == EventCheck::Replayed ||
            m.event->check == EventCheck::Pending)
            continue; // not (yet) a change of the verified state: the member list stays
        const SystemEvent &e = *m.event;
        if (!me) {
            auto id = m_accounts.myUserId();
            if (!id)
                return id.error();
            me = *id;
        }
        changed = true;
        QSqlQuery q = m_db.query();
        switch (e.kind) {
        case SystemEventKind::Created:
        case SystemEventKind::Renamed:
            q.prepare(QStringLiteral("UPDATE conversations SET name = ? WHERE id = ?"));
            q.addBindValue(detail::nn(e.name));
            q.addBindValue(conversationId);
            TIDINGS_TRY(m_db.exec(q));
            if (e.kind == SystemEventKind::Created && e.actorUserId != 0) {
                QSqlQuery creator = m_db.query();
                creator.prepare(QStringLiteral(
                    "INSERT OR IGNORE INTO group_members(conversation_id, user_id, username, role)"
                    " VALUES (?, ?, ?, 1)"));
                creator.addBindValue(conversationId);
                creator.addBindValue(e.actorUserId);
                creator.addBindValue(detail::nn(e.actorUsername));
                TIDINGS_TRY(m_db.exec(creator));
            }
            break;
        case SystemEventKind::MemberAdded:
            q.prepare(QStringLiteral(
                "INSERT OR IGNORE INTO group_members(conversation_id, user_id, username, role)"
                " VALUES (?, ?, ?, 0)"));
            q.addBindValue(conversationId);
            q.addBindValue(e.targetUserId);
            q.addBindValue(detail::nn(e.targetUsername));
            TIDINGS_TRY(m_db.exec(q));
            break;
        case SystemEventKind::MemberRemoved:
        case SystemEventKind::MemberLeft:
            q.prepare(QStringLiteral(
                "DELETE FROM group_members WHERE conversation_id = ? AND user_id = ?"));
            q.addBindValue(conversationId);
            q.addBindValue(e.targetUserId);
            TIDINGS_TRY(m_db.exec(q));
            break;
        case SystemEventKind::AdminGranted:
        case SystemEventKind::AdminRevoked:
            q.prepare(QStringLiteral(
                "UPDATE group_members SET role = ? WHERE conversation_id = ? AND user_id = ?"));
            q.addBindValue(e.kind == SystemEventKind::AdminGranted ? 1 : 0);
            q.addBindValue(conversationId);
            q.addBindValue(e.targetUserId);
            TIDINGS_TRY(m_db.exec(q));
            break;
        case SystemEventKind::MemberKeyChanged:
            break; // the key is in the verified state, not in the member list
        case SystemEventKind::SecurityCodeChanged:
        case SystemEventKind::UnverifiedMember:
        case SystemEventKind::GroupForked:
        case SystemEventKind::KeySucceeded:
        case SystemEventKind::KeyRecovered:
            break; // this device's own notices; never stored as group events
        }
        if (*me != 0 && e.targetUserId == *me) {
            const bool left =
                e.kind == SystemEventKind::MemberRemoved || e.kind == SystemEventKind::MemberLeft;
            const bool joined = e.kind == SystemEventKind::MemberAdded;
            if (left || joined) {
                QSqlQuery mine = m_db.query();
                mine.prepare(QStringLiteral("UPDATE conversations SET is_member = ? WHERE id = ?"));
                mine.addBindValue(joined ? 1 : 0);
                mine.addBindValue(conversationId);
                TIDINGS_TRY(m_db.exec(mine));
            }
        }
    }
    return changed;
}

// --- receipt times -----------------------------------------------------------------------------

Status ConversationStore::recordReceiptTime(quint64 conversationId, quint64 userId,
                                            quint64 deliveredSeq, quint64 readSeq, qint64 atMs) {
    if (conversationId == 0 || userId == 0)
        return {};
    deliveredSeq = std::max(deliveredSeq, readSeq); // read implies delivered
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    // Only an advance over everything recorded (kept or pruned) is worth a row.
    QSqlQuery top = m_db.query();
    top.prepare(QStringLiteral(
        "SELECT MAX(d), MAX(r) FROM (SELECT MAX(delivered_seq) AS d, MAX(read_seq) AS r FROM"
        " receipt_times WHERE conversation_id = ? AND user_id = ? UNION ALL"
        " SELECT delivered_seq, read_seq FROM receipt_floor WHERE conversation_id = ? AND"
        " user_id = ?)"));
    for (int i = 0; i < 4; i += 2) {
        top.bindValue(i, conversationId);
        top.bindValue(i + 1, userId);
    }
    TIDINGS_TRY(m_db.exec(top));
    const quint64 knownDelivered = top.next() ? top.value(0).toULongLong() : 0;
    const quint64 knownRead = top.value(1).toULongLong();
    top.finish();
    if (deliveredSeq <= knownDelivered && readSeq <= knownRead)
        return txn->commit();
    QSqlQuery ins = m_db.query();
    ins.prepare(QStringLiteral("INSERT INTO receipt_times(conversation_id, user_id,"
                               " delivered_seq, read_seq, at_ms) VALUES (?, ?, ?, ?, ?)"));
    ins.addBindValue(conversationId);
    ins.addBindValue(userId);
    ins.addBindValue(std::max(deliveredSeq, knownDelivered));
    ins.addBindValue(std::max(readSeq, knownRead));
    ins.addBindValue(atMs);
    TIDINGS_TRY(m_db.exec(ins));

    // Keep the newest rows of the conversation; remember what the pruned ones covered.
    QSqlQuery cut = m_db.query();
    cut.prepare(QStringLiteral("SELECT id FROM receipt_times WHERE conversation_id = ?"
                               " ORDER BY id DESC LIMIT 1 OFFSET ?"));
    cut.addBindValue(conversationId);
    cut.addBindValue(kReceiptTimesKept);
    TIDINGS_TRY(m_db.exec(cut));
    if (cut.next()) {
        const qint64 cutId = cut.value(0).toLongLong();
        cut.finish();
        QSqlQuery floor = m_db.query();
        floor.prepare(QStringLiteral(
            "INSERT INTO receipt_floor(conversation_id, user_id, delivered_seq, read_seq)"
            " SELECT conversation_id, user_id, MAX(delivered_seq), MAX(read_seq)"
            " FROM receipt_times WHERE conversation_id = ? AND id <= ? GROUP BY user_id"
            " ON CONFLICT(conversation_id, user_id) DO UPDATE SET"
            " delivered_seq = MAX(delivered_seq, excluded.delivered_seq),"
            " read_seq = MAX(read_seq, excluded.read_seq)"));
        floor.addBindValue(conversationId);
        floor.addBindValue(cutId);
        TIDINGS_TRY(m_db.exec(floor));
        QSqlQuery del = m_db.query();
        del.prepare(
            QStringLiteral("DELETE FROM receipt_times WHERE conversation_id = ? AND id <= ?"));
        del.addBindValue(conversationId);
        del.addBindValue(cutId);
        TIDINGS_TRY(m_db.exec(del));
    }
    return txn->commit();
}

Result<QList<ReceiptTime>> ConversationStore::receiptTimes(quint64 conversationId,
                                                           quint64 seq) const {
    // Members of a group, the peer of a 1:1; never me.
    QSqlQuery who = m_db.query();
    who.prepare(QStringLiteral(
        "SELECT g.user_id, g.username, COALESCE(u.display_name, '') FROM group_members g"
        " LEFT JOIN users u ON u.user_id = g.user_id WHERE g.conversation_id = ?"
        " AND g.user_id != COALESCE((SELECT CAST(value AS INTEGER) FROM settings"
        " WHERE key = 'user_id'), 0)"
        " UNION SELECT c.peer_user_id, c.peer_username, COALESCE((SELECT pu.display_name FROM"
        " users pu WHERE pu.user_id = c.peer_user_id), '') FROM conversations c"
        " WHERE c.id = ? AND c.kind != 2 AND c.peer_user_id != 0 ORDER BY 2, 1"));
    who.bindValue(0, conversationId);
    who.bindValue(1, conversationId);
    TIDINGS_TRY(m_db.exec(who));
    QList<ReceiptTime> out;
    while (who.next())
        out.append(ReceiptTime{who.value(0).toULongLong(), who.value(1).toString(), 0, 0,
                               who.value(2).toString()});
    who.finish();

    // The first kept advance covering seq is the true one unless a pruned row covered it.
    QSqlQuery first = m_db.query();
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
        TIDINGS_TRY(m_db.exec(first));
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
