#pragma once
// The one way stored messages are read back (drains, history, system-event pushes): the same
// columns, system events resolved to usernames.
#include "proto/tidings.pb.h"

namespace tidings::server {

class PgResult;

//! SELECT list over messages m, LEFT JOIN users u (sender) and users t (event target).
extern const char *const kMessageColumns;
//! FROM clause fragment that goes with kMessageColumns (after "FROM messages m").
extern const char *const kMessageJoins;

void readMessage(const PgResult &r, int row, wire::Message *m);

} // namespace tidings::server
