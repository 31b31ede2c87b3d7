#include "routing/router.h"

namespace tidings::server {

void Router::add(Session *session, quint64 userId, quint64 deviceId) {
    // A device that reconnects replaces its previous session (the old socket may still be
    // half-open); the old one stops receiving pushes.
    if (Session *old = m_byDevice.value(deviceId))
        m_byUser.remove(userId, old);
    m_byDevice.insert(deviceId, session);
    m_byUser.insert(userId, session);
}

void Router::remove(Session *session, quint64 userId, quint64 deviceId) {
    if (m_byDevice.value(deviceId) == session)
        m_byDevice.remove(deviceId);
    m_byUser.remove(userId, session);
}

QList<Session *> Router::sessionsOfUser(quint64 userId) const {
    return m_byUser.values(userId);
}

Session *Router::sessionOfDevice(quint64 deviceId) const {
    return m_byDevice.value(deviceId);
}

} // namespace tidings::server
