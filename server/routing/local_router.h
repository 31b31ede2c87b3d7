#pragma once
// Who is connected to this node, and Delivery over those connections. A device that reconnects
// replaces its previous connection, and the old one is closed with SESSION_REPLACED: newest wins,
// so a half-open old socket never blocks a reconnect, and a device never has two live
// connections (a stale one could otherwise keep sending and reading as that device after the
// device was revoked, since revocation closes the routed connection).
#include "routing/delivery.h"

#include <QHash>

#include <functional>

namespace tidings::server {

class Endpoint;

class LocalRouter final : public Delivery {
public:
    void add(Endpoint *endpoint, quint64 userId, quint64 deviceId);
    //! Returns whether `endpoint` was the device's current connection (false: it had been
    //! replaced, or was never added).
    bool remove(Endpoint *endpoint, quint64 userId, quint64 deviceId);
    Endpoint *endpointOf(quint64 deviceId) const { return m_byDevice.value(deviceId).endpoint; }
    int connectedDeviceCount() const { return int(m_byDevice.size()); }
    //! Told when a device gets its first connection here (up) and loses its last (down): a
    //! cluster announces its routes with it. A replaced connection is neither.
    using Observer = std::function<void(quint64 userId, quint64 deviceId, bool up)>;
    void setObserver(Observer observer) { m_observer = std::move(observer); }

    void toUser(quint64 userId, const Push &push, quint64 exceptDevice = 0) override;
    void toDevice(quint64 deviceId, const Push &push) override;
    QList<quint64> connectedDevices(quint64 userId) const override;
    void disconnect(quint64 deviceId, const Error &why) override;

private:
    struct Entry {
        Endpoint *endpoint = nullptr;
        quint64 userId = 0;
    };
    QHash<quint64, Entry> m_byDevice;
    QMultiHash<quint64, quint64> m_devicesOfUser; //!< user → connected device ids
    Observer m_observer;
};

} // namespace tidings::server
