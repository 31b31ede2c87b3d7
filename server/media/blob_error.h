#pragma once
// Typed errors of the blob store. They carry more than tidings::Error can (the current offset
// of an upload for a conflict), so the store has its own small result types; toHttp-style
// mapping (name + status) lets the HTTP layer answer {"error": NAME, "offset": n}.
#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace tidings::media {

enum class BlobErrorCode {
    InvalidId,      //!< not a well-formed blob or upload id: never reaches the file system
    NotFound,       //!< no such blob or upload
    OffsetMismatch, //!< append at an offset other than the current one (see currentOffset)
    TooLarge,       //!< declared size over the limit, or bytes beyond the declared size
    Busy,           //!< another append or finish of the same upload is running
    Incomplete,     //!< finish before every declared byte arrived (see currentOffset)
    HashMismatch,   //!< the staged bytes do not hash to the expected SHA-256
    NoSpace,        //!< the disk is full (ENOSPC/EDQUOT); the staging file stays consistent
    Io,             //!< any other file-system failure
};

//! Wire-style names: INVALID_ID, NO_SUCH_BLOB, OFFSET_MISMATCH, TOO_LARGE, UPLOAD_BUSY,
//! UPLOAD_INCOMPLETE, HASH_MISMATCH, STORAGE_FULL, INTERNAL.
const char *blobErrorName(BlobErrorCode code);
//! The HTTP status the media endpoints answer with (400, 404, 409, 413, 409, 409, 422, 507, 500).
int blobErrorHttpStatus(BlobErrorCode code);

struct BlobError {
    BlobErrorCode code = BlobErrorCode::Io;
    QString detail;
    quint64 currentOffset = 0; //!< for OffsetMismatch and Incomplete
};

template <typename T> class [[nodiscard]] BlobResult {
public:
    BlobResult(T value)
        : m_v(std::move(value)) {}
    BlobResult(BlobError error)
        : m_v(std::move(error)) {}
    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    T &value() { return std::get<0>(m_v); }
    const T &value() const { return std::get<0>(m_v); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    const BlobError &error() const { return std::get<1>(m_v); }

private:
    std::variant<T, BlobError> m_v;
};

class [[nodiscard]] BlobStatus {
public:
    BlobStatus() = default;
    BlobStatus(BlobError error)
        : m_error(std::move(error)) {}
    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const BlobError &error() const { return *m_error; }

private:
    std::optional<BlobError> m_error;
};

} // namespace tidings::media
