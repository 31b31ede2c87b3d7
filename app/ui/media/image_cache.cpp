#include "image_cache.h"

#include "ui_logging.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QFileInfo>
#include <QImageReader>
#include <QMutexLocker>
#include <QPointer>

#include <algorithm>
#include <limits>

namespace tidings::ui {

namespace {
QString sizeKey(QSize size) {
    return QStringLiteral("%1x%2").arg(size.width()).arg(size.height());
}

//! `image` brought to `size`: covering it (centre crop) or contained in it.
QImage fitTo(const QImage &image, QSize size, ImageCache::Fit fit) {
    if (image.isNull() || size.isEmpty())
        return image;
    if (fit == ImageCache::Fit::Contain) {
        if (image.width() <= size.width() && image.height() <= size.height())
            return image;
        return image.scaled(size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }
    QImage scaled = image.size() == size ? image
                                         : image.scaled(size, Qt::KeepAspectRatioByExpanding,
                                                        Qt::SmoothTransformation);
    if (scaled.size() == size)
        return scaled;
    return scaled.copy((scaled.width() - size.width()) / 2, (scaled.height() - size.height()) / 2,
                       size.width(), size.height());
}
} // namespace

void boxBlur(QImage &image, int radius) {
    if (image.isNull() || radius < 1)
        return;
    image = image.convertToFormat(QImage::Format_ARGB32_Premultiplied);
    const int w = image.width(), h = image.height();
    QList<quint32> line(qMax(w, h));
    auto pass = [&](bool horizontal) {
        const int outer = horizontal ? h : w, inner = horizontal ? w : h;
        for (int o = 0; o < outer; ++o) {
            auto px = [&](int i) -> quint32 & {
                const int x = horizontal ? i : o, y = horizontal ? o : i;
                return reinterpret_cast<quint32 *>(image.scanLine(y))[x];
            };
            for (int i = 0; i < inner; ++i)
                line[i] = px(i);
            int sum[4] = {0, 0, 0, 0};
            auto add = [&](quint32 v, int sign) {
                for (int c = 0; c < 4; ++c)
                    sum[c] += sign * int((v >> (8 * c)) & 0xff);
            };
            for (int i = -radius; i <= radius; ++i)
                add(line[qBound(0, i, inner - 1)], 1);
            const int n = 2 * radius + 1;
            for (int i = 0; i < inner; ++i) {
                quint32 out = 0;
                for (int c = 0; c < 4; ++c)
                    out |= quint32(sum[c] / n) << (8 * c);
                px(i) = out;
                add(line[qBound(0, i - radius, inner - 1)], -1);
                add(line[qBound(0, i + radius + 1, inner - 1)], 1);
            }
        }
    };
    for (int k = 0; k < 3; ++k) {
        pass(true);
        pass(false);
    }
}

ImageCache::ImageCache(qint64 maxBytes, QObject *parent)
    : QObject(parent)
    , m_maxBytes(maxBytes)
    , m_cache(int(qMin<qint64>(maxBytes / 1024, std::numeric_limits<int>::max()))) {
    // Two decoders: the machine has other work (the event loop, the core's own threads).
    m_pool.setMaxThreadCount(2);
}

ImageCache::~ImageCache() {
    {
        QMutexLocker lock(&m_mutex);
        m_queue.clear();
    }
    m_pool.waitForDone();
}

QImage ImageCache::lookup(const QString &key) {
    if (const QImage *hit = m_cache.object(key))
        return *hit;
    return {};
}

QImage ImageCache::image(const QString &path, QSize size, Fit fit) {
    if (path.isEmpty() || size.isEmpty() || m_failedPaths.contains(path))
        return {};
    const QString key = QStringLiteral("f:%1:%2:%3")
                            .arg(fit == Fit::Cover ? QLatin1Char('c') : QLatin1Char('n'))
                            .arg(sizeKey(size), path);
    QImage hit = lookup(key);
    if (hit.isNull())
        enqueue(Request{key, path, {}, size, fit});
    return hit;
}

QImage ImageCache::blurred(const QByteArray &thumbnail, QSize size) {
    if (thumbnail.isEmpty() || size.isEmpty())
        return {};
    const QString key =
        QStringLiteral("t:%1:%2:%3").arg(qHash(thumbnail)).arg(thumbnail.size()).arg(sizeKey(size));
    QImage hit = lookup(key);
    if (hit.isNull())
        enqueue(Request{key, {}, thumbnail, size, Fit::Cover});
    return hit;
}

bool ImageCache::failed(const QString &path) const {
    return m_failedPaths.contains(path);
}

qint64 ImageCache::bytes() const {
    return qint64(m_cache.totalCost()) * 1024;
}

int ImageCache::pending() const {
    QMutexLocker lock(&m_mutex);
    return int(m_queued.size());
}

void ImageCache::waitForIdle() {
    while (pending() > 0) {
        m_pool.waitForDone(50);
        QCoreApplication::sendPostedEvents(this);
    }
}

void ImageCache::enqueue(Request request) {
    QMutexLocker lock(&m_mutex);
    if (m_queued.contains(request.key))
        return;
    m_queued.insert(request.key);
    m_queue.append(std::move(request));
    while (m_queue.size() > kMaxQueued)
        m_queued.remove(m_queue.takeFirst().key);
    if (m_running < m_pool.maxThreadCount()) {
        ++m_running;
        m_pool.start([this] { work(); });
    }
}

void ImageCache::work() {
    for (;;) {
        Request request;
        {
            QMutexLocker lock(&m_mutex);
            if (m_queue.isEmpty()) {
                --m_running;
                return;
            }
            // Newest first: what the user looks at now.
            request = m_queue.takeLast();
        }
        const QImage image = decode(request);
        QMetaObject::invokeMethod(
            this,
            [this, key = request.key, path = request.path, image] { finish(key, path, image); },
            Qt::QueuedConnection);
    }
}

void ImageCache::finish(const QString &key, const QString &path, const QImage &image) {
    {
        QMutexLocker lock(&m_mutex);
        m_queued.remove(key);
    }
    if (image.isNull()) {
        if (!path.isEmpty()) {
            qCWarning(lcUi) << "cannot decode an image of" << QFileInfo(path).suffix() << "type";
            m_failedPaths.insert(path);
        }
    } else {
        const int cost = int(qMax<qint64>(1, image.sizeInBytes() / 1024));
        m_cache.insert(key, new QImage(image), cost);
    }
    emit ready();
}

QImage ImageCache::decode(const Request &request) {
    if (!request.thumbnail.isEmpty()) {
        // The thumbnail came in someone's message: its declared size is checked before a pixel
        // is allocated (a few bytes of PNG can declare a gigapixel).
        QBuffer buffer;
        buffer.setData(request.thumbnail);
        buffer.open(QIODevice::ReadOnly);
        QImageReader thumbReader(&buffer);
        const QSize declared = thumbReader.size();
        if (!declared.isValid() || declared.isEmpty() || declared.width() > kMaxThumbnailSide ||
            declared.height() > kMaxThumbnailSide)
            return {};
        QImage thumb = thumbReader.read();
        if (thumb.isNull())
            return {};
        // Blur at a small size (cheap, and the thumbnail has no more detail), then scale up.
        QImage small =
            fitTo(thumb, request.size.scaled(48, 48, Qt::KeepAspectRatio), ImageCache::Fit::Cover);
        boxBlur(small, 2);
        return small.scaled(request.size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    }
    QImageReader reader(request.path);
    reader.setAutoTransform(true);
    // Not QImageReader::setAllocationLimit: in Qt 6.4 it is static and would change the limit of
    // every decode in the process. The pixels this decode will allocate are checked instead.
    QSize source = reader.size();
    QSize decodes = source;
    if (source.isValid()) {
        // Let the decoder scale (JPEG decodes at 1/2, 1/4, 1/8 directly): a 4000-pixel photo for
        // a 300-pixel bubble costs a fraction of a full decode. The reader scales before it
        // rotates, so a rotated file gets the transposed size.
        const bool transposed = reader.transformation() & QImageIOHandler::TransformationRotate90;
        QSize oriented = transposed ? source.transposed() : source;
        QSize target = oriented.scaled(request.size, request.fit == ImageCache::Fit::Cover
                                                         ? Qt::KeepAspectRatioByExpanding
                                                         : Qt::KeepAspectRatio);
        if (target.width() < oriented.width() && !target.isEmpty()) {
            reader.setScaledSize(transposed ? target.transposed() : target);
            if (reader.supportsOption(QImageIOHandler::ScaledSize))
                decodes = reader.scaledSize();
        }
        if (qint64(decodes.width()) * decodes.height() * 4 > qint64(kAllocationLimitMb) << 20)
            return {};
    }
    QImage image = reader.read();
    if (image.isNull())
        return {};
    return fitTo(image, request.size, request.fit);
}

} // namespace tidings::ui
