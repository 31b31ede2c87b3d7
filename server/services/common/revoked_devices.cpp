#include "services/common/revoked_devices.h"

namespace tidings::server {

void RevokedDevices::prune(qint64 nowMs) {
    for (auto it = m_revokedAt.begin(); it != m_revokedAt.end();) {
        if (nowMs - it.value() >= kKeepMs)
            it = m_revokedAt.erase(it);
        else
            ++it;
    }
}

} // namespace tidings::server
