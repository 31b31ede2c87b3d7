#include "crypto/sender_keys.h"

#include "crypto/ratchet.h"

#include <algorithm>

namespace tidings::crypto {

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr char kSenderKeySigDomain[] = "TidingsSenderKeySigv1";
constexpr std::size_t kHeaderSize = 1 + kDistIdSize + 4 + 4;
constexpr std::size_t kMinMessage = kHeaderSize + kNonceSize + kTagSize + kSignatureSize;
constexpr std::size_t kMaxGroupId = 256;
constexpr quint32 kSenderMagic = 0x54534B53;   //!< "TSKS"
constexpr quint32 kReceiverMagic = 0x54534B52; //!< "TSKR"

BytesView info() {
    return BytesView(kSenderKeyInfo, sizeof kSenderKeyInfo - 1);
}

QByteArray aeadAd(const QByteArray &groupId, BytesView header) {
    QByteArray ad(kSenderKeyInfo);
    appendBlob(ad, groupId);
    ad.append(reinterpret_cast<const char *>(header.data), qsizetype(header.size));
    return ad;
}

QByteArray signedPart(const QByteArray &groupId, BytesView body) {
    QByteArray m(kSenderKeySigDomain);
    appendBlob(m, groupId);
    m.append(reinterpret_cast<const char *>(body.data), qsizetype(body.size));
    return m;
}

} // namespace

SecretBytes SenderKeyDistribution::serialize() const {
    SecretWriter w;
    w.putU8(kVersion);
    w.putBlob(groupId);
    w.putRaw(distId);
    w.putU32(chainId);
    w.putU32(iteration);
    w.putRaw(chainKey);
    w.putRaw(signPublic);
    return w.take();
}

Result<SenderKeyDistribution> SenderKeyDistribution::parse(BytesView bytes) {
    ByteReader r(bytes.data, bytes.size);
    if (r.getU8() != kVersion)
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("distribution"));
    SenderKeyDistribution d;
    d.groupId = r.getBlob(kMaxGroupId);
    d.distId = r.getRaw(kDistIdSize);
    d.chainId = r.getU32();
    d.iteration = r.getU32();
    d.chainKey = r.getSecret(kKeySize);
    d.signPublic = r.getRaw(kKeySize);
    if (!r.ok() || !r.atEnd())
        return makeError(CryptoError::Malformed, QStringLiteral("distribution"));
    return d;
}

SenderKeySender SenderKeySender::create(const QByteArray &groupId) {
    SenderKeySender s;
    s.m_groupId = groupId;
    s.rotate();
    return s;
}

void SenderKeySender::rotate() {
    m_distId = randomPublicBytes(kDistIdSize);
    const QByteArray id = randomPublicBytes(4);
    m_chainId = ByteReader(id).getU32();
    m_iteration = 0;
    m_chainKey = SecretBytes::random(kKeySize);
    m_sign = Ed25519KeyPair::generate();
}

SenderKeyDistribution SenderKeySender::distribution() const {
    return {m_groupId, m_distId, m_chainId, m_iteration, m_chainKey.clone(), m_sign.publicKey};
}

Result<QByteArray> SenderKeySender::encrypt(BytesView plaintext) {
    if (m_chainKey.isEmpty())
        return makeError(CryptoError::NoSession, QStringLiteral("no sender key"));
    if (m_iteration == 0xFFFFFFFFu)
        return makeError(CryptoError::TooManySkipped, QStringLiteral("chain exhausted: rotate"));
    ChainStep step = chainKdf(m_chainKey);
    const SecretBytes key = hkdfExpand(step.messageKey, info(), kKeySize);
    if (key.isEmpty() || step.nextChainKey.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("chain kdf"));
    QByteArray msg;
    msg.append(char(kVersion));
    msg += m_distId;
    appendU32(msg, m_chainId);
    appendU32(msg, m_iteration);
    const QByteArray sealed = aeadSeal(key, aeadAd(m_groupId, msg), plaintext);
    if (sealed.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("aead"));
    msg += sealed;
    const QByteArray sig = ed25519Sign(m_sign.secretKey, signedPart(m_groupId, msg));
    if (sig.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("sign"));
    msg += sig;
    m_chainKey = std::move(step.nextChainKey);
    ++m_iteration;
    return msg;
}

SecretBytes SenderKeySender::serialize() const {
    SecretWriter w;
    w.putU32(kSenderMagic);
    w.putBlob(m_groupId);
    w.putRaw(m_distId);
    w.putU32(m_chainId);
    w.putU32(m_iteration);
    w.putRaw(m_chainKey);
    w.putRaw(m_sign.publicKey);
    w.putRaw(m_sign.secretKey);
    return w.take();
}

Result<SenderKeySender> SenderKeySender::deserialize(BytesView blob) {
    ByteReader r(blob.data, blob.size);
    if (r.getU32() != kSenderMagic)
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("sender key state"));
    SenderKeySender s;
    s.m_groupId = r.getBlob(kMaxGroupId);
    s.m_distId = r.getRaw(kDistIdSize);
    s.m_chainId = r.getU32();
    s.m_iteration = r.getU32();
    s.m_chainKey = r.getSecret(kKeySize);
    s.m_sign.publicKey = r.getRaw(kKeySize);
    s.m_sign.secretKey = r.getSecret(kSignSecretSize);
    if (!r.ok() || !r.atEnd())
        return makeError(CryptoError::Malformed, QStringLiteral("sender key state"));
    return s;
}

Result<SenderKeyReceiver> SenderKeyReceiver::fromDistribution(const SenderKeyDistribution &d) {
    if (std::size_t(d.distId.size()) != kDistIdSize || d.chainKey.size() != kKeySize ||
        std::size_t(d.signPublic.size()) != kKeySize)
        return makeError(CryptoError::Malformed, QStringLiteral("distribution"));
    SenderKeyReceiver r;
    r.m_groupId = d.groupId;
    r.m_distId = d.distId;
    r.m_chainId = d.chainId;
    r.m_iteration = d.iteration;
    r.m_chainKey = d.chainKey.clone();
    r.m_signPublic = d.signPublic;
    return r;
}

SenderKeyReceiver SenderKeyReceiver::clone() const {
    SenderKeyReceiver r;
    r.m_groupId = m_groupId;
    r.m_distId = m_distId;
    r.m_chainId = m_chainId;
    r.m_iteration = m_iteration;
    r.m_chainKey = m_chainKey.clone();
    r.m_signPublic = m_signPublic;
    for (const Skipped &k : m_skipped)
        r.m_skipped.push_back({k.iteration, k.mk.clone(), k.storedAt});
    return r;
}

Result<QByteArray> senderKeyMessageDistId(const QByteArray &message) {
    if (std::size_t(message.size()) < kMinMessage)
        return makeError(CryptoError::Malformed, QStringLiteral("group message too short"));
    if (std::uint8_t(message.at(0)) != kVersion)
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("group message"));
    return message.mid(1, kDistIdSize);
}

Result<SenderKeyDecryption> SenderKeyReceiver::decryptOnCopy(const QByteArray &message,
                                                             qint64 nowSecs) const {
    auto distId = senderKeyMessageDistId(message);
    if (!distId)
        return distId.error();
    if (*distId != m_distId)
        return makeError(CryptoError::NoSession, QStringLiteral("unknown dist_id"));
    const std::size_t bodySize = std::size_t(message.size()) - kSignatureSize;
    const BytesView body(message.constData(), bodySize);
    // Before any key is derived or any byte decrypted: only the holder of this sender's
    // signing key could have produced this message.
    if (!ed25519Verify(m_signPublic, signedPart(m_groupId, body), message.right(kSignatureSize)))
        return makeError(CryptoError::BadSignature, QStringLiteral("group message"));
    ByteReader hr(message.constData() + 1 + kDistIdSize, 8);
    const quint32 chainId = hr.getU32();
    const quint32 iteration = hr.getU32();
    if (chainId != m_chainId)
        return makeError(CryptoError::NoSession, QStringLiteral("chain id"));

    SenderKeyReceiver s = clone();
    std::erase_if(s.m_skipped, [nowSecs](const Skipped &k) {
        return nowSecs - k.storedAt > kSkippedKeyLifetimeSecs;
    });
    SecretBytes mk;
    auto it = std::find_if(s.m_skipped.begin(), s.m_skipped.end(),
                           [&](const Skipped &k) { return k.iteration == iteration; });
    if (it != s.m_skipped.end()) {
        mk = std::move(it->mk);
        s.m_skipped.erase(it);
    } else if (iteration < s.m_iteration) {
        // Used already, or earlier than the distribution this device got (a new member).
        return makeError(CryptoError::DuplicateMessage,
                         QStringLiteral("iteration %1 not available").arg(iteration));
    } else {
        if (iteration - s.m_iteration > kMaxSkip)
            return makeError(CryptoError::TooManySkipped,
                             QStringLiteral("jump of %1").arg(iteration - s.m_iteration));
        while (s.m_iteration < iteration) {
            ChainStep step = chainKdf(s.m_chainKey);
            s.m_skipped.push_back({s.m_iteration, std::move(step.messageKey), nowSecs});
            s.m_chainKey = std::move(step.nextChainKey);
            ++s.m_iteration;
        }
        ChainStep step = chainKdf(s.m_chainKey);
        mk = std::move(step.messageKey);
        s.m_chainKey = std::move(step.nextChainKey);
        ++s.m_iteration;
        if (s.m_skipped.size() > std::size_t(kMaxStoredSkipped))
            s.m_skipped.erase(s.m_skipped.begin(),
                              s.m_skipped.begin() +
                                  qsizetype(s.m_skipped.size() - kMaxStoredSkipped));
    }
    const SecretBytes key = hkdfExpand(mk, info(), kKeySize);
    if (key.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("message key"));
    auto pt = aeadOpenSecret(key, aeadAd(m_groupId, BytesView(message.constData(), kHeaderSize)),
                             BytesView(message.constData() + kHeaderSize, bodySize - kHeaderSize));
    if (!pt)
        return pt.error();
    return SenderKeyDecryption{std::move(*pt), std::move(s)};
}

Result<SecretBytes> SenderKeyReceiver::decrypt(const QByteArray &message, qint64 nowSecs) {
    auto r = decryptOnCopy(message, nowSecs);
    if (!r) {
        qCDebug(lcCrypto) << "sender key decrypt failed:" << r.error().detail;
        return r.error();
    }
    *this = std::move(r->state);
    return std::move(r->plaintext);
}

SecretBytes SenderKeyReceiver::serialize() const {
    SecretWriter w;
    w.putU32(kReceiverMagic);
    w.putBlob(m_groupId);
    w.putRaw(m_distId);
    w.putU32(m_chainId);
    w.putU32(m_iteration);
    w.putRaw(m_chainKey);
    w.putRaw(m_signPublic);
    w.putU32(quint32(m_skipped.size()));
    for (const Skipped &k : m_skipped) {
        w.putU32(k.iteration);
        w.putRaw(k.mk);
        w.putU64(quint64(k.storedAt));
    }
    return w.take();
}

Result<SenderKeyReceiver> SenderKeyReceiver::deserialize(BytesView blob) {
    ByteReader r(blob.data, blob.size);
    if (r.getU32() != kReceiverMagic)
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("sender key receiver"));
    SenderKeyReceiver s;
    s.m_groupId = r.getBlob(kMaxGroupId);
    s.m_distId = r.getRaw(kDistIdSize);
    s.m_chainId = r.getU32();
    s.m_iteration = r.getU32();
    s.m_chainKey = r.getSecret(kKeySize);
    s.m_signPublic = r.getRaw(kKeySize);
    const quint32 count = r.getU32();
    if (count > quint32(kMaxStoredSkipped))
        return makeError(CryptoError::Malformed, QStringLiteral("sender key receiver"));
    for (quint32 i = 0; i < count && r.ok(); ++i) {
        Skipped k;
        k.iteration = r.getU32();
        k.mk = r.getSecret(kKeySize);
        k.storedAt = qint64(r.getU64());
        s.m_skipped.push_back(std::move(k));
    }
    if (!r.ok() || !r.atEnd())
        return makeError(CryptoError::Malformed, QStringLiteral("sender key receiver"));
    return s;
}

} // namespace tidings::crypto
