#include "services/replies.h"

#include "db/pg_connection.h"
#include "gateway/session.h"

namespace tidings::server {

Error databaseError(const PgResult &result, const QLoggingCategory &category) {
    qCWarning(category) << "database error:" << result.error().detail;
    return Error{ErrorCode::Internal, QStringLiteral("database error, try again")};
}

Error notMemberError() {
    return Error{ErrorCode::NotMember, QStringLiteral("you are not a member of this conversation")};
}

void sendOk(Session *session, quint64 requestId) {
    if (!session || !requestId)
        return;
    protocol::Frame ok;
    ok.set_request_id(requestId);
    ok.mutable_ok();
    session->send(ok);
}

} // namespace tidings::server
