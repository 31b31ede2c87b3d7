#pragma once
// Pairwise sessions with other devices (X3DH + Double Ratchet): starts one from a verified prekey
// bundle, keeps up to five per device (the most recent active), encrypts envelopes (PreKey
// messages until the peer answered, ratchet messages afterwards) and opens received envelopes on
// copies of the state, to be committed with the stored message by a compare-and-swap. A
// PreKeyMessage consumes one of this device's one-time prekeys in the same commit.
#include "core/e2e/e2e_types.h"
#include "crypto/session.h"

#include <optional>
#include <vector>

namespace tidings::client {
class KeyStore;
}

namespace tidings::client::e2e {

class OwnKeys;
class DeviceDirectory;
class IdentityVerification;

class PairwiseSessions {
public:
    //! All four must outlive this object.
    PairwiseSessions(KeyStore &store, const OwnKeys &own, DeviceDirectory &devices,
                     const IdentityVerification &verification);

    bool hasSession(DeviceAddress device) const;
    //! See E2eEngine::acceptBundles(). Own transaction.
    Status acceptBundles(const wire::BundlesResponse &bundles);
    //! See E2eEngine::encryptPairwise(). Own transaction.
    Result<QList<wire::Envelope>> encryptPairwise(const QList<DeviceAddress> &targets,
                                                  const wire::E2eBody &body);
    //! Encrypts with the active session and stores it (in the caller's transaction). Refused
    //! (IdentityMismatch) while sending to the user is blocked.
    Result<wire::Envelope> encryptFor(DeviceAddress a, const crypto::SecretBytes &plaintext) const;

    //! What opening an envelope will write on commit.
    struct Write {
        QByteArray sid;
        crypto::RatchetSession state;
        QByteArray inbound;
        QByteArray expected;                        //!< stored blob at open time (empty: a new row)
        std::optional<crypto::PreKeyStore> prekeys; //!< a PreKeyMessage used one of mine
        QByteArray expectedPrekeys;
    };
    struct Opened {
        crypto::SecretBytes plaintext;
        Write write;
    };
    //! Decrypts Message.envelope from `from` (whose listed identity is `sender`) without writing.
    Result<Opened> open(DeviceAddress from, const crypto::DeviceIdentity &sender,
                        const QByteArray &envelope, qint64 nowSecs) const;
    //! crypto/Replay when a state `write` advances was stored since open().
    Status checkUnchanged(DeviceAddress from, const Write &write) const;
    //! Stores the advanced session (made active) and the prekeys (the caller's transaction).
    Status commit(DeviceAddress from, const Write &write) const;

private:
    struct SessionRow {
        QByteArray sid;
        qint64 rank = 0;
        crypto::RatchetSession state;
        QByteArray pending;
        QByteArray inbound;
        QByteArray sealed; //!< the stored blob, for the compare-and-swap commit
    };
    //! Highest rank (active) first.
    Result<std::vector<SessionRow>> sessions(DeviceAddress a, bool activeOnly = false) const;
    //! Insert or update; makeActive gives it the highest rank; keeps at most 5 per device.
    Status saveSession(DeviceAddress a, const QByteArray &sid, const crypto::RatchetSession &s,
                       const QByteArray &pending, const QByteArray &inbound, bool makeActive) const;

    KeyStore &m_store;
    const OwnKeys &m_own;
    DeviceDirectory &m_devices;
    const IdentityVerification &m_verification;
};

} // namespace tidings::client::e2e
