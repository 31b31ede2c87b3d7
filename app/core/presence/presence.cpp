#include "core/presence/presence.h"

#include "core/sync/wire_convert.h"
#include "protocol/codec.h"

namespace tidings::client {

namespace {
Frame subscribeFrame(const QStringList &usernames) {
    Frame f;
    auto *req = f.mutable_presence_subscribe_request();
    for (const QString &u : usernames)
        req->add_usernames(u.toStdString());
    return f;
}
} // namespace

Presence::Presence(Requester *requests, TypingTracker::Options typing, QObject *parent)
    : QObject(parent)
    , m_requests(requests)
    , m_typing(new TypingTracker(requests->sink(), typing, {}, this)) {
    connect(m_typing, &TypingTracker::typingChanged, this, &Presence::typingChanged);
}

void Presence::subscribe(const QStringList &usernames, PresenceHandler done) {
    QStringList normalized;
    for (const QString &u : usernames) {
        const QString n = protocol::normalizeUsername(u);
        if (!n.isEmpty() && !normalized.contains(n))
            normalized.append(n);
    }
    m_subscription = normalized;
    m_requests->call<wire::PresenceResponse>(
        subscribeFrame(normalized), Retry::AfterReconnect,
        [done = std::move(done)](Result<wire::PresenceResponse> r) {
            if (!r) {
                done(r.error());
                return;
            }
            QList<PresenceInfo> out;
            for (const auto &p : r->presences())
                out.append(presenceFromWire(p));
            done(out);
        });
}

void Presence::onAuthenticated() {
    // The server keeps subscriptions per connection: a fresh socket starts with none.
    if (m_subscription.isEmpty())
        return;
    m_requests->callNow<wire::PresenceResponse>(subscribeFrame(m_subscription),
                                                [this](Result<wire::PresenceResponse> r) {
                                                    if (!r)
                                                        return;
                                                    for (const auto &p : r->presences())
                                                        emit presenceChanged(presenceFromWire(p));
                                                });
}

void Presence::setPrivacy(Visibility lastSeen, StatusHandler done) {
    Frame f;
    f.mutable_set_privacy_request()->set_last_seen(wire::Visibility(int(lastSeen)));
    m_requests->callOk(std::move(f), std::move(done));
}

void Presence::setTyping(quint64 conversationId, bool typing) {
    if (m_requests->isAuthenticated())
        m_typing->setTyping(conversationId, typing);
}

QList<TypingEvent> Presence::typers(quint64 conversationId) const {
    return m_typing->typers(conversationId);
}

void Presence::onDisconnected() {
    m_typing->onDisconnected();
}

void Presence::onMessages(quint64 conversationId, const QList<MessageRecord> &messages) {
    for (const MessageRecord &m : messages)
        m_typing->messageFrom(conversationId, m.senderUserId);
}

void Presence::handlePresencePush(const wire::PresencePush &push) {
    emit presenceChanged(presenceFromWire(push.presence()));
}

void Presence::handleTypingPush(const wire::TypingPush &push) {
    m_typing->handlePush(push);
}

} // namespace tidings::client
