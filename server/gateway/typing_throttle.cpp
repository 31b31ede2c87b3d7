#include "gateway/typing_throttle.h"

#include <algorithm>
#include <cmath>

namespace tidings::server {

TypingThrottle::TypingThrottle()
    : TypingThrottle(Limits{}) {}

TypingThrottle::Verdict TypingThrottle::check(quint64 conversationId, bool typing, qint64 nowMs) {
    if (m_refilledAtMs == 0)
        m_refilledAtMs = nowMs;
    m_tokens =
        std::min(m_limits.burst, m_tokens + double(std::max<qint64>(0, nowMs - m_refilledAtMs)) *
                                                m_limits.perSecond / 1000.0);
    m_refilledAtMs = nowMs;

    auto it = std::find_if(m_entries.begin(), m_entries.end(),
                           [&](const Entry &e) { return e.conversationId == conversationId; });
    if (it != m_entries.end() && it->typing == typing && nowMs - it->atMs < m_limits.repeatMs)
        return Verdict::Absorb;
    if (m_tokens < 1.0)
        return Verdict::Refuse;
    m_tokens -= 1.0;
    if (it == m_entries.end()) {
        if (m_entries.size() >= m_limits.maxConversations)
            m_entries.erase(
                std::min_element(m_entries.begin(), m_entries.end(),
                                 [](const Entry &a, const Entry &b) { return a.atMs < b.atMs; }));
        m_entries.push_back(Entry{conversationId, typing, nowMs});
    } else {
        *it = Entry{conversationId, typing, nowMs};
    }
    return Verdict::Forward;
}

quint32 TypingThrottle::retryAfterMs() const {
    const double missing = std::max(0.0, 1.0 - m_tokens);
    return quint32(std::max(1.0, std::ceil(missing * 1000.0 / m_limits.perSecond)));
}

} // namespace tidings::server
