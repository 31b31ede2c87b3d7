#include "services/presence.h"

#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "gateway/session.h"
#include "protocol/limits.h"
#include "routing/router.h"
#include "server_logging.h"
#include "services/membership.h"
#include "services/replies.h"

#include <QDateTime>

namespace tidings::server {

PresenceService::PresenceService(const ServerConfig &config, PgPool *pool, Router *router,
                                 Membership *membership, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_pool(pool)
    , m_router(router)
    , m_membership(membership) {}

void PresenceService::fill(wire::Presence *p, const Watch &w) {
    p->set_user_id(w.target);
    p->set_username(w.username.toStdString());
    p->set_visible(w.visible);
    p->set_online(w.visible && w.online);
    p->set_last_seen_ms(w.visible && !w.online ? w.lastSeenMs : 0);
}

void PresenceService::evaluate(quint64 viewer, const std::vector<QByteArray> &usernames,
                               const std::vector<quint64> &targetIds,
                               std::function<void(Result<std::vector<Watch>>)> cb) {
    const bool byName = !usernames.empty();
    m_pool->any()->exec(
        PgQuery{
            QByteArray(
                "SELECT u.id, u.username, u.last_seen_visibility, "
                "COALESCE((extract(epoch FROM u.last_seen_at) * 1000)::bigint, 0), "
                "EXISTS (SELECT 1 FROM contacts c WHERE c.owner_id = u.id AND c.user_id = $1), "
                "EXISTS (SELECT 1 FROM blocks b WHERE b.owner_id = u.id AND b.blocked_id = $1), "
                "(SELECT v.last_seen_visibility FROM users v WHERE v.id = $1) "
                "FROM users u WHERE ") +
                (byName ? "u.username = ANY($2::text[])" : "u.id = ANY($2::bigint[])"),
            {},
            {}}
            .arg(viewer)
            .arg(byName ? pgarray::texts(usernames) : pgarray::ints(targetIds)),
        [this, viewer, cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcMessaging()));
            std::vector<Watch> out;
            for (int i = 0; i < r.rows(); ++i) {
                Watch w;
                w.target = quint64(r.int64(i, 0));
                w.username = r.string(i, 1);
                const int visibility = int(r.int64(i, 2));
                const bool viewerIsContact = r.boolean(i, 4);
                const bool blocksViewer = r.boolean(i, 5);
                const bool viewerHides = r.int64(i, 6) == wire::VISIBILITY_NOBODY;
                const bool allowed = visibility == wire::VISIBILITY_EVERYONE ||
                                     (visibility == wire::VISIBILITY_CONTACTS && viewerIsContact);
                w.visible = w.target == viewer || (allowed && !blocksViewer && !viewerHides);
                w.online = !m_router->sessionsOfUser(w.target).isEmpty();
                w.lastSeenMs = r.int64(i, 3);
                out.push_back(w);
            }
            cb(out);
        });
}

void PresenceService::subscribe(Session *session, quint64 requestId,
                                const wire::PresenceSubscribeRequest &req) {
    QPointer<Session> guard(session);
    std::vector<QByteArray> names;
    for (const auto &u : req.usernames())
        names.push_back(protocol::normalizeUsername(QString::fromStdString(u)).toUtf8());
    auto apply = [this, guard, requestId](std::vector<Watch> watches) {
        // A closed session is already forgotten here; re-adding it would leave a dangling
        // pointer once it is deleted.
        if (!guard || guard->state() == Session::State::Closing)
            return;
        // Replace this connection's subscription set.
        for (auto it = m_watches[guard].cbegin(); it != m_watches[guard].cend(); ++it)
            m_watchers[it.key()].remove(guard);
        QHash<quint64, Watch> mine;
        protocol::Frame out;
        out.set_request_id(requestId);
        auto *resp = out.mutable_presence_response();
        for (const auto &w : watches) {
            mine.insert(w.target, w);
            m_watchers[w.target].insert(guard);
            fill(resp->add_presences(), w);
        }
        m_watches.insert(guard, mine);
        guard->send(out);
    };
    if (names.empty()) {
        apply({});
        return;
    }
    evaluate(session->userId(), names, {}, [guard, requestId, apply](Result<std::vector<Watch>> r) {
        if (!guard)
            return;
        if (!r)
            return guard->sendError(requestId, r.error());
        apply(*r);
    });
}

void PresenceService::pushChange(Session *viewer, const Watch &w) {
    protocol::Frame f;
    fill(f.mutable_presence_push()->mutable_presence(), w);
    viewer->send(f);
}

void PresenceService::broadcastState(quint64 userId, bool online, qint64 lastSeenMs) {
    const auto viewers = m_watchers.value(userId);
    for (Session *viewer : viewers) {
        auto mine = m_watches.find(viewer);
        if (mine == m_watches.end() || !mine->contains(userId))
            continue;
        auto &w = (*mine)[userId];
        w.online = online;
        if (!online)
            w.lastSeenMs = lastSeenMs;
        if (w.visible)
            pushChange(viewer, w);
    }
}

void PresenceService::sessionOnline(Session *session) {
    if (m_router->sessionsOfUser(session->userId()).size() == 1)
        broadcastState(session->userId(), true, 0);
}

void PresenceService::sessionClosed(Session *session) {
    const auto mine = m_watches.take(session);
    for (auto it = mine.cbegin(); it != mine.cend(); ++it) {
        auto w = m_watchers.find(it.key());
        if (w != m_watchers.end()) {
            w->remove(session);
            if (w->isEmpty())
                m_watchers.erase(w);
        }
    }
    const quint64 user = session->userId();
    if (user == 0 || !m_router->sessionsOfUser(user).isEmpty())
        return;
    const qint64 t = m_config.nowMs();
    m_pool->any()->exec(PgQuery{"UPDATE users SET last_seen_at = to_timestamp($2::double "
                                "precision / 1000) WHERE id = $1",
                                {},
                                {}}
                            .arg(user)
                            .arg(t),
                        [](PgResult) {});
    broadcastState(user, false, t);
}

void PresenceService::refresh(quint64 userId) {
    // Viewers of userId: what userId shows them may have changed.
    for (Session *viewer : m_watchers.value(userId)) {
        QPointer<Session> guard(viewer);
        evaluate(viewer->userId(), {}, {userId},
                 [this, guard, userId](Result<std::vector<Watch>> r) {
                     auto mine = m_watches.find(guard);
                     if (!guard || !r || r->empty() || mine == m_watches.end() ||
                         !mine->contains(userId))
                         return;
                     auto &old = (*mine)[userId];
                     const Watch w = r->front();
                     if (w.visible != old.visible) {
                         old = w;
                         pushChange(guard, w);
                     }
                 });
    }
    // userId's own subscriptions: reciprocity and blocks change what it sees.
    for (Session *mine : m_router->sessionsOfUser(userId)) {
        QPointer<Session> guard(mine);
        std::vector<quint64> targets;
        const auto watched = m_watches.value(mine);
        for (auto it = watched.cbegin(); it != watched.cend(); ++it)
            targets.push_back(it.key());
        if (targets.empty())
            continue;
        evaluate(userId, {}, targets, [this, guard](Result<std::vector<Watch>> r) {
            auto mine = m_watches.find(guard);
            if (!guard || !r || mine == m_watches.end())
                return;
            for (const auto &w : *r) {
                if (!mine->contains(w.target))
                    continue;
                auto &old = (*mine)[w.target];
                if (w.visible != old.visible) {
                    old = w;
                    pushChange(guard, w);
                }
            }
        });
    }
}

void PresenceService::setPrivacy(Session *session, quint64 requestId,
                                 const wire::SetPrivacyRequest &req) {
    QPointer<Session> guard(session);
    const quint64 user = session->userId();
    m_pool->any()->exec(
        PgQuery{"UPDATE users SET last_seen_visibility = $2 WHERE id = $1", {}, {}}.arg(user).arg(
            int(req.last_seen())),
        [this, guard, requestId, user](PgResult r) {
            if (!r.ok())
                return guard ? guard->sendError(requestId, databaseError(r, lcMessaging()))
                             : void();
            sendOk(guard, requestId);
            refresh(user);
        });
}

void PresenceService::typing(Session *session, quint64 requestId, const wire::TypingRequest &req) {
    QPointer<Session> guard(session);
    const quint64 conv = req.conversation_id();
    const quint64 user = session->userId();
    const QString username = session->username();
    const bool typing = req.typing();
    m_membership->withMembers(conv, [=, this](Result<Membership::Members> members) {
        if (!members || !members->contains(user)) {
            if (guard)
                guard->sendError(requestId, notMemberError());
            return;
        }
        protocol::Frame f;
        auto *t = f.mutable_typing_push();
        t->set_conversation_id(conv);
        t->set_user_id(user);
        t->set_username(username.toStdString());
        t->set_typing(typing);
        t->set_expires_in_ms(limits::kTypingExpiryMs);
        // Never stored: only devices connected right now hear it.
        for (quint64 member : *members)
            if (member != user)
                for (Session *s : m_router->sessionsOfUser(member))
                    s->send(f);
        sendOk(guard, requestId);
    });
}

} // namespace tidings::server
