#pragma once
// A MediaPort without a server for GUI tests, screenshots and the UI benchmark: it remembers the
// attachments of messages by client message id, records every call, puts sent files into the
// local store as pending messages (through MessageStore, like the core's pending rows), and lets
// the caller drive transfers (progress, failure, a finished download).
#include "media/media_port.h"

#include "core/store/records.h"

#include <QHash>
#include <QImage>

namespace tidings::client {
class MessageStore;
}

namespace tidings::test {

class FakeMediaPort : public ui::MediaPort {
    Q_OBJECT
public:
    //! Sent files become pending messages in `messages` as `me` (null: only recorded).
    FakeMediaPort(client::MessageStore *messages = nullptr, client::AccountSettings me = {},
                  QObject *parent = nullptr);

    void setAttachments(const QString &clientMessageId, const QList<ui::Attachment> &list,
                        quint64 conversationId = 0);
    ui::Attachment attachment(const QString &clientMessageId) const;

    QList<ui::Attachment> attachments(const client::MessageRecord &message) const override;
    Result<QStringList> sendFiles(quint64 conversationId, const QList<ui::OutgoingMedia> &files,
                                  const QString &caption) override;
    void download(quint64 conversationId, quint64 seq) override;
    void cancel(const QString &clientMessageId) override;
    void retry(const QString &clientMessageId) override;
    Status deleteLocalCopy(quint64 conversationId, quint64 seq) override;

    //! Changes the transfer of a message and announces it (transferChanged).
    void setTransfer(quint64 conversationId, const QString &clientMessageId, quint64 seq,
                     ui::Attachment::Transfer transfer, quint64 bytes = 0,
                     const QString &error = QString());
    //! Finishes the download of a message: its file is `path` (downloaded follows).
    void finishDownload(quint64 conversationId, const QString &clientMessageId, quint64 seq,
                        const QString &path);

    struct SendCall {
        quint64 conversationId = 0;
        QList<ui::OutgoingMedia> files;
        QString caption;
        QStringList clientMessageIds;
    };
    QList<SendCall> sends;
    QList<std::pair<quint64, quint64>> downloads; //!< (conversation, seq)
    QStringList cancels;
    QStringList retries;
    QList<std::pair<quint64, quint64>> deletions;
    //! Set: sendFiles fails with this error.
    std::optional<Error> sendError;

private:
    client::MessageStore *m_messages;
    client::AccountSettings m_me;
    QHash<QString, QList<ui::Attachment>> m_attachments;
    QHash<QString, quint64> m_conversationOf;
};

//! Test media: a JPEG photo (a gradient with a few shapes, so scaled and blurred versions
//! differ), its tiny inline thumbnail, a WAV tone and a voice-like waveform.
namespace media_fixtures {
QImage picture(QSize size, int seed);
bool writeJpeg(const QString &path, QSize size, int seed, int quality = 85);
QByteArray thumbnail(const QImage &image);
//! 16-bit mono PCM at 16 kHz: a tone of `hz` for `ms`, fading in and out.
bool writeWav(const QString &path, int ms, int hz = 440);
QByteArray waveform(int buckets, int seed);
//! An attachment for `path` of `kind` with the fields the core would fill.
ui::Attachment attachmentFor(const QString &path, ui::Attachment::Kind kind, int seed = 0);
} // namespace media_fixtures

} // namespace tidings::test
