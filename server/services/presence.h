#pragma once
// Presence (pull on demand) and typing (ephemeral relay).
//
// A connection subscribes to the users whose chats are open; only those subscribers hear about
// online/offline changes, so nothing fans out to whole address books. What a viewer may see is
// decided here: the target's last-seen visibility (everyone / contacts / nobody), reciprocity
// (a viewer who hides its own last seen sees no one's), and blocking (a blocked viewer sees
// nothing). Last seen is when the user's last device disconnected.
#include "protocol/codec.h"
#include "server_config.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>

namespace tidings::server {

class PgPool;
class Router;
class Session;
class Membership;

class PresenceService : public QObject {
    Q_OBJECT
public:
    PresenceService(const ServerConfig &config, PgPool *pool, Router *router,
                    Membership *membership, QObject *parent = nullptr);

    void subscribe(Session *session, quint64 requestId, const wire::PresenceSubscribeRequest &req);
    void setPrivacy(Session *session, quint64 requestId, const wire::SetPrivacyRequest &req);
    void typing(Session *session, quint64 requestId, const wire::TypingRequest &req);

    //! Called by the gateway after a session authenticated / closed (router already updated).
    void sessionOnline(Session *session);
    void sessionClosed(Session *session);

    //! Something that decides visibility changed for what `userId` shows or sees (privacy,
    //! contacts, blocks): recompute the affected subscriptions and push what changed.
    void refresh(quint64 userId);

private:
    struct Watch {
        quint64 target = 0;
        QString username;
        bool visible = false;
        bool online = false;
        qint64 lastSeenMs = 0;
    };
    //! Computes what `viewer` may see of `usernames` (or of `targetIds` when usernames empty).
    void evaluate(quint64 viewer, const std::vector<QByteArray> &usernames,
                  const std::vector<quint64> &targetIds,
                  std::function<void(Result<std::vector<Watch>>)> cb);
    void pushChange(Session *viewer, const Watch &watch);
    void broadcastState(quint64 userId, bool online, qint64 lastSeenMs);
    static void fill(wire::Presence *p, const Watch &w);

    ServerConfig m_config;
    PgPool *m_pool;
    Router *m_router;
    Membership *m_membership;
    QHash<Session *, QHash<quint64, Watch>> m_watches; //!< per viewer session
    QHash<quint64, QSet<Session *>> m_watchers;        //!< per target user
};

} // namespace tidings::server
