#include "core/net/backoff.h"

#include <algorithm>

namespace tidings::client {

Backoff::Backoff(int baseMs, int capMs, quint32 seed)
    : m_baseMs(std::max(1, baseMs))
    , m_capMs(std::max(m_baseMs, capMs))
    , m_random(seed) {}

int Backoff::ceilingMs(int attempt) const {
    // Shift in 64 bits and stop doubling once past the cap so large attempts cannot overflow.
    qint64 ceiling = m_baseMs;
    for (int i = 0; i < attempt && ceiling < m_capMs; ++i)
        ceiling *= 2;
    return int(std::min<qint64>(ceiling, m_capMs));
}

int Backoff::nextDelayMs() {
    const int ceiling = ceilingMs(m_attempt);
    if (m_attempt < 64)
        ++m_attempt;
    return int(m_random.bounded(quint32(ceiling) + 1));
}

} // namespace tidings::client
