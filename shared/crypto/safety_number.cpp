#include "crypto/safety_number.h"

#include <sodium.h>

namespace tidings::crypto {

namespace {
constexpr std::uint8_t kQrVersion = 1;
constexpr std::size_t kQrFingerprint = 32;
} // namespace

QByteArray fingerprintHash(const QByteArray &stableId, const QByteArray &key, int iterations) {
    ensureSodium();
    QByteArray h(crypto_hash_sha512_BYTES, Qt::Uninitialized);
    auto *out = reinterpret_cast<unsigned char *>(h.data());
    const auto *k = reinterpret_cast<const unsigned char *>(key.constData());
    crypto_hash_sha512_state st;
    static const unsigned char version[2] = {0, 0};
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, version, sizeof version);
    crypto_hash_sha512_update(&st, k, std::size_t(key.size()));
    crypto_hash_sha512_update(&st, reinterpret_cast<const unsigned char *>(stableId.constData()),
                              std::size_t(stableId.size()));
    crypto_hash_sha512_update(&st, k, std::size_t(key.size()));
    crypto_hash_sha512_final(&st, out);
    for (int i = 1; i < iterations; ++i) {
        crypto_hash_sha512_init(&st);
        crypto_hash_sha512_update(&st, out, crypto_hash_sha512_BYTES);
        crypto_hash_sha512_update(&st, k, std::size_t(key.size()));
        crypto_hash_sha512_final(&st, out);
    }
    return h;
}

QString fingerprintDigits(const QByteArray &stableId, const QByteArray &key, int iterations) {
    const QByteArray h = fingerprintHash(stableId, key, iterations);
    QString digits;
    for (int chunk = 0; chunk < 6; ++chunk) {
        quint64 v = 0;
        for (int i = 0; i < 5; ++i)
            v = (v << 8) | quint8(h.at(chunk * 5 + i));
        digits += QStringLiteral("%1").arg(v % 100000, 5, 10, QLatin1Char('0'));
    }
    return digits;
}

QString safetyNumber(const QByteArray &localId, const QByteArray &localKey,
                     const QByteArray &remoteId, const QByteArray &remoteKey, int iterations) {
    const QString local = fingerprintDigits(localId, localKey, iterations);
    const QString remote = fingerprintDigits(remoteId, remoteKey, iterations);
    return local <= remote ? local + remote : remote + local;
}

QString formatSafetyNumber(const QString &digits) {
    QString out;
    for (qsizetype i = 0; i < digits.size(); i += 5) {
        if (i)
            out += QLatin1Char(' ');
        out += digits.mid(i, 5);
    }
    return out;
}

QByteArray safetyStableId(quint64 userId) {
    return QByteArray::number(userId);
}

QByteArray safetyQrPayload(const QByteArray &localId, const QByteArray &localKey,
                           const QByteArray &remoteId, const QByteArray &remoteKey) {
    QByteArray out;
    out.append(char(kQrVersion));
    out += fingerprintHash(localId, localKey).left(kQrFingerprint);
    out += fingerprintHash(remoteId, remoteKey).left(kQrFingerprint);
    return out;
}

Status verifySafetyQr(const QByteArray &scanned, const QByteArray &localId,
                      const QByteArray &localKey, const QByteArray &remoteId,
                      const QByteArray &remoteKey) {
    if (scanned.size() != qsizetype(1 + 2 * kQrFingerprint))
        return makeError(CryptoError::Malformed, QStringLiteral("safety QR payload"));
    if (std::uint8_t(scanned.at(0)) != kQrVersion)
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("safety QR payload"));
    // The other side shows (their local, their remote) = (our remote, our local).
    QByteArray expected;
    expected += fingerprintHash(remoteId, remoteKey).left(kQrFingerprint);
    expected += fingerprintHash(localId, localKey).left(kQrFingerprint);
    if (!constantTimeEquals(BytesView(scanned.constData() + 1, 2 * kQrFingerprint), expected))
        return makeError(CryptoError::IdentityMismatch, QStringLiteral("safety number differs"));
    return {};
}

} // namespace tidings::crypto
