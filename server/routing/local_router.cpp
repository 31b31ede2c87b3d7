#include "routing/local_router.h"

#include "routing/endpoint.h"

namespace tidings::server {

void LocalRouter::add(Endpoint *endpoint, quint64 userId, quint64 deviceId) {
    const auto found = m_byDevice.constFind(deviceId);
    Endpoint *old = found == m_byDevice.cend() ? nullptr : found->endpoint;
    if (!old)
        m_devicesOfUser.insert(userId, deviceId);
    // The new entry goes in first: closing the old endpoint re-enters remove(old), which must
    // find it replaced (false) so that the device does not flap offline.
    m_byDevice.insert(deviceId, Entry{endpoint, userId});
    if (!old && m_observer)
        m_observer(userId, deviceId, true);
    if (old && old != endpoint)
        old->disconnect(Error{ErrorCode::SessionReplaced,
                              QStringLiteral("this device connected again elsewhere")});
}

bool LocalRouter::remove(Endpoint *endpoint, quint64 userId, quint64 deviceId) {
    const auto it = m_byDevice.find(deviceId);
    if (it == m_byDevice.end() || it->endpoint != endpoint)
        return false;
    m_byDevice.erase(it);
    m_devicesOfUser.remove(userId, deviceId);
    if (m_observer)
        m_observer(userId, deviceId, false);
    return true;
}

void LocalRouter::toUser(quint64 userId, const Push &push, quint64 exceptDevice) {
    // Collected first: a delivery may close an endpoint (a reader too far behind), which
    // changes the hashes.
    QList<Endpoint *> targets;
    for (auto it = m_devicesOfUser.constFind(userId);
         it != m_devicesOfUser.cend() && it.key() == userId; ++it)
        if (it.value() != exceptDevice)
            targets.append(m_byDevice.value(it.value()).endpoint);
    for (Endpoint *e : targets)
        e->deliver(push);
}

void LocalRouter::toDevice(quint64 deviceId, const Push &push) {
    if (Endpoint *e = endpointOf(deviceId))
        e->deliver(push);
}

QList<quint64> LocalRouter::connectedDevices(quint64 userId) const {
    return m_devicesOfUser.values(userId);
}

void LocalRouter::disconnect(quint64 deviceId, const Error &why) {
    if (Endpoint *e = endpointOf(deviceId))
        e->disconnect(why);
}

} // namespace tidings::server
