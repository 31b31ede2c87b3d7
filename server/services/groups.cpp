#include "services/groups.h"

#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "gateway/session.h"
#include "protocol/limits.h"
#include "routing/router.h"
#include "server_logging.h"
#include "services/membership.h"
#include "services/message_rows.h"
#include "services/replies.h"

#include <QDateTime>
#include <QSet>

namespace tidings::server {

namespace {
Error changeRefusal(int status) {
    switch (status) {
    case 1:
        return Error{ErrorCode::NotMember, QStringLiteral("you are not a member of this group")};
    case 2:
        return Error{ErrorCode::NoSuchConversation, QStringLiteral("no such group")};
    case 3:
        return Error{ErrorCode::NotAdmin, QStringLiteral("only admins can do that")};
    case 4:
        return Error{ErrorCode::GroupFull, QStringLiteral("a group holds at most 500 members")};
    case 5:
        return Error{ErrorCode::NotMember, QStringLiteral("that user is not a member")};
    case 7:
        return Error{ErrorCode::NotAGroup, QStringLiteral("this is a 1:1 conversation")};
    case 8:
        return Error{ErrorCode::Forbidden,
                     QStringLiteral("the last admin cannot step down; promote someone first")};
    default:
        return Error{ErrorCode::Internal, QStringLiteral("unexpected group change result")};
    }
}
} // namespace

GroupService::GroupService(const ServerConfig &config, PgPool *pool, Router *router,
                           Membership *membership, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_pool(pool)
    , m_router(router)
    , m_membership(membership) {}

void GroupService::create(Session *session, quint64 requestId,
                          const wire::CreateGroupRequest &req) {
    QPointer<Session> guard(session);
    const quint64 creator = session->userId();
    const QString name = QString::fromStdString(req.name()).trimmed();
    std::vector<QByteArray> names;
    QSet<QString> unique;
    for (const auto &u : req.usernames()) {
        const QString n = protocol::normalizeUsername(QString::fromStdString(u));
        if (!unique.contains(n) && n != session->username()) {
            unique.insert(n);
            names.push_back(n.toUtf8());
        }
    }
    if (int(names.size()) + 1 > limits::kMaxGroupMembers) {
        session->sendError(requestId, changeRefusal(4));
        return;
    }
    m_pool->any()->exec(
        PgQuery{"SELECT id, username FROM users WHERE username = ANY($1::text[])", {}, {}}.arg(
            pgarray::texts(names)),
        [=, this](PgResult r) {
            if (!guard)
                return;
            if (!r.ok())
                return guard->sendError(requestId, databaseError(r, lcMessaging()));
            if (r.rows() != int(names.size())) {
                QSet<QString> found;
                for (int i = 0; i < r.rows(); ++i)
                    found.insert(r.string(i, 1));
                QStringList missing;
                for (const auto &n : names)
                    if (!found.contains(QString::fromUtf8(n)))
                        missing << QString::fromUtf8(n);
                return guard->sendError(
                    requestId, Error{ErrorCode::NoSuchUser,
                                     QStringLiteral("no such user: %1").arg(missing.join(", "))});
            }
            std::vector<quint64> ids;
            for (int i = 0; i < r.rows(); ++i)
                ids.push_back(quint64(r.int64(i, 0)));
            m_pool->any()->exec(
                PgQuery{"SELECT tidings_create_group($1, $2, $3, "
                        "to_timestamp($4::double precision / 1000))",
                        {},
                        {}}
                    .arg(creator)
                    .arg(name)
                    .arg(pgarray::ints(ids))
                    .arg(m_config.nowMs()),
                [=, this](PgResult c) {
                    if (!c.ok())
                        return guard ? guard->sendError(requestId, databaseError(c, lcMessaging()))
                                     : void();
                    const quint64 conv = quint64(c.int64(0, 0));
                    qCInfo(lcMessaging)
                        << "group" << conv << "created with" << ids.size() + 1 << "members";
                    if (guard)
                        info(guard, requestId, conv);
                    pushEvents(conv, 1, {});
                });
        });
}

void GroupService::change(Session *session, quint64 requestId,
                          const wire::GroupChangeRequest &req) {
    QPointer<Session> guard(session);
    const quint64 userId = session->userId();
    using A = wire::GroupChangeRequest;
    if (req.action() == A::ACTION_LEAVE || req.action() == A::ACTION_RENAME) {
        applyChange(guard, requestId, userId, req, 0);
        return;
    }
    const QString target = protocol::normalizeUsername(QString::fromStdString(req.username()));
    m_pool->any()->exec(PgQuery{"SELECT id FROM users WHERE username = $1", {}, {}}.arg(target),
                        [=, this](PgResult r) {
                            if (!guard)
                                return;
                            if (!r.ok())
                                return guard->sendError(requestId, databaseError(r, lcMessaging()));
                            if (r.rows() == 0)
                                return guard->sendError(
                                    requestId,
                                    Error{ErrorCode::NoSuchUser, QStringLiteral("no such user")});
                            const quint64 target = quint64(r.int64(0, 0));
                            if (req.action() == A::ACTION_REMOVE && target == userId) {
                                // Removing oneself is leaving (with the admin hand-over).
                                auto leave = req;
                                leave.set_action(A::ACTION_LEAVE);
                                applyChange(guard, requestId, userId, leave, 0);
                                return;
                            }
                            applyChange(guard, requestId, userId, req, target);
                        });
}

void GroupService::applyChange(QPointer<Session> guard, quint64 requestId, quint64 userId,
                               const wire::GroupChangeRequest &req, quint64 targetId) {
    const quint64 conv = req.conversation_id();
    const QString name = QString::fromStdString(req.name()).trimmed();
    // Members before the change: a removed or leaving member still gets its own event.
    m_membership->withMembers(conv, [=, this](Result<Membership::Members> before) {
        m_pool->forKey(conv)->exec(
            PgQuery{"SELECT status, seq FROM tidings_group_change($1, $2, $3, $4, $5, "
                    "to_timestamp($6::double precision / 1000), $7)",
                    {},
                    {}}
                .arg(userId)
                .arg(conv)
                .arg(int(req.action()))
                .arg(targetId)
                .arg(name)
                .arg(m_config.nowMs())
                .arg(limits::kMaxGroupMembers),
            [=, this](PgResult r) {
                if (!r.ok() || r.rows() != 1)
                    return guard ? guard->sendError(requestId, databaseError(r, lcMessaging()))
                                 : void();
                const int status = int(r.int64(0, 0));
                if (status != 0 && status != 6)
                    return guard ? guard->sendError(requestId, changeRefusal(status)) : void();
                sendOk(guard, requestId);
                if (status == 6)
                    return; // nothing changed (already a member, already an admin)
                m_membership->invalidate(conv);
                pushEvents(conv, quint64(r.int64(0, 1)), before ? *before : QList<quint64>{});
            });
    });
}

void GroupService::pushEvents(quint64 conv, quint64 fromSeq, QList<quint64> extraUsers) {
    m_pool->forKey(conv)->exec(
        PgQuery{QByteArray("SELECT ") + kMessageColumns + " FROM messages m" + kMessageJoins +
                    "WHERE m.conversation_id = $1 AND m.seq >= $2 AND m.event_kind IS NOT NULL "
                    "ORDER BY m.seq LIMIT 16",
                {},
                {}}
            .arg(conv)
            .arg(fromSeq),
        [=, this](PgResult r) {
            if (!r.ok())
                return; // the events are in the inboxes; live push is best effort
            std::vector<wire::Message> events(std::size_t(r.rows()));
            for (int i = 0; i < r.rows(); ++i)
                readMessage(r, i, &events[std::size_t(i)]);
            m_membership->withMembers(conv, [=, this](Result<Membership::Members> members) {
                QSet<quint64> users(extraUsers.begin(), extraUsers.end());
                if (members)
                    users.unite(QSet<quint64>(members->begin(), members->end()));
                for (quint64 user : users)
                    for (Session *s : m_router->sessionsOfUser(user))
                        for (const auto &e : events)
                            s->queueMessage(e);
            });
        });
}

void GroupService::info(Session *session, quint64 requestId, quint64 conv) {
    QPointer<Session> guard(session);
    const quint64 me = session->userId();
    m_pool->forKey(conv)->exec(
        PgQuery{"SELECT c.kind, c.title, c.last_seq, m.user_id, u.username, m.role, "
                "m.delivered_seq, m.read_seq, u.display_name FROM conversations c "
                "JOIN members m ON m.conversation_id = c.id JOIN users u ON u.id = m.user_id "
                "WHERE c.id = $1 ORDER BY m.joined_at, m.user_id",
                {},
                {}}
            .arg(conv),
        [=](PgResult r) {
            if (!guard)
                return;
            if (!r.ok())
                return guard->sendError(requestId, databaseError(r, lcMessaging()));
            bool member = false;
            for (int i = 0; i < r.rows() && !member; ++i)
                member = quint64(r.int64(i, 3)) == me;
            if (!member)
                return guard->sendError(requestId, changeRefusal(r.rows() ? 1 : 2));
            protocol::Frame out;
            out.set_request_id(requestId);
            auto *info = out.mutable_conversation_info();
            info->set_conversation_id(conv);
            const bool group = r.int64(0, 0) == 2;
            info->set_kind(group ? wire::CONVERSATION_GROUP : wire::CONVERSATION_DIRECT);
            info->set_name(r.text(0, 1).toStdString());
            info->set_last_seq(quint64(r.int64(0, 2)));
            for (int i = 0; i < r.rows(); ++i) {
                auto *m = info->add_members();
                m->set_user_id(quint64(r.int64(i, 3)));
                m->set_username(r.text(i, 4).toStdString());
                m->set_role(r.int64(i, 5) == 1 ? wire::ROLE_ADMIN : wire::ROLE_MEMBER);
                m->set_delivered_seq(quint64(r.int64(i, 6)));
                m->set_read_seq(quint64(r.int64(i, 7)));
                m->set_display_name(r.text(i, 8).toStdString());
                if (!group && m->user_id() != me) {
                    info->set_peer_user_id(m->user_id());
                    info->set_peer_username(m->username());
                    info->set_peer_display_name(m->display_name());
                }
            }
            guard->send(out);
        });
}

void GroupService::readers(Session *session, quint64 requestId, const wire::ReadersRequest &req) {
    QPointer<Session> guard(session);
    const quint64 me = session->userId();
    const quint64 conv = req.conversation_id();
    const quint64 seq = req.seq();
    m_pool->forKey(conv)->exec(
        // Members who joined after the message never got it: they are not its recipients.
        PgQuery{"SELECT m.user_id, u.username, m.role, m.delivered_seq, m.read_seq, "
                "(SELECT sender_user_id FROM messages WHERE conversation_id = $1 AND seq = $2 "
                " LIMIT 1), m.joined_seq < $2, u.display_name "
                "FROM members m JOIN users u ON u.id = m.user_id "
                "WHERE m.conversation_id = $1 ORDER BY m.joined_at, m.user_id",
                {},
                {}}
            .arg(conv)
            .arg(seq),
        [=](PgResult r) {
            if (!guard)
                return;
            if (!r.ok())
                return guard->sendError(requestId, databaseError(r, lcMessaging()));
            bool member = false;
            for (int i = 0; i < r.rows() && !member; ++i)
                member = quint64(r.int64(i, 0)) == me;
            if (!member)
                return guard->sendError(requestId, changeRefusal(r.rows() ? 1 : 2));
            const quint64 sender = r.rows() && !r.isNull(0, 5) ? quint64(r.int64(0, 5)) : 0;
            protocol::Frame out;
            out.set_request_id(requestId);
            auto *rr = out.mutable_readers_response();
            quint32 recipients = 0, delivered = 0, read = 0;
            for (int i = 0; i < r.rows(); ++i) {
                const quint64 user = quint64(r.int64(i, 0));
                if (user == sender || !r.boolean(i, 6))
                    continue;
                ++recipients;
                auto *m = rr->add_members();
                m->set_user_id(user);
                m->set_username(r.text(i, 1).toStdString());
                m->set_role(r.int64(i, 2) == 1 ? wire::ROLE_ADMIN : wire::ROLE_MEMBER);
                m->set_delivered_seq(quint64(r.int64(i, 3)));
                m->set_read_seq(quint64(r.int64(i, 4)));
                m->set_display_name(r.text(i, 7).toStdString());
                delivered += m->delivered_seq() >= seq ? 1 : 0;
                read += m->read_seq() >= seq ? 1 : 0;
            }
            rr->set_recipients(recipients);
            rr->set_delivered(delivered);
            rr->set_read(read);
            guard->send(out);
        });
}

} // namespace tidings::server
