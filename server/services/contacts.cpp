#include "services/contacts.h"

#include "db/pg_connection.h"
#include "gateway/session.h"
#include "server_logging.h"
#include "services/presence.h"
#include "services/replies.h"

#include <QPointer>

namespace tidings::server {

namespace {
QByteArray statementFor(wire::ContactRequest::Action action) {
    switch (action) {
    case wire::ContactRequest::ACTION_ADD:
        return "INSERT INTO contacts (owner_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    case wire::ContactRequest::ACTION_REMOVE:
        return "DELETE FROM contacts WHERE owner_id = $1 AND user_id = $2";
    case wire::ContactRequest::ACTION_BLOCK:
        return "INSERT INTO blocks (owner_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    default:
        return "DELETE FROM blocks WHERE owner_id = $1 AND blocked_id = $2";
    }
}
} // namespace

ContactService::ContactService(PgPool *pool, PresenceService *presence, QObject *parent)
    : QObject(parent)
    , m_pool(pool)
    , m_presence(presence) {}

void ContactService::change(Session *session, quint64 requestId, const wire::ContactRequest &req) {
    QPointer<Session> guard(session);
    const quint64 me = session->userId();
    const QString name = protocol::normalizeUsername(QString::fromStdString(req.username()));
    const auto action = req.action();
    m_pool->any()->exec(
        PgQuery{"SELECT id FROM users WHERE username = $1", {}, {}}.arg(name),
        [=, this](PgResult r) {
            if (!guard)
                return;
            if (!r.ok())
                return guard->sendError(requestId, databaseError(r, lcAccounts()));
            if (r.rows() == 0)
                return guard->sendError(
                    requestId, Error{ErrorCode::NoSuchUser, QStringLiteral("no such user")});
            const quint64 other = quint64(r.int64(0, 0));
            if (other == me)
                return guard->sendError(
                    requestId,
                    Error{ErrorCode::Forbidden, QStringLiteral("not for your own account")});
            m_pool->any()->exec(
                PgQuery{statementFor(action), {}, {}}.arg(me).arg(other), [=, this](PgResult w) {
                    if (!w.ok())
                        return guard ? guard->sendError(requestId, databaseError(w, lcAccounts()))
                                     : void();
                    sendOk(guard, requestId);
                    // Who may see my presence may have changed.
                    m_presence->refresh(me);
                });
        });
}

void ContactService::list(Session *session, quint64 requestId) {
    QPointer<Session> guard(session);
    m_pool->any()->exec(
        // One row per contact or block; always at least one (for my own privacy setting).
        PgQuery{"SELECT me.last_seen_visibility, u.id, u.username, "
                "EXISTS (SELECT 1 FROM contacts c WHERE c.owner_id = $1 AND c.user_id = u.id), "
                "EXISTS (SELECT 1 FROM blocks b WHERE b.owner_id = $1 AND b.blocked_id = u.id) "
                "FROM users me LEFT JOIN users u ON u.id IN (SELECT user_id FROM contacts WHERE "
                "owner_id = $1 UNION SELECT blocked_id FROM blocks WHERE owner_id = $1) "
                "WHERE me.id = $1 ORDER BY u.username",
                {},
                {}}
            .arg(session->userId()),
        [guard, requestId](PgResult r) {
            if (!guard)
                return;
            if (!r.ok())
                return guard->sendError(requestId, databaseError(r, lcAccounts()));
            protocol::Frame out;
            out.set_request_id(requestId);
            auto *c = out.mutable_contacts_response();
            for (int i = 0; i < r.rows(); ++i) {
                c->set_last_seen(wire::Visibility(r.int64(i, 0)));
                if (r.isNull(i, 1))
                    continue;
                auto *x = c->add_contacts();
                x->set_user_id(quint64(r.int64(i, 1)));
                x->set_username(r.text(i, 2).toStdString());
                x->set_contact(r.boolean(i, 3));
                x->set_blocked(r.boolean(i, 4));
            }
            guard->send(out);
        });
}

} // namespace tidings::server
