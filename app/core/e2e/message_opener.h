#pragma once
// Opens a received message: the pairwise envelope first (it may carry the sender-key
// distribution the group payload needs), then the group payload, both on copies of the state and
// only from a device its user's verified list names. Nothing is written until the caller runs
// the returned commit inside the transaction that stores the message; the commit is a
// compare-and-swap over every state it advances (prekeys, session, receiving chains).
#include "core/e2e/e2e_types.h"

namespace tidings::client {
class KeyStore;
}

namespace tidings::client::e2e {

class Clock;
class OwnKeys;
class DeviceDirectory;
class PairwiseSessions;
class GroupSenderKeys;

class MessageOpener {
public:
    //! All must outlive this object, and this object every commit it returned.
    MessageOpener(KeyStore &store, const Clock &clock, const OwnKeys &own,
                  const DeviceDirectory &devices, const PairwiseSessions &pairwise,
                  const GroupSenderKeys &groups);

    //! See E2eEngine::decrypt().
    Result<Decrypted> decrypt(const wire::Message &message, quint64 myUserId, quint64 myDeviceId);

private:
    KeyStore &m_store;
    const Clock &m_clock;
    const OwnKeys &m_own;
    const DeviceDirectory &m_devices;
    const PairwiseSessions &m_pairwise;
    const GroupSenderKeys &m_groups;
};

} // namespace tidings::client::e2e
