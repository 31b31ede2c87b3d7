// DeviceLinking: the link code, hello and grant.
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
#include "core/e2e/device_linking.h"

#include "core/e2e/device_directory.h"
#include "core/e2e/e2e_support.h"
#include "core/e2e/own_keys.h"
#include "crypto/base32.h"

namespace tidings::client::e2e {

using namespace tidings::crypto;

namespace {
constexpr char kLinkSalt[] = "TidingsLinkv1";
constexpr char kLinkMacInfo[] = "TidingsLinkMacv1";
constexpr char kLinkGrantInfo[] = "TidingsLinkGrantv1";
constexpr qint64 kLinkCodeLifetimeMs = 10 * 60 * 1000;
constexpr std::size_t kLinkSecretSize = 10; // 16 base32 characters
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

DeviceLinking::DeviceLinking(OwnKeys &own, DeviceDirectory &devices, const Clock &clock)
    : m_own(own)
    , m_devices(devices)
    , m_clock(clock) {}

Result<QString> DeviceLinking::createLinkCode(quint64 myDeviceId) {
    if (auto s = m_own.requireKeys(); !s)
        return s.error();
    if (!m_own.hasAccountKey())
        return usageError(QStringLiteral("no account key on this device"));
    if (myDeviceId != m_own.deviceId())
        return usageError(QStringLiteral("not this device's id"));
    LinkCode code;
    code.secret = SecretBytes::random(kLinkSecretSize);
    code.expiresMs = m_clock.nowMs() + kLinkCodeLifetimeMs;
    const QString text = QString::number(myDeviceId) + QLatin1Char('-') + base32Encode(code.secret);
    m_linkCode = std::move(code);
    return text;
}

Result<std::pair<quint64, QByteArray>>
DeviceLinking::linkHello(const QString &code, quint64 myUserId, quint64 myDeviceId) {
    if (auto s = m_own.requireKeys(); !s)
        return s.error();
    if (myUserId != m_own.userId() || myDeviceId != m_own.deviceId())
        return usageError(QStringLiteral("not this device's ids"));
    const QString trimmed = code.trimmed();
    const qsizetype dash = trimmed.indexOf(QLatin1Char('-'));
    bool ok = false;
    const quint64 target = dash > 0 ? trimmed.left(dash).toULongLong(&ok) : 0;
    auto secret =
        dash > 0 ? base32Decode(trimmed.mid(dash + 1).remove(QLatin1Char(' ')), kLinkSecretSize)
                 : std::nullopt;
    if (!ok || !secret || target == myDeviceId)
        return usageError(QStringLiteral("not a link code"));
    QByteArray hello;
    hello.append(char(1));
    appendU64(hello, myUserId);
    appendU64(hello, myDeviceId);
    appendU64(hello, target);
    hello.append(m_own.deviceKeys().dsk.publicKey);
    hello.append(m_own.deviceKeys().dik.publicKey);
    const SecretBytes mac = hmacSha256(macKey(*secret), hello);
    hello.append(mac.constChar(), qsizetype(mac.size()));
    m_pendingLink = PendingLink{std::move(*secret), target};
    return std::pair<quint64, QByteArray>(target, hello);
}

Result<LinkGrant> DeviceLinking::answerLinkHello(quint64 fromDevice, const QByteArray &blob) {
    if (auto s = m_own.requireKeys(); !s)
        return s.error();
    if (!m_own.hasAccountKey())
        return usageError(QStringLiteral("no account key on this device"));
    if (!m_linkCode || m_linkCode->used)
        return linkError(QStringLiteral("no outstanding code"));
    if (m_clock.nowMs() > m_linkCode->expiresMs) {
        m_linkCode.reset();
        return linkError(QStringLiteral("code expired"));
    }
    // One attempt per code: whatever happens below, this code is spent.
    m_linkCode->used = true;
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
    const SecretBytes expected =
        hmacSha256(macKey(m_linkCode->secret), BytesView(blob.constData(), blob.size() - kKeySize));
    if (!expected.equals(mac.constData(), std::size_t(mac.size())))
        return linkError(QStringLiteral("wrong code"));
    if (user != m_own.userId() || target != m_own.deviceId() || device != fromDevice ||
        device == m_own.deviceId())
        return linkError(QStringLiteral("hello for another account or device"));
    if (!isCanonicalX25519Public(dik))
        return linkError(QStringLiteral("bad device key"));

    const X25519KeyPair eph = X25519KeyPair::generate();
    auto dh = x25519(eph.secretKey, dik);
    if (!dh)
        return dh.error();
    auto key = grantKey(m_linkCode->secret, *dh);
    if (!key)
        return key.error();
    SecretWriter w;
    w.putU64(user);
    w.putU64(device);
    w.putRaw(m_own.accountKeyPair()->secretKey.data(),
             kKeySize); // the seed; the public half is derived
    SecretBytes plain = w.take();
    if (w.failed())
        return makeError(CryptoError::Internal);
    const QByteArray sealed = aeadSeal(*key, grantAd(user, device, eph.publicKey), plain);
    if (sealed.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("seal grant"));
    if (auto s = m_devices.rememberIdentity(DeviceIdentity{user, device, dsk, dik}); !s)
        return s.error();
    m_linkCode.reset();
    LinkGrant grant;
    grant.blob.append(char(1));
    grant.blob.append(eph.publicKey);
    grant.blob.append(sealed);
    grant.newDevice = DeviceAddress{user, device};
    return grant;
}

Status DeviceLinking::acceptLinkGrant(const QByteArray &blob) {
    if (auto s = m_own.requireKeys(); !s)
        return s;
    if (!m_pendingLink)
        return linkError(QStringLiteral("no link in progress"));
    if (blob.size() < qsizetype(1 + kKeySize + kNonceSize + kTagSize) || blob.at(0) != 1)
        return linkError(QStringLiteral("malformed grant"));
    const QByteArray epk = blob.mid(1, kKeySize);
    auto dh = x25519(m_own.deviceKeys().dik.secretKey, epk);
    if (!dh)
        return dh.error();
    auto key = grantKey(m_pendingLink->secret, *dh);
    if (!key)
        return key.error();
    auto plain = aeadOpenSecret(*key, grantAd(m_own.userId(), m_own.deviceId(), epk),
                                blob.mid(1 + kKeySize));
    if (!plain)
        return linkError(QStringLiteral("grant does not open"));
    ByteReader r(*plain);
    const quint64 user = r.getU64();
    const quint64 device = r.getU64();
    SecretBytes seed = r.getSecret(kKeySize);
    if (!r.ok() || !r.atEnd() || user != m_own.userId() || device != m_own.deviceId())
        return linkError(QStringLiteral("grant for another device"));
    auto pair = Ed25519KeyPair::fromSeed(seed);
    if (!pair)
        return pair.error();
    if (auto s = m_own.adoptAccountKey(std::move(*pair)); !s)
        return s;
    m_pendingLink.reset();
    return {};
}

} // namespace tidings::client::e2e
