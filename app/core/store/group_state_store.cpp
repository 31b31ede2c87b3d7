#include "core/store/group_state_store.h"

#include "core/store/database.h"
#include "core/store/store_p.h"

#include <QSqlQuery>
#include <QVariant>

namespace tidings::client {

using crypto::GroupMember;
using crypto::GroupRole;
using crypto::GroupState;

Result<std::optional<GroupState>> GroupStateStore::state(quint64 conversationId) const {
    QSqlQuery head = m_db.query();
    head.prepare(QStringLiteral("SELECT group_uid, version, head_hash, name FROM group_state"
                                " WHERE conversation_id = ?"));
    head.addBindValue(conversationId);
    TIDINGS_TRY(m_db.exec(head));
    if (!head.next())
        return std::optional<GroupState>();
    GroupState s;
    s.groupUid = head.value(0).toByteArray();
    s.version = head.value(1).toULongLong();
    s.headHash = head.value(2).toByteArray();
    s.name = head.value(3).toString();
    head.finish();
    if (const auto cached = m_cache.constFind(conversationId);
        cached != m_cache.cend() && cached->version == s.version &&
        cached->headHash == s.headHash && cached->groupUid == s.groupUid && cached->name == s.name)
        return std::optional<GroupState>(*cached);
    QSqlQuery members = m_db.query();
    members.setForwardOnly(true);
    members.prepare(QStringLiteral("SELECT user_id, aik, role, since_version FROM"
                                   " group_state_members WHERE conversation_id = ?"));
    members.addBindValue(conversationId);
    TIDINGS_TRY(m_db.exec(members));
    while (members.next()) {
        GroupMember m;
        m.userId = members.value(0).toULongLong();
        m.aik = members.value(1).toByteArray();
        m.role = members.value(2).toInt() == 1 ? GroupRole::Admin : GroupRole::Member;
        m.sinceVersion = members.value(3).toULongLong();
        s.members.insert(m.userId, m);
    }
    m_cache.insert(conversationId, s);
    return std::optional<GroupState>(std::move(s));
}

Result<QByteArray> GroupStateStore::logHash(quint64 conversationId, quint64 version) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral(
        "SELECT hash FROM group_state_log WHERE conversation_id = ? AND version = ?"));
    q.addBindValue(conversationId);
    q.addBindValue(version);
    TIDINGS_TRY(m_db.exec(q));
    return q.next() ? q.value(0).toByteArray() : QByteArray();
}

Result<quint64> GroupStateStore::firstEventSeq(quint64 conversationId, quint64 version) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT first_event_seq FROM group_state_log WHERE"
                             " conversation_id = ? AND version = ?"));
    q.addBindValue(conversationId);
    q.addBindValue(version);
    TIDINGS_TRY(m_db.exec(q));
    return q.next() ? q.value(0).toULongLong() : quint64(0);
}

Status GroupStateStore::setFirstEventSeq(quint64 conversationId, quint64 version,
                                         quint64 eventSeq) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE group_state_log SET first_event_seq = ? WHERE"
                             " conversation_id = ? AND version = ? AND first_event_seq = 0"));
    q.addBindValue(eventSeq);
    q.addBindValue(conversationId);
    q.addBindValue(version);
    return m_db.exec(q);
}

Result<bool> GroupStateStore::laterVersionBefore(quint64 conversationId, quint64 version,
                                                 quint64 seq) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT 1 FROM group_state_log WHERE conversation_id = ? AND"
                             " version > ? AND first_event_seq != 0 AND first_event_seq < ?"
                             " LIMIT 1"));
    q.addBindValue(conversationId);
    q.addBindValue(version);
    q.addBindValue(seq);
    TIDINGS_TRY(m_db.exec(q));
    return q.next();
}

Result<QList<quint64>> GroupStateStore::groupsWithPending() const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT DISTINCT conversation_id FROM group_state_pending"));
    TIDINGS_TRY(m_db.exec(q));
    QList<quint64> out;
    while (q.next())
        out.append(q.value(0).toULongLong());
    return out;
}

Result<quint64> GroupStateStore::conversationOf(const QByteArray &groupUid) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT conversation_id FROM group_state WHERE group_uid = ?"));
    q.addBindValue(groupUid);
    TIDINGS_TRY(m_db.exec(q));
    return q.next() ? q.value(0).toULongLong() : quint64(0);
}

Status GroupStateStore::append(quint64 conversationId, const GroupState &next,
                               const QByteArray &change, quint64 eventSeq) {
    m_cache.remove(conversationId); // read again once committed (or rolled back)
    return m_db.transaction([&]() -> Status {
        // Only a group's first state, or the next version of the same group: nothing replaces
        // or rolls back what was verified (e.g. a server answering a create with the id of a
        // group this device holds).
        QSqlQuery now = m_db.query();
        now.prepare(
            QStringLiteral("SELECT group_uid, version FROM group_state WHERE conversation_id = ?"));
        now.addBindValue(conversationId);
        TIDINGS_TRY(m_db.exec(now));
        if (now.next() ? (now.value(0).toByteArray() != next.groupUid ||
                          now.value(1).toULongLong() + 1 != next.version)
                       : next.version != 1)
            return Error{ErrorCode::GroupStateConflict,
                         QStringLiteral("not the next version of this group's state")};
        now.finish();
        QSqlQuery log = m_db.query();
        log.prepare(QStringLiteral("INSERT OR REPLACE INTO group_state_log (conversation_id,"
                                   " version, hash, change, first_event_seq) VALUES (?, ?, ?, ?,"
                                   " ?)"));
        log.addBindValue(conversationId);
        log.addBindValue(next.version);
        log.addBindValue(next.headHash);
        log.addBindValue(change);
        log.addBindValue(eventSeq);
        TIDINGS_TRY(m_db.exec(log));
        QSqlQuery head = m_db.query();
        head.prepare(QStringLiteral("INSERT INTO group_state (conversation_id, group_uid, version,"
                                    " head_hash, name) VALUES (?, ?, ?, ?, ?) ON CONFLICT"
                                    " (conversation_id) DO UPDATE SET version = excluded.version,"
                                    " head_hash = excluded.head_hash, name = excluded.name"));
        head.addBindValue(conversationId);
        head.addBindValue(next.groupUid);
        head.addBindValue(next.version);
        head.addBindValue(next.headHash);
        head.addBindValue(detail::nn(next.name));
        TIDINGS_TRY(m_db.exec(head));
        QSqlQuery clear = m_db.query();
        clear.prepare(QStringLiteral("DELETE FROM group_state_members WHERE conversation_id = ?"));
        clear.addBindValue(conversationId);
        TIDINGS_TRY(m_db.exec(clear));
        QSqlQuery ins = m_db.query();
        ins.prepare(QStringLiteral("INSERT INTO group_state_members (conversation_id, user_id,"
                                   " aik, role, since_version) VALUES (?, ?, ?, ?, ?)"));
        for (const GroupMember &m : next.members) {
            ins.bindValue(0, conversationId);
            ins.bindValue(1, m.userId);
            ins.bindValue(2, m.aik);
            ins.bindValue(3, m.role == GroupRole::Admin ? 1 : 0);
            ins.bindValue(4, m.sinceVersion);
            TIDINGS_TRY(m_db.exec(ins));
        }
        // Waiting changes stay: the verifier's drain settles them and the events they came on.
        return Status();
    });
}

Status GroupStateStore::setForkSeen(quint64 conversationId) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE group_state SET fork_seen = 1 WHERE conversation_id = ?"));
    q.addBindValue(conversationId);
    return m_db.exec(q);
}

Result<bool> GroupStateStore::forkSeen(quint64 conversationId) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT fork_seen FROM group_state WHERE conversation_id = ?"));
    q.addBindValue(conversationId);
    TIDINGS_TRY(m_db.exec(q));
    return q.next() && q.value(0).toBool();
}

Status GroupStateStore::addPending(quint64 conversationId, const Pending &pending) {
    QSqlQuery count = m_db.query();
    count.prepare(
        QStringLiteral("SELECT COUNT(*) FROM group_state_pending WHERE conversation_id = ?"));
    count.addBindValue(conversationId);
    TIDINGS_TRY(m_db.exec(count));
    if (count.next() && count.value(0).toInt() >= kMaxPending)
        return Error{ErrorCode::RateLimited,
                     QStringLiteral("too many changes wait for the ones before them")};
    count.finish();
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO group_state_pending (conversation_id,"
                             " version, change, event_seq) VALUES (?, ?, ?, ?)"));
    q.addBindValue(conversationId);
    q.addBindValue(pending.version);
    q.addBindValue(pending.change);
    q.addBindValue(pending.eventSeq);
    return m_db.exec(q);
}

Result<QList<GroupStateStore::Pending>> GroupStateStore::pending(quint64 conversationId) const {
    QSqlQuery q = m_db.query();
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT version, change, event_seq FROM group_state_pending WHERE"
                             " conversation_id = ? ORDER BY version"));
    q.addBindValue(conversationId);
    TIDINGS_TRY(m_db.exec(q));
    QList<Pending> out;
    while (q.next())
        out.append(
            Pending{q.value(0).toULongLong(), q.value(1).toByteArray(), q.value(2).toULongLong()});
    return out;
}

Status GroupStateStore::removePending(quint64 conversationId, quint64 version) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral(
        "DELETE FROM group_state_pending WHERE conversation_id = ? AND version <= ?"));
    q.addBindValue(conversationId);
    q.addBindValue(version);
    return m_db.exec(q);
}

} // namespace tidings::client
