#include "services/common/errors.h"

#include "db/pg_connection.h"

namespace tidings::server {

Error databaseError(const PgResult &result, const QLoggingCategory &category) {
    if (!result.ok())
        qCWarning(category) << "database error:" << result.error().detail;
    else
        qCWarning(category) << "unexpected database result:" << result.rows() << "rows";
    return Error{ErrorCode::Internal, QStringLiteral("database error, try again")};
}

Error notMemberError() {
    return Error{ErrorCode::NotMember, QStringLiteral("you are not a member of this conversation")};
}

Error noSuchUserError() {
    return Error{ErrorCode::NoSuchUser, QStringLiteral("no such user")};
}

} // namespace tidings::server
