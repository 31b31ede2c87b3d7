#include "core/store/security_notice_store.h"

#include "core/store/database.h"
#include "core/store/store_p.h"

#include <QSqlQuery>
#include <QVariant>

#include <limits>

namespace tidings::client {

namespace {

QList<SecurityNotice> readNotices(QSqlQuery &q) {
    QList<SecurityNotice> out;
    while (q.next())
        out.append(SecurityNotice{q.value(0).toLongLong(), q.value(1).toULongLong(),
                                  q.value(2).toULongLong(), q.value(3).toULongLong(),
                                  q.value(4).toString(), q.value(5).toLongLong(),
                                  q.value(6).toInt()});
    return out;
}

constexpr char kNoticeColumns[] = "id, conversation_id, after_seq, user_id, username, at_ms, kind";

} // namespace

Result<QList<quint64>> SecurityNoticeStore::add(quint64 userId, const QString &username,
                                                qint64 atMs, int kind) {
    QList<quint64> out;
    const Status done = m_db.transaction([&]() -> Status {
        // The name as this device knows it (a group member row or the 1:1 peer), if not given.
        QString name = username;
        if (name.isEmpty()) {
            QSqlQuery who = m_db.query();
            who.prepare(QStringLiteral(
                "SELECT username FROM group_members WHERE user_id = ? AND username != '' UNION"
                " ALL SELECT peer_username FROM conversations WHERE peer_user_id = ? AND"
                " peer_username != '' LIMIT 1"));
            who.addBindValue(userId);
            who.addBindValue(userId);
            TIDINGS_TRY(m_db.exec(who));
            if (who.next())
                name = who.value(0).toString();
        }
        QSqlQuery convs = m_db.query();
        convs.prepare(QStringLiteral(
            "SELECT c.id, COALESCE((SELECT MAX(m.seq) FROM messages m WHERE m.conversation_id ="
            " c.id AND m.seq IS NOT NULL AND m.hidden = 0), 0) FROM conversations c"
            " WHERE (c.kind != 2 AND c.peer_user_id = ?) OR (c.kind = 2 AND EXISTS (SELECT 1"
            " FROM group_members g WHERE g.conversation_id = c.id AND g.user_id = ?))"
            " ORDER BY c.id"));
        convs.addBindValue(userId);
        convs.addBindValue(userId);
        TIDINGS_TRY(m_db.exec(convs));
        QList<std::pair<quint64, quint64>> targets;
        while (convs.next())
            targets.append({convs.value(0).toULongLong(), convs.value(1).toULongLong()});
        convs.finish();
        QSqlQuery ins = m_db.query();
        ins.prepare(QStringLiteral("INSERT INTO security_notices (conversation_id, after_seq,"
                                   " user_id, username, at_ms, kind) VALUES (?, ?, ?, ?, ?, ?)"));
        for (const auto &[conversation, after] : targets) {
            ins.bindValue(0, conversation);
            ins.bindValue(1, after);
            ins.bindValue(2, userId);
            ins.bindValue(3, detail::nn(name));
            ins.bindValue(4, atMs);
            ins.bindValue(5, kind);
            TIDINGS_TRY(m_db.exec(ins));
            out.append(conversation);
        }
        return Status();
    });
    if (!done)
        return done.error();
    return out;
}

Result<bool> SecurityNoticeStore::addOnce(quint64 conversationId, int kind, quint64 userId,
                                          const QString &username, qint64 atMs) {
    bool added = false;
    const Status done = m_db.transaction([&]() -> Status {
        QSqlQuery seen = m_db.query();
        seen.prepare(QStringLiteral("SELECT 1 FROM security_notices WHERE conversation_id = ? AND"
                                    " kind = ? AND user_id = ?"));
        seen.addBindValue(conversationId);
        seen.addBindValue(kind);
        seen.addBindValue(userId);
        TIDINGS_TRY(m_db.exec(seen));
        if (seen.next())
            return Status();
        seen.finish();
        QSqlQuery ins = m_db.query();
        ins.prepare(QStringLiteral(
            "INSERT INTO security_notices (conversation_id, after_seq, user_id, username, at_ms,"
            " kind) VALUES (?, COALESCE((SELECT MAX(seq) FROM messages WHERE conversation_id = ?"
            " AND seq IS NOT NULL AND hidden = 0), 0), ?, ?, ?, ?)"));
        ins.addBindValue(conversationId);
        ins.addBindValue(conversationId);
        ins.addBindValue(userId);
        ins.addBindValue(detail::nn(username));
        ins.addBindValue(atMs);
        ins.addBindValue(kind);
        TIDINGS_TRY(m_db.exec(ins));
        added = true;
        return Status();
    });
    if (!done)
        return done.error();
    return added;
}

Result<QList<SecurityNotice>> SecurityNoticeStore::between(quint64 conversationId, quint64 fromSeq,
                                                           quint64 toSeq) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT %1 FROM security_notices WHERE conversation_id = ? AND"
                             " after_seq BETWEEN ? AND ? ORDER BY after_seq, id")
                  .arg(QLatin1String(kNoticeColumns)));
    q.addBindValue(conversationId);
    q.addBindValue(fromSeq);
    q.addBindValue(toSeq);
    TIDINGS_TRY(m_db.exec(q));
    return readNotices(q);
}

Result<QList<SecurityNotice>> SecurityNoticeStore::all(quint64 conversationId) const {
    return between(conversationId, 0, quint64(std::numeric_limits<qint64>::max()));
}

MessageRecord SecurityNoticeStore::asMessage(const SecurityNotice &notice) {
    MessageRecord m;
    m.rowId = -notice.id;
    m.clientMessageId = QStringLiteral("notice:%1").arg(notice.id);
    m.conversationId = notice.conversationId;
    m.senderUserId = notice.userId;
    m.senderUsername = notice.username;
    m.sentAtMs = notice.atMs;
    m.serverTimeMs = notice.atMs;
    m.receivedAtMs = notice.atMs;
    SystemEvent e;
    switch (notice.kind) {
    case SecurityNotice::kServerOnlyMember:
        e.kind = SystemEventKind::UnverifiedMember;
        break;
    case SecurityNotice::kGroupForked:
        e.kind = SystemEventKind::GroupForked;
        break;
    case SecurityNotice::kKeySucceeded:
        e.kind = SystemEventKind::KeySucceeded;
        break;
    case SecurityNotice::kKeyRecovered:
        e.kind = SystemEventKind::KeyRecovered;
        break;
    default:
        e.kind = SystemEventKind::SecurityCodeChanged;
        break;
    }
    e.targetUserId = notice.userId;
    e.targetUsername = notice.username;
    m.event = e;
    return m;
}

} // namespace tidings::client
