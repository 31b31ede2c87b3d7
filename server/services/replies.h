#pragma once
// Answers every service gives the same way.
#include "protocol/result.h"

#include <QLoggingCategory>

namespace tidings::server {

class PgResult;
class Session;

//! A database failure as the client sees it: typed and safe to retry. The database's own message
//! goes to the log only (it may quote values).
Error databaseError(const PgResult &result, const QLoggingCategory &category);

//! The refusal for a conversation the caller is not (or no longer) a member of.
Error notMemberError();

//! Answers a request with Ok; fire-and-forget frames (request id 0) get no answer.
void sendOk(Session *session, quint64 requestId);

} // namespace tidings::server
