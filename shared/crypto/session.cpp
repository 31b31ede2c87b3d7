#include "crypto/session.h"

namespace tidings::crypto {

namespace {
constexpr quint32 kStoreMagic = 0x54504B31; //!< "TPK1"
constexpr quint32 kMaxStoredKeys = 10000;
} // namespace

PreKeyStore PreKeyStore::clone() const {
    PreKeyStore s;
    for (const Spk &k : m_spks)
        s.m_spks.push_back(
            {{k.key.id, k.key.key.clone(), k.key.signature}, k.createdAt, k.retiredAt});
    for (const auto &[id, opk] : m_opks)
        s.m_opks.emplace(id, OneTimePreKey{opk.id, opk.key.clone()});
    s.m_nextSpkId = m_nextSpkId;
    s.m_nextOpkId = m_nextOpkId;
    s.m_replay = m_replay;
    return s;
}

const SignedPreKey &PreKeyStore::rotateSignedPreKey(const Ed25519KeyPair &dsk, qint64 nowSecs) {
    if (!m_spks.empty())
        m_spks.back().retiredAt = nowSecs;
    m_spks.push_back({SignedPreKey::generate(dsk, m_nextSpkId++), nowSecs, 0});
    return m_spks.back().key;
}

bool PreKeyStore::needsRotation(qint64 nowSecs) const {
    return m_spks.empty() || nowSecs - m_spks.back().createdAt >= kSpkRotationSecs;
}

void PreKeyStore::expire(qint64 nowSecs) {
    std::erase_if(m_spks, [&](const Spk &k) {
        const bool gone = k.retiredAt != 0 && nowSecs - k.retiredAt > kSpkRetentionSecs;
        if (gone)
            m_replay.forgetSignedPreKey(k.key.id); // a first message for it fails anyway now
        return gone;
    });
}

const SignedPreKey *PreKeyStore::currentSignedPreKey() const {
    return m_spks.empty() ? nullptr : &m_spks.back().key;
}

const SignedPreKey *PreKeyStore::signedPreKey(quint32 id) const {
    for (const Spk &k : m_spks)
        if (k.key.id == id)
            return &k.key;
    return nullptr;
}

QList<std::pair<quint32, QByteArray>> PreKeyStore::generateOneTimePreKeys(int count) {
    QList<std::pair<quint32, QByteArray>> out;
    for (int i = 0; i < count; ++i) {
        const quint32 id = m_nextOpkId++;
        OneTimePreKey opk{id, X25519KeyPair::generate()};
        out.append({id, opk.key.publicKey});
        m_opks.emplace(id, std::move(opk));
    }
    return out;
}

const OneTimePreKey *PreKeyStore::oneTimePreKey(quint32 id) const {
    auto it = m_opks.find(id);
    return it == m_opks.end() ? nullptr : &it->second;
}

PreKeyBundle PreKeyStore::publicBundle(const DeviceKeys &device,
                                       const QByteArray &aikPublic) const {
    PreKeyBundle b;
    b.identity = device.identity();
    b.bindingSignature = signBinding(device, aikPublic);
    if (const SignedPreKey *spk = currentSignedPreKey()) {
        b.spkId = spk->id;
        b.spk = spk->key.publicKey;
        b.spkSignature = spk->signature;
    }
    return b;
}

// Blob: u32 magic ‖ u32 nextSpk ‖ u32 nextOpk ‖ u32 nSpk ‖ nSpk × (u32 id ‖ SPK pub ‖ SPK sec ‖
// sig 64 ‖ u64 created ‖ u64 retired) ‖ u32 nOpk ‖ nOpk × (u32 id ‖ pub ‖ sec) ‖ lp(replay cache).
SecretBytes PreKeyStore::serialize() const {
    SecretWriter w;
    w.putU32(kStoreMagic);
    w.putU32(m_nextSpkId);
    w.putU32(m_nextOpkId);
    w.putU32(quint32(m_spks.size()));
    for (const Spk &k : m_spks) {
        w.putU32(k.key.id);
        w.putRaw(k.key.key.publicKey);
        w.putRaw(k.key.key.secretKey);
        w.putRaw(k.key.signature);
        w.putU64(quint64(k.createdAt));
        w.putU64(quint64(k.retiredAt));
    }
    w.putU32(quint32(m_opks.size()));
    for (const auto &[id, k] : m_opks) {
        w.putU32(k.id);
        w.putRaw(k.key.publicKey);
        w.putRaw(k.key.secretKey);
    }
    w.putBlob(m_replay.encode());
    return w.take();
}

Result<PreKeyStore> PreKeyStore::deserialize(BytesView blob) {
    ByteReader r(blob.data, blob.size);
    if (r.getU32() != kStoreMagic)
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("prekey store"));
    PreKeyStore s;
    s.m_nextSpkId = r.getU32();
    s.m_nextOpkId = r.getU32();
    const quint32 nSpk = r.getU32();
    for (quint32 i = 0; r.ok() && i < nSpk && i < kMaxStoredKeys; ++i) {
        Spk k;
        k.key.id = r.getU32();
        k.key.key.publicKey = r.getRaw(kKeySize);
        k.key.key.secretKey = r.getSecret(kKeySize);
        k.key.signature = r.getRaw(kSignatureSize);
        k.createdAt = qint64(r.getU64());
        k.retiredAt = qint64(r.getU64());
        s.m_spks.push_back(std::move(k));
    }
    const quint32 nOpk = r.getU32();
    for (quint32 i = 0; r.ok() && i < nOpk && i < kMaxStoredKeys; ++i) {
        OneTimePreKey k;
        k.id = r.getU32();
        k.key.publicKey = r.getRaw(kKeySize);
        k.key.secretKey = r.getSecret(kKeySize);
        const quint32 id = k.id;
        s.m_opks.emplace(id, std::move(k));
    }
    const QByteArray replay = r.getBlob(std::size_t(1) << 26);
    if (!r.ok() || !r.atEnd() || nSpk > kMaxStoredKeys || nOpk > kMaxStoredKeys)
        return makeError(CryptoError::Malformed, QStringLiteral("prekey store"));
    auto cache = X3dhReplayCache::decode(replay);
    if (!cache)
        return cache.error();
    s.m_replay = std::move(*cache);
    return s;
}

Result<OutboundSession> startSession(const DeviceKeys &self, const PreKeyBundle &bundle,
                                     const QByteArray &responderAik, BytesView firstPlaintext) {
    auto x3dh = x3dhInitiate(self, bundle, responderAik);
    if (!x3dh)
        return x3dh.error();
    auto session = RatchetSession::initInitiator(x3dh->sharedKey, x3dh->associatedData,
                                                 x3dh->responderRatchetKey);
    if (!session)
        return session.error();
    auto first = session->encrypt(firstPlaintext);
    if (!first)
        return first.error();
    PreKeyMessage m;
    m.initiator = self.identity();
    m.spkId = x3dh->spkId;
    m.opkId = x3dh->opkId;
    m.ephemeral = x3dh->ephemeralPublic;
    m.ratchetMessage = *first;
    return OutboundSession{std::move(*session), m.encode()};
}

Result<InboundSession> acceptPreKeyMessage(const DeviceKeys &self, PreKeyStore &store,
                                           const QByteArray &preKeyMessage, qint64 nowSecs) {
    auto msg = PreKeyMessage::decode(preKeyMessage);
    if (!msg)
        return msg.error();
    if (store.m_replay.contains(msg->spkId, msg->ephemeral))
        return makeError(CryptoError::Replay, QStringLiteral("first message seen before"));
    const SignedPreKey *spk = store.signedPreKey(msg->spkId);
    if (!spk)
        return makeError(CryptoError::MissingPreKey,
                         QStringLiteral("signed prekey %1").arg(msg->spkId));
    const OneTimePreKey *opk = nullptr;
    if (msg->opkId) {
        opk = store.oneTimePreKey(*msg->opkId);
        // Used or never issued: with it gone, a replayed first message cannot be accepted.
        if (!opk)
            return makeError(CryptoError::MissingPreKey,
                             QStringLiteral("one-time prekey %1").arg(*msg->opkId));
    }
    auto x3dh = x3dhRespond(self, *spk, opk, msg->initiator, msg->ephemeral);
    if (!x3dh)
        return x3dh.error();
    auto session = RatchetSession::initResponder(x3dh->sharedKey, x3dh->associatedData, spk->key);
    if (!session)
        return session.error();
    auto pt = session->decrypt(msg->ratchetMessage, nowSecs);
    if (!pt)
        return pt.error(); // nothing consumed: a forged first message cannot burn an OPK
    if (msg->opkId)
        store.m_opks.erase(*msg->opkId);
    if (Status s = store.m_replay.insert(msg->spkId, msg->ephemeral); !s)
        return s.error();
    return InboundSession{std::move(*session), std::move(*pt), msg->initiator};
}

} // namespace tidings::crypto
