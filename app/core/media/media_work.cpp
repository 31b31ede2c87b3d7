#include "core/media/media_work.h"

#include "core/media/image_prep.h"
#include "crypto/media_stream.h"

#include <QFile>
#include <QFileInfo>

namespace tidings::client {

namespace {

//! A file that fails its reads once the transfer is cancelled (so a long encryption stops).
class CancellableFile : public QFile {
public:
    CancellableFile(const QString &path, CancelFlag cancel)
        : QFile(path)
        , m_cancel(std::move(cancel)) {}

protected:
    qint64 readData(char *data, qint64 maxSize) override {
        if (m_cancel && *m_cancel)
            return -1;
        return QFile::readData(data, maxSize);
    }

private:
    CancelFlag m_cancel;
};

Error usageError(const QString &words) {
    return Error{ErrorCode::Usage, words};
}

Status copyFile(const QString &from, const QString &to, const CancelFlag &cancel) {
    CancellableFile in(from, cancel);
    if (!in.open(QIODevice::ReadOnly))
        return usageError(QStringLiteral("The file cannot be read."));
    QFile out(to);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Error{ErrorCode::Storage, QStringLiteral("cannot write into the profile")};
    QByteArray buffer(1 << 20, Qt::Uninitialized);
    while (true) {
        const qint64 n = in.read(buffer.data(), buffer.size());
        if (n < 0) {
            out.remove();
            return cancel && *cancel ? Error{ErrorCode::Usage, QStringLiteral("cancelled")}
                                     : usageError(QStringLiteral("The file cannot be read."));
        }
        if (n == 0)
            break;
        if (out.write(buffer.constData(), n) != n) {
            out.remove();
            return Error{ErrorCode::Storage, QStringLiteral("cannot write into the profile")};
        }
    }
    return out.flush() ? Status() : Status(Error{ErrorCode::Storage, u"flush failed"_qs});
}

QString withSuffix(const QString &name, const QString &suffix) {
    const QFileInfo info(name);
    const QString base =
        info.completeBaseName().isEmpty() ? QStringLiteral("photo") : info.completeBaseName();
    return base + u'.' + suffix;
}

} // namespace

Result<PreparedUpload> prepareUpload(const PrepareInput &input, const MediaFiles &files,
                                     const CancelFlag &cancel) {
    const QFileInfo source(input.sourcePath);
    if (!source.isFile() || !source.isReadable())
        return usageError(QStringLiteral("The file cannot be read."));
    if (source.size() == 0)
        return usageError(QStringLiteral("The file is empty."));
    PreparedUpload out;
    out.fileName = input.fileName;
    out.mimeType = input.mimeType;
    out.kind = input.kind;
    bool copied = false;
    if (input.kind == media::AttachmentKind::Image && !input.asFile) {
        auto image = media::prepareImage(input.sourcePath);
        if (!image)
            return usageError(QStringLiteral("This image cannot be sent as a photo (%1); send it "
                                             "as a file instead.")
                                  .arg(image.error().detail));
        out.size = image->size;
        out.thumbnail = image->thumbnail;
        if (!image->sendAsFile) {
            // Re-encoded pixels only: no EXIF, no location, orientation applied.
            const bool png = image->mimeType == u"image/png";
            out.mimeType = image->mimeType;
            out.fileName = withSuffix(input.fileName, png ? u"png"_qs : u"jpg"_qs);
            out.localPath = files.newFilePath(out.fileName);
            QFile f(out.localPath);
            if (!f.open(QIODevice::WriteOnly) || f.write(image->bytes) != image->bytes.size() ||
                !f.flush())
                return Error{ErrorCode::Storage, QStringLiteral("cannot write into the profile")};
            copied = true;
        } else {
            out.kind = media::AttachmentKind::File; // animated: the original, with a still
        }
    }
    if (!copied) {
        out.localPath = files.newFilePath(out.fileName);
        if (auto s = copyFile(input.sourcePath, out.localPath, cancel); !s) {
            files.remove(out.localPath);
            return s.error();
        }
    }
    out.localSize = quint64(QFileInfo(out.localPath).size());

    CancellableFile plain(out.localPath, cancel);
    QFile blob(input.blobPath);
    if (!plain.open(QIODevice::ReadOnly) ||
        !blob.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        files.remove(out.localPath);
        return Error{ErrorCode::Storage, QStringLiteral("cannot write the upload")};
    }
    auto encrypted = crypto::encryptMedia(plain, out.localSize, blob);
    blob.close();
    if (!encrypted || (cancel && *cancel)) {
        QFile::remove(input.blobPath);
        files.remove(out.localPath);
        return cancel && *cancel ? Error{ErrorCode::Usage, QStringLiteral("cancelled")}
                                 : Error{ErrorCode::Storage, QStringLiteral("encryption failed")};
    }
    out.key = QByteArray(reinterpret_cast<const char *>(encrypted->key.data()),
                         qsizetype(encrypted->key.size()));
    out.sha256 = encrypted->sha256;
    out.plaintextSize = encrypted->plaintextSize;
    out.ciphertextSize = encrypted->ciphertextSize;
    out.chunkSize = encrypted->chunkSize;
    return out;
}

Status decryptDownload(const QString &blobPath, const media::AttachmentDescriptor &pointer,
                       const QString &scratchPath, const QString &finalPath,
                       const CancelFlag &cancel) {
    CancellableFile in(blobPath, cancel);
    QFile out(scratchPath);
    if (!in.open(QIODevice::ReadOnly))
        return Error{ErrorCode::Storage, QStringLiteral("the download is gone")};
    if (quint64(in.size()) != pointer.ciphertextSize)
        return Error{ErrorCode::BadFrame, QStringLiteral("the file is incomplete")};
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Error{ErrorCode::Storage, QStringLiteral("cannot write into the profile")};
    const Status s = crypto::decryptMedia(
        in, out, crypto::SecretBytes::fromRaw(pointer.key.constData(), size_t(pointer.key.size())),
        pointer.ciphertextSha256, pointer.plaintextSize);
    out.close();
    if (!s || (cancel && *cancel)) {
        out.remove();
        if (!s)
            return s;
        return Error{ErrorCode::Usage, QStringLiteral("cancelled")};
    }
    QFile::remove(finalPath);
    if (!QFile::rename(scratchPath, finalPath)) {
        QFile::remove(scratchPath);
        return Error{ErrorCode::Storage, QStringLiteral("cannot move the file into place")};
    }
    return {};
}

QString transferErrorText(const Error &error, bool upload) {
    switch (error.code) {
    case ErrorCode::Usage:
        return error.detail;
    case ErrorCode::TooLarge:
        return QStringLiteral("The file is larger than the server accepts.");
    case ErrorCode::QuotaExceeded:
        return QStringLiteral("Your storage on the server is full.");
    case ErrorCode::StorageFull:
        return QStringLiteral("The server's disk is full. Try again later.");
    case ErrorCode::NoSuchBlob:
        return upload ? QStringLiteral("The server lost the upload.")
                      : QStringLiteral("The file is no longer on the server.");
    case ErrorCode::HashMismatch:
    case ErrorCode::BadFrame:
        return upload ? QStringLiteral("The server received a damaged upload.")
                      : QStringLiteral("The file was altered or is incomplete and cannot be "
                                       "opened.");
    case ErrorCode::Storage:
        return QStringLiteral("The file cannot be stored on this device.");
    case ErrorCode::NotAuthenticated:
    case ErrorCode::BadToken:
    case ErrorCode::Forbidden:
        return QStringLiteral("The server refused the transfer.");
    default:
        return upload ? QStringLiteral("The upload failed.")
                      : QStringLiteral("The download failed.");
    }
}

} // namespace tidings::client
