#include "crypto/x3dh.h"

#include <algorithm>

namespace tidings::crypto {

namespace {

constexpr char kBindingDomain[] = "TidingsBindingv1";
constexpr char kSpkDomain[] = "TidingsSPKv1";
constexpr std::uint8_t kPreKeyMessageVersion = 1;
constexpr std::size_t kMaxRatchetMessage = 1 << 20;

bool isKey(const QByteArray &k) {
    return std::size_t(k.size()) == kKeySize;
}

QByteArray bindingMessage(const DeviceIdentity &d, const QByteArray &aik) {
    QByteArray m(kBindingDomain);
    appendU64(m, d.userId);
    appendU64(m, d.deviceId);
    m += d.dik;
    m += aik;
    return m;
}

QByteArray spkMessage(quint32 id, const QByteArray &spk) {
    QByteArray m(kSpkDomain);
    appendU32(m, id);
    m += spk;
    return m;
}

void appendIdentity(QByteArray &out, const DeviceIdentity &d) {
    QByteArray id;
    appendU64(id, d.userId);
    appendBlob(out, id);
    id.clear();
    appendU64(id, d.deviceId);
    appendBlob(out, id);
    appendBlob(out, d.dsk);
    appendBlob(out, d.dik);
}

//! KDF over 32×0xFF ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4]. The 0xFF prefix (from X3DH §2.2) keeps the input
//! from ever being a valid X25519 output prefix-collision with another protocol's input.
Result<SecretBytes> deriveSecret(const SecretBytes *dh[], int count, BytesView info,
                                 std::size_t length) {
    SecretWriter ikm;
    std::uint8_t ff[32];
    std::fill(std::begin(ff), std::end(ff), 0xFF);
    ikm.putRaw(ff, sizeof ff);
    for (int i = 0; i < count; ++i)
        ikm.putRaw(*dh[i]);
    const SecretBytes input = ikm.take();
    SecretBytes sk = hkdf(BytesView(), input, info, length);
    if (sk.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("hkdf"));
    return sk;
}

} // namespace

DeviceKeys DeviceKeys::generate(quint64 userId, quint64 deviceId) {
    DeviceKeys d{userId, deviceId, Ed25519KeyPair::generate(), X25519KeyPair::generate()};
    // Long-lived: keep the pages read-only so a stray write faults instead of corrupting them.
    d.dsk.secretKey.makeReadOnly();
    d.dik.secretKey.makeReadOnly();
    return d;
}

SignedPreKey SignedPreKey::generate(const Ed25519KeyPair &dsk, quint32 id) {
    SignedPreKey spk;
    spk.id = id;
    spk.key = X25519KeyPair::generate();
    spk.signature = ed25519Sign(dsk.secretKey, spkMessage(id, spk.key.publicKey));
    return spk;
}

QByteArray signBinding(const DeviceKeys &device, const QByteArray &aikPublic) {
    return ed25519Sign(device.dsk.secretKey, bindingMessage(device.identity(), aikPublic));
}

bool verifyBinding(const DeviceIdentity &device, const QByteArray &aikPublic,
                   const QByteArray &signature) {
    return isKey(device.dik) && isKey(aikPublic) &&
           ed25519Verify(device.dsk, bindingMessage(device, aikPublic), signature);
}

bool verifySignedPreKey(const QByteArray &dskPublic, quint32 spkId, const QByteArray &spkPublic,
                        const QByteArray &signature) {
    return isKey(spkPublic) && ed25519Verify(dskPublic, spkMessage(spkId, spkPublic), signature);
}

Status verifyBundle(const PreKeyBundle &b, const QByteArray &aikPublic) {
    if (!isKey(b.identity.dsk) || !isKey(b.identity.dik) || !isKey(b.spk) ||
        (b.opkId.has_value() != !b.opk.isEmpty()) || (!b.opk.isEmpty() && !isKey(b.opk)))
        return makeError(CryptoError::Malformed, QStringLiteral("bundle key sizes"));
    if (!verifyBinding(b.identity, aikPublic, b.bindingSignature))
        return makeError(CryptoError::BadSignature, QStringLiteral("device binding"));
    if (!verifySignedPreKey(b.identity.dsk, b.spkId, b.spk, b.spkSignature))
        return makeError(CryptoError::BadSignature, QStringLiteral("signed prekey"));
    return {};
}

QByteArray associatedData(const DeviceIdentity &initiator, const DeviceIdentity &responder) {
    QByteArray ad(kAdPrefix);
    appendIdentity(ad, initiator);
    appendIdentity(ad, responder);
    return ad;
}

Result<SecretBytes>
x3dhSecretInitiator(const SecretBytes &ourIdentity, const SecretBytes &ourEphemeral,
                    const QByteArray &theirIdentity, const QByteArray &theirSignedPreKey,
                    const QByteArray &theirOneTimePreKey, BytesView info, std::size_t length) {
    auto dh1 = x25519(ourIdentity, theirSignedPreKey);
    auto dh2 = x25519(ourEphemeral, theirIdentity);
    auto dh3 = x25519(ourEphemeral, theirSignedPreKey);
    for (auto *r : {&dh1, &dh2, &dh3})
        if (!r->ok())
            return r->error();
    const SecretBytes *dh[4] = {&*dh1, &*dh2, &*dh3, nullptr};
    if (theirOneTimePreKey.isEmpty())
        return deriveSecret(dh, 3, info, length);
    auto dh4 = x25519(ourEphemeral, theirOneTimePreKey);
    if (!dh4)
        return dh4.error();
    dh[3] = &*dh4;
    return deriveSecret(dh, 4, info, length);
}

Result<SecretBytes>
x3dhSecretResponder(const SecretBytes &ourIdentity, const SecretBytes &ourSignedPreKey,
                    const SecretBytes *ourOneTimePreKey, const QByteArray &theirIdentity,
                    const QByteArray &theirEphemeral, BytesView info, std::size_t length) {
    auto dh1 = x25519(ourSignedPreKey, theirIdentity);
    auto dh2 = x25519(ourIdentity, theirEphemeral);
    auto dh3 = x25519(ourSignedPreKey, theirEphemeral);
    for (auto *r : {&dh1, &dh2, &dh3})
        if (!r->ok())
            return r->error();
    const SecretBytes *dh[4] = {&*dh1, &*dh2, &*dh3, nullptr};
    if (!ourOneTimePreKey)
        return deriveSecret(dh, 3, info, length);
    auto dh4 = x25519(*ourOneTimePreKey, theirEphemeral);
    if (!dh4)
        return dh4.error();
    dh[3] = &*dh4;
    return deriveSecret(dh, 4, info, length);
}

Result<X3dhInitiation> x3dhInitiate(const DeviceKeys &self, const PreKeyBundle &bundle,
                                    const QByteArray &responderAik,
                                    std::optional<X25519KeyPair> ephemeral) {
    if (Status s = verifyBundle(bundle, responderAik); !s)
        return s.error();
    X25519KeyPair ek = ephemeral ? std::move(*ephemeral) : X25519KeyPair::generate();
    auto sk = x3dhSecretInitiator(self.dik.secretKey, ek.secretKey, bundle.identity.dik, bundle.spk,
                                  bundle.opk, BytesView(kX3dhInfo, sizeof kX3dhInfo - 1), kKeySize);
    if (!sk)
        return sk.error();
    X3dhInitiation out;
    out.sharedKey = std::move(*sk);
    out.associatedData = associatedData(self.identity(), bundle.identity);
    out.ephemeralPublic = ek.publicKey;
    out.spkId = bundle.spkId;
    out.opkId = bundle.opkId;
    out.responderRatchetKey = bundle.spk;
    return out;
}

Result<X3dhResponse> x3dhRespond(const DeviceKeys &self, const SignedPreKey &spk,
                                 const OneTimePreKey *opk, const DeviceIdentity &initiator,
                                 const QByteArray &initiatorEphemeral) {
    if (!isKey(initiator.dsk) || !isCanonicalX25519Public(initiator.dik) ||
        !isCanonicalX25519Public(initiatorEphemeral))
        return makeError(CryptoError::BadKey, QStringLiteral("initiator keys"));
    auto sk = x3dhSecretResponder(
        self.dik.secretKey, spk.key.secretKey, opk ? &opk->key.secretKey : nullptr, initiator.dik,
        initiatorEphemeral, BytesView(kX3dhInfo, sizeof kX3dhInfo - 1), kKeySize);
    if (!sk)
        return sk.error();
    return X3dhResponse{std::move(*sk), associatedData(initiator, self.identity())};
}

QByteArray PreKeyMessage::encode() const {
    QByteArray out;
    out.append(char(kPreKeyMessageVersion));
    appendU64(out, initiator.userId);
    appendU64(out, initiator.deviceId);
    out += initiator.dsk;
    out += initiator.dik;
    appendU32(out, spkId);
    out.append(char(opkId ? 1 : 0));
    if (opkId)
        appendU32(out, *opkId);
    out += ephemeral;
    appendBlob(out, ratchetMessage);
    return out;
}

Result<PreKeyMessage> PreKeyMessage::decode(const QByteArray &bytes) {
    ByteReader r(bytes);
    const std::uint8_t version = r.getU8();
    if (r.ok() && version != kPreKeyMessageVersion)
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("prekey message"));
    PreKeyMessage m;
    m.initiator.userId = r.getU64();
    m.initiator.deviceId = r.getU64();
    m.initiator.dsk = r.getRaw(kKeySize);
    m.initiator.dik = r.getRaw(kKeySize);
    m.spkId = r.getU32();
    const std::uint8_t hasOpk = r.getU8();
    if (hasOpk > 1)
        return makeError(CryptoError::Malformed, QStringLiteral("prekey message flag"));
    if (hasOpk)
        m.opkId = r.getU32();
    m.ephemeral = r.getRaw(kKeySize);
    m.ratchetMessage = r.getBlob(kMaxRatchetMessage);
    if (!r.ok() || !r.atEnd())
        return makeError(CryptoError::Malformed, QStringLiteral("prekey message"));
    if (!isCanonicalX25519Public(m.ephemeral) || !isCanonicalX25519Public(m.initiator.dik))
        return makeError(CryptoError::BadKey, QStringLiteral("non-canonical X25519 key"));
    return m;
}

bool X3dhReplayCache::contains(quint32 spkId, const QByteArray &ephemeral) const {
    auto it = m_seen.constFind(spkId);
    return it != m_seen.constEnd() && it->contains(ephemeral);
}

Status X3dhReplayCache::insert(quint32 spkId, const QByteArray &ephemeral) {
    QSet<QByteArray> &set = m_seen[spkId];
    if (set.contains(ephemeral))
        return makeError(CryptoError::Replay, QStringLiteral("first message seen before"));
    set.insert(ephemeral);
    return {};
}

QByteArray X3dhReplayCache::encode() const {
    QByteArray out;
    QList<quint32> ids = m_seen.keys();
    std::sort(ids.begin(), ids.end());
    appendU32(out, quint32(ids.size()));
    for (quint32 id : ids) {
        QList<QByteArray> eks = m_seen.value(id).values();
        std::sort(eks.begin(), eks.end());
        appendU32(out, id);
        appendU32(out, quint32(eks.size()));
        for (const QByteArray &ek : eks)
            out += ek;
    }
    return out;
}

Result<X3dhReplayCache> X3dhReplayCache::decode(const QByteArray &bytes) {
    X3dhReplayCache c;
    ByteReader r(bytes);
    const quint32 n = r.getU32();
    for (quint32 i = 0; r.ok() && i < n; ++i) {
        const quint32 id = r.getU32();
        const quint32 count = r.getU32();
        if (count > r.remaining() / kKeySize)
            return makeError(CryptoError::Malformed, QStringLiteral("replay cache"));
        QSet<QByteArray> &set = c.m_seen[id];
        for (quint32 k = 0; r.ok() && k < count; ++k)
            set.insert(r.getRaw(kKeySize));
    }
    if (!r.ok() || !r.atEnd())
        return makeError(CryptoError::Malformed, QStringLiteral("replay cache"));
    return c;
}

} // namespace tidings::crypto
