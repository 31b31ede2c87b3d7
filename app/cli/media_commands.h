#pragma once
// Files from the command line (issue 10): `send ... --file PATH` and `download MESSAGE_ID`, both
// over the client core's Media module (client.media()): the CLI moves no byte itself, it starts
// the core's persisted transfer jobs and waits for their outcome.
#include "cli/commands.h"

#include <optional>

namespace tidings::cli {

//! The "attachment" object of a message line: name, size, MIME type, blob id (null until the
//! upload finished), kind, and dimensions/duration when the sender gave them.
JsonLine attachmentJson(const client::AttachmentRecord &a);

//! send USER|--group GROUP --file PATH [--caption TEXT] [--voice] [--as-file]: one message with
//! one file. Ends when the server stored the message (after the upload), or with a typed error.
class SendFileCommand : public Command {
    Q_OBJECT
public:
    struct Options {
        QString username; //!< empty with groupId
        quint64 groupId = 0;
        QString path;
        QString caption;
        bool voice = false;    //!< a voice note: duration and waveform decoded from the file
        bool asFile = false;   //!< a photo/video as a plain file (the bytes as they are)
        int timeoutMs = 60000; //!< the longest wait without progress
    };
    SendFileCommand(Profile *p, GlobalOptions g, Options options);
    void start() override;

private:
    void connectToServer();
    void resolved(quint64 conversationId);
    void sendWithLimits(const client::MediaToken &limits);
    void onTransferChanged(const QString &clientMessageId,
                           const client::AttachmentRecord &attachment);
    void onStored(const QString &id, quint64 seq);
    //! A refusal for good: the message is marked failed (it would never be sent).
    void refused(const Error &error);
    void onTimeout();

    Options m_options;
    client::OutgoingFile m_file;
    quint64 m_conversationId = 0;
    QString m_id;
    QTimer m_timeout;
};

//! download MESSAGE_ID [--out PATH]: fetches, verifies and decrypts the message's attachment(s)
//! into the profile's media folder (the core's download job), then copies the result to PATH. A
//! tampered or truncated blob is an error and leaves no output file.
class DownloadCommand : public Command {
    Q_OBJECT
public:
    DownloadCommand(Profile *p, GlobalOptions g, QString messageId, QString out, int timeoutMs);
    void start() override;

private:
    struct Item {
        quint64 conversationId = 0;
        quint64 seq = 0;
        int index = 0;
        client::AttachmentRecord record;
        bool ready = false; //!< the decrypted file is in the profile
    };
    //! The message's attachments, checked; false after fail().
    bool collect();
    void onDownloaded(quint64 conversationId, quint64 seq, const QString &localPath);
    void onFailed(quint64 conversationId, const QString &clientMessageId, quint64 seq,
                  const Error &error);
    void saveAllIfReady();
    void onTimeout();

    QString m_messageId;
    QString m_out;
    int m_timeoutMs;
    QList<Item> m_items;
    QTimer m_timeout;
};

//! send with --file, and download; nullptr for any other command line.
Result<std::unique_ptr<Command>> makeMediaCommand(const QStringList &args, Profile *profile,
                                                  const GlobalOptions &global);

} // namespace tidings::cli
