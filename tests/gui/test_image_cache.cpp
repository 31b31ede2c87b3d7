// ImageCache's decoding limits: an inline thumbnail (it came in someone's message) that declares
// large dimensions is not decoded, a small one is, and decoding leaves Qt's process-wide
// allocation limit alone.
#include "media/image_cache.h"

#include <QBuffer>
#include <QImageReader>
#include <QTemporaryDir>
#include <QTest>

using tidings::ui::ImageCache;

namespace {

constexpr int kThumbnailSide = 512; //!< ImageCache::kMaxThumbnailSide

QByteArray encoded(QSize size, const char *format) {
    QImage image(size, QImage::Format_RGB32);
    image.fill(Qt::darkCyan);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, format);
    return bytes;
}

} // namespace

class TestImageCache : public QObject {
    Q_OBJECT
private slots:
    void smallThumbnailIsDecoded() {
        ImageCache cache;
        const QByteArray thumb = encoded({40, 30}, "JPEG");
        QVERIFY(cache.blurred(thumb, {200, 150}).isNull()); // queued
        cache.waitForIdle();
        QCOMPARE(cache.blurred(thumb, {200, 150}).size(), QSize(200, 150));
    }

    void largeThumbnailIsRefused() {
        // A few KiB of PNG declaring 4000×4000 (64 MB of pixels) for a 40-pixel preview.
        ImageCache cache;
        const QByteArray thumb = encoded({4000, 4000}, "PNG");
        QVERIFY(thumb.size() < 1 << 20);
        QVERIFY(cache.blurred(thumb, {200, 150}).isNull());
        cache.waitForIdle();
        QVERIFY(cache.blurred(thumb, {200, 150}).isNull());
        cache.waitForIdle();
        QCOMPARE(cache.bytes(), 0);
        // Just above the limit is refused too, at the limit it is decoded.
        const QByteArray over = encoded({kThumbnailSide + 1, 8}, "PNG");
        const QByteArray at = encoded({kThumbnailSide, 8}, "PNG");
        (void)cache.blurred(over, {64, 64});
        (void)cache.blurred(at, {64, 64});
        cache.waitForIdle();
        QVERIFY(cache.blurred(over, {64, 64}).isNull());
        QVERIFY(!cache.blurred(at, {64, 64}).isNull());
    }

    void decodingLeavesTheProcessWideLimitAlone() {
        const int before = QImageReader::allocationLimit();
        QImageReader::setAllocationLimit(123);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("photo.png"));
        QVERIFY(QImage::fromData(encoded({300, 200}, "PNG")).save(path));
        ImageCache cache;
        (void)cache.image(path, {150, 100});
        cache.waitForIdle();
        QVERIFY(!cache.image(path, {150, 100}).isNull());
        QCOMPARE(QImageReader::allocationLimit(), 123);
        QImageReader::setAllocationLimit(before);
    }
};

QTEST_MAIN(TestImageCache)
#include "test_image_cache.moc"
