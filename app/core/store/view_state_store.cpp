#include "core/store/view_state_store.h"

#include "core/store/database.h"
#include "core/store/store_crypto.h"
#include "core/store/store_p.h"

#include <QDateTime>
#include <QSqlQuery>
#include <QVariant>

namespace tidings::client {

Status ViewStateStore::setPref(quint64 conversationId, const char *column, const QVariant &value) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("INSERT INTO ui_chat_prefs(conversation_id, %1) VALUES (?, ?)"
                             " ON CONFLICT(conversation_id) DO UPDATE SET %1 = excluded.%1")
                  .arg(QLatin1String(column)));
    q.addBindValue(conversationId);
    q.addBindValue(value);
    return m_db.exec(q);
}

Status ViewStateStore::setDraft(quint64 conversationId, const QString &text) {
    QSqlQuery q = m_db.query();
    // Sealed like a message text; the draft column of older schemas stays ''.
    q.prepare(QStringLiteral(
        "INSERT INTO ui_chat_prefs(conversation_id, draft_body, draft_ms) VALUES (?, ?, ?)"
        " ON CONFLICT(conversation_id) DO UPDATE SET draft = '',"
        " draft_body = excluded.draft_body, draft_ms = excluded.draft_ms"));
    q.addBindValue(conversationId);
    q.addBindValue(text.isEmpty() ? QVariant(QMetaType::fromType<QByteArray>())
                                  : QVariant(m_db.cipher().sealDraft(text, conversationId)));
    q.addBindValue(text.isEmpty() ? 0 : QDateTime::currentMSecsSinceEpoch());
    return m_db.exec(q);
}

Result<QString> ViewStateStore::draft(quint64 conversationId) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT draft_body FROM ui_chat_prefs WHERE conversation_id = ?"));
    q.addBindValue(conversationId);
    TIDINGS_TRY(m_db.exec(q));
    if (!q.next() || q.value(0).isNull())
        return QString();
    return m_db.cipher().openDraft(q.value(0).toByteArray(), conversationId);
}

Status ViewStateStore::setPinned(quint64 conversationId, bool pinned) {
    return setPref(conversationId, "pinned", pinned ? 1 : 0);
}

Status ViewStateStore::setMuted(quint64 conversationId, bool muted) {
    return setPref(conversationId, "muted", muted ? 1 : 0);
}

QString ViewStateStore::setting(const QString &key, const QString &fallback) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT value FROM ui_settings WHERE key = ?"));
    q.addBindValue(key);
    if (!m_db.exec(q) || !q.next())
        return fallback;
    return q.value(0).toString();
}

Status ViewStateStore::setSetting(const QString &key, const QString &value) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO ui_settings(key, value) VALUES (?, ?)"));
    q.addBindValue(key);
    q.addBindValue(detail::nn(value));
    return m_db.exec(q);
}

} // namespace tidings::client
