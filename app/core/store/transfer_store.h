#pragma once
// Attachments of messages and the transfer jobs that move them (issue 10). Owns two tables:
//
// - `attachments`: one row per file of a message, bound to its message row. The pointer (blob
//   id, file key, hash, sizes, name, type, thumbnail, waveform) is sealed under the store key and
//   bound to (message row, index), so it can be neither read nor moved to another message; the
//   local file's path is sealed too (it holds the file name). Transfer state, progress, the
//   words of an error, the local file's size and its last use (the cache's LRU order) are plain.
//   A pointer refused on receipt is kept as a row without a pointer: the message shows an
//   attachment error instead of losing the fact that something was attached.
// - `transfers`: the persisted jobs (upload or download of one attachment), sealed as a whole
//   (paths, the server's upload id): they survive a restart and resume.
//
// MessageStore writes the attachment rows of new messages in its transactions; the Media module
// changes states, local files and jobs. Every write joins the caller's transaction.
#include "core/store/records.h"
#include "protocol/result.h"

#include <optional>

namespace tidings::client {

class Database;

//! One attachment as stored: the app's view plus what only the Media module handles.
struct StoredAttachment {
    qint64 messageRowId = 0;
    int index = 0;
    quint64 conversationId = 0;
    quint64 seq = 0; //!< 0 while the message is pending
    QString clientMessageId;
    bool outgoing = false;
    //! False: the pointer was refused on receipt; `pointer` is empty, the record says why.
    bool valid = true;
    media::AttachmentDescriptor pointer; //!< with the file key: never log or show it
    AttachmentRecord record;
    quint64 localSize = 0; //!< bytes of the local file counted against the cache
    qint64 lastUsedMs = 0;
};

//! A persisted upload or download of one attachment.
struct TransferJob {
    enum class Stage { Prepare = 0, Upload = 1, Finish = 2, Send = 3, Fetch = 10, Decrypt = 11 };
    qint64 messageRowId = 0;
    int index = 0;
    bool upload = true;
    Stage stage = Stage::Prepare;
    QString sourcePath; //!< upload: the file the user chose (read, never changed)
    QString tempPath;   //!< upload: the encrypted blob; download: the ciphertext fetched so far
    QString uploadId;   //!< the server's resumable upload, once created
    bool asFile = false;
    int attempts = 0; //!< consecutive failures (backoff), reset by progress
    //! Times the file was uploaded again because the server refused the message's send: its
    //! blob was collected before the message could point to it (NO_SUCH_BLOB). Bounded per
    //! message; reset by the user's retry.
    int reuploads = 0;
    qint64 createdAtMs = 0;
};

class TransferStore {
public:
    explicit TransferStore(Database &db)
        : m_db(db) {}

    // --- attachments --------------------------------------------------------------------------
    //! The attachments of a new message row (MessageStore calls this in its transaction).
    //! `invalid` more rows are added after them for pointers refused on receipt.
    Status addAttachments(qint64 messageRowId, const QList<media::AttachmentDescriptor> &pointers,
                          AttachmentRecord::Transfer state, int invalid = 0);
    Result<std::optional<StoredAttachment>> attachment(qint64 messageRowId, int index) const;
    Result<QList<StoredAttachment>> attachmentsOf(qint64 messageRowId) const;
    //! The attachments of the message at `seq` (received, or mine once stored).
    Result<QList<StoredAttachment>> attachmentsAt(quint64 conversationId, quint64 seq) const;
    //! The attachments of messages with this client id, mine first.
    Result<QList<StoredAttachment>> attachmentsByClientId(const QString &clientMessageId) const;
    Status setPointer(qint64 messageRowId, int index, const media::AttachmentDescriptor &pointer);
    Status setState(qint64 messageRowId, int index, AttachmentRecord::Transfer state,
                    quint64 transferred, const QString &error = QString());
    //! The decrypted (or sent) file on this device; an empty path forgets it.
    Status setLocalFile(qint64 messageRowId, int index, const QString &path, quint64 size,
                        qint64 nowMs);
    Status touch(qint64 messageRowId, int index, qint64 nowMs);
    //! Bytes of local files in the cache.
    Result<quint64> cacheBytes() const;
    //! Attachments with a local file, least recently used first.
    Result<QList<StoredAttachment>> cachedFiles() const;
    //! Fills MessageRecord::attachments of each message (one query).
    Status fill(QList<MessageRecord> &messages) const;

    // --- jobs ---------------------------------------------------------------------------------
    Status putJob(const TransferJob &job);
    Result<std::optional<TransferJob>> job(qint64 messageRowId, int index) const;
    Status removeJob(qint64 messageRowId, int index);
    //! Every persisted job, oldest first.
    Result<QList<TransferJob>> jobs() const;

private:
    Result<QList<StoredAttachment>> select(const QString &where,
                                           const QList<QVariant> &values) const;

    Database &m_db;
};

namespace detail {
//! MessageRecord::attachments for each message read by a query (the readers outside
//! TransferStore use it: chat list, search).
Status fillAttachments(const Database &db, QList<MessageRecord> &messages);
} // namespace detail

} // namespace tidings::client
