#pragma once
// X3DH with the Olm-style key layout of the design (section 1–2): per device an Ed25519 signing
// key DSK and an X25519 identity key DIK, bound to each other and to the account key AIK by a
// DSK signature; a DSK-signed prekey SPK; optional one-time prekeys OPK.
//
//   DH1 = DH(DIK_A, SPK_B)  DH2 = DH(EK_A, DIK_B)  DH3 = DH(EK_A, SPK_B)  [DH4 = DH(EK_A, OPK_B)]
//   SK  = HKDF-SHA256(salt = 32×0x00, ikm = 32×0xFF ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4], "TidingsX3DHv1", 32)
//   AD  = "Tidings-v1" ‖ lp(user_id) ‖ lp(device_id) ‖ lp(DSK) ‖ lp(DIK)  (initiator, then
//   responder)
//
// lp(x) = u32 big-endian length ‖ x; user and device ids are u64 big-endian. Signatures carry a
// domain-separation prefix so a signature for one purpose never verifies for another.
#include "crypto/primitives.h"

#include <QHash>
#include <QSet>

#include <optional>

namespace tidings::crypto {

inline constexpr char kX3dhInfo[] = "TidingsX3DHv1";
inline constexpr char kAdPrefix[] = "Tidings-v1";

//! Public identity of one device, as listed in the AIK-signed device list.
struct DeviceIdentity {
    quint64 userId = 0;
    quint64 deviceId = 0;
    QByteArray dsk; //!< Ed25519 public, 32
    QByteArray dik; //!< X25519 public, 32
    bool operator==(const DeviceIdentity &o) const = default;
};

//! A device's own long-term secrets.
struct DeviceKeys {
    quint64 userId = 0;
    quint64 deviceId = 0;
    Ed25519KeyPair dsk;
    X25519KeyPair dik;

    static DeviceKeys generate(quint64 userId, quint64 deviceId);
    DeviceIdentity identity() const { return {userId, deviceId, dsk.publicKey, dik.publicKey}; }
};

struct SignedPreKey {
    quint32 id = 0;
    X25519KeyPair key;
    QByteArray signature; //!< DSK over "TidingsSPKv1" ‖ u32 id ‖ SPK
    static SignedPreKey generate(const Ed25519KeyPair &dsk, quint32 id);
};

struct OneTimePreKey {
    quint32 id = 0;
    X25519KeyPair key;
};

//! DSK signature over "TidingsBindingv1" ‖ u64 user ‖ u64 device ‖ DIK ‖ AIK.
QByteArray signBinding(const DeviceKeys &device, const QByteArray &aikPublic);
bool verifyBinding(const DeviceIdentity &device, const QByteArray &aikPublic,
                   const QByteArray &signature);
bool verifySignedPreKey(const QByteArray &dskPublic, quint32 spkId, const QByteArray &spkPublic,
                        const QByteArray &signature);

//! What the server hands out for one device.
struct PreKeyBundle {
    DeviceIdentity identity;
    QByteArray bindingSignature;
    quint32 spkId = 0;
    QByteArray spk;
    QByteArray spkSignature;
    std::optional<quint32> opkId;
    QByteArray opk; //!< empty when the server had none left (SPK-only fallback)
};

//! Both signatures and all key sizes. The caller must also check that identity.dsk/dik are the
//! ones in the verified device list of identity.userId.
Status verifyBundle(const PreKeyBundle &bundle, const QByteArray &aikPublic);

QByteArray associatedData(const DeviceIdentity &initiator, const DeviceIdentity &responder);

struct X3dhInitiation {
    SecretBytes sharedKey; //!< SK: the first root key
    QByteArray associatedData;
    QByteArray ephemeralPublic; //!< EK_A, sent in the PreKeyMessage
    quint32 spkId = 0;
    std::optional<quint32> opkId;
    QByteArray responderRatchetKey; //!< SPK_B: the initiator's first DHr
};

//! Verifies the bundle, then runs X3DH. `ephemeral` is for known-answer tests only.
Result<X3dhInitiation> x3dhInitiate(const DeviceKeys &self, const PreKeyBundle &bundle,
                                    const QByteArray &responderAik,
                                    std::optional<X25519KeyPair> ephemeral = std::nullopt);

struct X3dhResponse {
    SecretBytes sharedKey;
    QByteArray associatedData;
};

//! Responder side. The caller looks up the SPK and OPK by the ids in the PreKeyMessage, deletes
//! the OPK after this succeeds and checks the replay cache first.
Result<X3dhResponse> x3dhRespond(const DeviceKeys &self, const SignedPreKey &spk,
                                 const OneTimePreKey *opk, const DeviceIdentity &initiator,
                                 const QByteArray &initiatorEphemeral);

//! The raw key agreement with a caller-chosen info string and length, so Signal's published
//! vectors (info "WhisperText", 64 bytes) run through the same code as production.
Result<SecretBytes>
x3dhSecretInitiator(const SecretBytes &ourIdentity, const SecretBytes &ourEphemeral,
                    const QByteArray &theirIdentity, const QByteArray &theirSignedPreKey,
                    const QByteArray &theirOneTimePreKey, BytesView info, std::size_t length);
Result<SecretBytes>
x3dhSecretResponder(const SecretBytes &ourIdentity, const SecretBytes &ourSignedPreKey,
                    const SecretBytes *ourOneTimePreKey, const QByteArray &theirIdentity,
                    const QByteArray &theirEphemeral, BytesView info, std::size_t length);

//! First message to a device: the initiator's identity, the prekey ids, EK_A and the first
//! ratchet message. Wire: u8 version(1) ‖ u64 user ‖ u64 device ‖ DSK ‖ DIK ‖ u32 spk_id ‖
//! u8 has_opk ‖ [u32 opk_id] ‖ EK ‖ lp(ratchet message).
struct PreKeyMessage {
    DeviceIdentity initiator;
    quint32 spkId = 0;
    std::optional<quint32> opkId;
    QByteArray ephemeral;
    QByteArray ratchetMessage;

    QByteArray encode() const;
    static Result<PreKeyMessage> decode(const QByteArray &bytes);
};

//! Replay cache of (SPK id, EK): a replayed first message must not rebuild a session (design
//! section 2). Not secret; the client persists encode() and drops entries with the SPK.
class X3dhReplayCache {
public:
    bool contains(quint32 spkId, const QByteArray &ephemeral) const;
    //! Returns false (Replay) when already present.
    Status insert(quint32 spkId, const QByteArray &ephemeral);
    void forgetSignedPreKey(quint32 spkId) { m_seen.remove(spkId); }
    QByteArray encode() const;
    static Result<X3dhReplayCache> decode(const QByteArray &bytes);

private:
    QHash<quint32, QSet<QByteArray>> m_seen;
};

} // namespace tidings::crypto
