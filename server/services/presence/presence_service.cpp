#include "services/presence/presence_service.h"

#include "core/clock.h"
#include "protocol/codec.h"
#include "protocol/limits.h"
#include "routing/delivery.h"
#include "services/common/errors.h"
#include "services/common/membership.h"

namespace tidings::server {

PresenceService::PresenceService(PresenceStore &store, Membership &membership, Delivery &delivery,
                                 const Clock &clock)
    : m_store(store)
    , m_membership(membership)
    , m_delivery(delivery)
    , m_clock(clock) {}

bool PresenceService::mayView(quint64 viewer, const VisibilityFacts &f) {
    if (f.userId == viewer)
        return true;
    const bool allowed = f.lastSeenVisibility == Visibility::Everyone ||
                         (f.lastSeenVisibility == Visibility::Contacts && f.viewerIsContact);
    const bool viewerHides = f.viewerVisibility == Visibility::Nobody;
    return allowed && !f.blocksViewer && !viewerHides;
}

PresenceState PresenceService::shown(const Watch &w) {
    PresenceState s = w.state;
    s.online = s.visible && s.online;
    s.lastSeenMs = s.visible && !w.state.online ? s.lastSeenMs : 0;
    return s;
}

int PresenceService::watchCount(quint64 deviceId) const {
    const auto it = m_connections.constFind(deviceId);
    return it == m_connections.cend() ? 0 : int(it->watches.size());
}

std::vector<PresenceService::Watch>
PresenceService::evaluate(quint64 viewer, const std::vector<VisibilityFacts> &facts) const {
    std::vector<Watch> out;
    out.reserve(facts.size());
    for (const auto &f : facts) {
        Watch w;
        w.state.userId = f.userId;
        w.state.username = f.username;
        w.state.visible = mayView(viewer, f);
        w.state.online = !m_delivery.connectedDevices(f.userId).isEmpty();
        w.state.lastSeenMs = f.lastSeenMs;
        out.push_back(w);
    }
    return out;
}

void PresenceService::forgetWatches(quint64 deviceId) {
    const auto it = m_connections.find(deviceId);
    if (it == m_connections.end())
        return;
    for (auto w = it->watches.cbegin(); w != it->watches.cend(); ++w) {
        auto watchers = m_watchers.find(w.key());
        if (watchers == m_watchers.end())
            continue;
        watchers->remove(deviceId);
        if (watchers->isEmpty())
            m_watchers.erase(watchers);
    }
    it->watches.clear();
}

void PresenceService::subscribe(const Caller &caller, const QStringList &usernames,
                                Reply<std::vector<PresenceState>> reply) {
    QStringList names;
    for (const auto &u : usernames)
        names << protocol::normalizeUsername(u);
    const quint64 device = caller.deviceId;
    const quint64 epoch = m_connections.value(device).epoch;
    auto apply = [this, device, epoch, reply](std::vector<Watch> watches) {
        std::vector<PresenceState> states;
        for (const auto &w : watches)
            states.push_back(shown(w));
        // A connection that closed (or was replaced) meanwhile keeps nothing: its successor
        // starts with no subscriptions.
        auto conn = m_connections.find(device);
        if (conn != m_connections.end() && conn->epoch == epoch) {
            forgetWatches(device);
            for (const auto &w : watches) {
                conn->watches.insert(w.state.userId, w);
                m_watchers[w.state.userId].insert(device);
            }
        }
        reply(std::move(states));
    };
    if (names.isEmpty())
        return apply({});
    const quint64 viewer = caller.userId;
    m_store.factsByName(viewer, names,
                        [this, viewer, apply, reply](Result<std::vector<VisibilityFacts>> r) {
                            if (!r)
                                return reply(r.error());
                            apply(evaluate(viewer, *r));
                        });
}

void PresenceService::pushChange(quint64 deviceId, const Watch &w) {
    const PresenceState s = shown(w);
    wire::PresencePush push;
    auto *p = push.mutable_presence();
    p->set_user_id(s.userId);
    p->set_username(s.username.toStdString());
    p->set_visible(s.visible);
    p->set_online(s.online);
    p->set_last_seen_ms(s.lastSeenMs);
    m_delivery.toDevice(deviceId, Push{std::move(push)});
}

void PresenceService::broadcastState(quint64 userId, bool online, qint64 lastSeenMs) {
    const QSet<quint64> viewers = m_watchers.value(userId);
    for (quint64 device : viewers) {
        auto conn = m_connections.find(device);
        if (conn == m_connections.end())
            continue;
        auto w = conn->watches.find(userId);
        if (w == conn->watches.end())
            continue;
        w->state.online = online;
        if (!online)
            w->state.lastSeenMs = lastSeenMs;
        if (w->state.visible)
            pushChange(device, *w);
    }
}

void PresenceService::deviceConnected(const Caller &caller) {
    forgetWatches(caller.deviceId);
    m_connections.insert(caller.deviceId, Connection{caller.userId, ++m_nextEpoch, {}});
    if (m_delivery.connectedDevices(caller.userId).size() == 1)
        broadcastState(caller.userId, true, 0);
}

void PresenceService::deviceDisconnected(const Caller &caller) {
    forgetWatches(caller.deviceId);
    m_connections.remove(caller.deviceId);
    const quint64 user = caller.userId;
    if (user == 0 || !m_delivery.connectedDevices(user).isEmpty())
        return;
    const qint64 t = m_clock.nowMs();
    m_store.setLastSeen(user, t);
    broadcastState(user, false, t);
}

void PresenceService::refresh(quint64 userId, bool announce) {
    if (announce && m_announce)
        m_announce(userId);
    // Viewers of userId: what userId shows them may have changed.
    const QSet<quint64> viewers = m_watchers.value(userId);
    for (quint64 device : viewers) {
        const auto conn = m_connections.constFind(device);
        if (conn == m_connections.cend())
            continue;
        const quint64 viewer = conn->userId, epoch = conn->epoch;
        m_store.factsById(
            viewer, {userId},
            [this, device, epoch, viewer, userId](Result<std::vector<VisibilityFacts>> r) {
                auto conn = m_connections.find(device);
                if (!r || r->empty() || conn == m_connections.end() || conn->epoch != epoch)
                    return;
                auto old = conn->watches.find(userId);
                if (old == conn->watches.end())
                    return;
                const Watch w = evaluate(viewer, *r).front();
                if (w.state.visible != old->state.visible) {
                    *old = w;
                    pushChange(device, w);
                }
            });
    }
    // userId's own subscriptions: reciprocity and blocks change what it sees.
    for (quint64 device : m_delivery.connectedDevices(userId)) {
        const auto conn = m_connections.constFind(device);
        if (conn == m_connections.cend() || conn->watches.isEmpty())
            continue;
        std::vector<quint64> targets;
        for (auto it = conn->watches.cbegin(); it != conn->watches.cend(); ++it)
            targets.push_back(it.key());
        const quint64 epoch = conn->epoch;
        m_store.factsById(userId, targets,
                          [this, device, epoch, userId](Result<std::vector<VisibilityFacts>> r) {
                              auto conn = m_connections.find(device);
                              if (!r || conn == m_connections.end() || conn->epoch != epoch)
                                  return;
                              for (const Watch &w : evaluate(userId, *r)) {
                                  auto old = conn->watches.find(w.state.userId);
                                  if (old == conn->watches.end())
                                      continue;
                                  if (w.state.visible != old->state.visible) {
                                      *old = w;
                                      pushChange(device, w);
                                  }
                              }
                          });
    }
}

void PresenceService::setPrivacy(const Caller &caller, Visibility lastSeen, StatusReply reply) {
    const quint64 user = caller.userId;
    m_store.setVisibility(user, lastSeen, [this, user, reply](Status s) {
        if (!s)
            return reply(s);
        reply(Status{});
        refresh(user);
    });
}

void PresenceService::typing(const Caller &caller, quint64 conv, bool typing, StatusReply reply) {
    const quint64 user = caller.userId;
    const QString username = caller.username;
    m_membership.withMembers(conv, [=, this](Result<Membership::Members> members) {
        if (!members || !members->contains(user))
            return reply(notMemberError());
        wire::TypingPush t;
        t.set_conversation_id(conv);
        t.set_user_id(user);
        t.set_username(username.toStdString());
        t.set_typing(typing);
        t.set_expires_in_ms(limits::kTypingExpiryMs);
        const Push push{std::move(t)};
        // Never stored: only devices connected right now hear it.
        for (quint64 member : *members)
            if (member != user)
                m_delivery.toUser(member, push);
        reply(Status{});
    });
}

} // namespace tidings::server
