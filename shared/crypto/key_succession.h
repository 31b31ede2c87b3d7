#pragma once
// Account-key succession (docs/design/account-key-lifecycle.md §1.2, §1.4, §2.4): the statement
// that hands a user's account identity key (AIK) on to a new one, and the sealed handoff that
// carries the new AIK to the user's other listed devices.
//
// Stable binary form (big-endian), the exact bytes that are signed:
//   body   = "TKS" ‖ u8 format(1) ‖ u8 authority (1 previous AIK, 2 recovery key) ‖ u64 user_id ‖
//            old AIK(32) ‖ new AIK(32) ‖ u64 last_version ‖ i64 issued_at_ms ‖
//            [authority 2 only: u32 len ‖ the old AIK's signed device list (format 2, with RSK)]
//   signed = "TidingsKeySuccessionv1" ‖ body
//   blob   = u32 len(body) ‖ body ‖ authority signature(64) ‖ new-AIK signature(64)
// Authority 1 is signed by the old AIK; authority 2 by the recovery signing key (RSK) that the
// embedded list, verified under the old AIK, commits to. The new AIK signs too, so nobody can
// name another person's key as a successor. `last_version` is the version of the newest list the
// old AIK signed; the first list under the new AIK is last_version + 1 (the counter continues).
//
// Handoff (one per remaining device of the rotating user):
//   blob = 01 ‖ EPK(32) ‖ AEAD(key, AD, u64 user ‖ u64 target device ‖ new AIK seed(32))
//   key  = HKDF(salt "TidingsAikHandoffv1", ikm DH(EPK, DIK_target),
//               info "TidingsAikHandoffv1" ‖ new AIK public, 32)
//   AD   = "TidingsAikHandoffv1" ‖ u64 user ‖ u64 target ‖ EPK ‖ SHA-256(statement blob)
#include "crypto/primitives.h"

#include <QByteArray>

namespace tidings::crypto {

enum class SuccessionAuthority : std::uint8_t { PreviousKey = 1, RecoveryKey = 2 };

struct KeySuccession {
    static constexpr int kMaxBlob = 8 * 1024;

    SuccessionAuthority authority = SuccessionAuthority::PreviousKey;
    quint64 userId = 0;
    QByteArray oldKey; //!< AIK public (32) that is superseded
    QByteArray newKey; //!< AIK public (32) that succeeds it
    quint64 lastVersion = 0;
    qint64 issuedAtMs = 0;
    //! Authority 2 only: the old AIK's current signed device list blob, which names the RSK.
    QByteArray embeddedList;
};

//! Authority 1: signed by the old AIK (`oldAik.publicKey` must equal s.oldKey) and the new one.
//! Empty on a failure (wrong keys, libsodium).
QByteArray signSuccession(const KeySuccession &s, const Ed25519KeyPair &oldAik,
                          const Ed25519KeyPair &newAik);
//! Authority 2: signed by the recovery signing key and the new AIK; s.embeddedList must be set.
QByteArray signRecoverySuccession(const KeySuccession &s, const Ed25519KeyPair &rsk,
                                  const Ed25519KeyPair &newAik);

//! Verifies both signatures of a statement about `expectedUserId`; the caller then compares
//! oldKey with the key it expects (the pinned one, or the previous link of a chain). For
//! authority 2 also: the embedded list verifies under oldKey, names a recovery key, that key
//! signed, and lastVersion is the embedded list's version. Malformed, BadSignature,
//! IdentityMismatch (another user) or UnsupportedVersion; nothing is read before the lengths.
Result<KeySuccession> verifySuccession(const QByteArray &blob, quint64 expectedUserId);

//! Seals the new AIK (its 64-byte libsodium secret key; the 32-byte seed is what travels) to one
//! device's DIK. Empty on failure.
QByteArray sealHandoff(quint64 userId, quint64 targetDevice, const QByteArray &targetDik,
                       const Ed25519KeyPair &newAik, const QByteArray &statementBlob);
//! Opens a handoff sealed to this device and checks that the seed's public key is
//! `expectedNewKey`: DecryptFailed, Malformed or IdentityMismatch otherwise.
Result<Ed25519KeyPair> openHandoff(const QByteArray &blob, quint64 userId, quint64 myDevice,
                                   const X25519KeyPair &myDik, const QByteArray &expectedNewKey,
                                   const QByteArray &statementBlob);

} // namespace tidings::crypto
