#include "core/store/outbox_store.h"

#include "core/store/database.h"
#include "core/store/store_crypto.h"
#include "core/store/store_p.h"

#include <QSqlQuery>
#include <QVariant>

namespace tidings::client {

Status OutboxStore::add(const OutgoingDraft &draft, qint64 createdAtMs) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("INSERT INTO outbox(client_message_id, conversation_id, payload,"
                             " created_at_ms) VALUES (?, ?, ?, ?)"));
    q.addBindValue(draft.clientMessageId);
    q.addBindValue(draft.conversationId);
    q.addBindValue(
        m_db.cipher().sealPayload(draft.payload, draft.conversationId, draft.clientMessageId));
    q.addBindValue(createdAtMs);
    return m_db.exec(q);
}

Status OutboxStore::remove(const QString &clientMessageId) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("DELETE FROM outbox WHERE client_message_id = ?"));
    q.addBindValue(clientMessageId);
    return m_db.exec(q);
}

Result<QList<OutboxEntry>> OutboxStore::entries() const {
    QSqlQuery q = m_db.query();
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT client_message_id, conversation_id, payload, created_at_ms"
                             " FROM outbox ORDER BY rowid"));
    TIDINGS_TRY(m_db.exec(q));
    QList<OutboxEntry> out;
    while (q.next()) {
        OutboxEntry e{q.value(0).toString(), q.value(1).toULongLong(), q.value(2).toByteArray(),
                      q.value(3).toLongLong()};
        auto plain = m_db.cipher().openPayload(e.payload, e.conversationId, e.clientMessageId);
        if (!plain)
            return plain.error();
        e.payload = std::move(*plain);
        out.append(std::move(e));
    }
    return out;
}

Result<int> OutboxStore::size() const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM outbox"));
    TIDINGS_TRY(m_db.exec(q));
    return q.next() ? q.value(0).toInt() : 0;
}

Result<QByteArray> OutboxStore::prepared(const QString &clientMessageId) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT prepared FROM outbox WHERE client_message_id = ?"));
    q.addBindValue(clientMessageId);
    TIDINGS_TRY(m_db.exec(q));
    return q.next() ? q.value(0).toByteArray() : QByteArray();
}

Status OutboxStore::setPrepared(const QString &clientMessageId, const QByteArray &prepared) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE outbox SET prepared = ? WHERE client_message_id = ?"));
    q.addBindValue(prepared.isEmpty() ? QVariant(QMetaType::fromType<QByteArray>())
                                      : QVariant(prepared));
    q.addBindValue(clientMessageId);
    return m_db.exec(q);
}

Status OutboxStore::clearPrepared(quint64 conversationId) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE outbox SET prepared = NULL WHERE conversation_id = ?"));
    q.addBindValue(conversationId);
    return m_db.exec(q);
}

} // namespace tidings::client
