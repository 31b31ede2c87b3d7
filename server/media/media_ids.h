#pragma once
// The only names the store ever puts into a path. Both are parsed strictly (fixed length, fixed
// alphabet), so no id can contain '/', '.', NUL or anything else a path could be bent with.
#include <QByteArray>
#include <QString>

#include <optional>

namespace tidings::media {

//! A blob's name: the SHA-256 of its ciphertext, as 64 lower-case hex digits.
class BlobId {
public:
    static constexpr int kHexLength = 64;
    static std::optional<BlobId> fromHex(QStringView hex);
    //! `digest` must be 32 bytes.
    static std::optional<BlobId> fromDigest(const QByteArray &digest);
    const QString &hex() const { return m_hex; }
    QByteArray digest() const { return QByteArray::fromHex(m_hex.toLatin1()); }
    bool operator==(const BlobId &o) const { return m_hex == o.m_hex; }

private:
    explicit BlobId(QString hex)
        : m_hex(std::move(hex)) {}
    QString m_hex;
};

//! An upload's name: 16 random bytes as 22 base64url characters (unguessable, path-safe).
class UploadId {
public:
    static constexpr int kLength = 22;
    static std::optional<UploadId> parse(QStringView text);
    static UploadId generate();
    const QString &text() const { return m_text; }
    bool operator==(const UploadId &o) const { return m_text == o.m_text; }

private:
    explicit UploadId(QString text)
        : m_text(std::move(text)) {}
    QString m_text;
};

} // namespace tidings::media
