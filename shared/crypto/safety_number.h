#pragma once
// Safety numbers (design section 7), Signal's NumericFingerprintGenerator:
//   per party  h = SHA-512(0x0000 ‖ key ‖ stable_id ‖ key), then h = SHA-512(h ‖ key) until
//              5,200 hashes in total; first 30 bytes as six 5-byte big-endian chunks, each
//              mod 100,000 as 5 digits → 30 digits
//   number     both halves, the smaller string first → 60 digits, identical on both sides
// Tidings computes it over the raw 32-byte AIK with the decimal user id as stable_id, so adding
// a device does not change it. Signal's own vector (33-byte keys with the 0x05 prefix, phone
// numbers as ids) reproduces with the same code.
//
// QR payload: u8 version(1) ‖ local fingerprint(32) ‖ remote fingerprint(32), the fingerprints
// being the first 32 bytes of each party's final hash; the scanner compares crossed
// (scanned.local == my remote, scanned.remote == my local) in constant time.
#include "crypto/primitives.h"

#include <QString>

namespace tidings::crypto {

inline constexpr int kFingerprintIterations = 5200;

//! The 64-byte final hash for one party.
QByteArray fingerprintHash(const QByteArray &stableId, const QByteArray &key,
                           int iterations = kFingerprintIterations);
//! 30 digits for one party.
QString fingerprintDigits(const QByteArray &stableId, const QByteArray &key,
                          int iterations = kFingerprintIterations);
//! 60 digits, identical for both parties.
QString safetyNumber(const QByteArray &localId, const QByteArray &localKey,
                     const QByteArray &remoteId, const QByteArray &remoteKey,
                     int iterations = kFingerprintIterations);
//! "12345 67890 ..." in 12 groups of five, for display.
QString formatSafetyNumber(const QString &digits);
//! Tidings' stable id for a user: the decimal user id.
QByteArray safetyStableId(quint64 userId);

QByteArray safetyQrPayload(const QByteArray &localId, const QByteArray &localKey,
                           const QByteArray &remoteId, const QByteArray &remoteKey);
//! OK when `scanned` (shown by the other party) matches what we compute; IdentityMismatch
//! otherwise, Malformed/UnsupportedVersion for a bad payload.
Status verifySafetyQr(const QByteArray &scanned, const QByteArray &localId,
                      const QByteArray &localKey, const QByteArray &remoteId,
                      const QByteArray &remoteKey);

} // namespace tidings::crypto
