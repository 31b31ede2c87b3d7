#pragma once
// Delivery for service tests: who is "connected" is set by the test, pushes are recorded per
// device (a push to a user lands on each of its connected devices, as LocalRouter does).
#include "routing/delivery.h"

#include <QHash>
#include <QList>

#include <vector>

namespace tidings::server::test {

class FakeDelivery final : public Delivery {
public:
    void connect(quint64 userId, quint64 deviceId) {
        if (!m_devices.values(userId).contains(deviceId))
            m_devices.insert(userId, deviceId);
    }
    void disconnectDevice(quint64 userId, quint64 deviceId) { m_devices.remove(userId, deviceId); }

    void toUser(quint64 userId, const Push &push, quint64 exceptDevice = 0) override {
        for (quint64 d : m_devices.values(userId))
            if (d != exceptDevice)
                pushes[d].push_back(push);
    }
    void toDevice(quint64 deviceId, const Push &push) override {
        for (auto it = m_devices.cbegin(); it != m_devices.cend(); ++it)
            if (it.value() == deviceId) {
                pushes[deviceId].push_back(push);
                return;
            }
    }
    QList<quint64> connectedDevices(quint64 userId) const override {
        return m_devices.values(userId);
    }
    void disconnect(quint64 deviceId, const Error &why) override {
        disconnected.append({deviceId, why});
    }

    //! The pushes of one type a device got, in order.
    template <typename T> std::vector<T> of(quint64 deviceId) const {
        std::vector<T> out;
        for (const auto &p : pushes.value(deviceId))
            if (const auto *t = std::get_if<T>(&p))
                out.push_back(*t);
        return out;
    }
    int total() const {
        int n = 0;
        for (const auto &v : pushes)
            n += int(v.size());
        return n;
    }

    QHash<quint64, std::vector<Push>> pushes; //!< by device
    QList<std::pair<quint64, Error>> disconnected;

private:
    QMultiHash<quint64, quint64> m_devices; //!< user → devices
};

} // namespace tidings::server::test
