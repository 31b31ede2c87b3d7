#pragma once
// The one way stored messages are read back (drains, history, system-event pushes): the same
// columns, system events resolved to usernames.
#include "proto/tidings.pb.h"

#include <QByteArray>

namespace tidings::server {

class PgResult;

//! SELECT list over messages m, LEFT JOIN users u (sender) and users t (event target).
extern const char *const kMessageColumns;
//! FROM clause fragment that goes with kMessageColumns (after "FROM messages m").
extern const char *const kMessageJoins;

//! Extra columns for end-to-end messages: m.encrypted and the envelope of the device given by
//! query parameter $deviceParam. readMessage() reads them when present.
QByteArray e2eColumns(int deviceParam);

void readMessage(const PgResult &r, int row, wire::Message *m);

} // namespace tidings::server
