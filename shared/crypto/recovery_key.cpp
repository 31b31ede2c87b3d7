#include "crypto/recovery_key.h"

#include "crypto/base32.h"

namespace tidings::crypto {

namespace {
constexpr char kCheckDomain[] = "TidingsRecoveryCheckv1";
constexpr char kSignSalt[] = "TidingsRecoveryv1";
constexpr char kSignInfo[] = "TidingsRecoverySignv1";
constexpr std::size_t kCheckSize = 3;
constexpr std::size_t kEncodedBytes = kRecoverySecretSize + kCheckSize; // 35 → 56 characters
constexpr qsizetype kGroupSize = 4;
constexpr qsizetype kTextSize = qsizetype((kEncodedBytes * 8 + 4) / 5);

//! SHA-256("TidingsRecoveryCheckv1" ‖ R)[0..3], hashed from guarded memory so R never passes
//! through a QByteArray.
QByteArray checkOf(const SecretBytes &secret) {
    SecretWriter w;
    w.putRaw(kCheckDomain, sizeof kCheckDomain - 1);
    w.putRaw(secret);
    const SecretBytes message = w.take();
    if (w.failed())
        return {};
    return sha256(message).left(qsizetype(kCheckSize));
}
} // namespace

SecretBytes newRecoverySecret() {
    return SecretBytes::random(kRecoverySecretSize);
}

QString encodeRecoveryKey(const SecretBytes &secret) {
    if (secret.size() != kRecoverySecretSize)
        return {};
    const QByteArray check = checkOf(secret);
    SecretWriter w;
    w.putRaw(secret);
    w.putRaw(check);
    const SecretBytes payload = w.take();
    if (w.failed() || check.size() != qsizetype(kCheckSize))
        return {};
    const QString plain = base32Encode(payload);
    QString out;
    out.reserve(kTextSize + kTextSize / kGroupSize);
    for (qsizetype i = 0; i < plain.size(); i += kGroupSize) {
        if (i > 0)
            out.append(QLatin1Char('-'));
        out.append(QStringView(plain).mid(i, kGroupSize));
    }
    return out;
}

Result<SecretBytes> decodeRecoveryKey(const QString &text) {
    // People copy it from paper or paste it: grouping, line breaks and case carry no meaning.
    QString compact;
    compact.reserve(kTextSize);
    for (QChar c : text) {
        if (c == QLatin1Char('-') || c.isSpace())
            continue;
        if (compact.size() == kTextSize)
            return makeError(CryptoError::Malformed, QStringLiteral("recovery key too long"));
        compact.append(c);
    }
    if (compact.size() != kTextSize)
        return makeError(CryptoError::Malformed, QStringLiteral("recovery key too short"));
    auto payload = base32Decode(compact, kEncodedBytes);
    if (!payload)
        return makeError(CryptoError::Malformed,
                         QStringLiteral("recovery key has characters outside A-Z, 2-7"));
    ByteReader r(*payload);
    SecretBytes secret = r.getSecret(kRecoverySecretSize);
    const QByteArray check = r.getRaw(kCheckSize);
    if (!r.ok() || !r.atEnd())
        return makeError(CryptoError::Internal, QStringLiteral("recovery key"));
    // A typo is caught here, before anything is derived or sent.
    const QByteArray expected = checkOf(secret);
    if (expected.size() != qsizetype(kCheckSize))
        return makeError(CryptoError::Internal, QStringLiteral("recovery key check"));
    if (!constantTimeEquals(expected, check))
        return makeError(CryptoError::Malformed, QStringLiteral("recovery key check failed"));
    return secret;
}

Result<Ed25519KeyPair> recoverySigningKey(const SecretBytes &secret) {
    if (secret.size() != kRecoverySecretSize)
        return makeError(CryptoError::BadKey, QStringLiteral("recovery secret size"));
    // No stretching: R is 256 random bits, not a password.
    const SecretBytes seed = hkdf(QByteArray(kSignSalt), secret, QByteArray(kSignInfo), kKeySize);
    if (seed.size() != kKeySize)
        return makeError(CryptoError::Internal, QStringLiteral("recovery seed"));
    return Ed25519KeyPair::fromSeed(seed);
}

} // namespace tidings::crypto
