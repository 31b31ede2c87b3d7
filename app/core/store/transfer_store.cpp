#include "core/store/transfer_store.h"

#include "core/store/database.h"
#include "core/store/store_crypto.h"
#include "core/store/store_p.h"
#include "core/sync/payload_codec.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QVariant>

namespace tidings::client {

namespace {

using Transfer = AttachmentRecord::Transfer;

constexpr char kColumns[] =
    "a.message_id, a.idx, a.pointer, a.state, a.transferred, a.error, a.local_path,"
    " a.local_size, a.last_used_ms, m.conversation_id, m.seq, m.client_message_id, m.outgoing";

QVariant nullBlob() {
    return QVariant(QMetaType::fromType<QByteArray>());
}

//! What the app sees of a checked pointer.
AttachmentRecord recordOf(const media::AttachmentDescriptor &p) {
    AttachmentRecord r;
    r.kind = AttachmentRecord::Kind(int(p.kind));
    r.fileName = p.fileName;
    r.mimeType = p.mimeType;
    r.size = p.plaintextSize;
    r.width = p.width;
    r.height = p.height;
    r.durationMs = p.durationMs;
    r.thumbnail = p.thumbnail;
    r.waveform = p.waveform;
    r.blobId = p.blobId;
    return r;
}

//! A row of a query selecting kColumns.
Result<StoredAttachment> readRow(const QSqlQuery &q, const detail::StoreCipher &cipher) {
    StoredAttachment a;
    a.messageRowId = q.value(0).toLongLong();
    a.index = q.value(1).toInt();
    if (q.value(2).isNull()) {
        a.valid = false;
        a.record.fileName = QStringLiteral("file");
        a.record.mimeType = QStringLiteral("application/octet-stream");
    } else {
        auto plain =
            cipher.openAttachment("pointer", q.value(2).toByteArray(), a.messageRowId, a.index);
        if (!plain)
            return plain.error();
        auto pointer = decodeStoredAttachment(*plain);
        if (!pointer)
            return pointer.error();
        a.pointer = std::move(*pointer);
        a.record = recordOf(a.pointer);
    }
    a.record.transfer = Transfer(q.value(3).toInt());
    a.record.transferredBytes = q.value(4).toULongLong();
    a.record.transferError = q.value(5).toString();
    if (!q.value(6).isNull()) {
        auto path =
            cipher.openAttachment("path", q.value(6).toByteArray(), a.messageRowId, a.index);
        if (!path)
            return path.error();
        a.record.localPath = QString::fromUtf8(*path);
    }
    a.localSize = q.value(7).toULongLong();
    a.lastUsedMs = q.value(8).toLongLong();
    a.conversationId = q.value(9).toULongLong();
    a.seq = q.value(10).isNull() ? 0 : q.value(10).toULongLong();
    a.clientMessageId = q.value(11).toString();
    a.outgoing = q.value(12).toBool();
    return a;
}

QByteArray jobToJson(const TransferJob &j) {
    QJsonObject o{{"stage", int(j.stage)},    {"source", j.sourcePath},
                  {"temp", j.tempPath},       {"upload_id", j.uploadId},
                  {"as_file", j.asFile},      {"attempts", j.attempts},
                  {"reuploads", j.reuploads}, {"created", double(j.createdAtMs)}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

TransferJob jobFromJson(const QByteArray &json) {
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    TransferJob j;
    j.stage = TransferJob::Stage(o.value(QStringLiteral("stage")).toInt());
    j.sourcePath = o.value(QStringLiteral("source")).toString();
    j.tempPath = o.value(QStringLiteral("temp")).toString();
    j.uploadId = o.value(QStringLiteral("upload_id")).toString();
    j.asFile = o.value(QStringLiteral("as_file")).toBool();
    j.attempts = o.value(QStringLiteral("attempts")).toInt();
    j.reuploads = o.value(QStringLiteral("reuploads")).toInt();
    j.createdAtMs = qint64(o.value(QStringLiteral("created")).toDouble());
    return j;
}

} // namespace

Status TransferStore::addAttachments(qint64 messageRowId,
                                     const QList<media::AttachmentDescriptor> &pointers,
                                     Transfer state, int invalid) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("INSERT INTO attachments(message_id, idx, pointer, state, error)"
                             " VALUES (?, ?, ?, ?, ?)"));
    int index = 0;
    for (const auto &p : pointers) {
        q.bindValue(0, messageRowId);
        q.bindValue(1, index);
        q.bindValue(
            2, m_db.cipher().sealAttachment("pointer", encodeAttachment(p), messageRowId, index));
        q.bindValue(3, int(state));
        q.bindValue(4, QStringLiteral(""));
        TIDINGS_TRY(m_db.exec(q));
        ++index;
    }
    for (int i = 0; i < invalid; ++i, ++index) {
        q.bindValue(0, messageRowId);
        q.bindValue(1, index);
        q.bindValue(2, nullBlob());
        q.bindValue(3, int(Transfer::Failed));
        q.bindValue(4, QStringLiteral("This attachment is damaged and cannot be opened."));
        TIDINGS_TRY(m_db.exec(q));
    }
    return {};
}

Result<QList<StoredAttachment>> TransferStore::select(const QString &where,
                                                      const QList<QVariant> &values) const {
    QSqlQuery q = m_db.query();
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM attachments a JOIN messages m ON m.id = a.message_id"
                             " WHERE %2")
                  .arg(QLatin1String(kColumns), where));
    for (const QVariant &v : values)
        q.addBindValue(v);
    TIDINGS_TRY(m_db.exec(q));
    QList<StoredAttachment> out;
    while (q.next()) {
        auto a = readRow(q, m_db.cipher());
        if (!a)
            return a.error();
        out.append(std::move(*a));
    }
    return out;
}

Result<std::optional<StoredAttachment>> TransferStore::attachment(qint64 messageRowId,
                                                                  int index) const {
    auto rows = select(QStringLiteral("a.message_id = ? AND a.idx = ?"), {messageRowId, index});
    if (!rows)
        return rows.error();
    if (rows->isEmpty())
        return std::optional<StoredAttachment>();
    return std::optional<StoredAttachment>(rows->first());
}

Result<QList<StoredAttachment>> TransferStore::attachmentsOf(qint64 messageRowId) const {
    return select(QStringLiteral("a.message_id = ? ORDER BY a.idx"), {messageRowId});
}

Result<QList<StoredAttachment>> TransferStore::attachmentsAt(quint64 conversationId,
                                                             quint64 seq) const {
    return select(QStringLiteral("m.conversation_id = ? AND m.seq = ? AND m.hidden = 0"
                                 " ORDER BY a.idx"),
                  {QVariant::fromValue(conversationId), QVariant::fromValue(seq)});
}

Result<QList<StoredAttachment>>
TransferStore::attachmentsByClientId(const QString &clientMessageId) const {
    return select(QStringLiteral("m.client_message_id = ? AND m.hidden = 0"
                                 " ORDER BY m.outgoing DESC, m.id, a.idx"),
                  {clientMessageId});
}

Status TransferStore::setPointer(qint64 messageRowId, int index,
                                 const media::AttachmentDescriptor &pointer) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE attachments SET pointer = ? WHERE message_id = ? AND"
                             " idx = ?"));
    q.addBindValue(
        m_db.cipher().sealAttachment("pointer", encodeAttachment(pointer), messageRowId, index));
    q.addBindValue(messageRowId);
    q.addBindValue(index);
    return m_db.exec(q);
}

Status TransferStore::setState(qint64 messageRowId, int index, Transfer state, quint64 transferred,
                               const QString &error) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE attachments SET state = ?, transferred = ?, error = ?"
                             " WHERE message_id = ? AND idx = ?"));
    q.addBindValue(int(state));
    q.addBindValue(QVariant::fromValue(transferred));
    q.addBindValue(detail::nn(error));
    q.addBindValue(messageRowId);
    q.addBindValue(index);
    return m_db.exec(q);
}

Status TransferStore::setLocalFile(qint64 messageRowId, int index, const QString &path,
                                   quint64 size, qint64 nowMs) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE attachments SET local_path = ?, local_size = ?,"
                             " last_used_ms = ? WHERE message_id = ? AND idx = ?"));
    q.addBindValue(path.isEmpty() ? nullBlob()
                                  : QVariant(m_db.cipher().sealAttachment("path", path.toUtf8(),
                                                                          messageRowId, index)));
    q.addBindValue(QVariant::fromValue(path.isEmpty() ? quint64(0) : size));
    q.addBindValue(nowMs);
    q.addBindValue(messageRowId);
    q.addBindValue(index);
    return m_db.exec(q);
}

Status TransferStore::touch(qint64 messageRowId, int index, qint64 nowMs) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("UPDATE attachments SET last_used_ms = ? WHERE message_id = ? AND"
                             " idx = ?"));
    q.addBindValue(nowMs);
    q.addBindValue(messageRowId);
    q.addBindValue(index);
    return m_db.exec(q);
}

Result<quint64> TransferStore::cacheBytes() const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT COALESCE(SUM(local_size), 0) FROM attachments"
                             " WHERE local_size > 0"));
    TIDINGS_TRY(m_db.exec(q));
    return q.next() ? q.value(0).toULongLong() : quint64(0);
}

Result<QList<StoredAttachment>> TransferStore::cachedFiles() const {
    return select(QStringLiteral("a.local_size > 0 ORDER BY a.last_used_ms, a.message_id"), {});
}

Status TransferStore::fill(QList<MessageRecord> &messages) const {
    return detail::fillAttachments(m_db, messages);
}

Status TransferStore::putJob(const TransferJob &job) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("INSERT INTO transfers(message_id, idx, upload, job, created_at_ms)"
                             " VALUES (?, ?, ?, ?, ?) ON CONFLICT (message_id, idx) DO UPDATE"
                             " SET upload = excluded.upload, job = excluded.job"));
    q.addBindValue(job.messageRowId);
    q.addBindValue(job.index);
    q.addBindValue(job.upload ? 1 : 0);
    q.addBindValue(
        m_db.cipher().sealAttachment("job", jobToJson(job), job.messageRowId, job.index));
    q.addBindValue(job.createdAtMs);
    return m_db.exec(q);
}

Result<std::optional<TransferJob>> TransferStore::job(qint64 messageRowId, int index) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT upload, job FROM transfers WHERE message_id = ? AND"
                             " idx = ?"));
    q.addBindValue(messageRowId);
    q.addBindValue(index);
    TIDINGS_TRY(m_db.exec(q));
    if (!q.next())
        return std::optional<TransferJob>();
    auto plain = m_db.cipher().openAttachment("job", q.value(1).toByteArray(), messageRowId, index);
    if (!plain)
        return plain.error();
    TransferJob j = jobFromJson(*plain);
    j.messageRowId = messageRowId;
    j.index = index;
    j.upload = q.value(0).toBool();
    return std::optional<TransferJob>(std::move(j));
}

Status TransferStore::removeJob(qint64 messageRowId, int index) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("DELETE FROM transfers WHERE message_id = ? AND idx = ?"));
    q.addBindValue(messageRowId);
    q.addBindValue(index);
    return m_db.exec(q);
}

Result<QList<TransferJob>> TransferStore::jobs() const {
    QSqlQuery q = m_db.query();
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT message_id, idx, upload, job FROM transfers ORDER BY id"));
    TIDINGS_TRY(m_db.exec(q));
    QList<TransferJob> out;
    while (q.next()) {
        const qint64 row = q.value(0).toLongLong();
        const int index = q.value(1).toInt();
        auto plain = m_db.cipher().openAttachment("job", q.value(3).toByteArray(), row, index);
        if (!plain)
            return plain.error();
        TransferJob j = jobFromJson(*plain);
        j.messageRowId = row;
        j.index = index;
        j.upload = q.value(2).toBool();
        out.append(std::move(j));
    }
    return out;
}

namespace detail {

Status fillAttachments(const Database &db, QList<MessageRecord> &messages) {
    QHash<qint64, qsizetype> byRow;
    QStringList ids;
    for (qsizetype i = 0; i < messages.size(); ++i) {
        messages[i].attachments.clear();
        if (messages[i].rowId != 0 && !messages[i].event) {
            byRow.insert(messages[i].rowId, i);
            ids.append(QString::number(messages[i].rowId));
        }
    }
    if (ids.isEmpty())
        return {};
    // Row ids are integers from the database: safe to inline (SQLite caps bound parameters).
    QSqlQuery q = db.query();
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM attachments a JOIN messages m ON m.id = a.message_id"
                             " WHERE a.message_id IN (%2) ORDER BY a.message_id, a.idx")
                  .arg(QLatin1String(kColumns), ids.join(u',')));
    TIDINGS_TRY(db.exec(q));
    while (q.next()) {
        auto a = readRow(q, db.cipher());
        if (!a)
            return a.error();
        const auto it = byRow.constFind(a->messageRowId);
        if (it != byRow.constEnd())
            messages[*it].attachments.append(std::move(a->record));
    }
    return {};
}

} // namespace detail

} // namespace tidings::client
