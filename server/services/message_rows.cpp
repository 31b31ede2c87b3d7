#include "services/message_rows.h"

#include "db/pg_connection.h"

namespace tidings::server {

const char *const kMessageColumns =
    "m.conversation_id, m.seq, m.sender_user_id, m.sender_device_id, COALESCE(u.username, ''), "
    "m.client_message_id, (extract(epoch FROM m.created_at) * 1000)::bigint, m.payload, "
    "m.event_kind, m.event_target_user_id, COALESCE(t.username, ''), COALESCE(m.event_name, '')";

const char *const kMessageJoins = " LEFT JOIN users u ON u.id = m.sender_user_id "
                                  " LEFT JOIN users t ON t.id = m.event_target_user_id ";

QByteArray e2eColumns(int deviceParam) {
    return ", m.encrypted, (SELECT e.payload FROM envelopes e WHERE "
           "e.conversation_id = m.conversation_id AND e.seq = m.seq AND "
           "e.created_at = m.created_at AND e.device_id = $" +
           QByteArray::number(deviceParam) + ")";
}

void readMessage(const PgResult &r, int row, wire::Message *m) {
    m->set_conversation_id(quint64(r.int64(row, 0)));
    m->set_seq(quint64(r.int64(row, 1)));
    m->set_sender_user_id(quint64(r.int64(row, 2)));
    m->set_sender_device_id(quint64(r.int64(row, 3)));
    m->set_sender_username(r.text(row, 4).toStdString());
    m->set_client_message_id(r.text(row, 5).toStdString());
    m->set_server_time_ms(r.int64(row, 6));
    if (!r.isNull(row, 8)) {
        auto *e = m->mutable_system_event();
        e->set_kind(wire::SystemEvent::Kind(r.int64(row, 8)));
        e->set_actor_user_id(quint64(r.int64(row, 2)));
        e->set_actor_username(r.text(row, 4).toStdString());
        e->set_target_user_id(quint64(r.int64(row, 9)));
        e->set_target_username(r.text(row, 10).toStdString());
        e->set_name(r.text(row, 11).toStdString());
        return;
    }
    m->set_payload(r.bytea(row, 7).toStdString());
    if (r.columns() >= 14) {
        m->set_encrypted(r.boolean(row, 12));
        if (!r.isNull(row, 13))
            m->set_envelope(r.bytea(row, 13).toStdString());
    }
}

} // namespace tidings::server
