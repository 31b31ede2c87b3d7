#pragma once
// Value types of the client's media preparation: typed errors, and the attachment descriptor
// that will travel inside the end-to-end encrypted message body (a plain struct until the
// protobuf message lands; see the AttachmentPointer proposal in docs of issue 10).
#include <QByteArray>
#include <QMetaType>
#include <QSize>
#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace tidings::client::media {

enum class MediaErrorCode {
    Unreadable,  //!< the file cannot be opened
    Empty,       //!< 0 bytes, or an image of 0×0
    Corrupt,     //!< the decoder rejects it (truncated, malformed)
    TooLarge,    //!< dimensions or pixel count over the bound, refused before decoding
    Unsupported, //!< no decoder for this format here
    Timeout,     //!< the decoder did not finish in time
    Encode,      //!< re-encoding failed
};

const char *mediaErrorName(MediaErrorCode code);

struct MediaError {
    MediaErrorCode code = MediaErrorCode::Corrupt;
    QString detail;
};

template <typename T> class [[nodiscard]] MediaResult {
public:
    MediaResult(T value)
        : m_v(std::move(value)) {}
    MediaResult(MediaError error)
        : m_v(std::move(error)) {}
    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    T &value() { return std::get<0>(m_v); }
    const T &value() const { return std::get<0>(m_v); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    const MediaError &error() const { return std::get<1>(m_v); }

private:
    std::variant<T, MediaError> m_v;
};

enum class AttachmentKind { File = 0, Image = 1, Video = 2, Audio = 3, Voice = 4 };

//! Everything a receiver needs to fetch, verify, decrypt and preview one attachment.
struct AttachmentDescriptor {
    QString blobId;              //!< the server's name for the blob
    QByteArray key;              //!< 32 bytes, fresh per file (crypto::encryptMedia)
    QByteArray ciphertextSha256; //!< 32 bytes, checked before any decryption
    quint64 ciphertextSize = 0;
    quint64 plaintextSize = 0; //!< where the padded plaintext ends
    quint32 chunkSize = 0;
    QString mimeType;
    QString fileName; //!< already passed through safeFileName()
    AttachmentKind kind = AttachmentKind::File;
    int width = 0; //!< images and videos, after EXIF orientation
    int height = 0;
    qint64 durationMs = 0; //!< video, audio, voice
    QByteArray thumbnail;  //!< small JPEG shown blurred until the full image arrives
    QByteArray waveform;   //!< voice/audio: one peak (0..255) per bucket
    QString caption;
};

} // namespace tidings::client::media

Q_DECLARE_METATYPE(tidings::client::media::MediaError)
