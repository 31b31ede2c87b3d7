#pragma once
// The one place where message content becomes SendRequest.payload (or the Content inside an
// E2eBody) and back. End-to-end encryption wraps these functions (per conversation session)
// without touching the sync logic, which only ever sees opaque payload bytes and decoded
// MessageContent.
//
// Attachment pointers come from another client: everything in them is checked here before the
// rest of the app sees it (key and hash 32 bytes, the blob id being the hash in hex, sizes that
// fit the blob format, a small thumbnail and waveform, a MIME type that is one, a file name made
// safe). A pointer that fails is counted, not kept: the message still shows, with an attachment
// in error, and nothing downstream ever handles an unchecked pointer.
#include "core/media/media_types.h"
#include "protocol/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace tidings::wire {
class AttachmentPointer;
class Content;
} // namespace tidings::wire

namespace tidings::client {

//! Bounds of a received attachment pointer.
inline constexpr int kMaxAttachmentThumbnailBytes = 8 * 1024;
inline constexpr int kMaxAttachmentWaveformBytes = 1024;
inline constexpr int kMaxAttachmentMimeTypeChars = 127;
inline constexpr int kMaxAttachmentSide = 65535;
inline constexpr quint64 kMaxAttachmentPlaintextBytes = quint64(64) << 30; //!< 64 GiB
inline constexpr qint64 kMaxAttachmentDurationMs = qint64(1000) * 3600 * 24 * 7;

struct MessageContent {
    MessageContent() = default;
    MessageContent(QString text, qint64 sentAtMs)
        : text(std::move(text))
        , sentAtMs(sentAtMs) {}

    QString text; //!< the caption when there are attachments
    qint64 sentAtMs = 0;
    QList<media::AttachmentDescriptor> attachments;
    //! Received pointers refused by validation (the message shows an attachment error for each).
    int invalidAttachments = 0;
};

QByteArray encodePayload(const MessageContent &content);
Result<MessageContent> decodePayload(const QByteArray &payload);

//! Text, send time and checked attachments of a decoded Content.
MessageContent contentFromWire(const wire::Content &content);
void contentToWire(const MessageContent &content, wire::Content *out);

//! The checks of a received pointer; BadFrame with the reason when it fails.
Result<media::AttachmentDescriptor> attachmentFromWire(const wire::AttachmentPointer &pointer);
void attachmentToWire(const media::AttachmentDescriptor &attachment, wire::AttachmentPointer *out);
//! Parses and checks one serialized AttachmentPointer (the fuzz target's entry point; the store
//! keeps pointers in this form, sealed).
Result<media::AttachmentDescriptor> decodeAttachment(const QByteArray &bytes);
QByteArray encodeAttachment(const media::AttachmentDescriptor &attachment);
//! A pointer this device stored itself (sealed, so authentic): parsed without the receive checks
//! (my own pending attachments have no blob id or key yet).
Result<media::AttachmentDescriptor> decodeStoredAttachment(const QByteArray &bytes);

//! The blob ids a payload's attachments name (SendRequest.attachment_blob_ids); empty when the
//! payload carries none or cannot be decoded.
QStringList attachmentBlobIds(const QByteArray &payload);

} // namespace tidings::client
