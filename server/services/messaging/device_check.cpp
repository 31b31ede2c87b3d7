#include "services/messaging/device_check.h"

#include "proto/tidings.pb.h"

#include <algorithm>
#include <iterator>

namespace tidings::server {

std::optional<Error> checkDeviceSet(const QList<DeviceRef> &current, quint64 senderDevice,
                                    std::vector<DeviceRef> targets, const QByteArray &digest) {
    QList<DeviceRef> required;
    for (const auto &d : current)
        if (d.second != senderDevice)
            required.append(d);
    std::sort(targets.begin(), targets.end());
    if (std::adjacent_find(targets.begin(), targets.end()) != targets.end())
        return Error{ErrorCode::BadFrame, QStringLiteral("two envelopes for one device")};
    QList<DeviceRef> extra, missing;
    std::set_difference(targets.begin(), targets.end(), required.begin(), required.end(),
                        std::back_inserter(extra));
    std::set_difference(required.begin(), required.end(), targets.begin(), targets.end(),
                        std::back_inserter(missing));
    if (extra.isEmpty() && DeviceDirectory::digest(required) == digest)
        return std::nullopt;
    wire::StaleDevices stale;
    auto fill = [](auto *list, const QList<DeviceRef> &refs) {
        for (const auto &[user, device] : refs) {
            auto *r = list->Add();
            r->set_user_id(user);
            r->set_device_id(device);
        }
    };
    fill(stale.mutable_missing(), missing);
    fill(stale.mutable_extra(), extra);
    fill(stale.mutable_current(), required);
    Error e{ErrorCode::StaleDevices,
            QStringLiteral("the conversation's devices changed; re-encrypt")};
    e.staleDevices = QByteArray::fromStdString(stale.SerializeAsString());
    return e;
}

} // namespace tidings::server
