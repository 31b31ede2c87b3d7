#pragma once
// Typing indicators are never stored but reach every device of every member: one client sending
// them in a loop would make the server fan out to a 500-member group at its full rate. The desktop
// client sends typing=true at most every 3 s per conversation and typing=false once when the user
// stops, so a connection's indicators are bounded here well above that:
// - the same state again within `repeatMs` is answered but not fanned out again (Absorb);
// - whatever is fanned out takes a token from a bucket of `burst` refilled at `perSecond`; with
//   none left the request is refused with RATE_LIMITED (Refuse), so the client learns why.
// At most `maxConversations` conversations are remembered (the least recently used is forgotten).
#include <QtGlobal>

#include <vector>

namespace tidings::server {

class TypingThrottle {
public:
    enum class Verdict { Forward, Absorb, Refuse };
    struct Limits {
        qint64 repeatMs = 1000;
        double perSecond = 5;
        double burst = 10;
        std::size_t maxConversations = 64;
    };

    TypingThrottle();
    explicit TypingThrottle(Limits limits)
        : m_limits(limits)
        , m_tokens(limits.burst) {}

    Verdict check(quint64 conversationId, bool typing, qint64 nowMs);
    //! Milliseconds until a token is back (for RATE_LIMITED's retry_after_ms).
    quint32 retryAfterMs() const;

private:
    struct Entry {
        quint64 conversationId = 0;
        bool typing = false;
        qint64 atMs = 0;
    };

    Limits m_limits;
    double m_tokens;
    qint64 m_refilledAtMs = 0;
    std::vector<Entry> m_entries;
};

} // namespace tidings::server
