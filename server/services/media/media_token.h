#pragma once
// Media bearer tokens: stateless for the server, so any node that shares the secret (it is in
// PostgreSQL) verifies them without a lookup.
//
//   token = base64url(no padding) of  u8 version (1) ‖ u64 user ‖ u64 device ‖ i64 expires_at_ms
//                                     ‖ HMAC-SHA256(secret, those 25 bytes)     (integers
//                                     big-endian)
//
// 57 bytes, 76 characters. Verification compares the MAC in constant time (libsodium) before it
// believes any field. Expiry and the device's revocation are checked by the caller (it knows the
// clock and the database). Pure functions: the fuzz target drives parseMediaToken.
#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace tidings::server {

inline constexpr int kMediaSecretBytes = 32;
inline constexpr int kMediaTokenChars = 76;

struct MediaTokenClaims {
    quint64 userId = 0;
    quint64 deviceId = 0;
    qint64 expiresAtMs = 0;
};

//! `secret`: kMediaSecretBytes.
QByteArray mintMediaToken(const QByteArray &secret, const MediaTokenClaims &claims);
//! The claims of a well-formed token whose MAC verifies under `secret`; nothing otherwise
//! (malformed, another version, forged, or made under another secret).
std::optional<MediaTokenClaims> parseMediaToken(const QByteArray &secret, QByteArrayView token);

} // namespace tidings::server
