#pragma once
// Refusals several services give the same way, and the one shape of a database failure.
#include "protocol/result.h"

#include <QLoggingCategory>

namespace tidings::server {

class PgResult;

//! A database failure as the client sees it: typed and safe to retry. The database's own message
//! goes to the log only (it may quote values).
Error databaseError(const PgResult &result, const QLoggingCategory &category);

//! The refusal for a conversation the caller is not (or no longer) a member of.
Error notMemberError();

Error noSuchUserError();

} // namespace tidings::server
