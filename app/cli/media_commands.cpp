// send --file: one file as one message, through client.media().sendFiles(); and the factory of
// the media commands.
#include "cli/media_commands.h"

#include "cli/args.h"
#include "core/logging.h"
#include "core/media/audio_probe.h"
#include "core/media/media_work.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/transfer_store.h"

#include <QFileInfo>

namespace tidings::cli {

using client::AttachmentRecord;

namespace {

//! As many peaks as the desktop's voice recorder sends.
constexpr int kVoiceWaveformBuckets = 64;

//! A file that can be sent, or the words saying why not (before anything is written).
Status checkReadable(const QString &path) {
    const QFileInfo info(path);
    if (!info.exists())
        return usage(QStringLiteral("%1: no such file").arg(path));
    if (info.isDir())
        return usage(QStringLiteral("%1 is a directory, not a file").arg(path));
    if (!info.isFile() || !info.isReadable())
        return usage(QStringLiteral("%1 cannot be read").arg(path));
    if (info.size() == 0)
        return usage(QStringLiteral("%1 is empty: there is nothing to send").arg(path));
    return {};
}

} // namespace

JsonLine attachmentJson(const AttachmentRecord &a) {
    JsonLine o;
    o.add("name", a.fileName).add("size", a.size).add("mime_type", a.mimeType);
    o.addOrNull("blob_id", a.blobId).add("kind", client::attachmentKindName(a.kind));
    if (a.width > 0 && a.height > 0)
        o.add("width", a.width).add("height", a.height);
    if (a.durationMs > 0)
        o.add("duration_ms", a.durationMs);
    if (a.transfer == AttachmentRecord::Transfer::Failed)
        o.add("error", a.transferError);
    return o;
}

// --- send --file -------------------------------------------------------------------------------

SendFileCommand::SendFileCommand(Profile *p, GlobalOptions g, Options options)
    : Command(p, std::move(g))
    , m_options(std::move(options)) {
    m_timeout.setSingleShot(true);
    m_file.path = QFileInfo(m_options.path).absoluteFilePath();
    m_file.asFile = m_options.asFile;
    if (m_options.voice)
        m_file.kind = AttachmentRecord::Kind::Voice;
}

void SendFileCommand::start() {
    if (auto s = checkReadable(m_options.path); !s) {
        fail(s.error());
        return;
    }
    if (!m_options.voice) {
        connectToServer();
        return;
    }
    // A voice note carries its duration and waveform, decoded from the file as the desktop's
    // recorder does; a file that does not decode as audio is no voice note.
    auto *probe = new client::media::AudioProbe(this);
    connect(probe, &client::media::AudioProbe::finished, this,
            [this, probe](const client::media::AudioInfo &info) {
                probe->deleteLater();
                m_file.durationMs = info.durationMs;
                m_file.waveform = info.waveform;
                connectToServer();
            });
    connect(probe, &client::media::AudioProbe::failed, this,
            [this, probe](const client::media::MediaError &e) {
                probe->deleteLater();
                fail(usage(QStringLiteral("%1 cannot be sent as a voice note: it does not decode "
                                          "as audio (%2)")
                               .arg(m_options.path, e.detail)));
            });
    if (!probe->start(m_file.path, kVoiceWaveformBuckets))
        fail(Error{ErrorCode::Internal, QStringLiteral("the audio decoder did not start")});
}

void SendFileCommand::connectToServer() {
    connect(&m_timeout, &QTimer::timeout, this, &SendFileCommand::onTimeout);
    m_timeout.start(m_options.timeoutMs);
    auto &media = client()->media();
    connect(&media, &client::Media::transferChanged, this,
            [this](quint64, const QString &id, quint64, const AttachmentRecord &a) {
                onTransferChanged(id, a);
            });
    connect(&media, &client::Media::transferFailed, this,
            [this](quint64, const QString &id, quint64, const Error &e) {
                if (!m_id.isEmpty() && id == m_id)
                    refused(e);
            });
    connect(&client()->messaging(), &client::Messaging::messageStored, this,
            [this](const QString &id, quint64, quint64 seq, bool) { onStored(id, seq); });
    connect(&client()->messaging(), &client::Messaging::sendFailed, this,
            [this](const QString &id, const Error &e) {
                if (!m_id.isEmpty() && id == m_id)
                    fail(e); // the sync engine marked it failed already
            });
    if (auto s = startSession(); !s) {
        fail(s.error());
        return;
    }
    if (m_options.groupId != 0) {
        // Membership first: a file is not uploaded for a send the server would refuse.
        client()->groups().info(m_options.groupId, [this](Result<client::ConversationInfo> r) {
            if (!r)
                fail(r.error());
            else
                resolved(m_options.groupId);
        });
        return;
    }
    auto known = store()->conversations().conversationWithPeer(m_options.username);
    if (!known) {
        fail(known.error());
        return;
    }
    if (known->has_value()) {
        resolved((*known)->id);
        return;
    }
    client()->messaging().openDirect(m_options.username,
                                     [this](Result<client::ConversationRecord> r) {
                                         if (!r)
                                             fail(r.error());
                                         else
                                             resolved(r->id);
                                     });
}

void SendFileCommand::resolved(quint64 conversationId) {
    if (isFinished())
        return;
    m_conversationId = conversationId;
    // The server's limits first (a token carries them): a file over the size limit or the quota
    // is refused here, before it is encrypted and nothing of it is written.
    client()->media().tokens().get([this](Result<client::MediaToken> t) {
        if (isFinished())
            return;
        if (!t)
            fail(t.error());
        else
            sendWithLimits(*t);
    });
}

void SendFileCommand::sendWithLimits(const client::MediaToken &limits) {
    const quint64 size = quint64(QFileInfo(m_file.path).size());
    if (limits.maxFileBytes > 0 && size > limits.maxFileBytes) {
        fail(Error{ErrorCode::TooLarge,
                   QStringLiteral("%1 has %2 bytes; the server accepts files up to %3 bytes")
                       .arg(m_options.path)
                       .arg(size)
                       .arg(limits.maxFileBytes)});
        return;
    }
    if (limits.quotaBytes > 0 && limits.usedBytes + size > limits.quotaBytes) {
        const quint64 left = limits.quotaBytes - std::min(limits.quotaBytes, limits.usedBytes);
        fail(Error{ErrorCode::QuotaExceeded,
                   QStringLiteral("%1 has %2 bytes; %3 of your %4 bytes on the server are left")
                       .arg(m_options.path)
                       .arg(size)
                       .arg(left)
                       .arg(limits.quotaBytes)});
        return;
    }
    auto ids = client()->media().sendFiles(m_conversationId, {m_file}, m_options.caption);
    if (!ids) {
        fail(ids.error());
        return;
    }
    m_id = ids->first();
    m_timeout.start(m_options.timeoutMs);
}

void SendFileCommand::onTransferChanged(const QString &clientMessageId,
                                        const AttachmentRecord &attachment) {
    if (m_id.isEmpty() || clientMessageId != m_id || isFinished())
        return;
    qCDebug(lcCli) << "upload" << client::transferStateName(attachment.transfer)
                   << attachment.transferredBytes << "of" << attachment.size;
    // The timeout is for a transfer that stopped moving, not for a large file.
    m_timeout.start(m_options.timeoutMs);
}

void SendFileCommand::onStored(const QString &id, quint64 seq) {
    if (m_id.isEmpty() || id != m_id || isFinished())
        return;
    auto atts = store()->transfers().attachmentsByClientId(m_id);
    if (!atts) {
        fail(atts.error());
        return;
    }
    JsonLine line;
    line.add("id", m_id).add("conversation", m_conversationId);
    if (m_options.groupId != 0)
        line.add("group", m_options.groupId);
    line.add("seq", seq).add("status", "stored");
    if (!atts->isEmpty())
        line.addObject("attachment", attachmentJson(atts->first().record));
    line.print();
    finishNow(kExitOk);
}

void SendFileCommand::refused(const Error &error) {
    if (isFinished())
        return;
    // Nothing retries a refused upload in a CLI run: the message would stay pending forever.
    if (auto s = store()->messages().markFailed(m_id); !s)
        qCWarning(lcCli) << "could not mark the message failed:" << s.error().toString();
    const QString words = client::transferErrorText(error, true);
    fail(Error{error.code, error.code == ErrorCode::Usage || words == error.detail
                               ? error.detail
                               : QStringLiteral("%1 (%2)").arg(words, error.detail)});
}

void SendFileCommand::onTimeout() {
    if (isFinished())
        return;
    const bool online = client()->isAuthenticated();
    if (m_id.isEmpty()) {
        fail(Error{online ? ErrorCode::Timeout : ErrorCode::Network,
                   online ? QStringLiteral("no answer within %1 ms").arg(m_options.timeoutMs)
                          : QStringLiteral("could not reach the server within %1 ms")
                                .arg(m_options.timeoutMs)});
        return;
    }
    // The job is persisted: the next command of this profile resumes the upload.
    fail(Error{online ? ErrorCode::Timeout : ErrorCode::Network,
               QStringLiteral("%1 within %2 ms (the upload resumes the next time this profile "
                              "connects)")
                   .arg(online ? u"no progress"_qs : u"could not reach the server"_qs)
                   .arg(m_options.timeoutMs)});
}

// --- factory -----------------------------------------------------------------------------------

Result<std::unique_ptr<Command>> makeMediaCommand(const QStringList &args, Profile *profile,
                                                  const GlobalOptions &global) {
    const QString name = args.value(0);
    if (name == u"send") {
        bool withFile = false;
        for (const QString &a : args.mid(1)) {
            if (a == u"--")
                break;
            withFile = withFile || a == u"--file" || a.startsWith(u"--file=");
        }
        if (!withFile)
            return std::unique_ptr<Command>();
        auto p = parseArgs(args, {u"file"_qs, u"caption"_qs, u"group"_qs, u"timeout-ms"_qs},
                           {u"voice"_qs, u"as-file"_qs});
        if (!p)
            return p.error();
        auto group = groupOption(*p);
        auto timeout = intOption(*p, u"timeout-ms"_qs, 60000, 1);
        if (!group)
            return group.error();
        if (!timeout)
            return timeout.error();
        const int targets = *group != 0 ? 0 : 1;
        if (p->positional.size() != targets)
            return usage(p->positional.size() > targets
                             ? QStringLiteral("send --file takes no TEXT: use --caption TEXT")
                             : QStringLiteral("send expects USERNAME|--group GROUP --file PATH"));
        SendFileCommand::Options o;
        o.username = targets ? p->positional[0] : QString();
        o.groupId = *group;
        o.path = p->options.value(u"file"_qs);
        o.caption = p->options.value(u"caption"_qs);
        o.voice = p->options.contains(u"voice"_qs);
        o.asFile = p->options.contains(u"as-file"_qs);
        o.timeoutMs = *timeout;
        if (o.path.isEmpty())
            return usage(QStringLiteral("--file needs a path"));
        if (o.voice && o.asFile)
            return usage(QStringLiteral("--voice and --as-file exclude each other"));
        return std::unique_ptr<Command>(new SendFileCommand(profile, global, std::move(o)));
    }
    if (name == u"download") {
        auto p = parseArgs(args, {u"out"_qs, u"timeout-ms"_qs});
        if (!p)
            return p.error();
        auto timeout = intOption(*p, u"timeout-ms"_qs, 60000, 1);
        if (!timeout)
            return timeout.error();
        if (p->positional.size() != 1 || p->positional[0].isEmpty())
            return usage(QStringLiteral("download expects MESSAGE_ID (the id of a receive or "
                                        "history line)"));
        if (p->options.contains(u"out"_qs) && p->options.value(u"out"_qs).isEmpty())
            return usage(QStringLiteral("--out needs a path"));
        return std::unique_ptr<Command>(new DownloadCommand(profile, global, p->positional[0],
                                                            p->options.value(u"out"_qs), *timeout));
    }
    return std::unique_ptr<Command>();
}

} // namespace tidings::cli
