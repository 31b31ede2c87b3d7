// download MESSAGE_ID [--out PATH]: the core's download job (ranged, resumable, hash-checked
// decryption into the profile), then a copy to where the user asked. Never overwrites: into a
// directory the file gets a free name ("photo (1).jpg"), an explicit file path that exists is
// refused.
#include "cli/media_commands.h"

#include "cli/args.h"
#include "core/logging.h"
#include "core/media/media_work.h"
#include "core/store/message_store.h"
#include "core/store/transfer_store.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace tidings::cli {

using client::AttachmentRecord;

namespace {

//! The attachment's name as a plain file name (the sender's name went through safeFileName on
//! receipt; this only makes sure no directory part is left).
QString plainName(const QString &fileName) {
    const QString name = QFileInfo(fileName).fileName();
    return name.isEmpty() || name == u"." || name == u".." ? QStringLiteral("file") : name;
}

//! "name.ext", then "name (1).ext", "name (2).ext"... as a browser names a second download.
QString candidate(const QString &name, int n) {
    if (n == 0)
        return name;
    const int dot = name.lastIndexOf(u'.');
    if (dot <= 0)
        return QStringLiteral("%1 (%2)").arg(name).arg(n);
    return QStringLiteral("%1 (%2)%3").arg(name.left(dot)).arg(n).arg(name.mid(dot));
}

//! Copies `from` into `to`, which must not exist yet (created exclusively, so nothing is ever
//! overwritten, not even by a file that appeared meanwhile). Nothing is left on failure.
Result<quint64> copyNew(const QString &from, const QString &to, bool *existed) {
    *existed = false;
    QFile in(from);
    if (!in.open(QIODevice::ReadOnly))
        return Error{ErrorCode::Storage, QStringLiteral("the downloaded file cannot be read")};
    QFile out(to);
    if (!out.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
        *existed = QFileInfo::exists(to);
        return Error{*existed ? ErrorCode::Usage : ErrorCode::Storage,
                     QStringLiteral("%1 cannot be written: %2").arg(to, out.errorString())};
    }
    QByteArray buffer(1 << 20, Qt::Uninitialized);
    quint64 total = 0;
    while (true) {
        const qint64 n = in.read(buffer.data(), buffer.size());
        if (n == 0)
            break;
        if (n < 0 || out.write(buffer.constData(), n) != n) {
            out.remove();
            return Error{ErrorCode::Storage,
                         QStringLiteral("%1 could not be written completely").arg(to)};
        }
        total += quint64(n);
    }
    if (!out.flush()) {
        out.remove();
        return Error{ErrorCode::Storage, QStringLiteral("%1 could not be written").arg(to)};
    }
    return total;
}

} // namespace

DownloadCommand::DownloadCommand(Profile *p, GlobalOptions g, QString messageId, QString out,
                                 int timeoutMs)
    : Command(p, std::move(g))
    , m_messageId(std::move(messageId))
    , m_out(std::move(out))
    , m_timeoutMs(timeoutMs) {
    m_timeout.setSingleShot(true);
}

bool DownloadCommand::collect() {
    auto atts = store()->transfers().attachmentsByClientId(m_messageId);
    if (!atts) {
        fail(atts.error());
        return false;
    }
    if (atts->isEmpty()) {
        fail(usage(QStringLiteral("no message %1 with an attachment on this device (use the "
                                  "\"id\" of a receive or history line that has an "
                                  "\"attachment\")")
                       .arg(m_messageId)));
        return false;
    }
    // The message itself: mine and received copies of one id never mix (mine come first).
    const qint64 row = atts->first().messageRowId;
    m_items.clear();
    for (const client::StoredAttachment &a : *atts) {
        if (a.messageRowId != row)
            continue;
        if (!a.valid) {
            fail(Error{ErrorCode::BadFrame,
                       QStringLiteral("the attachment of this message was refused on receipt: %1")
                           .arg(a.record.transferError)});
            return false;
        }
        Item item;
        item.conversationId = a.conversationId;
        item.seq = a.seq;
        item.index = a.index;
        item.record = a.record;
        item.ready = a.record.transfer == AttachmentRecord::Transfer::Done &&
                     !a.record.localPath.isEmpty() && QFileInfo::exists(a.record.localPath);
        if (!item.ready && a.seq == 0) {
            fail(usage(QStringLiteral("message %1 is not sent yet and its file is no longer on "
                                      "this device")
                           .arg(m_messageId)));
            return false;
        }
        m_items.append(item);
    }
    return true;
}

void DownloadCommand::start() {
    if (!collect())
        return;
    // Where the file(s) go is checked before anything is fetched.
    const QFileInfo out(m_out.isEmpty() ? QDir::currentPath() : m_out);
    if (!out.isDir()) {
        if (m_out.endsWith(u'/')) {
            fail(usage(QStringLiteral("%1: no such directory").arg(m_out)));
            return;
        }
        if (m_items.size() > 1) {
            fail(usage(QStringLiteral("message %1 has %2 files: --out must be a directory")
                           .arg(m_messageId)
                           .arg(m_items.size())));
            return;
        }
        if (out.exists()) {
            fail(usage(QStringLiteral("%1 exists and is not overwritten: remove it, or give a "
                                      "directory or another file name to --out")
                           .arg(m_out)));
            return;
        }
        if (!out.dir().exists()) {
            fail(usage(QStringLiteral("%1: no such directory").arg(out.dir().path())));
            return;
        }
    }
    bool missing = false;
    for (const Item &i : std::as_const(m_items))
        missing = missing || !i.ready;
    if (!missing) {
        saveAllIfReady(); // already decrypted here (my own file, or an earlier download)
        return;
    }
    auto &media = client()->media();
    connect(&media, &client::Media::downloaded, this, &DownloadCommand::onDownloaded);
    connect(&media, &client::Media::transferFailed, this, &DownloadCommand::onFailed);
    connect(
        &media, &client::Media::transferChanged, this,
        [this](quint64 conversationId, const QString &, quint64 seq, const AttachmentRecord &a) {
            if (m_items.isEmpty() || conversationId != m_items.first().conversationId ||
                seq != m_items.first().seq)
                return;
            qCDebug(lcCli) << "download" << client::transferStateName(a.transfer)
                           << a.transferredBytes << "of" << a.size;
            m_timeout.start(m_timeoutMs); // still moving
        });
    connect(&m_timeout, &QTimer::timeout, this, &DownloadCommand::onTimeout);
    m_timeout.start(m_timeoutMs);
    if (auto s = startSession(); !s) {
        fail(s.error());
        return;
    }
    // Queued for the session (the job fetches its token once authenticated); a job an earlier
    // run left is resumed by the module itself and not started twice.
    media.download(m_items.first().conversationId, m_items.first().seq);
}

void DownloadCommand::onDownloaded(quint64 conversationId, quint64 seq, const QString &) {
    if (isFinished() || m_items.isEmpty() || conversationId != m_items.first().conversationId ||
        seq != m_items.first().seq)
        return;
    if (collect())
        saveAllIfReady();
}

void DownloadCommand::onFailed(quint64 conversationId, const QString &, quint64 seq,
                               const Error &error) {
    if (isFinished() || m_items.isEmpty() || conversationId != m_items.first().conversationId ||
        seq != m_items.first().seq)
        return;
    // The core removed the damaged ciphertext and wrote no plaintext; nothing was copied out.
    const QString words = client::transferErrorText(error, false);
    fail(Error{error.code, words == error.detail || error.detail.isEmpty()
                               ? words
                               : QStringLiteral("%1 (%2)").arg(words, error.detail)});
}

void DownloadCommand::saveAllIfReady() {
    for (const Item &i : std::as_const(m_items))
        if (!i.ready)
            return;
    m_timeout.stop();
    const QFileInfo out(m_out.isEmpty() ? QDir::currentPath() : m_out);
    const bool intoDirectory = out.isDir();
    for (const Item &i : std::as_const(m_items)) {
        QString target;
        Result<quint64> written = quint64(0);
        if (intoDirectory) {
            const QDir dir(out.absoluteFilePath());
            const QString name = plainName(i.record.fileName);
            for (int n = 0;; ++n) {
                target = dir.filePath(candidate(name, n));
                bool existed = false;
                written = copyNew(i.record.localPath, target, &existed);
                if (written || !existed || n >= 999)
                    break;
            }
        } else {
            target = out.absoluteFilePath();
            bool existed = false;
            written = copyNew(i.record.localPath, target, &existed);
            if (!written && existed)
                written = usage(QStringLiteral("%1 exists and is not overwritten").arg(m_out));
        }
        if (!written) {
            fail(written.error());
            return;
        }
        JsonLine()
            .add("id", m_messageId)
            .add("conversation", i.conversationId)
            .add("seq", i.seq)
            .add("path", QFileInfo(target).absoluteFilePath())
            .add("size", *written)
            .add("name", i.record.fileName)
            .add("mime_type", i.record.mimeType)
            .print();
    }
    finishAfterFlush(kExitOk);
}

void DownloadCommand::onTimeout() {
    if (isFinished())
        return;
    const bool online = client()->isAuthenticated();
    fail(Error{online ? ErrorCode::Timeout : ErrorCode::Network,
               QStringLiteral("%1 within %2 ms (run download again to resume)")
                   .arg(online ? u"no progress"_qs : u"could not reach the server"_qs)
                   .arg(m_timeoutMs)});
}

} // namespace tidings::cli
