#pragma once
// This device's own key material: the device signing and identity keys (DSK, DIK), the account
// identity key (AIK) when this device holds it, and the prekeys (signed prekey with weekly
// rotation, one-time prekeys). It loads them from the KeyStore on open(), creates and persists
// them, builds the UploadKeysRequests that publish them, and hands the private halves to the
// other parts of the engine (X3DH, list signing, linking) without copying them out of guarded
// memory. The other parts ask it whether the engine is open and has keys.
#include "core/e2e/e2e_support.h"
#include "core/e2e/e2e_types.h"
#include "crypto/session.h"

#include <optional>

namespace tidings::client {
class KeyStore;
}

namespace tidings::client::e2e {

class OwnKeys {
public:
    //! `store` and `clock` must outlive this object.
    OwnKeys(KeyStore &store, const Clock &clock);

    //! libsodium, the store's master key, then the keys held (if any).
    Status open();
    Status requireOpen() const;
    //! Open and device keys present.
    Status requireKeys() const;

    bool hasDeviceKeys() const { return m_keys.has_value(); }
    bool hasAccountKey() const { return m_aik.has_value(); }
    quint64 userId() const { return m_userId; }
    quint64 deviceId() const { return m_deviceId; }
    bool isMe(DeviceAddress a) const { return a.userId == m_userId && a.deviceId == m_deviceId; }
    //! Only after requireKeys() succeeded.
    const crypto::DeviceKeys &deviceKeys() const { return *m_keys; }
    //! Null without an AIK.
    const crypto::Ed25519KeyPair *accountKeyPair() const { return m_aik ? &*m_aik : nullptr; }
    //! Empty without an AIK.
    QByteArray accountPublicKey() const;

    //! See E2eEngine::ensureDeviceKeys(). Own transaction.
    Result<wire::UploadKeysRequest> ensureDeviceKeys(quint64 myUserId, quint64 myDeviceId,
                                                     bool createAccountKey);
    //! `count` new OPKs (identity fields filled, no SPK). Own transaction.
    Result<wire::UploadKeysRequest> refillPrekeys(int count);
    //! The new SPK when due (and expiry of retired ones). Own transaction.
    Result<std::optional<wire::UploadKeysRequest>> rotateSignedPrekeyIfDue(qint64 nowMs);
    int oneTimePrekeyCount() const;

    Result<crypto::PreKeyStore> loadPrekeys() const;
    Status savePrekeys(const crypto::PreKeyStore &prekeys) const;
    //! The stored (sealed) prekeys, for a compare-and-swap against a concurrent writer.
    Result<QByteArray> storedPrekeys() const;

    //! The AIK received by linking: kept and persisted (own transaction); on failure the
    //! previous state stays.
    Status adoptAccountKey(crypto::Ed25519KeyPair aik);

private:
    Status load();
    Status saveDeviceKeys() const;
    Status saveAik() const;
    //! Identity fields (+ binding once the AIK is held).
    wire::UploadKeysRequest identityUpload() const;

    KeyStore &m_store;
    const Clock &m_clock;
    bool m_opened = false;
    quint64 m_userId = 0;
    quint64 m_deviceId = 0;
    std::optional<crypto::DeviceKeys> m_keys;
    std::optional<crypto::Ed25519KeyPair> m_aik;
};

} // namespace tidings::client::e2e
