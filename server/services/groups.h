#pragma once
// Groups: creation, membership and admin changes, renames, info and "read by N of M". Every
// change is authorised and stored with its system event by one database function, on the
// conversation's shard, so it is ordered with the group's messages.
#include "protocol/codec.h"
#include "server_config.h"

#include <QObject>
#include <QPointer>

namespace tidings::server {

class PgPool;
class Router;
class Session;
class Membership;

class GroupService : public QObject {
    Q_OBJECT
public:
    GroupService(const ServerConfig &config, PgPool *pool, Router *router, Membership *membership,
                 QObject *parent = nullptr);

    void create(Session *session, quint64 requestId, const wire::CreateGroupRequest &req);
    void change(Session *session, quint64 requestId, const wire::GroupChangeRequest &req);
    //! Works for 1:1 conversations too, so a client can learn about a conversation it has
    //! never seen from a pushed message.
    void info(Session *session, quint64 requestId, quint64 conversationId);
    void readers(Session *session, quint64 requestId, const wire::ReadersRequest &req);

private:
    void applyChange(QPointer<Session> session, quint64 requestId, quint64 userId,
                     const wire::GroupChangeRequest &req, quint64 targetId);
    //! Pushes the system events from `fromSeq` on to every member and to `extraUsers` (a
    //! removed member still gets the event of its own removal).
    void pushEvents(quint64 conversationId, quint64 fromSeq, QList<quint64> extraUsers);

    ServerConfig m_config;
    PgPool *m_pool;
    Router *m_router;
    Membership *m_membership;
};

} // namespace tidings::server
