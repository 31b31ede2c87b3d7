#include "services/profiles.h"

#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "gateway/session.h"
#include "server_logging.h"
#include "services/replies.h"

namespace tidings::server {

ProfileService::ProfileService(PgPool *pool, QObject *parent)
    : QObject(parent)
    , m_pool(pool) {}

void ProfileService::setProfile(Session *session, quint64 requestId,
                                const wire::SetProfileRequest &req) {
    QPointer<Session> guard(session);
    m_pool->any()->exec(PgQuery{"UPDATE users SET display_name = $2 WHERE id = $1", {}, {}}
                            .arg(session->userId())
                            .arg(QByteArray::fromStdString(req.display_name())),
                        [guard, requestId](PgResult r) {
                            if (!guard)
                                return;
                            if (!r.ok())
                                return guard->sendError(requestId, databaseError(r, lcAccounts()));
                            sendOk(guard, requestId);
                        });
}

void ProfileService::profiles(Session *session, quint64 requestId,
                              const wire::ProfilesRequest &req) {
    std::vector<QByteArray> names;
    for (const auto &u : req.usernames())
        names.push_back(protocol::normalizeUsername(QString::fromStdString(u)).toUtf8());
    QPointer<Session> guard(session);
    m_pool->any()->exec(
        PgQuery{"SELECT id, username, display_name FROM users WHERE username = ANY ($1::text[]) "
                "ORDER BY id",
                {},
                {}}
            .arg(pgarray::texts(names)),
        [guard, requestId](PgResult r) {
            if (!guard)
                return;
            if (!r.ok())
                return guard->sendError(requestId, databaseError(r, lcAccounts()));
            protocol::Frame out;
            out.set_request_id(requestId);
            auto *resp = out.mutable_profiles_response();
            for (int i = 0; i < r.rows(); ++i) {
                auto *p = resp->add_profiles();
                p->set_user_id(quint64(r.int64(i, 0)));
                p->set_username(r.text(i, 1).toStdString());
                p->set_display_name(r.text(i, 2).toStdString());
            }
            guard->send(out);
        });
}

} // namespace tidings::server
