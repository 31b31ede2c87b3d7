#pragma once
// The blocking file work of transfers, run on the Media module's thread pool (never on the GUI
// thread): preparing an outgoing file (photos re-encoded without metadata, everything else
// copied into the profile), encrypting it into an upload blob, and verifying + decrypting a
// downloaded blob into the profile. Each step stops early when its cancel flag is set. Nothing
// partial is left under a final name: outputs are written to scratch files and renamed.
#include "core/media/blob_progress.h"
#include "core/media/media_files.h"
#include "core/media/media_types.h"
#include "protocol/result.h"

#include <QByteArray>
#include <QSize>
#include <QString>

#include <atomic>
#include <memory>

namespace tidings::client {

using CancelFlag = std::shared_ptr<std::atomic_bool>;

struct PrepareInput {
    QString sourcePath;
    QString fileName; //!< safe name of the source
    QString mimeType;
    media::AttachmentKind kind = media::AttachmentKind::File;
    bool asFile = false;
    QString blobPath; //!< where the encrypted blob goes
    //! The source is the profile's copy of a file prepared before (encrypting it again after the
    //! server lost its blob): it is encrypted as it is, neither re-encoded nor copied, and kept
    //! whatever happens.
    bool sourceIsLocalCopy = false;
    //! When set, told how much of the blob is on disk as it is written (the upload streams it
    //! while it is being encrypted), and ended whatever the outcome.
    std::shared_ptr<BlobProgress> progress;
    //! When not 0: the size the upload was created with before encrypting; a file whose size
    //! differs now (changed since) is refused instead of sending a blob of another size.
    quint64 expectedPlaintextSize = 0;
};

struct PreparedUpload {
    QString localPath; //!< the copy (or re-encoded photo) in the profile
    quint64 localSize = 0;
    QString fileName;
    QString mimeType;
    media::AttachmentKind kind = media::AttachmentKind::File;
    QSize size;
    QByteArray thumbnail;
    // the blob
    QByteArray key;
    QByteArray sha256;
    quint64 plaintextSize = 0;
    quint64 ciphertextSize = 0;
    quint32 chunkSize = 0;
};

//! Prepares and encrypts one outgoing file. Errors: Usage (unreadable, empty, a photo that
//! cannot be decoded, with words for the user), Storage (the profile cannot be written).
Result<PreparedUpload> prepareUpload(const PrepareInput &input, const MediaFiles &files,
                                     const CancelFlag &cancel);

//! Checks the blob's SHA-256, decrypts it and renames the plaintext to `finalPath`. A tampered or
//! truncated blob is HashMismatch / BadFrame and leaves nothing behind.
Status decryptDownload(const QString &blobPath, const media::AttachmentDescriptor &pointer,
                       const QString &scratchPath, const QString &finalPath,
                       const CancelFlag &cancel);

//! Words for the user for a transfer error (shown on the message; never a file name).
QString transferErrorText(const Error &error, bool upload);

} // namespace tidings::client
