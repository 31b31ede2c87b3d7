#include "chat_seed.h"

#include "core/media/image_prep.h"
#include "core/secrets/master_key.h"
#include "core/secrets/secret_store.h"
#include "core/store/account_store.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"
#include "core/store/transfer_store.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>

#include <cstdio>

#include <unistd.h>

namespace tidings::bench {

using namespace tidings::client;

namespace {

constexpr quint64 kMe = 1;
constexpr quint64 kPeer = 2;

//! Aspect ratios of phone photos and screenshots: 4:3, 3:4, 16:9, 9:16, 1:1.
QSize sentSize(int i) {
    switch (i % 7) {
    case 0:
    case 3:
        return {2560, 1920};
    case 1:
    case 5:
        return {1920, 2560};
    case 2:
        return {2560, 1440};
    case 4:
        return {1440, 2560};
    default:
        return {1920, 1920};
    }
}

//! A photo-like picture: shading, shapes and fine noise (JPEG sizes like a camera's).
QImage picture(QSize size, quint32 seed) {
    QImage image(size, QImage::Format_RGB32);
    QRandomGenerator rng(seed);
    const int hue = int(rng.bounded(360u));
    for (int y = 0; y < size.height(); ++y) {
        auto *line = reinterpret_cast<QRgb *>(image.scanLine(y));
        for (int x = 0; x < size.width(); ++x) {
            const int n = int(rng.bounded(24u)) - 12;
            const QColor c =
                QColor::fromHsv((hue + x * 60 / size.width()) % 360, 80 + y * 120 / size.height(),
                                qBound(0, 120 + x * 100 / size.width() + n, 255));
            line[x] = c.rgb();
        }
    }
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    for (int i = 0; i < 12; ++i) {
        p.setBrush(QColor::fromHsv(int(rng.bounded(360u)), 150, 230));
        p.drawEllipse(QPoint(int(rng.bounded(quint32(size.width()))),
                             int(rng.bounded(quint32(size.height())))),
                      int(rng.bounded(300u)) + 40, int(rng.bounded(300u)) + 40);
    }
    return image;
}

QByteArray randomBytes(QRandomGenerator &rng, int n) {
    QByteArray b(n, Qt::Uninitialized);
    for (char &c : b)
        c = char(rng.bounded(256u));
    return b;
}

} // namespace

QString seedPhotoChat(const ChatSeedOptions &options) {
    QElapsedTimer timer;
    timer.start();
    const QString dir = options.profile;
    QDir(dir).removeRecursively();
    QDir().mkpath(dir);
    FileSecretStore secrets(QDir(dir).filePath(QStringLiteral("secrets")));
    if (auto s = secrets.write(kDeviceTokenKey, QByteArray("bench-device-token")); !s)
        return s.error().toString();
    auto masterKey = loadOrCreateMasterKey(secrets);
    if (!masterKey)
        return masterKey.error().toString();
    auto opened = Storage::open(QDir(dir).filePath(QStringLiteral("client.sqlite")), *masterKey);
    if (!opened)
        return opened.error().toString();
    Storage &store = **opened;
    // Nothing listens there: the app starts offline (the cache and the connection banner).
    const AccountSettings me{QStringLiteral("ws://127.0.0.1:9"), kMe, 1, QStringLiteral("me"), {}};
    if (auto s = store.accounts().saveAccount(me); !s)
        return s.error().toString();
    if (auto s = store.conversations().upsertConversation(kPhotoChat, kPeer, u"photos"_qs); !s)
        return s.error().toString();

    // The full pictures, as the receiving client stores a download: files/<random>/<name>.
    const QString files = QDir(dir).filePath(QStringLiteral("media/files"));
    QList<QString> distinct;
    QList<QSize> distinctSizes;
    for (int i = 0; i < options.distinctFiles; ++i) {
        const QSize size = sentSize(i);
        const QString folder = QStringLiteral("%1/d%2").arg(files).arg(i);
        QDir().mkpath(folder);
        const QString path = folder + QStringLiteral("/IMG_%1.jpg").arg(i, 4, 10, QLatin1Char('0'));
        if (!picture(size, quint32(i + 1)).save(path, "JPEG", 85))
            return QStringLiteral("cannot write %1").arg(path);
        distinct.append(path);
        distinctSizes.append(size);
    }

    QRandomGenerator rng(1000);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QList<IncomingMessage> messages;
    qint64 fileBytes = 0;
    for (int i = 0; i < options.photos; ++i) {
        const int which = i % options.distinctFiles;
        const QSize size = distinctSizes.at(which);
        media::AttachmentDescriptor a;
        a.key = randomBytes(rng, 32);
        a.ciphertextSha256 = randomBytes(rng, 32);
        a.blobId = QString::fromLatin1(a.ciphertextSha256.toHex());
        a.plaintextSize = quint64(QFile(distinct.at(which)).size());
        a.ciphertextSize = a.plaintextSize + 4096;
        a.chunkSize = 64 * 1024;
        a.mimeType = QStringLiteral("image/jpeg");
        a.fileName = QStringLiteral("IMG_%1.jpg").arg(i, 4, 10, QLatin1Char('0'));
        a.kind = media::AttachmentKind::Image;
        a.width = size.width();
        a.height = size.height();
        // A distinct thumbnail per message (the view caches blurred thumbnails by content).
        const QImage small = picture(size.scaled(64, 64, Qt::KeepAspectRatio), quint32(5000 + i));
        auto thumb = media::makeThumbnail(small, media::ImageLimits{});
        if (!thumb)
            return QStringLiteral("thumbnail: %1").arg(thumb.error().detail);
        a.thumbnail = *thumb;
        const bool mine = rng.bounded(3u) == 0;
        IncomingMessage m;
        m.clientMessageId = QStringLiteral("p%1").arg(i + 1);
        m.conversationId = kPhotoChat;
        m.seq = quint64(i) + 1;
        m.senderUserId = mine ? kMe : kPeer;
        m.senderDeviceId = 1; // mine: this device, so stored as outgoing
        m.senderUsername = mine ? QStringLiteral("me") : QStringLiteral("photos");
        if (options.captionEvery > 0 && i % options.captionEvery == 2)
            m.text = QStringLiteral("Photo %1 from the trip, look at the light here").arg(i + 1);
        // ~25 photos a day, the newest now.
        const qint64 t = now - qint64(options.photos - i) * 3'456'000;
        m.sentAtMs = t - 300;
        m.serverTimeMs = t;
        m.attachments = {a};
        messages.append(std::move(m));
        fileBytes += qint64(a.plaintextSize);
    }
    if (auto stored = store.messages().storeIncoming(messages, now, me); !stored)
        return stored.error().toString();
    // A second chat with a newer text: it is the first in the list (the one a window opens by
    // itself), so the benchmark's opening of the photo chat is a first one.
    if (auto s = store.conversations().upsertConversation(kTextChat, kPeer + 1, u"friend"_qs); !s)
        return s.error().toString();
    IncomingMessage hello;
    hello.clientMessageId = QStringLiteral("t1");
    hello.conversationId = kTextChat;
    hello.seq = 1;
    hello.senderUserId = kPeer + 1;
    hello.senderDeviceId = 1;
    hello.senderUsername = QStringLiteral("friend");
    hello.text = QStringLiteral("Did you see the photos?");
    hello.sentAtMs = now + 1000;
    hello.serverTimeMs = now + 1000;
    if (auto stored = store.messages().storeIncoming({hello}, now, me); !stored)
        return stored.error().toString();
    // Every photo downloaded: a hard link per message to one of the distinct files.
    for (int i = 0; i < options.photos; ++i) {
        auto atts = store.transfers().attachmentsAt(kPhotoChat, quint64(i) + 1);
        if (!atts || atts->isEmpty())
            return QStringLiteral("no attachment at seq %1").arg(i + 1);
        const StoredAttachment &a = atts->first();
        const QString folder = QStringLiteral("%1/m%2").arg(files).arg(i);
        QDir().mkpath(folder);
        const QString path = folder + u'/' + a.pointer.fileName;
        const QString source = distinct.at(i % options.distinctFiles);
        if (::link(QFile::encodeName(source).constData(), QFile::encodeName(path).constData()) != 0)
            return QStringLiteral("cannot link %1").arg(path);
        if (auto s = store.transfers().setLocalFile(a.messageRowId, a.index, path,
                                                    a.pointer.plaintextSize, now);
            !s)
            return s.error().toString();
        if (auto s = store.transfers().setState(
                a.messageRowId, a.index, AttachmentRecord::Transfer::Done, a.pointer.plaintextSize);
            !s)
            return s.error().toString();
    }
    if (auto s = store.conversations().updateMyReadSeq(kPhotoChat, quint64(options.photos)); !s)
        return s.error().toString();
    opened->reset();
    {
        // Everything was seen before (no notification storm when the app starts).
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), u"seed"_qs);
        db.setDatabaseName(QDir(dir).filePath(QStringLiteral("client.sqlite")));
        if (!db.open() || !QSqlQuery(db).exec(QStringLiteral("UPDATE messages SET notified = 1")))
            return QStringLiteral("cannot mark the messages notified");
        QSqlQuery(db).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    }
    QSqlDatabase::removeDatabase(u"seed"_qs);
    std::printf("{\"profile\":\"%s\",\"photos\":%d,\"distinct_files\":%d,\"photo_bytes\":%lld,"
                "\"seconds\":%.1f}\n",
                qPrintable(QDir(dir).absolutePath()), options.photos, options.distinctFiles,
                fileBytes, double(timer.elapsed()) / 1000.0);
    std::fflush(stdout);
    return {};
}

} // namespace tidings::bench
