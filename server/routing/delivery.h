#pragma once
// How services reach devices: push to a user's connections, to one device, and ask which devices
// of a user are connected. Implemented locally over this node's connections (LocalRouter); the
// scale-out issue implements the same interface over a message bus, so nothing here names a
// connection or a frame.
#include "protocol/result.h"
#include "routing/push.h"

#include <QList>

namespace tidings::server {

class Delivery {
public:
    virtual ~Delivery() = default;

    //! Every connected device of `userId` except `exceptDevice` (0: none).
    virtual void toUser(quint64 userId, const Push &push, quint64 exceptDevice = 0) = 0;
    //! The device's connection, if it has one.
    virtual void toDevice(quint64 deviceId, const Push &push) = 0;
    //! The devices of `userId` that are connected now, in no particular order.
    virtual QList<quint64> connectedDevices(quint64 userId) const = 0;
    //! Tells the device why and closes its connection, if it has one (a revoked device is cut
    //! off at once).
    virtual void disconnect(quint64 deviceId, const Error &why) = 0;
};

} // namespace tidings::server
