#pragma once
// Double Ratchet (design section 3) on the X3DH output.
//
//   Root KDF:  HKDF(salt = RK, ikm = DH output, info "TidingsRatchetv1") → 64 bytes: RK' ‖ CK
//   Chain KDF: MK = HMAC-SHA256(CK, 0x01); CK' = HMAC-SHA256(CK, 0x02)
//   Cipher:    XChaCha20-Poly1305-IETF, key = HKDF-Expand(MK, "TidingsMsgv1", 32), random nonce
//   AEAD AD:   X3DH AD ‖ version ‖ header; header = DH public (32) ‖ PN (u32) ‖ N (u32)
//
// Wire: u8 version ‖ header (40) ‖ nonce (24) ‖ ciphertext ‖ tag (16). Version 1 has a plain
// header; version 2 is reserved for header encryption and rejected for now.
//
// Skipped message keys are kept under (ratchet public key, N): at most kMaxSkip per jump,
// kMaxStoredSkipped per session (oldest dropped first), expired after kSkippedKeyLifetimeSecs,
// deleted on use. Decryption runs on a copy of the state (decryptOnCopy) so a failure changes
// nothing; the client commits the returned state in the same transaction as the message.
#include "crypto/primitives.h"

#include <vector>

namespace tidings::crypto {

inline constexpr std::uint8_t kRatchetVersion = 1;
inline constexpr std::uint8_t kRatchetVersionEncryptedHeader = 2; //!< reserved
inline constexpr char kRatchetInfo[] = "TidingsRatchetv1";
inline constexpr char kMessageKeyInfo[] = "TidingsMsgv1";

struct ChainStep {
    SecretBytes messageKey;
    SecretBytes nextChainKey;
};
//! The chain KDF (HMAC 0x01 / 0x02), shared by the Double Ratchet and Sender Keys.
ChainStep chainKdf(const SecretBytes &chainKey);
//! The root KDF: RK' ‖ CK from HKDF(salt = root key, ikm = DH output).
struct RootStep {
    SecretBytes rootKey;
    SecretBytes chainKey;
};
RootStep rootKdf(const SecretBytes &rootKey, const SecretBytes &dhOutput, BytesView info);

struct RatchetHeader {
    QByteArray dh; //!< sender's current ratchet public key
    quint32 pn = 0;
    quint32 n = 0;
};

//! Parses only the public header (e.g. to log or route); never needed for decryption.
Result<RatchetHeader> peekRatchetHeader(const QByteArray &message);

struct RatchetDecryption;

class RatchetSession {
public:
    static constexpr quint32 kMaxSkip = 1000;
    static constexpr int kMaxStoredSkipped = 2000;
    static constexpr qint64 kSkippedKeyLifetimeSecs = 30LL * 24 * 3600;

    RatchetSession() = default;
    RatchetSession(RatchetSession &&) = default;
    RatchetSession &operator=(RatchetSession &&) = default;

    //! Initiator (Alice): the responder's SPK is the first ratchet key, SK the first root key.
    static Result<RatchetSession> initInitiator(const SecretBytes &sharedKey,
                                                const QByteArray &associatedData,
                                                const QByteArray &responderRatchetKey);
    //! Responder (Bob): the SPK pair is the first sending ratchet key pair.
    static Result<RatchetSession> initResponder(const SecretBytes &sharedKey,
                                                const QByteArray &associatedData,
                                                const X25519KeyPair &signedPreKey);

    //! Advances the sending chain. Persist serialize() before the message leaves the device.
    Result<QByteArray> encrypt(BytesView plaintext);
    //! Decrypts on a copy and returns the plaintext with the new state; *this is unchanged.
    Result<RatchetDecryption> decryptOnCopy(const QByteArray &message, qint64 nowSecs) const;
    //! decryptOnCopy + commit in memory on success.
    Result<SecretBytes> decrypt(const QByteArray &message, qint64 nowSecs);
    Result<SecretBytes> decrypt(const QByteArray &message);

    //! Drops skipped keys older than kSkippedKeyLifetimeSecs (also done on every decrypt).
    void expireSkippedKeys(qint64 nowSecs);
    int skippedKeyCount() const { return int(m_skipped.size()); }
    bool canSend() const { return !m_cks.isEmpty(); }
    const QByteArray &associatedData() const { return m_ad; }
    const QByteArray &remoteRatchetKey() const { return m_dhr; }

    RatchetSession clone() const;
    //! The whole state, secret: store it encrypted at rest.
    SecretBytes serialize() const;
    static Result<RatchetSession> deserialize(BytesView blob);

private:
    friend struct RatchetTestAccess;
    struct Skipped {
        QByteArray dh;
        quint32 n = 0;
        SecretBytes mk;
        qint64 storedAt = 0;
    };
    Status skipMessageKeys(quint32 until, qint64 now);
    Status dhRatchet(const QByteArray &remoteKey);
    Result<SecretBytes> openWith(const SecretBytes &mk, const QByteArray &message) const;

    X25519KeyPair m_dhs;
    QByteArray m_dhr;
    SecretBytes m_rk;
    SecretBytes m_cks;
    SecretBytes m_ckr;
    quint32 m_ns = 0;
    quint32 m_nr = 0;
    quint32 m_pn = 0;
    QByteArray m_ad;
    std::vector<Skipped> m_skipped; //!< oldest first
};

struct RatchetDecryption {
    SecretBytes plaintext;
    RatchetSession state;
};

} // namespace tidings::crypto
