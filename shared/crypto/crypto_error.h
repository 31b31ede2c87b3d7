#pragma once
// Crypto failures as values. The wire ErrorCode enum stays untouched: every CryptoError maps
// onto an existing code (BadFrame for undecryptable/malformed input, Forbidden for signature,
// identity and rollback failures, Internal for libsodium failures) and is carried by name in
// Error::detail ("crypto/<Name>: ..."), so cryptoErrorOf() recovers it for the client.
#include "protocol/result.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcCrypto)

namespace tidings::crypto {

enum class CryptoError {
    None,
    Internal,           //!< libsodium failure or allocation failure
    BadKey,             //!< wrong key length
    LowOrderPoint,      //!< X25519 result all zero (crypto_scalarmult returned -1)
    BadSignature,       //!< Ed25519 verification failed
    DecryptFailed,      //!< AEAD tag mismatch: tampered, wrong key or wrong associated data
    Malformed,          //!< truncated or inconsistent encoding
    UnsupportedVersion, //!< unknown version byte (incl. the reserved header-encryption version)
    DuplicateMessage,   //!< message key already used and deleted (replay)
    TooManySkipped,     //!< jump past MAX_SKIP
    NoSession,          //!< no sender-key state for this distribution / no receiving chain
    Replay,             //!< replayed X3DH first message (SPK id, EK) seen before
    MissingPreKey,      //!< the referenced SPK/OPK is not (or no longer) held
    Rollback,           //!< device list version lower than one already seen
    IdentityMismatch,   //!< key differs from the pinned/verified one
    Truncated,          //!< media blob ended without TAG_FINAL
    DigestMismatch,     //!< media blob SHA-256 differs from the attachment pointer
    ContextMismatch,    //!< a body's BodyContext names another conversation, sender or message
    IdentityHeld,       //!< sending waits: a contact's key changed and is not acknowledged yet
    NotNext,            //!< a signed group change beyond the next version (fetch the gap)
    NotAdmin,           //!< a signed group change its actor had no right to make
    //! a list or statement signed by an account key that a verified succession replaced
    Superseded,
};

const char *cryptoErrorName(CryptoError e);
Error makeError(CryptoError e, const QString &detail = {});
//! The CryptoError carried by an Error made by makeError() (None for other errors).
CryptoError cryptoErrorOf(const Error &error);

} // namespace tidings::crypto
