#pragma once
// Reconnect delays with "full jitter": delay = random(0, min(cap, base * 2^attempt)). Full jitter
// spreads the reconnect storm after a server restart evenly over the window instead of letting
// every client come back at the same instant.
#include <QRandomGenerator>

namespace tidings::client {

class Backoff {
public:
    Backoff(int baseMs = 500, int capMs = 30000,
            quint32 seed = QRandomGenerator::global()->generate());

    //! The upper bound of the delay for the given attempt (0-based): min(cap, base * 2^attempt).
    int ceilingMs(int attempt) const;
    //! A delay for the next attempt, uniformly in [0, ceilingMs(attempt)]; advances the attempt.
    int nextDelayMs();
    //! Called after a successful authentication: the next failure starts from attempt 0 again.
    void reset() { m_attempt = 0; }
    int attempt() const { return m_attempt; }
    int baseMs() const { return m_baseMs; }
    int capMs() const { return m_capMs; }

private:
    int m_baseMs;
    int m_capMs;
    int m_attempt = 0;
    QRandomGenerator m_random;
};

} // namespace tidings::client
