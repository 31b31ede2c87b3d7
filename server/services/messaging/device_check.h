#pragma once
// The end-to-end check of an encrypted send: its envelopes and device digest must match the
// conversation's current devices, or the sender is told which devices changed (STALE_DEVICES).
#include "protocol/result.h"
#include "services/common/device_directory.h"

#include <optional>
#include <vector>

namespace tidings::server {

//! `current`: every current device of every member, sorted (the sending device included or
//! not); `targets`: the (user, device) of each envelope. Refuses two envelopes for one device
//! (BAD_FRAME), envelopes for devices that are not current, and a digest that is not the one of
//! the current devices except the sender's (STALE_DEVICES, with missing, extra and current).
//! Missing envelopes alone are fine: a group send carries one payload for everybody.
std::optional<Error> checkDeviceSet(const QList<DeviceRef> &current, quint64 senderDevice,
                                    std::vector<DeviceRef> targets, const QByteArray &digest);

} // namespace tidings::server
