#include "services/membership.h"

#include "db/pg_connection.h"
#include "server_logging.h"

namespace tidings::server {

void Membership::withMembers(quint64 conversationId, std::function<void(Result<Members>)> cb) {
    if (auto it = m_members.constFind(conversationId); it != m_members.cend()) {
        cb(*it);
        return;
    }
    // On the conversation's shard: ordered after the changes that invalidated the cache.
    m_pool->forKey(conversationId)
        ->exec(PgQuery{"SELECT user_id FROM members WHERE conversation_id = $1", {}, {}}.arg(
                   conversationId),
               [this, conversationId, cb](PgResult r) {
                   if (!r.ok()) {
                       qCWarning(lcMessaging) << "database error:" << r.error().detail;
                       return cb(Error{ErrorCode::Internal, QStringLiteral("database error")});
                   }
                   Members members;
                   for (int i = 0; i < r.rows(); ++i)
                       members << quint64(r.int64(i, 0));
                   if (!members.isEmpty())
                       m_members.insert(conversationId, members);
                   cb(members);
               });
}

} // namespace tidings::server
