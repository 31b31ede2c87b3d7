#include "services/messaging/bulk_yield.h"

#include <algorithm>

namespace tidings::server {

void BulkYield::interactiveStored(qint64 nowUs, qint64 latencyUs) {
    latencyUs = std::max<qint64>(latencyUs, 0);
    m_lastInteractiveUs = nowUs;
    // A quarter of each new sample: a single slow commit (a checkpoint) does not stop the bulk
    // shard, a run of them does.
    m_smoothedUs = m_smoothedUs == 0 ? latencyUs : (3 * m_smoothedUs + latencyUs) / 4;
    if (m_windowStartUs < 0 || nowUs - m_windowStartUs >= kFloorWindowUs) {
        m_minPreviousUs = m_minCurrentUs;
        m_minCurrentUs = -1;
        m_windowStartUs = nowUs;
    }
    if (m_minCurrentUs < 0 || latencyUs < m_minCurrentUs)
        m_minCurrentUs = latencyUs;
}

qint64 BulkYield::floorUs() const {
    if (m_minPreviousUs < 0)
        return m_minCurrentUs;
    if (m_minCurrentUs < 0)
        return m_minPreviousUs;
    return std::min(m_minCurrentUs, m_minPreviousUs);
}

bool BulkYield::present(qint64 nowUs) const {
    return m_lastInteractiveUs >= 0 && nowUs - m_lastInteractiveUs <= kPresenceUs;
}

bool BulkYield::slow(qint64 nowUs) const {
    return present(nowUs) && m_smoothedUs > floorUs() * 3 / 2 + kMarginUs;
}

qint64 BulkYield::nextPauseUs(qint64 nowUs) {
    if (!present(nowUs)) {
        m_pauseUs = 0;
        return 0;
    }
    if (slow(nowUs))
        m_pauseUs = std::min(kMaxPauseUs, std::max(kStepUs, m_pauseUs * 2));
    else if (m_pauseUs = m_pauseUs * 7 / 8; m_pauseUs < kStepUs)
        m_pauseUs = 0;
    return m_pauseUs;
}

} // namespace tidings::server
