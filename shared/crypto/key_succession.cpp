#include "crypto/key_succession.h"

#include "crypto/device_list.h"

namespace tidings::crypto {

namespace {
constexpr char kSuccessionMagic[] = "TKS";
constexpr std::uint8_t kSuccessionFormat = 1;
constexpr char kSuccessionSigDomain[] = "TidingsKeySuccessionv1";
constexpr char kHandoffDomain[] = "TidingsAikHandoffv1";
constexpr std::uint8_t kHandoffVersion = 1;
// The fixed part of a body: magic, format, authority, user, two keys, last version, issued at.
constexpr std::size_t kFixedSuccessionBody = 3 + 1 + 1 + 8 + kKeySize + kKeySize + 8 + 8;
constexpr std::size_t kMaxSuccessionBody =
    std::size_t(KeySuccession::kMaxBlob) - 4 - 2 * kSignatureSize;
// What a handoff seals: u64 user ‖ u64 device ‖ seed.
constexpr std::size_t kHandoffPlain = 8 + 8 + kKeySize;
constexpr std::size_t kHandoffSize = 1 + kKeySize + kNonceSize + kHandoffPlain + kTagSize;

Error successionMalformed(const QString &why) {
    return makeError(CryptoError::Malformed, why);
}

QByteArray encodeSuccessionBody(const KeySuccession &s) {
    QByteArray out(kSuccessionMagic);
    out.append(char(kSuccessionFormat));
    out.append(char(s.authority));
    appendU64(out, s.userId);
    out += s.oldKey;
    out += s.newKey;
    appendU64(out, s.lastVersion);
    appendU64(out, quint64(s.issuedAtMs));
    if (s.authority == SuccessionAuthority::RecoveryKey)
        appendBlob(out, s.embeddedList);
    return out;
}

QByteArray signedMessage(const QByteArray &body) {
    return QByteArray(kSuccessionSigDomain) + body;
}

//! Shared by both authorities: the two signatures over one body, then a check that the result
//! verifies (a statement nobody would accept is a caller's error, reported as an empty blob).
QByteArray signBoth(const KeySuccession &s, const Ed25519KeyPair &authority,
                    const Ed25519KeyPair &newAik) {
    if (std::size_t(s.oldKey.size()) != kKeySize || newAik.publicKey != s.newKey ||
        s.oldKey == s.newKey)
        return {};
    const QByteArray body = encodeSuccessionBody(s);
    if (std::size_t(body.size()) > kMaxSuccessionBody)
        return {};
    const QByteArray authoritySig = ed25519Sign(authority.secretKey, signedMessage(body));
    const QByteArray newSig = ed25519Sign(newAik.secretKey, signedMessage(body));
    if (authoritySig.isEmpty() || newSig.isEmpty())
        return {};
    QByteArray blob;
    appendBlob(blob, body);
    blob += authoritySig;
    blob += newSig;
    if (!verifySuccession(blob, s.userId))
        return {};
    return blob;
}

//! The body without its signatures; every length is checked before it is read.
Result<KeySuccession> decodeSuccessionBody(const QByteArray &body) {
    if (std::size_t(body.size()) < kFixedSuccessionBody)
        return successionMalformed(QStringLiteral("key succession too short"));
    ByteReader r(body);
    const QByteArray magic = r.getRaw(3);
    const std::uint8_t format = r.getU8();
    if (magic != QByteArray(kSuccessionMagic) || format != kSuccessionFormat)
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("key succession"));
    KeySuccession s;
    const std::uint8_t authority = r.getU8();
    if (authority != std::uint8_t(SuccessionAuthority::PreviousKey) &&
        authority != std::uint8_t(SuccessionAuthority::RecoveryKey))
        return successionMalformed(
            QStringLiteral("unknown succession authority %1").arg(authority));
    s.authority = SuccessionAuthority(authority);
    s.userId = r.getU64();
    s.oldKey = r.getRaw(kKeySize);
    s.newKey = r.getRaw(kKeySize);
    s.lastVersion = r.getU64();
    s.issuedAtMs = qint64(r.getU64());
    if (s.authority == SuccessionAuthority::RecoveryKey) {
        s.embeddedList = r.getBlob(kMaxSuccessionBody);
        if (r.ok() && s.embeddedList.isEmpty())
            return successionMalformed(QStringLiteral("recovery succession without a device list"));
    }
    if (!r.ok() || !r.atEnd())
        return successionMalformed(QStringLiteral("key succession"));
    // A key succeeding itself proves nothing and would let one signature stand for two.
    if (s.oldKey == s.newKey)
        return successionMalformed(QStringLiteral("key succession to the same key"));
    return s;
}

SecretBytes handoffKey(const SecretBytes &dh, const QByteArray &newAikPublic) {
    return hkdf(QByteArray(kHandoffDomain), dh, QByteArray(kHandoffDomain) + newAikPublic,
                kKeySize);
}

QByteArray handoffAd(quint64 user, quint64 device, const QByteArray &epk,
                     const QByteArray &statementBlob) {
    QByteArray ad(kHandoffDomain);
    appendU64(ad, user);
    appendU64(ad, device);
    ad += epk;
    // The statement's hash ties the seed to the chain link that names its public key.
    ad += sha256(statementBlob);
    return ad;
}
} // namespace

QByteArray signSuccession(const KeySuccession &s, const Ed25519KeyPair &oldAik,
                          const Ed25519KeyPair &newAik) {
    if (s.authority != SuccessionAuthority::PreviousKey || !s.embeddedList.isEmpty() ||
        oldAik.publicKey != s.oldKey)
        return {};
    return signBoth(s, oldAik, newAik);
}

QByteArray signRecoverySuccession(const KeySuccession &s, const Ed25519KeyPair &rsk,
                                  const Ed25519KeyPair &newAik) {
    if (s.authority != SuccessionAuthority::RecoveryKey || s.embeddedList.isEmpty())
        return {};
    // signBoth's self-check covers the rest: the list under oldKey, its RSK, its version.
    return signBoth(s, rsk, newAik);
}

Result<KeySuccession> verifySuccession(const QByteArray &blob, quint64 expectedUserId) {
    if (blob.size() > KeySuccession::kMaxBlob)
        return successionMalformed(QStringLiteral("key succession too large"));
    ByteReader r(blob);
    const QByteArray body = r.getBlob(kMaxSuccessionBody);
    const QByteArray authoritySig = r.getRaw(kSignatureSize);
    const QByteArray newSig = r.getRaw(kSignatureSize);
    if (!r.ok() || !r.atEnd())
        return successionMalformed(QStringLiteral("signed key succession"));
    auto s = decodeSuccessionBody(body);
    if (!s)
        return s.error();
    const QByteArray message = signedMessage(body);

    // Who may hand the key on: the old key itself, or the recovery key its current list names.
    QByteArray authorityKey = s->oldKey;
    if (s->authority == SuccessionAuthority::RecoveryKey) {
        auto list = verifyDeviceList(s->embeddedList, s->oldKey, s->userId, 0);
        if (!list)
            return list.error();
        if (list->recoveryKey.isEmpty())
            return successionMalformed(
                QStringLiteral("the embedded device list names no recovery key"));
        // The counter continues from the list the recovery key vouches for, not from a number
        // the statement could pick.
        if (list->version != s->lastVersion)
            return successionMalformed(
                QStringLiteral("last version %1 is not the embedded list's %2")
                    .arg(s->lastVersion)
                    .arg(list->version));
        authorityKey = list->recoveryKey;
    }
    if (!ed25519Verify(authorityKey, message, authoritySig))
        return makeError(CryptoError::BadSignature, QStringLiteral("key succession authority"));
    // Without the new key's own signature anyone could name someone else's key as successor.
    if (!ed25519Verify(s->newKey, message, newSig))
        return makeError(CryptoError::BadSignature, QStringLiteral("key succession new key"));
    if (s->userId != expectedUserId)
        return makeError(CryptoError::IdentityMismatch,
                         QStringLiteral("key succession of another user"));
    return s;
}

QByteArray sealHandoff(quint64 userId, quint64 targetDevice, const QByteArray &targetDik,
                       const Ed25519KeyPair &newAik, const QByteArray &statementBlob) {
    if (!isCanonicalX25519Public(targetDik) || newAik.secretKey.size() != kSignSecretSize ||
        statementBlob.isEmpty())
        return {};
    // Only the seed travels; the receiver rebuilds the pair, so it must be this public key's seed.
    const SecretBytes seed = SecretBytes::fromRaw(newAik.secretKey.data(), kKeySize);
    auto rebuilt = Ed25519KeyPair::fromSeed(seed);
    if (!rebuilt || !constantTimeEquals(rebuilt->publicKey, newAik.publicKey))
        return {};
    const X25519KeyPair eph = X25519KeyPair::generate();
    if (eph.publicKey.isEmpty())
        return {};
    auto dh = x25519(eph.secretKey, targetDik);
    if (!dh)
        return {};
    const SecretBytes key = handoffKey(*dh, newAik.publicKey);
    if (key.size() != kKeySize)
        return {};
    SecretWriter w;
    w.putU64(userId);
    w.putU64(targetDevice);
    w.putRaw(seed);
    const SecretBytes plain = w.take();
    if (w.failed())
        return {};
    const QByteArray sealed =
        aeadSeal(key, handoffAd(userId, targetDevice, eph.publicKey, statementBlob), plain);
    if (sealed.isEmpty())
        return {};
    QByteArray blob;
    blob.append(char(kHandoffVersion));
    blob += eph.publicKey;
    blob += sealed;
    return blob;
}

Result<Ed25519KeyPair> openHandoff(const QByteArray &blob, quint64 userId, quint64 myDevice,
                                   const X25519KeyPair &myDik, const QByteArray &expectedNewKey,
                                   const QByteArray &statementBlob) {
    if (blob.isEmpty())
        return successionMalformed(QStringLiteral("empty handoff"));
    if (std::uint8_t(blob.at(0)) != kHandoffVersion)
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("handoff"));
    if (std::size_t(blob.size()) != kHandoffSize)
        return successionMalformed(QStringLiteral("handoff size"));
    if (std::size_t(expectedNewKey.size()) != kKeySize)
        return makeError(CryptoError::BadKey, QStringLiteral("expected account key size"));
    const QByteArray epk = blob.mid(1, qsizetype(kKeySize));
    if (!isCanonicalX25519Public(epk))
        return successionMalformed(QStringLiteral("handoff ephemeral key"));
    auto dh = x25519(myDik.secretKey, epk);
    if (!dh)
        return dh.error();
    const SecretBytes key = handoffKey(*dh, expectedNewKey);
    if (key.size() != kKeySize)
        return makeError(CryptoError::Internal, QStringLiteral("handoff key"));
    auto plain = aeadOpenSecret(
        key, handoffAd(userId, myDevice, epk, statementBlob),
        BytesView(blob.constData() + 1 + kKeySize, std::size_t(blob.size()) - 1 - kKeySize));
    if (!plain)
        return plain.error();
    ByteReader r(*plain);
    const quint64 user = r.getU64();
    const quint64 device = r.getU64();
    const SecretBytes seed = r.getSecret(kKeySize);
    if (!r.ok() || !r.atEnd())
        return successionMalformed(QStringLiteral("handoff plaintext"));
    if (user != userId || device != myDevice)
        return makeError(CryptoError::IdentityMismatch,
                         QStringLiteral("handoff for another user or device"));
    auto pair = Ed25519KeyPair::fromSeed(seed);
    if (!pair)
        return pair.error();
    // The key adopted must be the one the verified chain names, whoever sealed this.
    if (!constantTimeEquals(pair->publicKey, expectedNewKey))
        return makeError(CryptoError::IdentityMismatch,
                         QStringLiteral("handoff seed is not the new account key"));
    return pair;
}

} // namespace tidings::crypto
