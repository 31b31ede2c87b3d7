#include "core/media/media_work.h"

#include "core/media/image_prep.h"
#include "crypto/crypto_error.h"
#include "crypto/media_stream.h"

#include <QBuffer>
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

//! Reads from `in` and writes every byte it hands out to `copy` as well: the profile's copy of a
//! file is written in the same pass that encrypts it (one read of the source instead of two).
class TeeDevice : public QIODevice {
public:
    TeeDevice(QIODevice *in, QIODevice *copy)
        : m_in(in)
        , m_copy(copy) {
        open(QIODevice::ReadOnly);
    }
    bool isSequential() const override { return true; }
    bool copyFailed() const { return m_copyFailed; }

protected:
    qint64 readData(char *data, qint64 maxSize) override {
        const qint64 n = m_in->read(data, maxSize);
        if (n > 0 && m_copy->write(data, n) != n) {
            m_copyFailed = true;
            return -1;
        }
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    QIODevice *m_in;
    QIODevice *m_copy;
    bool m_copyFailed = false;
};

//! The blob file, written unbuffered so that every byte counted is readable by the upload's own
//! handle at once, and counted into PrepareInput::progress after each write.
class BlobDevice : public QIODevice {
public:
    BlobDevice(const QString &path, std::shared_ptr<BlobProgress> progress)
        : m_file(path)
        , m_progress(std::move(progress)) {}
    bool openForWriting() {
        return m_file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Unbuffered) &&
               open(QIODevice::WriteOnly | QIODevice::Unbuffered);
    }
    bool isSequential() const override { return true; }
    void close() override {
        m_file.close();
        QIODevice::close();
    }

protected:
    qint64 readData(char *, qint64) override { return -1; }
    qint64 writeData(const char *data, qint64 size) override {
        const qint64 n = m_file.write(data, size);
        if (n > 0) {
            m_count += quint64(n);
            if (m_progress)
                m_progress->advance(m_count);
        }
        return n;
    }

private:
    QFile m_file;
    std::shared_ptr<BlobProgress> m_progress;
    quint64 m_count = 0;
};

//! The source no longer has the size the upload was created with.
Error changedError() {
    return usageError(QStringLiteral("The file changed while it was being sent. Try again."));
}

QString withSuffix(const QString &name, const QString &suffix) {
    const QFileInfo info(name);
    const QString base =
        info.completeBaseName().isEmpty() ? QStringLiteral("photo") : info.completeBaseName();
    return base + u'.' + suffix;
}

//! The key, hash and sizes of an encryption.
void takeEncryption(PreparedUpload &out, const crypto::MediaEncryption &e) {
    out.key = QByteArray(reinterpret_cast<const char *>(e.key.data()), qsizetype(e.key.size()));
    out.sha256 = e.sha256;
    out.plaintextSize = e.plaintextSize;
    out.ciphertextSize = e.ciphertextSize;
    out.chunkSize = e.chunkSize;
}

//! PrepareInput::sourceIsLocalCopy: a new blob of the profile's copy, which stays as it is.
Result<PreparedUpload> encryptLocalCopy(const PrepareInput &input, PreparedUpload out,
                                        const CancelFlag &cancel) {
    out.localPath = input.sourcePath;
    CancellableFile in(input.sourcePath, cancel);
    BlobDevice blob(input.blobPath, input.progress);
    if (!in.open(QIODevice::ReadOnly))
        return usageError(QStringLiteral("The file cannot be read."));
    if (input.expectedPlaintextSize != 0 && quint64(in.size()) != input.expectedPlaintextSize)
        return changedError();
    if (!blob.openForWriting())
        return Error{ErrorCode::Storage, QStringLiteral("cannot write the upload")};
    out.localSize = quint64(in.size());
    auto encrypted = crypto::encryptMedia(in, out.localSize, blob);
    blob.close();
    if (!encrypted || (cancel && *cancel)) {
        QFile::remove(input.blobPath);
        if (cancel && *cancel)
            return Error{ErrorCode::Usage, QStringLiteral("cancelled")};
        return in.error() != QFileDevice::NoError
                   ? usageError(QStringLiteral("The file cannot be read."))
                   : Error{ErrorCode::Storage, QStringLiteral("encryption failed")};
    }
    takeEncryption(out, *encrypted);
    return out;
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
    if (input.sourceIsLocalCopy)
        return encryptLocalCopy(input, std::move(out), cancel);
    bool copied = false;
    QByteArray encoded; //!< the re-encoded photo, when there is one
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
            encoded = image->bytes;
            copied = true;
        } else {
            out.kind = media::AttachmentKind::File; // animated: the original, with a still
        }
    }
    // The blob: encrypted from the re-encoded photo in memory, or from the source while the
    // profile's copy is written in the same pass.
    BlobDevice blob(input.blobPath, input.progress);
    if (!blob.openForWriting()) {
        if (copied)
            files.remove(out.localPath);
        return Error{ErrorCode::Storage, QStringLiteral("cannot write the upload")};
    }
    Result<crypto::MediaEncryption> encrypted = Error{ErrorCode::Internal, QString()};
    bool unreadable = false, copyFailed = false, changed = false;
    if (copied) {
        QBuffer bytes(&encoded);
        bytes.open(QIODevice::ReadOnly);
        out.localSize = quint64(encoded.size());
        encrypted = crypto::encryptMedia(bytes, out.localSize, blob);
    } else {
        out.localPath = files.newFilePath(out.fileName);
        CancellableFile in(input.sourcePath, cancel);
        QFile copy(out.localPath);
        if (!in.open(QIODevice::ReadOnly)) {
            unreadable = true;
        } else if (input.expectedPlaintextSize != 0 &&
                   quint64(in.size()) != input.expectedPlaintextSize) {
            changed = true;
        } else if (!copy.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            copyFailed = true;
        } else {
            out.localSize = quint64(in.size());
            TeeDevice tee(&in, &copy);
            encrypted = crypto::encryptMedia(tee, out.localSize, blob);
            copyFailed = tee.copyFailed() || !copy.flush();
            unreadable = !encrypted && !copyFailed && in.error() != QFileDevice::NoError;
        }
    }
    blob.close();
    if (!encrypted || copyFailed || unreadable || changed || (cancel && *cancel)) {
        QFile::remove(input.blobPath);
        files.remove(out.localPath);
        if (cancel && *cancel)
            return Error{ErrorCode::Usage, QStringLiteral("cancelled")};
        if (changed)
            return changedError();
        if (unreadable)
            return usageError(QStringLiteral("The file cannot be read."));
        if (copyFailed)
            return Error{ErrorCode::Storage, QStringLiteral("cannot write into the profile")};
        return Error{ErrorCode::Storage, QStringLiteral("encryption failed")};
    }
    takeEncryption(out, *encrypted);
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
        if (!s) {
            // A blob whose bytes are not the ones the sender hashed is HASH_MISMATCH to the
            // user (and the CLI's exit status), not a generic malformed-data error.
            if (crypto::cryptoErrorOf(s.error()) == crypto::CryptoError::DigestMismatch)
                return Error{ErrorCode::HashMismatch,
                             QStringLiteral("the file was altered: it does not match its hash")};
            return s;
        }
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
