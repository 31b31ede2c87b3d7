#include "core_media_port.h"

#include "core/client.h"

#if __has_include("core/media/media.h")
#include "core/media/media.h"
#include "core/store/records.h"
#define TIDINGS_CORE_MEDIA 1
#endif

namespace tidings::ui {

#ifdef TIDINGS_CORE_MEDIA
namespace {

Attachment toUi(const client::AttachmentRecord &r) {
    Attachment a;
    a.kind = Attachment::Kind(int(r.kind));
    a.fileName = r.fileName;
    a.mimeType = r.mimeType;
    a.size = r.size;
    a.width = r.width;
    a.height = r.height;
    a.durationMs = r.durationMs;
    a.thumbnail = r.thumbnail;
    a.waveform = r.waveform;
    a.blobId = r.blobId;
    a.localPath = r.localPath;
    a.transfer = Attachment::Transfer(int(r.transfer));
    a.transferredBytes = r.transferredBytes;
    a.transferError = r.transferError;
    return a;
}

// The UI's enums mirror the core's value for value.
static_assert(int(client::AttachmentRecord::Kind::Voice) == int(Attachment::Kind::Voice));
static_assert(int(client::AttachmentRecord::Transfer::Done) == int(Attachment::Transfer::Done));

class CoreMediaPort : public MediaPort {
public:
    explicit CoreMediaPort(client::Media *media)
        : m_media(media) {
        connect(media, &client::Media::transferChanged, this,
                [this](quint64 conversationId, const QString &clientMessageId, quint64 seq,
                       const client::AttachmentRecord &attachment) {
                    emit transferChanged(conversationId, clientMessageId, seq, toUi(attachment));
                });
        connect(media, &client::Media::downloaded, this, &MediaPort::downloaded);
    }

    QList<Attachment> attachments(const client::MessageRecord &message) const override {
        QList<Attachment> out;
        out.reserve(message.attachments.size());
        for (const auto &r : message.attachments)
            out.append(toUi(r));
        return out;
    }
    Result<QStringList> sendFiles(quint64 conversationId, const QList<OutgoingMedia> &files,
                                  const QString &caption) override {
        QList<client::OutgoingFile> out;
        for (const OutgoingMedia &f : files) {
            client::OutgoingFile o;
            o.path = f.path;
            o.asFile = f.asFile;
            o.kind = client::AttachmentRecord::Kind(int(f.kind));
            o.waveform = f.waveform;
            o.durationMs = f.durationMs;
            out.append(o);
        }
        return m_media->sendFiles(conversationId, out, caption);
    }
    void download(quint64 conversationId, quint64 seq) override {
        m_media->download(conversationId, seq);
    }
    void cancel(const QString &clientMessageId) override { m_media->cancel(clientMessageId); }
    void retry(const QString &clientMessageId) override { m_media->retry(clientMessageId); }
    Status deleteLocalCopy(quint64 conversationId, quint64 seq) override {
        return m_media->deleteLocalCopy(conversationId, seq);
    }

private:
    client::Media *m_media;
};

} // namespace

std::unique_ptr<MediaPort> makeCoreMediaPort(client::Client *client) {
    return std::make_unique<CoreMediaPort>(&client->media());
}
#else
std::unique_ptr<MediaPort> makeCoreMediaPort(client::Client *) {
    return nullptr;
}
#endif

} // namespace tidings::ui
