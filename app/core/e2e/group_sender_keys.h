#pragma once
// Sender Keys for groups: this device's sending chain per group (rotated after a member left,
// or when a holder of the current key is no longer a member), which devices already hold it
// (the rest get it in a pairwise envelope before the message), and the receiving chains of other
// members' devices, learned from distributions that arrive pairwise. Received group messages are
// opened on copies and committed by a compare-and-swap, as pairwise ones.
#include "core/e2e/e2e_types.h"
#include "crypto/sender_keys.h"

#include <vector>

namespace tidings::client {
class KeyStore;
}

namespace tidings::client::e2e {

class OwnKeys;
class PairwiseSessions;

//! A group's sender-key group id (the conversation id as 8 big-endian bytes).
QByteArray groupIdBytes(quint64 groupId);

class GroupSenderKeys {
public:
    //! All three must outlive this object.
    GroupSenderKeys(KeyStore &store, const OwnKeys &own, const PairwiseSessions &pairwise);

    //! See E2eEngine::encryptGroup(). Own transaction.
    Result<GroupSend> encryptGroup(quint64 groupId, const QList<DeviceAddress> &memberDevices,
                                   const wire::E2eBody &body);
    Status markRotationNeeded(quint64 groupId);
    Status resendDistribution(quint64 groupId, DeviceAddress device);

    //! A receiving chain opening will write on commit.
    struct ReceiverWrite {
        QByteArray distId;
        crypto::SenderKeyReceiver state;
        QByteArray expected; //!< stored blob at open time (empty: a new row)
    };
    //! Takes the sender_key_distribution out of a pairwise `body` from `from` (wiping it) and
    //! appends the receiving chain it starts to `writes` — unless that chain is already known: a
    //! repeated distribution must not rewind it (which would re-open old messages).
    Status takeDistribution(DeviceAddress from, quint64 groupId, wire::E2eBody &body,
                            std::vector<ReceiverWrite> &writes) const;
    //! Decrypts a group payload from `from` with its chain: one in `writes` (a distribution in
    //! the same message) or the stored one. The advanced chain goes to `writes`.
    Result<crypto::SecretBytes> open(DeviceAddress from, quint64 groupId, const QByteArray &payload,
                                     qint64 nowSecs, std::vector<ReceiverWrite> &writes) const;
    //! crypto/Replay when the stored chain changed since open().
    Status checkUnchanged(DeviceAddress from, const ReceiverWrite &write) const;
    //! Stores the chain (the caller's transaction).
    Status commit(DeviceAddress from, quint64 groupId, const ReceiverWrite &write) const;

private:
    KeyStore &m_store;
    const OwnKeys &m_own;
    const PairwiseSessions &m_pairwise;
};

} // namespace tidings::client::e2e
