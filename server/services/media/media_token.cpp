#include "services/media/media_token.h"

#include <QtEndian>

#include <sodium.h>

namespace tidings::server {

namespace {

constexpr char kVersion = 1;
constexpr int kClaimBytes = 1 + 8 + 8 + 8;
constexpr int kTokenBytes = kClaimBytes + int(crypto_auth_hmacsha256_BYTES);
static_assert(kTokenBytes == 57 && kMediaTokenChars == 76, "4 characters per 3 bytes, rounded up");
static_assert(kMediaSecretBytes == int(crypto_auth_hmacsha256_KEYBYTES));

bool base64UrlChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

} // namespace

QByteArray mintMediaToken(const QByteArray &secret, const MediaTokenClaims &claims) {
    if (secret.size() != kMediaSecretBytes)
        return {};
    QByteArray raw(kTokenBytes, Qt::Uninitialized);
    auto *p = reinterpret_cast<unsigned char *>(raw.data());
    p[0] = kVersion;
    qToBigEndian<quint64>(claims.userId, p + 1);
    qToBigEndian<quint64>(claims.deviceId, p + 9);
    qToBigEndian<qint64>(claims.expiresAtMs, p + 17);
    crypto_auth_hmacsha256(p + kClaimBytes, p, kClaimBytes,
                           reinterpret_cast<const unsigned char *>(secret.constData()));
    return raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

std::optional<MediaTokenClaims> parseMediaToken(const QByteArray &secret, QByteArrayView token) {
    // Shape first, so nothing larger than a token is ever decoded.
    if (secret.size() != kMediaSecretBytes || token.size() != kMediaTokenChars)
        return std::nullopt;
    for (char c : token) {
        if (!base64UrlChar(c))
            return std::nullopt;
    }
    const QByteArray raw =
        QByteArray::fromBase64(token.toByteArray(), QByteArray::Base64UrlEncoding);
    if (raw.size() != kTokenBytes)
        return std::nullopt;
    const auto *p = reinterpret_cast<const unsigned char *>(raw.constData());
    if (crypto_auth_hmacsha256_verify(
            p + kClaimBytes, p, kClaimBytes,
            reinterpret_cast<const unsigned char *>(secret.constData())) != 0)
        return std::nullopt;
    if (p[0] != kVersion)
        return std::nullopt;
    MediaTokenClaims c;
    c.userId = qFromBigEndian<quint64>(p + 1);
    c.deviceId = qFromBigEndian<quint64>(p + 9);
    c.expiresAtMs = qFromBigEndian<qint64>(p + 17);
    return c;
}

} // namespace tidings::server
