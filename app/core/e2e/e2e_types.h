#pragma once
// The value types of the E2E engine's API: device addresses and what its operations return.
// Kept apart from E2eEngine so the engine's parts (and their tests) share them without the facade.
#include "proto/tidings.pb.h"
#include "protocol/result.h"

#include <QByteArray>
#include <QHash>
#include <QList>

#include <functional>
#include <optional>
#include <utility>

namespace tidings::client::e2e {

struct DeviceAddress {
    quint64 userId = 0;
    quint64 deviceId = 0;
    bool operator==(const DeviceAddress &o) const = default;
    bool operator<(const DeviceAddress &o) const {
        return userId != o.userId ? userId < o.userId : deviceId < o.deviceId;
    }
};
inline size_t qHash(const DeviceAddress &a, size_t seed = 0) {
    return ::qHash(std::pair<quint64, quint64>(a.userId, a.deviceId), seed);
}

//! How a user's account key changed (docs/design/account-key-lifecycle.md §1.6).
enum class KeyChange {
    None,
    Replaced,  //!< no statement from the pinned key vouches for the new one
    Succeeded, //!< the pinned key handed on to the new one (a device of theirs was removed)
    Recovered, //!< their recovery key handed on to the new one (they lost their devices)
};

struct DeviceListUpdate {
    QList<DeviceAddress> added;
    QList<DeviceAddress> removed;
    //! The list was signed by a different AIK than the pinned one: never silent.
    bool identityChanged = false;
    KeyChange change = KeyChange::None;
};

struct GroupSend {
    QByteArray payload;                  //!< SendRequest.payload (one ciphertext for everyone)
    QList<wire::Envelope> distributions; //!< SendRequest.envelopes (pairwise, sender key inside)
};

struct LinkGrant {
    QByteArray blob;         //!< relay to newDevice.deviceId
    DeviceAddress newDevice; //!< include it in the next signDeviceList()
};

//! A received message opened on copies of the state (see E2eEngine::decrypt()).
struct Decrypted {
    std::optional<wire::E2eBody> pairwise;
    std::optional<wire::E2eBody> group;
    //! Writes the advanced states; run it inside the transaction storing the message, while
    //! the engine lives. A compare-and-swap: if a state it advances was written since this
    //! decrypt (another message's commit), it writes nothing and fails (crypto/Replay) —
    //! decrypt that message again. A second call fails the same way.
    std::function<Status()> commit;
};

} // namespace tidings::client::e2e
