#pragma once
// The desktop's narrow view of the client core's media module (plan/MEDIA.md, client::Media):
// exactly the calls and signals the views use, with the attachment as a UI value. The app
// implements it over client::Media (core_media_port.h); tests, screenshots and the benchmark use a
// fake, so the views are tested without a server.
#include "protocol/result.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QSize>
#include <QString>
#include <QStringList>

namespace tidings::client {
struct MessageRecord;
}

namespace tidings::ui {

//! One attachment of a message, as client::AttachmentRecord describes it.
struct Attachment {
    enum class Kind { File, Image, Video, Audio, Voice };
    enum class Transfer { None, Queued, Running, Paused, Failed, Cancelled, Done };
    Kind kind = Kind::File;
    QString fileName; //!< safe display name
    QString mimeType;
    quint64 size = 0; //!< plaintext bytes
    int width = 0;    //!< images and videos, oriented
    int height = 0;
    qint64 durationMs = 0;
    QByteArray thumbnail; //!< tiny inline JPEG, shown blurred
    QByteArray waveform;  //!< voice/audio peaks 0..255
    QString blobId;
    QString localPath; //!< the decrypted file on this device; empty until downloaded
    Transfer transfer = Transfer::None;
    quint64 transferredBytes = 0;
    QString transferError; //!< words for the user when Failed

    bool isVisual() const { return kind == Kind::Image || kind == Kind::Video; }
    bool isAudio() const { return kind == Kind::Audio || kind == Kind::Voice; }
    bool isActive() const {
        return transfer == Transfer::Queued || transfer == Transfer::Running ||
               transfer == Transfer::Paused;
    }
    //! 0..1 of the running transfer.
    double progress() const {
        return size ? qBound(0.0, double(transferredBytes) / double(size), 1.0) : 0.0;
    }
    QSize dimensions() const { return QSize(width, height); }
};

//! A file to send (client::OutgoingFile).
struct OutgoingMedia {
    QString path;
    bool asFile = false; //!< a photo or video as a plain file (no re-encoding)
    Attachment::Kind kind = Attachment::Kind::File; //!< Voice for voice notes; else detected
    QByteArray waveform;                            //!< voice notes
    qint64 durationMs = 0;
};

class MediaPort : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    //! The attachments a stored or pending message carries.
    virtual QList<Attachment> attachments(const client::MessageRecord &message) const = 0;
    //! One message per file, the caption with the first; returns the client message ids.
    virtual Result<QStringList> sendFiles(quint64 conversationId, const QList<OutgoingMedia> &files,
                                          const QString &caption) = 0;
    //! Fetches and decrypts the attachment of a received message (progress: transferChanged).
    virtual void download(quint64 conversationId, quint64 seq) = 0;
    //! Stops the upload or download of that message.
    virtual void cancel(const QString &clientMessageId) = 0;
    virtual void retry(const QString &clientMessageId) = 0;
    //! "Delete from this device".
    virtual Status deleteLocalCopy(quint64 conversationId, quint64 seq) = 0;

signals:
    //! A transfer's state or progress changed (throttled by the core).
    void transferChanged(quint64 conversationId, const QString &clientMessageId, quint64 seq,
                         const tidings::ui::Attachment &attachment);
    //! A download finished: localPath is the decrypted file.
    void downloaded(quint64 conversationId, quint64 seq, const QString &localPath);
};

//! "512 bytes", "34 KB", "1.2 MB", "3.4 GB" in the locale.
QString formatBytes(quint64 bytes);
//! "0:07", "3:25", "1:02:03".
QString formatDuration(qint64 ms);
//! What the user reads for an attachment kind: "Photo", "Video", "Voice message", ...
QString kindLabel(Attachment::Kind kind);
//! One line for a message in the chat list and in notifications: its text, and what it carries
//! ("Photo: At the sea", "Voice message (0:09)", "File: tickets.pdf"); never empty for a message
//! that has an attachment.
QString messagePreview(const client::MessageRecord &message);

} // namespace tidings::ui

Q_DECLARE_METATYPE(tidings::ui::Attachment)
