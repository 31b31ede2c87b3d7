#pragma once
// Opens a received message: the pairwise envelope first (it may carry the sender-key
// distribution the group payload needs), then the group payload, both on copies of the state and
// only from a device its user's verified list names. Nothing is written until the caller runs
// the returned commit inside the transaction that stores the message; the commit is a
// compare-and-swap over every state it advances (prekeys, session, receiving chains).
//
// Context binding: a body a user reads (content) or that makes this device send something (a
// resend request) must name, inside the encryption, the conversation, sender device and client
// message id of the message that carries it; otherwise the server could move a private message
// into a group both people share. A mismatch is ContextMismatch, and nothing is committed, so
// the genuine copy still opens. A body without a context (a client from before binding) is
// accepted from a device until that device has sent one bound body; from then on it is pinned.
#include "core/e2e/e2e_types.h"

#include <QSet>

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
    //! ContextMismatch when `body` should carry the context of `message` and does not.
    Status checkContext(const wire::E2eBody &body, const wire::Message &message,
                        const DeviceAddress &from, bool &bound) const;

    KeyStore &m_store;
    const Clock &m_clock;
    const OwnKeys &m_own;
    const DeviceDirectory &m_devices;
    const PairwiseSessions &m_pairwise;
    const GroupSenderKeys &m_groups;
    QSet<DeviceAddress> m_pinned; //!< devices known to bind their bodies (saved in KeyStore)
};

} // namespace tidings::client::e2e
