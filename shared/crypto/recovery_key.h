#pragma once
// The recovery key (docs/design/account-key-lifecycle.md §2.2): 32 random bytes R the user writes
// down. Shown as base32 (RFC 4648 alphabet) of R ‖ 3-byte check (SHA-256("TidingsRecoveryCheckv1"
// ‖ R)[0..3]) = 56 characters in 14 groups of 4 separated by '-'. Reading ignores case, spaces
// and dashes. The recovery signing key (RSK) is Ed25519 from the seed
// HKDF(salt "TidingsRecoveryv1", ikm R, info "TidingsRecoverySignv1", 32); its public half is
// committed in every device list (format 2), R itself is never stored.
#include "crypto/primitives.h"

#include <QString>

namespace tidings::crypto {

constexpr std::size_t kRecoverySecretSize = 32;

//! A fresh R.
SecretBytes newRecoverySecret();
//! "ABCD-EFGH-…" (14 groups of 4).
QString encodeRecoveryKey(const SecretBytes &secret);
//! Malformed when the text has other characters, the wrong length or a wrong check.
Result<SecretBytes> decodeRecoveryKey(const QString &text);
//! The RSK of R.
Result<Ed25519KeyPair> recoverySigningKey(const SecretBytes &secret);

} // namespace tidings::crypto
