#include "core/sync/payload_codec.h"

#include "core/media/file_naming.h"
#include "crypto/media_stream.h"
#include "proto/tidings.pb.h"
#include "protocol/limits.h"

#include <QRegularExpression>

namespace tidings::client {

namespace {

Error bad(const char *why) {
    return Error{ErrorCode::BadFrame, QStringLiteral("attachment refused: %1").arg(why)};
}

bool isLowerHex(const std::string &s, std::size_t length) {
    if (s.size() != length)
        return false;
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

//! "type/subtype" with RFC 6838 token characters, parameters dropped; else octet-stream.
QString checkedMimeType(const std::string &raw) {
    static const QRegularExpression valid(
        QStringLiteral("^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$"));
    const QString lower =
        QString::fromUtf8(raw.data(), qsizetype(std::min<std::size_t>(raw.size(), 256)))
            .section(u';', 0, 0)
            .trimmed()
            .toLower();
    if (lower.size() > kMaxAttachmentMimeTypeChars || !valid.match(lower).hasMatch())
        return QStringLiteral("application/octet-stream");
    return lower;
}

media::AttachmentKind checkedKind(int raw) {
    switch (raw) {
    case wire::AttachmentPointer::KIND_IMAGE:
        return media::AttachmentKind::Image;
    case wire::AttachmentPointer::KIND_VIDEO:
        return media::AttachmentKind::Video;
    case wire::AttachmentPointer::KIND_AUDIO:
        return media::AttachmentKind::Audio;
    case wire::AttachmentPointer::KIND_VOICE:
        return media::AttachmentKind::Voice;
    default:
        return media::AttachmentKind::File; // unknown kinds from newer clients: a plain file
    }
}

media::AttachmentDescriptor fromWireUnchecked(const wire::AttachmentPointer &p) {
    media::AttachmentDescriptor a;
    a.blobId = QString::fromStdString(p.blob_id());
    a.key = QByteArray::fromStdString(p.key());
    a.ciphertextSha256 = QByteArray::fromStdString(p.ciphertext_sha256());
    a.ciphertextSize = p.ciphertext_size();
    a.plaintextSize = p.plaintext_size();
    a.chunkSize = p.chunk_size();
    a.mimeType = QString::fromStdString(p.content_type());
    a.fileName = QString::fromStdString(p.file_name());
    a.kind = checkedKind(int(p.kind()));
    a.width = int(std::min<quint32>(p.width(), quint32(kMaxAttachmentSide)));
    a.height = int(std::min<quint32>(p.height(), quint32(kMaxAttachmentSide)));
    a.durationMs = qint64(std::min<quint64>(p.duration_ms(), quint64(kMaxAttachmentDurationMs)));
    a.thumbnail = QByteArray::fromStdString(p.thumbnail());
    a.waveform = QByteArray::fromStdString(p.waveform());
    return a;
}

} // namespace

Result<media::AttachmentDescriptor> decodeStoredAttachment(const QByteArray &bytes) {
    wire::AttachmentPointer p;
    if (!p.ParseFromArray(bytes.constData(), int(bytes.size())))
        return Error{ErrorCode::Storage, QStringLiteral("a stored attachment is undecodable")};
    return fromWireUnchecked(p);
}

Result<media::AttachmentDescriptor> attachmentFromWire(const wire::AttachmentPointer &p) {
    if (p.key().size() != crypto::kKeySize)
        return bad("the key is not 32 bytes");
    if (p.ciphertext_sha256().size() != 32)
        return bad("the hash is not 32 bytes");
    if (!isLowerHex(p.blob_id(), std::size_t(limits::kBlobIdHexChars)))
        return bad("the blob id is not 64 lower-case hex digits");
    const QByteArray sha(p.ciphertext_sha256().data(), qsizetype(p.ciphertext_sha256().size()));
    // Blobs are content-addressed: a pointer whose id is not its hash cannot verify.
    if (sha.toHex() != QByteArray::fromStdString(p.blob_id()))
        return bad("the blob id is not the hash");
    if (p.plaintext_size() > kMaxAttachmentPlaintextBytes)
        return bad("the size is over the limit");
    if (p.chunk_size() != crypto::kMediaChunkSize)
        return bad("unknown chunk size");
    if (p.ciphertext_size() != crypto::mediaBlobSize(p.plaintext_size()))
        return bad("the blob size does not match the file size");
    if (p.thumbnail().size() > std::size_t(kMaxAttachmentThumbnailBytes))
        return bad("the thumbnail is too large");
    if (p.waveform().size() > std::size_t(kMaxAttachmentWaveformBytes))
        return bad("the waveform is too large");
    if (p.width() > quint32(kMaxAttachmentSide) || p.height() > quint32(kMaxAttachmentSide))
        return bad("the dimensions are too large");
    if (p.duration_ms() > quint64(kMaxAttachmentDurationMs))
        return bad("the duration is too long");

    media::AttachmentDescriptor a = fromWireUnchecked(p);
    a.mimeType = checkedMimeType(p.content_type());
    // A name is the sender's claim: never a path, a control character or 300 characters.
    a.fileName = media::safeFileName(QString::fromUtf8(
        p.file_name().data(), qsizetype(std::min<std::size_t>(p.file_name().size(), 4096))));
    if (a.width == 0 || a.height == 0)
        a.width = a.height = 0;
    return a;
}

void attachmentToWire(const media::AttachmentDescriptor &a, wire::AttachmentPointer *p) {
    p->set_blob_id(a.blobId.toStdString());
    p->set_key(a.key.toStdString());
    p->set_ciphertext_sha256(a.ciphertextSha256.toStdString());
    p->set_ciphertext_size(a.ciphertextSize);
    p->set_plaintext_size(a.plaintextSize);
    p->set_chunk_size(a.chunkSize);
    p->set_content_type(a.mimeType.toStdString());
    p->set_file_name(a.fileName.toStdString());
    p->set_kind(wire::AttachmentPointer::Kind(int(a.kind)));
    p->set_width(quint32(std::max(0, a.width)));
    p->set_height(quint32(std::max(0, a.height)));
    p->set_duration_ms(quint64(std::max<qint64>(0, a.durationMs)));
    p->set_thumbnail(a.thumbnail.toStdString());
    p->set_waveform(a.waveform.toStdString());
}

Result<media::AttachmentDescriptor> decodeAttachment(const QByteArray &bytes) {
    wire::AttachmentPointer p;
    if (!p.ParseFromArray(bytes.constData(), int(bytes.size())))
        return bad("undecodable");
    return attachmentFromWire(p);
}

QByteArray encodeAttachment(const media::AttachmentDescriptor &attachment) {
    wire::AttachmentPointer p;
    attachmentToWire(attachment, &p);
    return QByteArray::fromStdString(p.SerializeAsString());
}

MessageContent contentFromWire(const wire::Content &c) {
    MessageContent out;
    out.text = QString::fromStdString(c.text());
    out.sentAtMs = c.sent_at_ms();
    for (const auto &p : c.attachments()) {
        auto a = attachmentFromWire(p);
        if (a && out.attachments.size() < limits::kMaxAttachmentsPerSend)
            out.attachments.append(std::move(*a));
        else
            ++out.invalidAttachments;
    }
    return out;
}

void contentToWire(const MessageContent &content, wire::Content *c) {
    c->set_text(content.text.toStdString());
    c->set_sent_at_ms(content.sentAtMs);
    for (const auto &a : content.attachments)
        attachmentToWire(a, c->add_attachments());
}

QByteArray encodePayload(const MessageContent &content) {
    wire::Content c;
    contentToWire(content, &c);
    QByteArray out(qsizetype(c.ByteSizeLong()), Qt::Uninitialized);
    c.SerializeToArray(out.data(), int(out.size()));
    return out;
}

Result<MessageContent> decodePayload(const QByteArray &payload) {
    if (size_t(payload.size()) > limits::kMaxPayloadBytes)
        return Error{ErrorCode::TooLarge, QStringLiteral("payload larger than 64 KiB")};
    wire::Content c;
    if (!c.ParseFromArray(payload.constData(), int(payload.size())))
        return Error{ErrorCode::BadFrame, QStringLiteral("undecodable message content")};
    return contentFromWire(c);
}

QStringList attachmentBlobIds(const QByteArray &payload) {
    wire::Content c;
    QStringList out;
    if (!c.ParseFromArray(payload.constData(), int(payload.size())))
        return out;
    for (const auto &p : c.attachments()) {
        if (!p.blob_id().empty())
            out.append(QString::fromStdString(p.blob_id()));
    }
    return out;
}

} // namespace tidings::client
