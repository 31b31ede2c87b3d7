#include "media_ids.h"

#include <QRandomGenerator>

namespace tidings::media {

std::optional<BlobId> BlobId::fromHex(QStringView hex) {
    if (hex.size() != kHexLength)
        return std::nullopt;
    for (QChar c : hex) {
        const char16_t u = c.unicode();
        if (!((u >= '0' && u <= '9') || (u >= 'a' && u <= 'f')))
            return std::nullopt; // lower case only: one spelling per blob
    }
    return BlobId(hex.toString());
}

std::optional<BlobId> BlobId::fromDigest(const QByteArray &digest) {
    if (digest.size() != kHexLength / 2)
        return std::nullopt;
    return BlobId(QString::fromLatin1(digest.toHex()));
}

std::optional<UploadId> UploadId::parse(QStringView text) {
    if (text.size() != kLength)
        return std::nullopt;
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if (!((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
              u == '-' || u == '_'))
            return std::nullopt;
    }
    // 22 characters carry 132 bits; the last one holds only 2 bits of the 16 bytes. Requiring
    // the canonical form keeps one spelling per id.
    const QByteArray raw = QByteArray::fromBase64(text.toLatin1(), QByteArray::Base64UrlEncoding);
    if (raw.size() != 16 || raw.toBase64(QByteArray::Base64UrlEncoding |
                                         QByteArray::OmitTrailingEquals) != text.toLatin1())
        return std::nullopt;
    return UploadId(text.toString());
}

UploadId UploadId::generate() {
    QByteArray raw(16, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(raw.data()),
                                         reinterpret_cast<quint32 *>(raw.data() + raw.size()));
    return UploadId(QString::fromLatin1(
        raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)));
}

} // namespace tidings::media
