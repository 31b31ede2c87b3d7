#pragma once
// The one way stored messages are read back (inbox drains, history, system-event pushes): the
// same named columns, system events resolved to usernames.
#include "proto/tidings.pb.h"

#include <QByteArray>

namespace tidings::server {

class PgResult;

//! SELECT list over messages m, LEFT JOIN users u (sender), users t (event target) and
//! group_state_log gl (the signed change an event carries).
extern const char *const kMessageColumns;
//! FROM clause fragment that goes with kMessageColumns (after "FROM messages m").
extern const char *const kMessageJoins;

//! Extra columns for end-to-end messages: m.encrypted and the envelope of the device given by
//! query parameter $deviceParam. MessageReader reads them when present.
QByteArray e2eColumns(int deviceParam);

//! Reads rows selected with kMessageColumns (and optionally e2eColumns); the column indexes are
//! looked up once per result.
class MessageReader {
public:
    explicit MessageReader(const PgResult &result);
    void read(int row, wire::Message *m) const;

private:
    const PgResult &m_r;
    int m_conv, m_seq, m_sender, m_senderDevice, m_senderName, m_clientId, m_at, m_payload,
        m_eventKind, m_eventTarget, m_eventTargetName, m_eventName, m_groupVersion, m_signedChange,
        m_encrypted, m_envelope;
};

} // namespace tidings::server
