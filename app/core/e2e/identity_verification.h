#pragma once
// What the user knows about a peer's identity: safety numbers and QR payloads over both account
// keys, the "verified" mark pinned to the AIK it was given for, and identity changes that must be
// acknowledged. A verified peer whose AIK changed blocks sending (sendingBlocked()) until the
// change is acknowledged, which also drops the old verification; with "hold on key changes" set
// (holdOnChange) so does any peer. Fingerprints of device keys.
#include "core/e2e/e2e_types.h"

#include <QSet>
#include <QString>

namespace tidings::client {
class KeyStore;
}

namespace tidings::client::e2e {

class OwnKeys;
class DeviceDirectory;

class IdentityVerification {
public:
    //! All three must outlive this object.
    IdentityVerification(KeyStore &store, const OwnKeys &own, const DeviceDirectory &devices);

    //! 60 digits in groups of five ("12345 67890 ...").
    Result<QString> safetyNumber(quint64 peerUserId) const;
    Result<QByteArray> safetyQrPayload(quint64 peerUserId) const;
    //! Pins the current AIK as verified (or clears the mark).
    Status setVerified(quint64 peerUserId, bool verified);
    bool isVerified(quint64 peerUserId) const;
    bool identityChanged(quint64 peerUserId) const;
    Status acknowledgeIdentityChange(quint64 peerUserId);
    //! A peer whose AIK changed and the change is not acknowledged: verified, or any peer while
    //! holdOnChange() is set.
    bool sendingBlocked(quint64 peerUserId) const;
    //! Every peer sendingBlocked() is true for, in one query (checking a whole group).
    QSet<quint64> blockedUsers() const;
    //! Every peer whose change is not acknowledged (identityChanged() for all, in one query).
    QSet<quint64> changedUsers() const;
    //! The user's choice to hold messages to anyone whose key changed until acknowledged (not
    //! only verified contacts); kept in the key store, read once when the engine opens.
    bool holdOnChange() const { return m_holdOnChange; }
    Status setHoldOnChange(bool hold);
    //! Reads the saved choice (the engine calls it when it opens).
    void loadHoldOnChange();
    //! Short hex of the device's DSK (empty when unknown).
    QString fingerprint(DeviceAddress device) const;

private:
    KeyStore &m_store;
    const OwnKeys &m_own;
    const DeviceDirectory &m_devices;
    bool m_holdOnChange = false;
};

} // namespace tidings::client::e2e
