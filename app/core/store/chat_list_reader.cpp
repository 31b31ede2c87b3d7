#include "core/store/chat_list_reader.h"

#include "core/store/account_store.h"
#include "core/store/database.h"
#include "core/store/message_rows.h"
#include "core/store/store_crypto.h"
#include "core/store/store_p.h"

#include <QSqlQuery>
#include <QVariant>

#include <algorithm>

namespace tidings::client {

namespace {

qint64 activityOf(const MessageRecord &m) {
    if (m.serverTimeMs > 0)
        return m.serverTimeMs;
    return m.sentAtMs > 0 ? m.sentAtMs : m.receivedAtMs;
}

QString summarySql(bool one) {
    // The last message is the newest pending one, else the one with the highest seq.
    return QStringLiteral("SELECT %1, c.id,"
                          " (SELECT COUNT(*) FROM messages u WHERE u.conversation_id = c.id"
                          "  AND u.seq > c.my_read_seq AND u.outgoing = 0 AND u.hidden = 0"
                          "  AND u.sender_user_id != :me AND u.event_kind IS NULL),"
                          " COALESCE(p.pinned, 0), COALESCE(p.muted, 0), p.draft_body,"
                          " COALESCE(p.draft_ms, 0), c.kind, c.name, c.peer_username,"
                          " COALESCE((SELECT pu.display_name FROM users pu WHERE pu.user_id ="
                          "  c.peer_user_id AND c.kind != 2), '')"
                          " FROM conversations c"
                          " LEFT JOIN ui_chat_prefs p ON p.conversation_id = c.id"
                          " LEFT JOIN messages m ON m.id = COALESCE("
                          "  (SELECT MAX(x.id) FROM messages x WHERE x.conversation_id = c.id"
                          "   AND x.seq IS NULL),"
                          "  (SELECT y.id FROM messages y WHERE y.conversation_id = c.id"
                          "   AND y.seq IS NOT NULL AND y.hidden = 0 ORDER BY y.seq DESC LIMIT 1))"
                          "%2")
        .arg(QLatin1String(detail::kMessageColumns),
             one ? QStringLiteral(" WHERE c.id = :id") : QString());
}

Result<ChatSummary> readSummary(QSqlQuery &q, const detail::StoreCipher &cipher) {
    const int o = detail::messageColumnCount();
    ChatSummary s;
    s.conversationId = q.value(o).toULongLong();
    s.unread = q.value(o + 1).toInt();
    s.pinned = q.value(o + 2).toBool();
    s.muted = q.value(o + 3).toBool();
    if (!q.value(o + 4).isNull()) {
        auto draft = cipher.openDraft(q.value(o + 4).toByteArray(), s.conversationId);
        if (!draft)
            return draft.error();
        s.draft = std::move(*draft);
    }
    s.activityMs = q.value(o + 5).toLongLong();
    const bool group = q.value(o + 6).toInt() == int(ConversationKind::Group);
    const QString displayName = q.value(o + 9).toString();
    s.title = group ? q.value(o + 7).toString()
                    : (displayName.isEmpty() ? q.value(o + 8).toString() : displayName);
    if (!q.value(0).isNull()) {
        auto m = detail::readMessage(q, cipher);
        if (!m)
            return m.error();
        s.lastMessage = std::move(*m);
        s.activityMs = std::max(s.activityMs, activityOf(*s.lastMessage));
    }
    return s;
}

} // namespace

Result<QList<ChatSummary>> ChatListReader::read(std::optional<quint64> conversationId) const {
    auto me = m_accounts.myUserId();
    if (!me)
        return me.error();
    QSqlQuery q = m_db.query();
    q.setForwardOnly(true);
    q.prepare(summarySql(conversationId.has_value()));
    q.bindValue(QStringLiteral(":me"), *me);
    if (conversationId)
        q.bindValue(QStringLiteral(":id"), *conversationId);
    TIDINGS_TRY(m_db.exec(q));
    QList<ChatSummary> out;
    while (q.next()) {
        auto s = readSummary(q, m_db.cipher());
        if (!s)
            return s.error();
        out.append(std::move(*s));
    }
    return out;
}

Result<QList<ChatSummary>> ChatListReader::chatSummaries() const {
    return read(std::nullopt);
}

Result<ChatSummary> ChatListReader::chatSummary(quint64 conversationId) const {
    auto one = read(conversationId);
    if (!one)
        return one.error();
    if (one->isEmpty())
        return Error{ErrorCode::NoSuchConversation, QStringLiteral("no such chat")};
    return one->first();
}

} // namespace tidings::client
