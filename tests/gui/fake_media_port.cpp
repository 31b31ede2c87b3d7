#include "fake_media_port.h"

#include "core/store/message_store.h"

#include <QBuffer>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QPainter>
#include <QRandomGenerator>
#include <QUuid>
#include <QtEndian>

#include <cmath>

namespace tidings::test {

FakeMediaPort::FakeMediaPort(client::MessageStore *messages, client::AccountSettings me,
                             QObject *parent)
    : MediaPort(parent)
    , m_messages(messages)
    , m_me(std::move(me)) {}

void FakeMediaPort::setAttachments(const QString &clientMessageId,
                                   const QList<ui::Attachment> &list, quint64 conversationId) {
    m_attachments.insert(clientMessageId, list);
    m_conversationOf.insert(clientMessageId, conversationId);
}

ui::Attachment FakeMediaPort::attachment(const QString &clientMessageId) const {
    return m_attachments.value(clientMessageId).value(0);
}

QList<ui::Attachment> FakeMediaPort::attachments(const client::MessageRecord &message) const {
    return m_attachments.value(message.clientMessageId);
}

Result<QStringList> FakeMediaPort::sendFiles(quint64 conversationId,
                                             const QList<ui::OutgoingMedia> &files,
                                             const QString &caption) {
    if (sendError)
        return *sendError;
    SendCall call{conversationId, files, caption, {}};
    QList<client::OutgoingDraft> drafts;
    for (int i = 0; i < files.size(); ++i) {
        const ui::OutgoingMedia &f = files.at(i);
        const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        ui::Attachment a = media_fixtures::attachmentFor(
            f.path, f.asFile ? ui::Attachment::Kind::File : f.kind, i);
        if (f.kind == ui::Attachment::Kind::Voice) {
            a.waveform = f.waveform;
            a.durationMs = f.durationMs;
        }
        a.transfer = ui::Attachment::Transfer::Queued; // uploads start in the background
        m_attachments.insert(id, {a});
        m_conversationOf.insert(id, conversationId);
        call.clientMessageIds.append(id);
        client::OutgoingDraft d;
        d.clientMessageId = id;
        d.conversationId = conversationId;
        d.text = i == 0 ? caption : QString();
        d.sentAtMs = QDateTime::currentMSecsSinceEpoch();
        drafts.append(d);
    }
    if (m_messages) {
        if (auto s = m_messages->enqueueOutgoing(drafts, m_me); !s)
            return s.error();
    }
    sends.append(call);
    return call.clientMessageIds;
}

void FakeMediaPort::download(quint64 conversationId, quint64 seq) {
    downloads.append({conversationId, seq});
}

void FakeMediaPort::cancel(const QString &clientMessageId) {
    cancels.append(clientMessageId);
    auto it = m_attachments.find(clientMessageId);
    if (it == m_attachments.end() || it->isEmpty())
        return;
    (*it)[0].transfer = ui::Attachment::Transfer::Cancelled;
    emit transferChanged(m_conversationOf.value(clientMessageId), clientMessageId, 0, it->first());
}

void FakeMediaPort::retry(const QString &clientMessageId) {
    retries.append(clientMessageId);
}

Status FakeMediaPort::deleteLocalCopy(quint64 conversationId, quint64 seq) {
    deletions.append({conversationId, seq});
    return {};
}

void FakeMediaPort::setTransfer(quint64 conversationId, const QString &clientMessageId, quint64 seq,
                                ui::Attachment::Transfer transfer, quint64 bytes,
                                const QString &error) {
    auto it = m_attachments.find(clientMessageId);
    if (it == m_attachments.end() || it->isEmpty())
        return;
    ui::Attachment &a = (*it)[0];
    a.transfer = transfer;
    a.transferredBytes = bytes;
    a.transferError = error;
    emit transferChanged(conversationId, clientMessageId, seq, a);
}

void FakeMediaPort::finishDownload(quint64 conversationId, const QString &clientMessageId,
                                   quint64 seq, const QString &path) {
    auto it = m_attachments.find(clientMessageId);
    if (it != m_attachments.end() && !it->isEmpty()) {
        ui::Attachment &a = (*it)[0];
        a.localPath = path;
        a.transfer = ui::Attachment::Transfer::Done;
        a.transferredBytes = a.size;
    }
    emit downloaded(conversationId, seq, path);
}

namespace media_fixtures {

QImage picture(QSize size, int seed) {
    QImage image(size, QImage::Format_RGB32);
    QPainter p(&image);
    QRandomGenerator rng(quint32(seed) * 7919u + 17u);
    QLinearGradient g(0, 0, size.width(), size.height());
    const QColor a = QColor::fromHsv(int(rng.bounded(360u)), 120, 230);
    const QColor b = QColor::fromHsv(int(rng.bounded(360u)), 170, 120);
    g.setColorAt(0, a);
    g.setColorAt(1, b);
    p.fillRect(image.rect(), g);
    p.setRenderHint(QPainter::Antialiasing);
    for (int i = 0; i < 6; ++i) {
        p.setBrush(QColor::fromHsv(int(rng.bounded(360u)), 90, 250, 150));
        p.setPen(Qt::NoPen);
        const int r = int(rng.bounded(quint32(qMax(2, size.height() / 3)))) + size.height() / 10;
        p.drawEllipse(QPoint(int(rng.bounded(quint32(size.width()))),
                             int(rng.bounded(quint32(size.height())))),
                      r, r);
    }
    // A horizon: landscape-like photos.
    p.setBrush(b.darker(160));
    p.drawRect(0, size.height() * 2 / 3, size.width(), size.height() / 3 + 1);
    return image;
}

bool writeJpeg(const QString &path, QSize size, int seed, int quality) {
    return picture(size, seed).save(path, "JPEG", quality);
}

QByteArray thumbnail(const QImage &image) {
    const QImage small = image.scaled(40, 40, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    small.save(&buffer, "JPEG", 60);
    return bytes;
}

bool writeWav(const QString &path, int ms, int hz) {
    const int rate = 16000;
    const int samples = rate * ms / 1000;
    QByteArray data(samples * 2, '\0');
    for (int i = 0; i < samples; ++i) {
        const double t = double(i) / rate;
        const double env = qMin(1.0, qMin(t * 20, (double(samples - i) / rate) * 20));
        const auto v = qint16(std::sin(2 * M_PI * hz * t) * 12000 * env);
        qToLittleEndian(v, data.data() + 2 * i);
    }
    QByteArray out;
    auto u32 = [&out](quint32 v) {
        char b[4];
        qToLittleEndian(v, b);
        out.append(b, 4);
    };
    auto u16 = [&out](quint16 v) {
        char b[2];
        qToLittleEndian(v, b);
        out.append(b, 2);
    };
    out.append("RIFF");
    u32(quint32(36 + data.size()));
    out.append("WAVEfmt ");
    u32(16);
    u16(1);
    u16(1);
    u32(rate);
    u32(rate * 2);
    u16(2);
    u16(16);
    out.append("data");
    u32(quint32(data.size()));
    out.append(data);
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(out) == out.size();
}

QByteArray waveform(int buckets, int seed) {
    QByteArray w(buckets, '\0');
    QRandomGenerator rng(quint32(seed) + 3u);
    for (int i = 0; i < buckets; ++i) {
        const double shape = 0.35 + 0.65 * std::fabs(std::sin(i * 0.31 + seed));
        w[i] = char(quint8(qBound(8.0, shape * (120 + rng.bounded(135u)), 255.0)));
    }
    return w;
}

ui::Attachment attachmentFor(const QString &path, ui::Attachment::Kind kind, int seed) {
    ui::Attachment a;
    const QFileInfo info(path);
    a.kind = kind;
    a.fileName = info.fileName();
    a.size = quint64(info.size());
    a.localPath = info.absoluteFilePath();
    a.transfer = ui::Attachment::Transfer::Done;
    a.transferredBytes = a.size;
    if (kind == ui::Attachment::Kind::Image) {
        a.mimeType = QStringLiteral("image/jpeg");
        const QImage image(path);
        a.width = image.width();
        a.height = image.height();
        a.thumbnail = thumbnail(image);
    } else if (kind == ui::Attachment::Kind::Video) {
        a.mimeType = QStringLiteral("video/mp4");
        a.width = 640;
        a.height = 360;
        a.durationMs = 4000;
        a.thumbnail = thumbnail(picture(QSize(640, 360), seed));
    } else if (kind == ui::Attachment::Kind::Voice || kind == ui::Attachment::Kind::Audio) {
        a.mimeType = kind == ui::Attachment::Kind::Voice ? QStringLiteral("audio/ogg")
                                                         : QStringLiteral("audio/wav");
        a.durationMs = 3000;
        a.waveform = waveform(64, seed);
    } else {
        a.mimeType = QStringLiteral("application/octet-stream");
    }
    return a;
}

} // namespace media_fixtures
} // namespace tidings::test
