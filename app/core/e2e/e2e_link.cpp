// E2eEngine: safety numbers, verification marks, fingerprints and device linking.
//
// Linking (the relay is the server's LinkRelay, which only joins devices of one account):
//   code  = "<existing device id>-<base32 of an 80-bit secret>", shown on the existing device,
//           one use, 10 minutes, kept in memory only
//   keys  = HKDF(salt = "TidingsLinkv1", ikm = secret, info "TidingsLinkMacv1")  → MAC key
//   hello = 01 ‖ u64 user ‖ u64 new device ‖ u64 target device ‖ DSK ‖ DIK ‖ HMAC(MAC key, ...)
//   grant = 01 ‖ EPK(32) ‖ AEAD(key, AD, u64 user ‖ u64 new device ‖ AIK seed(32))
//           key = HKDF(salt = secret, ikm = DH(EPK, DIK_new), info "TidingsLinkGrantv1")
//           AD  = "TidingsLinkGrantv1" ‖ u64 user ‖ u64 new device ‖ EPK
// The DH binds the grant to the DIK in the hello: someone who learns the code later cannot open
// a recorded grant, and the MAC over the hello means the relay cannot substitute its own keys.
// A failed hello burns the code (no online guessing).
#include "core/e2e/e2e_engine_p.h"

#include "crypto/safety_number.h"

#include <cstring>

namespace tidings::client::e2e {

using namespace tidings::crypto;

namespace {
constexpr char kLinkSalt[] = "TidingsLinkv1";
constexpr char kLinkMacInfo[] = "TidingsLinkMacv1";
constexpr char kLinkGrantInfo[] = "TidingsLinkGrantv1";
constexpr qint64 kLinkCodeLifetimeMs = 10 * 60 * 1000;
constexpr std::size_t kLinkSecretSize = 10; // 16 base32 characters
constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

QString base32(const SecretBytes &s) {
    QString out;
    quint32 buffer = 0;
    int bits = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        buffer = (buffer << 8) | s.data()[i];
        bits += 8;
        while (bits >= 5) {
            out.append(QLatin1Char(kBase32[(buffer >> (bits - 5)) & 31]));
            bits -= 5;
        }
    }
    if (bits > 0)
        out.append(QLatin1Char(kBase32[(buffer << (5 - bits)) & 31]));
    return out;
}

std::optional<SecretBytes> unbase32(const QString &text) {
    SecretBytes out(kLinkSecretSize);
    std::size_t n = 0;
    quint32 buffer = 0;
    int bits = 0;
    for (QChar c : text) {
        const char ch = char(c.toUpper().toLatin1());
        const char *p = ch ? std::strchr(kBase32, ch) : nullptr;
        if (!p)
            return std::nullopt;
        buffer = (buffer << 5) | quint32(p - kBase32);
        bits += 5;
        if (bits >= 8) {
            if (n == kLinkSecretSize)
                return std::nullopt;
            out.data()[n++] = std::uint8_t(buffer >> (bits - 8));
            bits -= 8;
        }
    }
    if (n != kLinkSecretSize)
        return std::nullopt;
    return out;
}

SecretBytes macKey(const SecretBytes &secret) {
    return hkdf(QByteArray(kLinkSalt), secret, QByteArray(kLinkMacInfo), kKeySize);
}

Result<SecretBytes> grantKey(const SecretBytes &secret, const SecretBytes &dh) {
    SecretBytes key = hkdf(secret, dh, QByteArray(kLinkGrantInfo), kKeySize);
    if (key.size() != kKeySize)
        return makeError(CryptoError::Internal, QStringLiteral("grant key"));
    return key;
}

QByteArray grantAd(quint64 user, quint64 device, const QByteArray &epk) {
    QByteArray ad(kLinkGrantInfo);
    appendU64(ad, user);
    appendU64(ad, device);
    ad.append(epk);
    return ad;
}

Error linkError(const QString &why) {
    return makeError(CryptoError::IdentityMismatch, QStringLiteral("link: ") + why);
}
} // namespace

// --- verification ----------------------------------------------------------------------------

Result<QString> E2eEngine::safetyNumber(quint64 peerUserId) const {
    if (!d->aik)
        return Error{ErrorCode::Usage, QStringLiteral("e2e: no account key on this device"), 0};
    auto p = d->peer(peerUserId);
    if (!p)
        return p.error();
    if (!p->exists || p->aik.isEmpty())
        return Error{ErrorCode::NoKeys, QStringLiteral("no account key known for this user"), 0};
    return formatSafetyNumber(crypto::safetyNumber(safetyStableId(d->userId), d->aik->publicKey,
                                                   safetyStableId(peerUserId), p->aik));
}

Result<QByteArray> E2eEngine::safetyQrPayload(quint64 peerUserId) const {
    if (!d->aik)
        return Error{ErrorCode::Usage, QStringLiteral("e2e: no account key on this device"), 0};
    auto p = d->peer(peerUserId);
    if (!p)
        return p.error();
    if (!p->exists || p->aik.isEmpty())
        return Error{ErrorCode::NoKeys, QStringLiteral("no account key known for this user"), 0};
    return crypto::safetyQrPayload(safetyStableId(d->userId), d->aik->publicKey,
                                   safetyStableId(peerUserId), p->aik);
}

Status E2eEngine::setVerified(quint64 peerUserId, bool verified) {
    auto p = d->peer(peerUserId);
    if (!p)
        return p.error();
    if (!p->exists)
        return Error{ErrorCode::NoKeys, QStringLiteral("no account key known for this user"), 0};
    return d->store.setVerified(peerUserId, verified);
}

bool E2eEngine::isVerified(quint64 peerUserId) const {
    auto p = d->peer(peerUserId);
    return p && p->exists && !p->verifiedAik.isEmpty() &&
           constantTimeEquals(p->verifiedAik, p->aik);
}

bool E2eEngine::identityChanged(quint64 peerUserId) const {
    auto p = d->peer(peerUserId);
    return p && p->exists && p->changed;
}

Status E2eEngine::acknowledgeIdentityChange(quint64 peerUserId) {
    // The old verification no longer applies to the new key: it is dropped, not carried over.
    return d->store.acknowledgeIdentityChange(peerUserId);
}

QString E2eEngine::fingerprint(DeviceAddress device) const {
    auto id = d->identity(device, false);
    if (!id)
        return {};
    return QString::fromLatin1(sha256(id->dsk).left(8).toHex());
}

QString E2eEngine::myFingerprint() const {
    if (!d->keys)
        return {};
    return fingerprint(DeviceAddress{d->userId, d->deviceId});
}

// --- linking ---------------------------------------------------------------------------------

Result<QString> E2eEngine::createLinkCode(quint64 myDeviceId) {
    if (auto s = d->requireKeys(); !s)
        return s.error();
    if (!d->aik)
        return Error{ErrorCode::Usage, QStringLiteral("e2e: no account key on this device"), 0};
    if (myDeviceId != d->deviceId)
        return Error{ErrorCode::Usage, QStringLiteral("e2e: not this device's id"), 0};
    Impl::LinkCode code;
    code.secret = SecretBytes::random(kLinkSecretSize);
    code.expiresMs = d->nowMs() + kLinkCodeLifetimeMs;
    const QString text = QString::number(myDeviceId) + QLatin1Char('-') + base32(code.secret);
    d->linkCode = std::move(code);
    return text;
}

Result<std::pair<quint64, QByteArray>> E2eEngine::linkHello(const QString &code, quint64 myUserId,
                                                            quint64 myDeviceId) {
    if (auto s = d->requireKeys(); !s)
        return s.error();
    if (myUserId != d->userId || myDeviceId != d->deviceId)
        return Error{ErrorCode::Usage, QStringLiteral("e2e: not this device's ids"), 0};
    const QString trimmed = code.trimmed();
    const qsizetype dash = trimmed.indexOf(QLatin1Char('-'));
    bool ok = false;
    const quint64 target = dash > 0 ? trimmed.left(dash).toULongLong(&ok) : 0;
    auto secret =
        dash > 0 ? unbase32(trimmed.mid(dash + 1).remove(QLatin1Char(' '))) : std::nullopt;
    if (!ok || !secret || target == myDeviceId)
        return Error{ErrorCode::Usage, QStringLiteral("e2e: not a link code"), 0};
    QByteArray hello;
    hello.append(char(1));
    appendU64(hello, myUserId);
    appendU64(hello, myDeviceId);
    appendU64(hello, target);
    hello.append(d->keys->dsk.publicKey);
    hello.append(d->keys->dik.publicKey);
    const SecretBytes mac = hmacSha256(macKey(*secret), hello);
    hello.append(mac.constChar(), qsizetype(mac.size()));
    d->pendingLink = Impl::PendingLink{std::move(*secret), target};
    return std::pair<quint64, QByteArray>(target, hello);
}

Result<LinkGrant> E2eEngine::answerLinkHello(quint64 fromDevice, const QByteArray &blob) {
    if (auto s = d->requireKeys(); !s)
        return s.error();
    if (!d->aik)
        return Error{ErrorCode::Usage, QStringLiteral("e2e: no account key on this device"), 0};
    if (!d->linkCode || d->linkCode->used)
        return linkError(QStringLiteral("no outstanding code"));
    if (d->nowMs() > d->linkCode->expiresMs) {
        d->linkCode.reset();
        return linkError(QStringLiteral("code expired"));
    }
    // One attempt per code: whatever happens below, this code is spent.
    d->linkCode->used = true;
    ByteReader r(blob);
    const quint8 version = r.getU8();
    const quint64 user = r.getU64();
    const quint64 device = r.getU64();
    const quint64 target = r.getU64();
    const QByteArray dsk = r.getRaw(kKeySize);
    const QByteArray dik = r.getRaw(kKeySize);
    const QByteArray mac = r.getRaw(kKeySize);
    if (!r.ok() || !r.atEnd() || version != 1)
        return linkError(QStringLiteral("malformed hello"));
    const SecretBytes expected = hmacSha256(macKey(d->linkCode->secret),
                                            BytesView(blob.constData(), blob.size() - kKeySize));
    if (!expected.equals(mac.constData(), std::size_t(mac.size())))
        return linkError(QStringLiteral("wrong code"));
    if (user != d->userId || target != d->deviceId || device != fromDevice || device == d->deviceId)
        return linkError(QStringLiteral("hello for another account or device"));
    if (!isCanonicalX25519Public(dik))
        return linkError(QStringLiteral("bad device key"));

    const X25519KeyPair eph = X25519KeyPair::generate();
    auto dh = x25519(eph.secretKey, dik);
    if (!dh)
        return dh.error();
    auto key = grantKey(d->linkCode->secret, *dh);
    if (!key)
        return key.error();
    SecretWriter w;
    w.putU64(user);
    w.putU64(device);
    w.putRaw(d->aik->secretKey.data(), kKeySize); // the seed; the public half is derived
    SecretBytes plain = w.take();
    if (w.failed())
        return makeError(CryptoError::Internal);
    const QByteArray sealed = aeadSeal(*key, grantAd(user, device, eph.publicKey), plain);
    if (sealed.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("seal grant"));
    if (auto s = d->rememberIdentity(DeviceIdentity{user, device, dsk, dik}); !s)
        return s.error();
    d->linkCode.reset();
    LinkGrant grant;
    grant.blob.append(char(1));
    grant.blob.append(eph.publicKey);
    grant.blob.append(sealed);
    grant.newDevice = DeviceAddress{user, device};
    return grant;
}

Status E2eEngine::acceptLinkGrant(const QByteArray &blob) {
    if (auto s = d->requireKeys(); !s)
        return s;
    if (!d->pendingLink)
        return linkError(QStringLiteral("no link in progress"));
    if (blob.size() < qsizetype(1 + kKeySize + kNonceSize + kTagSize) || blob.at(0) != 1)
        return linkError(QStringLiteral("malformed grant"));
    const QByteArray epk = blob.mid(1, kKeySize);
    auto dh = x25519(d->keys->dik.secretKey, epk);
    if (!dh)
        return dh.error();
    auto key = grantKey(d->pendingLink->secret, *dh);
    if (!key)
        return key.error();
    auto plain = aeadOpenSecret(*key, grantAd(d->userId, d->deviceId, epk), blob.mid(1 + kKeySize));
    if (!plain)
        return linkError(QStringLiteral("grant does not open"));
    ByteReader r(*plain);
    const quint64 user = r.getU64();
    const quint64 device = r.getU64();
    SecretBytes seed = r.getSecret(kKeySize);
    if (!r.ok() || !r.atEnd() || user != d->userId || device != d->deviceId)
        return linkError(QStringLiteral("grant for another device"));
    auto pair = Ed25519KeyPair::fromSeed(seed);
    if (!pair)
        return pair.error();
    std::optional<Ed25519KeyPair> previous = std::move(d->aik);
    d->aik = std::move(*pair);
    Status st = d->store.transaction([&]() -> Status { return d->saveAik(); });
    if (!st) {
        d->aik = std::move(previous);
        return st;
    }
    d->pendingLink.reset();
    return {};
}

} // namespace tidings::client::e2e
