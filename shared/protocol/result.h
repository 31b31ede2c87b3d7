#pragma once
// Errors as values: every layer boundary returns Result<T> with a typed code that maps 1:1 onto
// the wire's ErrorCode, so a failure deep in the server reaches the client unchanged.
#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace tidings {

//! Mirrors tidings.wire.ErrorCode value for value (checked by static_asserts in codec.cpp).
enum class ErrorCode : int {
    None = 0,
    BadFrame = 1,
    TooLarge = 2,
    UnknownFrame = 3,
    NotAuthenticated = 4,
    BadCredentials = 5,
    UsernameTaken = 6,
    InvalidUsername = 7,
    WeakPassword = 8,
    RateLimited = 9,
    BadToken = 10,
    NoSuchUser = 11,
    NotMember = 12,
    NoSuchConversation = 13,
    Internal = 14,
    AlreadyAuthenticated = 15,
    StaleDevices = 16,
    Forbidden = 17,
    NotAdmin = 18,
    GroupFull = 19,
    NotAGroup = 20,
    NoSuchDevice = 21,
    NoKeys = 22,
    IdentityMismatch = 23,
    // Media (answered over HTTP as JSON {"error": NAME}):
    NoSuchBlob = 24,
    OffsetMismatch = 25,
    HashMismatch = 26,
    UploadIncomplete = 27,
    QuotaExceeded = 28,
    StorageFull = 29,
    // The device opened a newer connection; this one is closed (do not reconnect it):
    SessionReplaced = 30,
    NotEncrypted = 31, //!< a message body without end-to-end encryption; the server refuses it
    GroupStateConflict = 32, //!< a signed group change not on the group's head: fetch, sign again
    BadGroupChange = 33,     //!< a signed group change that is not valid (signature, keys, rules)
    BadRecoveryKey = 34,     //!< a recovery not signed by the account's recovery key
    RegistrationClosed = 35, //!< the server takes no new accounts
    BadInvite = 36,          //!< registration by invitation: the code is unknown, used or expired
    AccountDisabled = 37,    //!< the admin disabled this account (until enabled again)
    // Client-side only (never on the wire):
    Network = 100,
    Timeout = 101,
    Storage = 102,
    Usage = 103,
    ProfileInUse = 104, //!< another process has this profile open (its local store is locked)
    //! The server's TLS certificate is not signed by an authority this system trusts, and the
    //! user has not trusted its fingerprint yet (trust on first use: compare, then trust).
    UntrustedCertificate = 105,
    //! The server's certificate is not the one whose fingerprint the user trusted: stop.
    CertificateChanged = 106,
    //! A backup archive that is truncated, damaged, or made by a newer Tidings.
    BadBackup = 107,
};

const char *errorCodeName(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::Internal;
    QString detail;
    quint32 retryAfterMs = 0;
    //! ERROR_STALE_DEVICES: the serialized wire::StaleDevices (which devices are current).
    QByteArray staleDevices = {};
    //! Media over HTTP, ERROR_OFFSET_MISMATCH and ERROR_UPLOAD_INCOMPLETE: where the upload stands
    //! (the JSON body's "offset"); never in a frame.
    std::optional<quint64> uploadOffset = {};

    QString toString() const;
};

template <typename T> class [[nodiscard]] Result {
public:
    Result(T value)
        : m_v(std::move(value)) {}
    Result(Error error)
        : m_v(std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    T &value() { return std::get<0>(m_v); }
    const T &value() const { return std::get<0>(m_v); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    const Error &error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

//! Result for operations without a value.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error)
        : m_error(std::move(error)) {}
    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

//! Errors after which the same request may succeed if sent again later.
inline bool isRetryable(ErrorCode code) {
    return code == ErrorCode::Internal || code == ErrorCode::RateLimited;
}

} // namespace tidings
