#pragma once
// Session setup on top of X3DH + Double Ratchet: what a client does for a first message in each
// direction, with the prekey bookkeeping of design section 1–2 (OPK used once and deleted, SPK
// rotated weekly and its private key deleted 30 days after rotation, replay cache of (SPK id, EK)).
// Everything here is pure: the caller persists PreKeyStore::serialize() and the session state
// in one transaction with the decrypted message.
#include "crypto/ratchet.h"
#include "crypto/x3dh.h"

#include <QList>
#include <map>

namespace tidings::crypto {

struct InboundSession;

class PreKeyStore {
public:
    static constexpr qint64 kSpkRotationSecs = 7LL * 24 * 3600;
    static constexpr qint64 kSpkRetentionSecs = 30LL * 24 * 3600;
    static constexpr int kOpkUploadCount = 100;
    static constexpr int kOpkRefillBelow = 20;

    PreKeyStore() = default;
    PreKeyStore(PreKeyStore &&) = default;
    PreKeyStore &operator=(PreKeyStore &&) = default;
    PreKeyStore clone() const;

    //! Creates a new current SPK; the previous one is kept for late first messages.
    const SignedPreKey &rotateSignedPreKey(const Ed25519KeyPair &dsk, qint64 nowSecs);
    bool needsRotation(qint64 nowSecs) const;
    //! Deletes private SPKs retired more than kSpkRetentionSecs ago (and their replay entries).
    void expire(qint64 nowSecs);
    const SignedPreKey *currentSignedPreKey() const;
    const SignedPreKey *signedPreKey(quint32 id) const;

    //! Generates `count` OPKs; returns their public halves for upload.
    QList<std::pair<quint32, QByteArray>> generateOneTimePreKeys(int count);
    const OneTimePreKey *oneTimePreKey(quint32 id) const;
    int oneTimePreKeyCount() const { return int(m_opks.size()); }

    X3dhReplayCache &replayCache() { return m_replay; }

    //! The bundle to upload (without an OPK: the server attaches one per fetch).
    PreKeyBundle publicBundle(const DeviceKeys &device, const QByteArray &aikPublic) const;

    SecretBytes serialize() const;
    static Result<PreKeyStore> deserialize(BytesView blob);

private:
    friend Result<InboundSession> acceptPreKeyMessage(const DeviceKeys &, PreKeyStore &,
                                                      const QByteArray &, qint64);
    struct Spk {
        SignedPreKey key;
        qint64 createdAt = 0;
        qint64 retiredAt = 0; //!< 0 while current
    };
    std::vector<Spk> m_spks;                 //!< last one is current
    std::map<quint32, OneTimePreKey> m_opks; //!< std::map: QMap needs copyable values
    quint32 m_nextSpkId = 1;
    quint32 m_nextOpkId = 1;
    X3dhReplayCache m_replay;
};

struct OutboundSession {
    RatchetSession session;
    QByteArray preKeyMessage; //!< encoded PreKeyMessage carrying the first ciphertext
};

//! Verifies the bundle (signatures, AIK binding), runs X3DH and encrypts the first message.
//! The caller must have checked bundle.identity against the verified device list.
Result<OutboundSession> startSession(const DeviceKeys &self, const PreKeyBundle &bundle,
                                     const QByteArray &responderAik, BytesView firstPlaintext);

struct InboundSession {
    RatchetSession session;
    SecretBytes plaintext;
    DeviceIdentity initiator; //!< check against the sender's verified device list
};

//! Responder side of a first message. On success the OPK is deleted from `store` and (SPK id,
//! EK) enters its replay cache; on any failure `store` is unchanged.
Result<InboundSession> acceptPreKeyMessage(const DeviceKeys &self, PreKeyStore &store,
                                           const QByteArray &preKeyMessage, qint64 nowSecs);

} // namespace tidings::crypto
