#pragma once
// Sender Keys for groups (design section 5). Each sender device has per group a chain key and an
// Ed25519 signing key, identified by a random 16-byte dist_id and delivered to every member
// device inside pairwise sessions as a SenderKeyDistribution. A message is encrypted once:
//
//   MK, CK' = chain KDF (HMAC 0x01 / 0x02, as in the Double Ratchet)
//   key     = HKDF-Expand(MK, "TidingsSenderKeyv1", 32), XChaCha20-Poly1305, random nonce
//   AEAD AD = "TidingsSenderKeyv1" ‖ lp(group_id) ‖ message header
//   wire    = u8 version(1) ‖ dist_id(16) ‖ u32 chain_id ‖ u32 iteration ‖ nonce ‖ ct ‖ tag ‖ sig
//   sig     = Ed25519(sign key, "TidingsSenderKeySigv1" ‖ lp(group_id) ‖ all bytes before sig)
//
// Receivers verify the signature before anything else, so a member holding the chain key cannot
// forge another member's message. After a member is removed every sender calls rotate() (new
// dist_id, chain and signing key) before its next send; new members get only the current
// distribution, which cannot derive earlier message keys.
#include "crypto/primitives.h"

#include <vector>

namespace tidings::crypto {

inline constexpr char kSenderKeyInfo[] = "TidingsSenderKeyv1";
inline constexpr std::size_t kDistIdSize = 16;

//! Secret: carries the chain key. Wire (inside a pairwise session): u8 version(1) ‖
//! lp(group_id) ‖ dist_id(16) ‖ u32 chain_id ‖ u32 iteration ‖ chain_key(32) ‖ sign_pub(32).
struct SenderKeyDistribution {
    QByteArray groupId;
    QByteArray distId;
    quint32 chainId = 0;
    quint32 iteration = 0;
    SecretBytes chainKey;
    QByteArray signPublic;

    SecretBytes serialize() const;
    static Result<SenderKeyDistribution> parse(BytesView bytes);
};

//! This device's sending state for one group.
class SenderKeySender {
public:
    static SenderKeySender create(const QByteArray &groupId);
    SenderKeySender() = default;
    SenderKeySender(SenderKeySender &&) = default;
    SenderKeySender &operator=(SenderKeySender &&) = default;

    //! The distribution at the current iteration (what a new member receives).
    SenderKeyDistribution distribution() const;
    //! Advances the chain. Persist serialize() before the message leaves the device.
    Result<QByteArray> encrypt(BytesView plaintext);
    //! Fresh dist_id, chain and signing key (after a member removal); redistribute afterwards.
    void rotate();

    const QByteArray &groupId() const { return m_groupId; }
    const QByteArray &distId() const { return m_distId; }
    quint32 iteration() const { return m_iteration; }

    SecretBytes serialize() const;
    static Result<SenderKeySender> deserialize(BytesView blob);

private:
    QByteArray m_groupId;
    QByteArray m_distId;
    quint32 m_chainId = 0;
    quint32 m_iteration = 0;
    SecretBytes m_chainKey;
    Ed25519KeyPair m_sign;
};

struct SenderKeyDecryption;

//! State for receiving one sender's (device's) messages under one dist_id.
class SenderKeyReceiver {
public:
    static constexpr quint32 kMaxSkip = 1000;
    static constexpr int kMaxStoredSkipped = 2000;
    static constexpr qint64 kSkippedKeyLifetimeSecs = 30LL * 24 * 3600;

    static Result<SenderKeyReceiver> fromDistribution(const SenderKeyDistribution &d);
    SenderKeyReceiver() = default;
    SenderKeyReceiver(SenderKeyReceiver &&) = default;
    SenderKeyReceiver &operator=(SenderKeyReceiver &&) = default;
    SenderKeyReceiver clone() const;

    //! Signature first, then keys and AEAD, all on a copy; *this unchanged.
    Result<SenderKeyDecryption> decryptOnCopy(const QByteArray &message, qint64 nowSecs) const;
    Result<SecretBytes> decrypt(const QByteArray &message, qint64 nowSecs);

    const QByteArray &groupId() const { return m_groupId; }
    const QByteArray &distId() const { return m_distId; }
    quint32 iteration() const { return m_iteration; }
    int skippedKeyCount() const { return int(m_skipped.size()); }

    SecretBytes serialize() const;
    static Result<SenderKeyReceiver> deserialize(BytesView blob);

private:
    struct Skipped {
        quint32 iteration = 0;
        SecretBytes mk;
        qint64 storedAt = 0;
    };
    QByteArray m_groupId;
    QByteArray m_distId;
    quint32 m_chainId = 0;
    quint32 m_iteration = 0; //!< next iteration the chain key derives
    SecretBytes m_chainKey;
    QByteArray m_signPublic;
    std::vector<Skipped> m_skipped;
};

struct SenderKeyDecryption {
    SecretBytes plaintext;
    SenderKeyReceiver state;
};

//! The dist_id of a group message, to look up the receiver state (unauthenticated routing data).
Result<QByteArray> senderKeyMessageDistId(const QByteArray &message);

} // namespace tidings::crypto
