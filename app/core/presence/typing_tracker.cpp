#include "core/presence/typing_tracker.h"

#include "protocol/codec.h"

#include <QElapsedTimer>

#include <limits>

namespace tidings::client {

TypingTracker::TypingTracker(FrameSink *sink, Options options, Clock clock, QObject *parent)
    : QObject(parent)
    , m_sink(sink)
    , m_options(options)
    , m_clock(std::move(clock)) {
    if (!m_clock) {
        auto timer = std::make_shared<QElapsedTimer>();
        timer->start();
        m_clock = [timer] { return timer->elapsed(); };
    }
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &TypingTracker::tick);
}

bool TypingTracker::send(quint64 conversationId, bool typing) {
    Frame f;
    f.mutable_typing_request()->set_conversation_id(conversationId);
    f.mutable_typing_request()->set_typing(typing);
    return m_sink->post(f);
}

bool TypingTracker::setTyping(quint64 conversationId, bool typing) {
    if (conversationId == 0)
        return false;
    const qint64 now = m_clock();
    bool sent = false;
    if (typing) {
        auto it = m_outgoing.find(conversationId);
        if (it == m_outgoing.end() || now - it->lastSentMs >= m_options.refreshMs) {
            if (!send(conversationId, true)) {
                m_outgoing.remove(conversationId); // offline: nothing to stop later
                return false;
            }
            sent = true;
            Outgoing &o = m_outgoing[conversationId];
            o.lastSentMs = now;
            o.lastKeystrokeMs = now;
        } else {
            it->lastKeystrokeMs = now;
        }
    } else if (m_outgoing.remove(conversationId) > 0) {
        sent = send(conversationId, false);
    }
    reschedule();
    return sent;
}

void TypingTracker::handlePush(const wire::TypingPush &push) {
    if (push.conversation_id() == 0 || push.user_id() == 0)
        return;
    const Key k = key(push.conversation_id(), push.user_id());
    if (!push.typing()) {
        auto it = m_incoming.find(k);
        if (it != m_incoming.end()) {
            TypingEvent e = it->event;
            m_incoming.erase(it);
            e.typing = false;
            emit typingChanged(e);
        }
        reschedule();
        return;
    }
    const int expiry =
        push.expires_in_ms() > 0 ? int(push.expires_in_ms()) : m_options.defaultExpiryMs;
    const bool fresh = !m_incoming.contains(k);
    Incoming &in = m_incoming[k];
    in.event = TypingEvent{push.conversation_id(), push.user_id(),
                           protocol::fromStd(push.username()), true};
    in.expiresAtMs = m_clock() + expiry;
    if (fresh)
        emit typingChanged(in.event);
    reschedule();
}

void TypingTracker::messageFrom(quint64 conversationId, quint64 userId) {
    auto it = m_incoming.find(key(conversationId, userId));
    if (it == m_incoming.end())
        return;
    TypingEvent e = it->event;
    m_incoming.erase(it);
    e.typing = false;
    emit typingChanged(e);
    reschedule();
}

void TypingTracker::onDisconnected() {
    m_outgoing.clear();
    const auto incoming = std::exchange(m_incoming, {});
    for (const Incoming &in : incoming) {
        TypingEvent e = in.event;
        e.typing = false;
        emit typingChanged(e);
    }
    m_timer.stop();
}

QList<TypingEvent> TypingTracker::typers(quint64 conversationId) const {
    QList<TypingEvent> out;
    for (const Incoming &in : m_incoming) {
        if (in.event.conversationId == conversationId)
            out.append(in.event);
    }
    return out;
}

void TypingTracker::tick() {
    const qint64 now = m_clock();
    QList<TypingEvent> ended;
    for (auto it = m_incoming.begin(); it != m_incoming.end();) {
        if (it->expiresAtMs <= now) {
            ended.append(it->event);
            it = m_incoming.erase(it);
        } else {
            ++it;
        }
    }
    QList<quint64> stop;
    for (auto it = m_outgoing.cbegin(); it != m_outgoing.cend(); ++it) {
        if (now - it->lastKeystrokeMs >= m_options.idleStopMs)
            stop.append(it.key());
    }
    for (quint64 conversationId : stop) {
        m_outgoing.remove(conversationId);
        send(conversationId, false);
    }
    for (TypingEvent e : ended) {
        e.typing = false;
        emit typingChanged(e);
    }
    reschedule();
}

void TypingTracker::reschedule() {
    qint64 next = std::numeric_limits<qint64>::max();
    for (const Incoming &in : m_incoming)
        next = std::min(next, in.expiresAtMs);
    for (const Outgoing &o : m_outgoing)
        next = std::min(next, o.lastKeystrokeMs + m_options.idleStopMs);
    if (next == std::numeric_limits<qint64>::max()) {
        m_timer.stop();
        return;
    }
    m_timer.start(int(std::clamp<qint64>(next - m_clock(), 0, 60000)));
}

} // namespace tidings::client
