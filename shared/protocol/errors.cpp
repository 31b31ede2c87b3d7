// Error codes by name and their agreement with the wire enum: the one place a new wire code
// must be added to tidings::ErrorCode (the static_asserts fail otherwise).
#include "protocol/codec.h"

namespace tidings {

const char *errorCodeName(ErrorCode code) {
    switch (code) {
    case ErrorCode::None:
        return "NONE";
    case ErrorCode::BadFrame:
        return "BAD_FRAME";
    case ErrorCode::TooLarge:
        return "TOO_LARGE";
    case ErrorCode::UnknownFrame:
        return "UNKNOWN_FRAME";
    case ErrorCode::NotAuthenticated:
        return "NOT_AUTHENTICATED";
    case ErrorCode::BadCredentials:
        return "BAD_CREDENTIALS";
    case ErrorCode::UsernameTaken:
        return "USERNAME_TAKEN";
    case ErrorCode::InvalidUsername:
        return "INVALID_USERNAME";
    case ErrorCode::WeakPassword:
        return "WEAK_PASSWORD";
    case ErrorCode::RateLimited:
        return "RATE_LIMITED";
    case ErrorCode::BadToken:
        return "BAD_TOKEN";
    case ErrorCode::NoSuchUser:
        return "NO_SUCH_USER";
    case ErrorCode::NotMember:
        return "NOT_MEMBER";
    case ErrorCode::NoSuchConversation:
        return "NO_SUCH_CONVERSATION";
    case ErrorCode::Internal:
        return "INTERNAL";
    case ErrorCode::AlreadyAuthenticated:
        return "ALREADY_AUTHENTICATED";
    case ErrorCode::StaleDevices:
        return "STALE_DEVICES";
    case ErrorCode::Forbidden:
        return "FORBIDDEN";
    case ErrorCode::NotAdmin:
        return "NOT_ADMIN";
    case ErrorCode::GroupFull:
        return "GROUP_FULL";
    case ErrorCode::NotAGroup:
        return "NOT_A_GROUP";
    case ErrorCode::NoSuchDevice:
        return "NO_SUCH_DEVICE";
    case ErrorCode::NoKeys:
        return "NO_KEYS";
    case ErrorCode::IdentityMismatch:
        return "IDENTITY_MISMATCH";
    case ErrorCode::NoSuchBlob:
        return "NO_SUCH_BLOB";
    case ErrorCode::OffsetMismatch:
        return "OFFSET_MISMATCH";
    case ErrorCode::HashMismatch:
        return "HASH_MISMATCH";
    case ErrorCode::UploadIncomplete:
        return "UPLOAD_INCOMPLETE";
    case ErrorCode::QuotaExceeded:
        return "QUOTA_EXCEEDED";
    case ErrorCode::StorageFull:
        return "STORAGE_FULL";
    case ErrorCode::SessionReplaced:
        return "SESSION_REPLACED";
    case ErrorCode::NotEncrypted:
        return "NOT_ENCRYPTED";
    case ErrorCode::GroupStateConflict:
        return "GROUP_STATE_CONFLICT";
    case ErrorCode::BadGroupChange:
        return "BAD_GROUP_CHANGE";
    case ErrorCode::BadRecoveryKey:
        return "BAD_RECOVERY_KEY";
    case ErrorCode::RegistrationClosed:
        return "REGISTRATION_CLOSED";
    case ErrorCode::BadInvite:
        return "BAD_INVITE";
    case ErrorCode::AccountDisabled:
        return "ACCOUNT_DISABLED";
    case ErrorCode::Network:
        return "NETWORK";
    case ErrorCode::Timeout:
        return "TIMEOUT";
    case ErrorCode::Storage:
        return "STORAGE";
    case ErrorCode::Usage:
        return "USAGE";
    case ErrorCode::ProfileInUse:
        return "PROFILE_IN_USE";
    case ErrorCode::UntrustedCertificate:
        return "UNTRUSTED_CERTIFICATE";
    case ErrorCode::CertificateChanged:
        return "CERTIFICATE_CHANGED";
    case ErrorCode::BadBackup:
        return "BAD_BACKUP";
    }
    return "UNKNOWN";
}

QString Error::toString() const {
    return detail.isEmpty()
               ? QString::fromLatin1(errorCodeName(code))
               : QStringLiteral("%1: %2").arg(QLatin1String(errorCodeName(code)), detail);
}

namespace protocol {

static_assert(int(wire::ERROR_BAD_FRAME) == int(ErrorCode::BadFrame));
static_assert(int(wire::ERROR_TOO_LARGE) == int(ErrorCode::TooLarge));
static_assert(int(wire::ERROR_NOT_AUTHENTICATED) == int(ErrorCode::NotAuthenticated));
static_assert(int(wire::ERROR_RATE_LIMITED) == int(ErrorCode::RateLimited));
static_assert(int(wire::ERROR_NOT_MEMBER) == int(ErrorCode::NotMember));
static_assert(int(wire::ERROR_INTERNAL) == int(ErrorCode::Internal));
static_assert(int(wire::ERROR_FORBIDDEN) == int(ErrorCode::Forbidden));
static_assert(int(wire::ERROR_NOT_ADMIN) == int(ErrorCode::NotAdmin));
static_assert(int(wire::ERROR_NO_SUCH_DEVICE) == int(ErrorCode::NoSuchDevice));
static_assert(int(wire::ERROR_NO_KEYS) == int(ErrorCode::NoKeys));
static_assert(int(wire::ERROR_IDENTITY_MISMATCH) == int(ErrorCode::IdentityMismatch));
static_assert(int(wire::ERROR_NO_SUCH_BLOB) == int(ErrorCode::NoSuchBlob));
static_assert(int(wire::ERROR_OFFSET_MISMATCH) == int(ErrorCode::OffsetMismatch));
static_assert(int(wire::ERROR_HASH_MISMATCH) == int(ErrorCode::HashMismatch));
static_assert(int(wire::ERROR_UPLOAD_INCOMPLETE) == int(ErrorCode::UploadIncomplete));
static_assert(int(wire::ERROR_QUOTA_EXCEEDED) == int(ErrorCode::QuotaExceeded));
static_assert(int(wire::ERROR_STORAGE_FULL) == int(ErrorCode::StorageFull));
static_assert(int(wire::ERROR_SESSION_REPLACED) == int(ErrorCode::SessionReplaced));
static_assert(int(wire::ERROR_NOT_ENCRYPTED) == int(ErrorCode::NotEncrypted));
static_assert(int(wire::ERROR_GROUP_STATE_CONFLICT) == int(ErrorCode::GroupStateConflict));
static_assert(int(wire::ERROR_BAD_GROUP_CHANGE) == int(ErrorCode::BadGroupChange));
static_assert(int(wire::ERROR_BAD_RECOVERY_KEY) == int(ErrorCode::BadRecoveryKey));
static_assert(int(wire::ERROR_REGISTRATION_CLOSED) == int(ErrorCode::RegistrationClosed));
static_assert(int(wire::ERROR_BAD_INVITE) == int(ErrorCode::BadInvite));
static_assert(int(wire::ERROR_ACCOUNT_DISABLED) == int(ErrorCode::AccountDisabled));
static_assert(int(wire::ErrorCode_MAX) == int(ErrorCode::AccountDisabled),
              "add new wire error codes to tidings::ErrorCode");

} // namespace protocol
} // namespace tidings
