#include "services/common/message_rows.h"

#include "db/pg_connection.h"

namespace tidings::server {

const char *const kMessageColumns =
    "m.conversation_id, m.seq, m.sender_user_id, m.sender_device_id, "
    "COALESCE(u.username, '') AS sender_username, m.client_message_id, "
    "(extract(epoch FROM m.created_at) * 1000)::bigint AS created_ms, m.payload, m.event_kind, "
    "m.event_target_user_id, COALESCE(t.username, '') AS event_target_username, "
    "COALESCE(m.event_name, '') AS event_name, gl.version AS group_version, "
    "gl.change AS signed_change";

const char *const kMessageJoins = " LEFT JOIN users u ON u.id = m.sender_user_id "
                                  " LEFT JOIN users t ON t.id = m.event_target_user_id "
                                  " LEFT JOIN group_state_log gl ON m.event_kind IS NOT NULL "
                                  " AND gl.conversation_id = m.conversation_id "
                                  " AND gl.first_seq = m.seq ";

QByteArray e2eColumns(int deviceParam) {
    return ", m.encrypted, (SELECT e.payload FROM envelopes e WHERE "
           "e.conversation_id = m.conversation_id AND e.seq = m.seq AND "
           "e.created_at = m.created_at AND e.device_id = $" +
           QByteArray::number(deviceParam) + ") AS envelope";
}

MessageReader::MessageReader(const PgResult &r)
    : m_r(r)
    , m_conv(r.column("conversation_id"))
    , m_seq(r.column("seq"))
    , m_sender(r.column("sender_user_id"))
    , m_senderDevice(r.column("sender_device_id"))
    , m_senderName(r.column("sender_username"))
    , m_clientId(r.column("client_message_id"))
    , m_at(r.column("created_ms"))
    , m_payload(r.column("payload"))
    , m_eventKind(r.column("event_kind"))
    , m_eventTarget(r.column("event_target_user_id"))
    , m_eventTargetName(r.column("event_target_username"))
    , m_eventName(r.column("event_name"))
    , m_groupVersion(r.column("group_version"))
    , m_signedChange(r.column("signed_change"))
    , m_encrypted(r.column("encrypted"))
    , m_envelope(r.column("envelope")) {}

void MessageReader::read(int row, wire::Message *m) const {
    m->set_conversation_id(quint64(m_r.int64(row, m_conv)));
    m->set_seq(quint64(m_r.int64(row, m_seq)));
    m->set_sender_user_id(quint64(m_r.int64(row, m_sender)));
    m->set_sender_device_id(quint64(m_r.int64(row, m_senderDevice)));
    m->set_sender_username(m_r.text(row, m_senderName).toStdString());
    m->set_client_message_id(m_r.text(row, m_clientId).toStdString());
    m->set_server_time_ms(m_r.int64(row, m_at));
    if (!m_r.isNull(row, m_eventKind)) {
        auto *e = m->mutable_system_event();
        e->set_kind(wire::SystemEvent::Kind(m_r.int64(row, m_eventKind)));
        e->set_actor_user_id(m->sender_user_id());
        e->set_actor_username(m->sender_username());
        e->set_target_user_id(quint64(m_r.int64(row, m_eventTarget)));
        e->set_target_username(m_r.text(row, m_eventTargetName).toStdString());
        e->set_name(m_r.text(row, m_eventName).toStdString());
        // The signed change this event is the first of (signed groups only).
        if (m_groupVersion >= 0 && !m_r.isNull(row, m_groupVersion)) {
            e->set_group_version(quint64(m_r.int64(row, m_groupVersion)));
            e->set_signed_change(m_r.bytea(row, m_signedChange).toStdString());
        }
        return;
    }
    m->set_payload(m_r.bytea(row, m_payload).toStdString());
    if (m_encrypted >= 0) {
        m->set_encrypted(m_r.boolean(row, m_encrypted));
        if (!m_r.isNull(row, m_envelope))
            m->set_envelope(m_r.bytea(row, m_envelope).toStdString());
    }
}

} // namespace tidings::server
