#include "crypto/crypto_error.h"

Q_LOGGING_CATEGORY(lcCrypto, "tidings.crypto", QtInfoMsg)

namespace tidings::crypto {

namespace {
constexpr CryptoError kAll[] = {
    CryptoError::None,
    CryptoError::Internal,
    CryptoError::BadKey,
    CryptoError::LowOrderPoint,
    CryptoError::BadSignature,
    CryptoError::DecryptFailed,
    CryptoError::Malformed,
    CryptoError::UnsupportedVersion,
    CryptoError::DuplicateMessage,
    CryptoError::TooManySkipped,
    CryptoError::NoSession,
    CryptoError::Replay,
    CryptoError::MissingPreKey,
    CryptoError::Rollback,
    CryptoError::IdentityMismatch,
    CryptoError::Truncated,
    CryptoError::DigestMismatch,
    CryptoError::ContextMismatch,
    CryptoError::IdentityHeld,
    CryptoError::NotNext,
    CryptoError::NotAdmin,
    CryptoError::Superseded,
};
const QString kPrefix = QStringLiteral("crypto/");
} // namespace

const char *cryptoErrorName(CryptoError e) {
    switch (e) {
    case CryptoError::None:
        return "None";
    case CryptoError::Internal:
        return "Internal";
    case CryptoError::BadKey:
        return "BadKey";
    case CryptoError::LowOrderPoint:
        return "LowOrderPoint";
    case CryptoError::BadSignature:
        return "BadSignature";
    case CryptoError::DecryptFailed:
        return "DecryptFailed";
    case CryptoError::Malformed:
        return "Malformed";
    case CryptoError::UnsupportedVersion:
        return "UnsupportedVersion";
    case CryptoError::DuplicateMessage:
        return "DuplicateMessage";
    case CryptoError::TooManySkipped:
        return "TooManySkipped";
    case CryptoError::NoSession:
        return "NoSession";
    case CryptoError::Replay:
        return "Replay";
    case CryptoError::MissingPreKey:
        return "MissingPreKey";
    case CryptoError::Rollback:
        return "Rollback";
    case CryptoError::IdentityMismatch:
        return "IdentityMismatch";
    case CryptoError::Truncated:
        return "Truncated";
    case CryptoError::DigestMismatch:
        return "DigestMismatch";
    case CryptoError::ContextMismatch:
        return "ContextMismatch";
    case CryptoError::IdentityHeld:
        return "IdentityHeld";
    case CryptoError::NotNext:
        return "NotNext";
    case CryptoError::NotAdmin:
        return "NotAdmin";
    case CryptoError::Superseded:
        return "Superseded";
    }
    return "Unknown";
}

Error makeError(CryptoError e, const QString &detail) {
    ErrorCode code = ErrorCode::BadFrame;
    switch (e) {
    case CryptoError::Internal:
        code = ErrorCode::Internal;
        break;
    case CryptoError::BadSignature:
    case CryptoError::Rollback:
    case CryptoError::IdentityMismatch:
    case CryptoError::Replay:
    case CryptoError::ContextMismatch:
    case CryptoError::IdentityHeld:
    case CryptoError::NotAdmin:
    case CryptoError::Superseded:
        code = ErrorCode::Forbidden;
        break;
    default:
        break;
    }
    QString text = kPrefix + QLatin1String(cryptoErrorName(e));
    if (!detail.isEmpty())
        text += QStringLiteral(": ") + detail;
    return Error{code, text, 0};
}

CryptoError cryptoErrorOf(const Error &error) {
    if (!error.detail.startsWith(kPrefix))
        return CryptoError::None;
    const QStringView rest = QStringView(error.detail).mid(kPrefix.size());
    for (CryptoError e : kAll) {
        const QLatin1String name(cryptoErrorName(e));
        if (rest.startsWith(name) &&
            (rest.size() == name.size() || rest.at(name.size()) == QLatin1Char(':')))
            return e;
    }
    return CryptoError::None;
}

} // namespace tidings::crypto
