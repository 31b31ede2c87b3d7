#include "core/store/message_rows.h"

#include "core/store/store_crypto.h"

#include <QByteArray>
#include <QSqlQuery>
#include <QVariant>

namespace tidings::client::detail {

const char *const kMessageColumns =
    "m.id, m.client_message_id, m.conversation_id, m.seq, m.sender_user_id, m.sender_device_id, "
    "m.sender_username, m.text, m.sent_at_ms, m.server_time_ms, m.received_at_ms, m.outgoing, "
    "m.failed, m.event_kind, m.event_actor_id, m.event_actor, m.event_target_id, m.event_target, "
    "m.event_name, m.undecryptable, m.body, m.tampered, m.event_state, m.event_refusal";

int messageColumnCount() {
    static const int n = int(QByteArray(kMessageColumns).count(',')) + 1;
    return n;
}

Result<MessageRecord> readMessage(const QSqlQuery &q, const StoreCipher &cipher) {
    MessageRecord m;
    m.rowId = q.value(0).toLongLong();
    m.clientMessageId = q.value(1).toString();
    m.conversationId = q.value(2).toULongLong();
    m.seq = q.value(3).isNull() ? 0 : q.value(3).toULongLong();
    m.senderUserId = q.value(4).toULongLong();
    m.senderDeviceId = q.value(5).toULongLong();
    m.senderUsername = q.value(6).toString();
    m.text = q.value(7).toString();
    m.sentAtMs = q.value(8).toLongLong();
    m.serverTimeMs = q.value(9).toLongLong();
    m.receivedAtMs = q.value(10).toLongLong();
    m.outgoing = q.value(11).toBool();
    m.failed = q.value(12).toBool();
    if (!q.value(13).isNull()) {
        SystemEvent e;
        e.kind = SystemEventKind(q.value(13).toInt());
        e.actorUserId = q.value(14).toULongLong();
        e.actorUsername = q.value(15).toString();
        e.targetUserId = q.value(16).toULongLong();
        e.targetUsername = q.value(17).toString();
        e.name = q.value(18).toString();
        e.check = EventCheck(q.value(22).toInt());
        e.refusal = q.value(23).toString();
        m.event = e;
    }
    m.undecryptable = q.value(19).toBool();
    m.tampered = q.value(21).toBool();
    if (!q.value(20).isNull()) {
        auto text = cipher.openText(q.value(20).toByteArray(), m.conversationId, m.senderUserId,
                                    m.clientMessageId);
        if (!text)
            return text.error();
        m.text = std::move(*text);
    }
    return m;
}

} // namespace tidings::client::detail
