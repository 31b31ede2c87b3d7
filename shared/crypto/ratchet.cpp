#include "crypto/ratchet.h"

#include <QDateTime>

#include <algorithm>

namespace tidings::crypto {

namespace {

constexpr std::size_t kHeaderSize = kKeySize + 4 + 4;
constexpr std::size_t kPrefixSize = 1 + kHeaderSize; //!< version ‖ header: authenticated as AD
constexpr std::size_t kMinMessage = kPrefixSize + kNonceSize + kTagSize;
constexpr quint32 kStateMagic = 0x54525331; //!< "TRS1"
constexpr std::size_t kMaxAd = 4096;

BytesView infoOf(const char *s, std::size_t n) {
    return BytesView(s, n - 1);
}

SecretBytes messageCipherKey(const SecretBytes &mk) {
    return hkdfExpand(mk, infoOf(kMessageKeyInfo, sizeof kMessageKeyInfo), kKeySize);
}

} // namespace

ChainStep chainKdf(const SecretBytes &chainKey) {
    static const std::uint8_t one = 0x01, two = 0x02;
    return {hmacSha256(chainKey, BytesView(&one, 1)), hmacSha256(chainKey, BytesView(&two, 1))};
}

RootStep rootKdf(const SecretBytes &rootKey, const SecretBytes &dhOutput, BytesView info) {
    SecretBytes okm = hkdf(rootKey, dhOutput, info, 2 * kKeySize);
    if (okm.isEmpty())
        return {};
    return {SecretBytes::fromRaw(okm.data(), kKeySize),
            SecretBytes::fromRaw(okm.data() + kKeySize, kKeySize)};
}

Result<RatchetHeader> peekRatchetHeader(const QByteArray &message) {
    if (std::size_t(message.size()) < kMinMessage)
        return makeError(CryptoError::Malformed, QStringLiteral("ratchet message too short"));
    const std::uint8_t version = std::uint8_t(message.at(0));
    if (version != kRatchetVersion)
        return makeError(CryptoError::UnsupportedVersion,
                         QStringLiteral("ratchet message version %1").arg(version));
    ByteReader r(message.constData() + 1, kHeaderSize);
    RatchetHeader h;
    h.dh = r.getRaw(kKeySize);
    h.pn = r.getU32();
    h.n = r.getU32();
    if (!isCanonicalX25519Public(h.dh))
        return makeError(CryptoError::BadKey, QStringLiteral("non-canonical ratchet key"));
    return h;
}

Result<RatchetSession> RatchetSession::initInitiator(const SecretBytes &sharedKey,
                                                     const QByteArray &associatedData,
                                                     const QByteArray &responderRatchetKey) {
    if (sharedKey.size() != kKeySize)
        return makeError(CryptoError::BadKey, QStringLiteral("shared key size"));
    RatchetSession s;
    s.m_ad = associatedData;
    s.m_dhs = X25519KeyPair::generate();
    s.m_dhr = responderRatchetKey;
    auto dh = x25519(s.m_dhs.secretKey, s.m_dhr);
    if (!dh)
        return dh.error();
    RootStep step = rootKdf(sharedKey, *dh, infoOf(kRatchetInfo, sizeof kRatchetInfo));
    if (step.rootKey.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("root kdf"));
    s.m_rk = std::move(step.rootKey);
    s.m_cks = std::move(step.chainKey);
    return s;
}

Result<RatchetSession> RatchetSession::initResponder(const SecretBytes &sharedKey,
                                                     const QByteArray &associatedData,
                                                     const X25519KeyPair &signedPreKey) {
    if (sharedKey.size() != kKeySize || signedPreKey.secretKey.size() != kKeySize)
        return makeError(CryptoError::BadKey, QStringLiteral("responder key size"));
    RatchetSession s;
    s.m_ad = associatedData;
    s.m_dhs = signedPreKey.clone();
    s.m_rk = sharedKey.clone();
    return s;
}

Result<QByteArray> RatchetSession::encrypt(BytesView plaintext) {
    if (m_cks.isEmpty())
        return makeError(CryptoError::NoSession, QStringLiteral("no sending chain yet"));
    ChainStep step = chainKdf(m_cks);
    const SecretBytes key = messageCipherKey(step.messageKey);
    if (key.isEmpty() || step.nextChainKey.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("chain kdf"));
    QByteArray msg;
    msg.reserve(qsizetype(kMinMessage + plaintext.size));
    msg.append(char(kRatchetVersion));
    msg += m_dhs.publicKey;
    appendU32(msg, m_pn);
    appendU32(msg, m_ns);
    const QByteArray ad = m_ad + msg;
    const QByteArray sealed = aeadSeal(key, ad, plaintext);
    if (sealed.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("aead"));
    msg += sealed;
    // The message key is gone once this returns: the chain only moves forward.
    m_cks = std::move(step.nextChainKey);
    ++m_ns;
    return msg;
}

Result<SecretBytes> RatchetSession::openWith(const SecretBytes &mk,
                                             const QByteArray &message) const {
    const SecretBytes key = messageCipherKey(mk);
    if (key.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("message key"));
    const QByteArray ad = m_ad + message.left(qsizetype(kPrefixSize));
    return aeadOpenSecret(
        key, ad,
        BytesView(message.constData() + kPrefixSize, std::size_t(message.size()) - kPrefixSize));
}

Status RatchetSession::skipMessageKeys(quint32 until, qint64 now) {
    if (m_ckr.isEmpty())
        return {};
    if (until > m_nr && until - m_nr > kMaxSkip)
        return makeError(CryptoError::TooManySkipped,
                         QStringLiteral("jump of %1 keys").arg(until - m_nr));
    while (m_nr < until) {
        ChainStep step = chainKdf(m_ckr);
        m_skipped.push_back({m_dhr, m_nr, std::move(step.messageKey), now});
        m_ckr = std::move(step.nextChainKey);
        ++m_nr;
    }
    if (m_skipped.size() > std::size_t(kMaxStoredSkipped))
        m_skipped.erase(m_skipped.begin(),
                        m_skipped.begin() + qsizetype(m_skipped.size() - kMaxStoredSkipped));
    return {};
}

Status RatchetSession::dhRatchet(const QByteArray &remoteKey) {
    const BytesView info = infoOf(kRatchetInfo, sizeof kRatchetInfo);
    m_pn = m_ns;
    m_ns = 0;
    m_nr = 0;
    m_dhr = remoteKey;
    auto dh1 = x25519(m_dhs.secretKey, m_dhr);
    if (!dh1)
        return dh1.error();
    RootStep recv = rootKdf(m_rk, *dh1, info);
    // A fresh ratchet key per step gives post-compromise recovery: a stolen state stops working
    // once both sides have stepped with keys the thief never saw.
    m_dhs = X25519KeyPair::generate();
    auto dh2 = x25519(m_dhs.secretKey, m_dhr);
    if (!dh2)
        return dh2.error();
    RootStep send = rootKdf(recv.rootKey, *dh2, info);
    if (recv.chainKey.isEmpty() || send.rootKey.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("root kdf"));
    m_ckr = std::move(recv.chainKey);
    m_rk = std::move(send.rootKey);
    m_cks = std::move(send.chainKey);
    return {};
}

void RatchetSession::expireSkippedKeys(qint64 nowSecs) {
    std::erase_if(m_skipped, [nowSecs](const Skipped &s) {
        return nowSecs - s.storedAt > kSkippedKeyLifetimeSecs;
    });
}

Result<RatchetDecryption> RatchetSession::decryptOnCopy(const QByteArray &message,
                                                        qint64 nowSecs) const {
    auto header = peekRatchetHeader(message);
    if (!header)
        return header.error();
    RatchetSession s = clone();
    s.expireSkippedKeys(nowSecs);

    auto it = std::find_if(s.m_skipped.begin(), s.m_skipped.end(), [&](const Skipped &k) {
        return k.n == header->n && k.dh == header->dh;
    });
    if (it != s.m_skipped.end()) {
        auto pt = s.openWith(it->mk, message);
        if (!pt)
            return pt.error();
        s.m_skipped.erase(it); // deleted on use: a replay finds nothing
        return RatchetDecryption{std::move(*pt), std::move(s)};
    }

    if (header->dh != s.m_dhr) {
        if (Status st = s.skipMessageKeys(header->pn, nowSecs); !st)
            return st.error();
        if (Status st = s.dhRatchet(header->dh); !st)
            return st.error();
    } else if (header->n < s.m_nr) {
        return makeError(CryptoError::DuplicateMessage,
                         QStringLiteral("message %1 already received").arg(header->n));
    }
    if (Status st = s.skipMessageKeys(header->n, nowSecs); !st)
        return st.error();
    ChainStep step = chainKdf(s.m_ckr);
    if (step.messageKey.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("chain kdf"));
    s.m_ckr = std::move(step.nextChainKey);
    ++s.m_nr;
    auto pt = s.openWith(step.messageKey, message);
    if (!pt)
        return pt.error();
    return RatchetDecryption{std::move(*pt), std::move(s)};
}

Result<SecretBytes> RatchetSession::decrypt(const QByteArray &message, qint64 nowSecs) {
    auto r = decryptOnCopy(message, nowSecs);
    if (!r) {
        // Error names only: never keys, plaintext or ciphertext.
        qCDebug(lcCrypto) << "ratchet decrypt failed:" << r.error().detail;
        return r.error();
    }
    *this = std::move(r->state);
    return std::move(r->plaintext);
}

Result<SecretBytes> RatchetSession::decrypt(const QByteArray &message) {
    return decrypt(message, QDateTime::currentSecsSinceEpoch());
}

RatchetSession RatchetSession::clone() const {
    RatchetSession s;
    s.m_dhs = m_dhs.clone();
    s.m_dhr = m_dhr;
    s.m_rk = m_rk.clone();
    s.m_cks = m_cks.clone();
    s.m_ckr = m_ckr.clone();
    s.m_ns = m_ns;
    s.m_nr = m_nr;
    s.m_pn = m_pn;
    s.m_ad = m_ad;
    s.m_skipped.reserve(m_skipped.size());
    for (const Skipped &k : m_skipped)
        s.m_skipped.push_back({k.dh, k.n, k.mk.clone(), k.storedAt});
    return s;
}

// State blob: u32 magic ‖ lp(DHs pub) ‖ lp(DHs sec) ‖ lp(DHr) ‖ lp(RK) ‖ lp(CKs) ‖ lp(CKr) ‖
// u32 Ns ‖ u32 Nr ‖ u32 PN ‖ lp(AD) ‖ u32 count ‖ count × (DH 32 ‖ u32 N ‖ MK 32 ‖ u64 time).
SecretBytes RatchetSession::serialize() const {
    SecretWriter w;
    w.putU32(kStateMagic);
    w.putBlob(m_dhs.publicKey);
    w.putBlob(m_dhs.secretKey);
    w.putBlob(m_dhr);
    w.putBlob(m_rk);
    w.putBlob(m_cks);
    w.putBlob(m_ckr);
    w.putU32(m_ns);
    w.putU32(m_nr);
    w.putU32(m_pn);
    w.putBlob(m_ad);
    w.putU32(quint32(m_skipped.size()));
    for (const Skipped &k : m_skipped) {
        w.putRaw(k.dh);
        w.putU32(k.n);
        w.putRaw(k.mk);
        w.putU64(quint64(k.storedAt));
    }
    return w.take();
}

Result<RatchetSession> RatchetSession::deserialize(BytesView blob) {
    ByteReader r(blob.data, blob.size);
    if (r.getU32() != kStateMagic)
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("session state"));
    RatchetSession s;
    s.m_dhs.publicKey = r.getBlob(kKeySize);
    s.m_dhs.secretKey = r.getSecretBlob(kKeySize);
    s.m_dhr = r.getBlob(kKeySize);
    s.m_rk = r.getSecretBlob(kKeySize);
    s.m_cks = r.getSecretBlob(kKeySize);
    s.m_ckr = r.getSecretBlob(kKeySize);
    s.m_ns = r.getU32();
    s.m_nr = r.getU32();
    s.m_pn = r.getU32();
    s.m_ad = r.getBlob(kMaxAd);
    const quint32 count = r.getU32();
    const auto zeroOrKey = [](std::size_t n) { return n == 0 || n == kKeySize; };
    if (!r.ok() || count > quint32(kMaxStoredSkipped) || s.m_rk.size() != kKeySize ||
        !zeroOrKey(std::size_t(s.m_dhr.size())) || !zeroOrKey(s.m_cks.size()) ||
        !zeroOrKey(s.m_ckr.size()) || s.m_dhs.secretKey.size() != kKeySize ||
        s.m_dhs.publicKey.size() != qsizetype(kKeySize))
        return makeError(CryptoError::Malformed, QStringLiteral("session state"));
    for (quint32 i = 0; i < count && r.ok(); ++i) {
        Skipped k;
        k.dh = r.getRaw(kKeySize);
        k.n = r.getU32();
        k.mk = r.getSecret(kKeySize);
        k.storedAt = qint64(r.getU64());
        s.m_skipped.push_back(std::move(k));
    }
    if (!r.ok() || !r.atEnd())
        return makeError(CryptoError::Malformed, QStringLiteral("session state"));
    return s;
}

} // namespace tidings::crypto
