// Photo preparation: EXIF orientation applied and every metadata block (EXIF incl. GPS) gone
// after re-encoding, the long side capped, transparency kept as PNG, a small inline thumbnail,
// animated images sent as files, and hostile inputs (a 60,000×60,000 header, a lying header
// behind the allocation limit, 0×0, truncated and corrupt files) refused with typed errors,
// quickly, off the GUI thread.
#include "core/media/image_prep.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QImageReader>
#include <QImageWriter>
#include <QPainter>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace tidings::client::media;

namespace {

QByteArray be16(int v) {
    QByteArray b(2, Qt::Uninitialized);
    b[0] = char((v >> 8) & 0xff);
    b[1] = char(v & 0xff);
    return b;
}
QByteArray be32(quint32 v) {
    return be16(int(v >> 16)) + be16(int(v & 0xffff));
}

// A minimal big-endian EXIF APP1 segment: IFD0 with ImageDescription, Orientation and a GPS
// IFD pointer; the GPS IFD holds GPSMapDatum. Both strings are markers the output must lose.
QByteArray exifSegment(int orientation, const QByteArray &description, const QByteArray &datum) {
    QByteArray desc = description + '\0';
    if (desc.size() % 2)
        desc += '\0';
    const quint32 ifd0Size = 2 + 3 * 12 + 4;
    const quint32 descOffset = 8 + ifd0Size;
    const quint32 gpsOffset = descOffset + quint32(desc.size());
    const quint32 datumOffset = gpsOffset + 2 + 12 + 4;
    QByteArray t = "MM" + be16(42) + be32(8);
    t += be16(3);
    t += be16(0x010e) + be16(2) + be32(quint32(description.size() + 1)) + be32(descOffset);
    t += be16(0x0112) + be16(3) + be32(1) + be16(orientation) + be16(0);
    t += be16(0x8825) + be16(4) + be32(1) + be32(gpsOffset);
    t += be32(0);
    t += desc;
    t += be16(1) + be16(0x0012) + be16(2) + be32(quint32(datum.size() + 1)) + be32(datumOffset) +
         be32(0);
    t += datum + '\0';
    const QByteArray payload = QByteArray("Exif\0\0", 6) + t;
    return QByteArray("\xff\xe1", 2) + be16(int(payload.size()) + 2) + payload;
}

QByteArray jpegBytes(const QImage &image, int quality = 90) {
    QByteArray out;
    QBuffer b(&out);
    b.open(QIODevice::WriteOnly);
    image.save(&b, "JPEG", quality);
    return out;
}

quint32 crc32(const QByteArray &data) {
    quint32 c = 0xffffffffu;
    for (char ch : data) {
        c ^= quint8(ch);
        for (int k = 0; k < 8; ++k)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

QByteArray pngChunk(const QByteArray &type, const QByteArray &data) {
    return be32(quint32(data.size())) + type + data + be32(crc32(type + data));
}

// A PNG whose header declares width×height; the pixel data is a token (never decoded).
QByteArray pngHeaderOnly(quint32 width, quint32 height) {
    const QByteArray ihdr = be32(width) + be32(height) + QByteArray("\x08\x06\x00\x00\x00", 5);
    return QByteArray("\x89PNG\r\n\x1a\n", 8) + pngChunk("IHDR", ihdr) +
           pngChunk("IDAT", QByteArray("\x78\x9c\x03\x00\x00\x00\x00\x01", 8)) +
           pngChunk("IEND", {});
}

// Two 1×1 frames: the smallest animated GIF.
QByteArray twoFrameGif() {
    const QByteArray frame = QByteArray("\x21\xf9\x04\x00\x0a\x00\x00\x00", 8) +
                             QByteArray("\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00", 10) +
                             QByteArray("\x02\x02\x44\x01\x00", 5);
    return QByteArray("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\x00\x00\x00\x00\xff", 19) +
           QByteArray("\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00", 19) + frame + frame + ";";
}

QImage noisyPhoto(int w, int h) {
    QImage img(w, h, QImage::Format_RGB32);
    QPainter p(&img);
    QLinearGradient g(0, 0, w, h);
    g.setColorAt(0, QColor(30, 90, 160));
    g.setColorAt(1, QColor(240, 200, 80));
    p.fillRect(img.rect(), g);
    QRandomGenerator rng(7);
    for (int i = 0; i < 400; ++i) {
        p.setBrush(QColor::fromRgb(rng.generate()));
        p.drawEllipse(QPoint(int(rng.bounded(w)), int(rng.bounded(h))), 40, 25);
    }
    return img;
}

} // namespace

class TestImagePrep : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString write(const QString &name, const QByteArray &bytes) {
        QFile f(m_dir.filePath(name));
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
            return {};
        return f.fileName();
    }

private slots:
    void orientationAppliedAndMetadataStripped() {
        QImage img(400, 200, QImage::Format_RGB32);
        img.fill(Qt::blue);
        QPainter(&img).fillRect(0, 0, 200, 200, Qt::red);
        QByteArray jpeg = jpegBytes(img);
        jpeg.insert(2, exifSegment(6, "DESCMARKER-private", "GPSMARKER-52.5200N"));
        const QString path = write("rotated.jpg", jpeg);
        QVERIFY(jpeg.contains("GPSMARKER"));
        QCOMPARE(probeImage(path)->size, QSize(400, 200)); // as stored

        const auto prepared = prepareImage(path);
        QVERIFY2(prepared, qPrintable(prepared ? "" : prepared.error().detail));
        QCOMPARE(prepared->mimeType, QString("image/jpeg"));
        QCOMPARE(prepared->size, QSize(200, 400)); // orientation 6: rotated 90° clockwise
        QCOMPARE(prepared->originalSize, QSize(200, 400));
        QVERIFY(!prepared->bytes.contains("Exif"));
        QVERIFY(!prepared->bytes.contains("GPSMARKER"));
        QVERIFY(!prepared->bytes.contains("DESCMARKER"));
        const QImage out = QImage::fromData(prepared->bytes);
        QCOMPARE(out.size(), QSize(200, 400));
        // The left (red) half of the stored image is on top once oriented.
        QVERIFY(qRed(out.pixel(100, 60)) > 200 && qBlue(out.pixel(100, 60)) < 60);
        QVERIFY(qBlue(out.pixel(100, 340)) > 200 && qRed(out.pixel(100, 340)) < 60);

        QVERIFY(prepared->thumbnail.size() <= 3 * 1024);
        QVERIFY(!prepared->thumbnail.contains("GPSMARKER"));
        QCOMPARE(prepared->thumbnailSize, QSize(20, 40));
        QCOMPARE(QImage::fromData(prepared->thumbnail).size(), QSize(20, 40));
    }

    void photosAreDecodedAtADctScale() {
        // 5200 at 3/8 would be 1950, under 90 % of the cap: 4/8 (2600), then scaled to 2560.
        const QString wide = write("wide.jpg", jpegBytes(noisyPhoto(5200, 3900), 90));
        auto prepared = prepareImage(wide);
        QVERIFY(prepared);
        QCOMPARE(prepared->size, QSize(2560, 1920));
        // Grayscale and progressive files take the same path; the colours survive.
        QImage gray = noisyPhoto(3264, 2448).convertToFormat(QImage::Format_Grayscale8);
        const QString grayPath = write("gray.jpg", jpegBytes(gray, 90));
        prepared = prepareImage(grayPath);
        QVERIFY(prepared);
        QCOMPARE(prepared->size, QSize(2448, 1836)); // 6/8
        const QImage grayOut = QImage::fromData(prepared->bytes);
        const QRgb px = grayOut.pixel(1200, 900);
        QVERIFY(qAbs(qRed(px) - qGreen(px)) < 8 && qAbs(qGreen(px) - qBlue(px)) < 8);
        QByteArray progressive;
        {
            QBuffer b(&progressive);
            b.open(QIODevice::WriteOnly);
            QImageWriter w(&b, "jpeg");
            w.setProgressiveScanWrite(true);
            w.setQuality(90);
            QVERIFY(w.write(noisyPhoto(4032, 3024)));
        }
        prepared = prepareImage(write("progressive.jpg", progressive));
        QVERIFY(prepared);
        QCOMPARE(prepared->size, QSize(2520, 1890)); // 5/8
        const QImage in = noisyPhoto(4032, 3024).scaled(2520, 1890);
        const QImage out = QImage::fromData(prepared->bytes);
        for (const QPoint at : {QPoint(300, 300), QPoint(2000, 1500)}) {
            const QRgb a = in.pixel(at), b = out.pixel(at);
            QVERIFY2(qAbs(qRed(a) - qRed(b)) < 40 && qAbs(qBlue(a) - qBlue(b)) < 40,
                     qPrintable(QStringLiteral("%1 vs %2").arg(a, 0, 16).arg(b, 0, 16)));
        }
    }

    void largePhotoIsCappedQuickly() {
        const QString path = write("big.jpg", jpegBytes(noisyPhoto(4000, 3000), 92));
        QElapsedTimer t;
        t.start();
        const auto prepared = prepareImage(path);
        const qint64 ms = t.elapsed();
        QVERIFY(prepared);
        // Decoded straight to a DCT scale that fits the 2560 cap (5/8 here): within 10 % of it.
        QCOMPARE(prepared->size, QSize(2500, 1875));
        QCOMPARE(prepared->originalSize, QSize(4000, 3000));
        QCOMPARE(QImage::fromData(prepared->bytes).size(), QSize(2500, 1875));
        QVERIFY(prepared->thumbnail.size() <= 3 * 1024);
        qInfo("4000x3000 JPEG (%lld KiB) prepared in %lld ms: %lld KiB JPEG, %lld B thumbnail",
              QFileInfo(path).size() / 1024, ms, qint64(prepared->bytes.size() / 1024),
              qint64(prepared->thumbnail.size()));
    }

    void transparencyStaysPng() {
        QImage img(300, 100, QImage::Format_ARGB32);
        img.fill(Qt::transparent);
        QPainter(&img).fillRect(0, 0, 150, 100, QColor(0, 200, 0, 128));
        const QString transparent = m_dir.filePath("alpha.png");
        QVERIFY(img.save(transparent, "PNG"));
        auto prepared = prepareImage(transparent);
        QVERIFY(prepared);
        QCOMPARE(prepared->mimeType, QString("image/png"));
        QVERIFY(QImage::fromData(prepared->bytes).hasAlphaChannel());

        img.fill(QColor(10, 20, 30, 255)); // an alpha channel, but opaque everywhere
        const QString opaque = m_dir.filePath("opaque.png");
        QVERIFY(img.save(opaque, "PNG"));
        prepared = prepareImage(opaque);
        QVERIFY(prepared);
        QCOMPARE(prepared->mimeType, QString("image/jpeg"));
    }

    void animatedImagesGoAsFiles() {
        const QString path = write("anim.gif", twoFrameGif());
        const auto info = probeImage(path);
        QVERIFY2(info, qPrintable(info ? "" : info.error().detail));
        QVERIFY(info->animated);
        const auto prepared = prepareImage(path);
        QVERIFY(prepared);
        QVERIFY(prepared->sendAsFile);
        QVERIFY(prepared->bytes.isEmpty());
        QVERIFY(!prepared->thumbnail.isEmpty());
        QCOMPARE(prepared->size, QSize(1, 1));
    }

    void hostileInputs_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QList<int>>("codes");
        using C = MediaErrorCode;
        QTest::newRow("60000x60000")
            << pngHeaderOnly(60000, 60000) << "huge.png" << QList<int>{int(C::TooLarge)};
        QTest::newRow("20000x100")
            << pngHeaderOnly(20000, 100) << "wide.png" << QList<int>{int(C::TooLarge)};
        QTest::newRow("12000x12000 (144 MP)")
            << pngHeaderOnly(12000, 12000) << "bomb.png" << QList<int>{int(C::TooLarge)};
        QTest::newRow("0x0") << pngHeaderOnly(0, 0) << "zero.png"
                             << QList<int>{int(C::Empty), int(C::Corrupt)};
        QTest::newRow("empty file") << QByteArray() << "empty.jpg" << QList<int>{int(C::Empty)};
        QByteArray truncated = jpegBytes(noisyPhoto(800, 600));
        truncated.truncate(truncated.size() / 2);
        QTest::newRow("truncated JPEG") << truncated << "half.jpg" << QList<int>{int(C::Corrupt)};
        QByteArray garbage(5000, Qt::Uninitialized);
        QRandomGenerator(3).fillRange(reinterpret_cast<quint32 *>(garbage.data()), 1250);
        QTest::newRow("random bytes")
            << garbage << "noise.jpg" << QList<int>{int(C::Unsupported), int(C::Corrupt)};
        QTest::newRow("JPEG header then garbage")
            << QByteArray("\xff\xd8\xff\xe0\x00\x10JFIF\x00", 11) + garbage << "bad.jpg"
            << QList<int>{int(C::Corrupt), int(C::Unsupported)};
    }
    void hostileInputs() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, name);
        QFETCH(QList<int>, codes);
        const QString path = write(name, bytes);
        QElapsedTimer t;
        t.start();
        const auto prepared = prepareImage(path);
        QVERIFY(!prepared);
        QVERIFY2(codes.contains(int(prepared.error().code)),
                 qPrintable(QString("%1: %2")
                                .arg(mediaErrorName(prepared.error().code))
                                .arg(prepared.error().detail)));
        QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    }

    void allocationLimitIsASecondFence() {
        const QString path = m_dir.filePath("big.png");
        QVERIFY(noisyPhoto(3000, 3000).save(path, "PNG")); // 36 MB decoded
        ImageLimits limits;
        limits.allocationLimitMb = 8;
        const auto prepared = prepareImage(path, limits);
        QVERIFY(!prepared);
        QCOMPARE(prepared.error().code, MediaErrorCode::TooLarge);
    }

    void processWideAllocationLimitIsLeftAlone() {
        // QImageReader::setAllocationLimit is static in Qt 6.4: library code must not move it.
        const int before = QImageReader::allocationLimit();
        QImageReader::setAllocationLimit(123);
        const QString path = write("plain.jpg", jpegBytes(noisyPhoto(800, 600), 90));
        QVERIFY(prepareImage(path));
        ImageLimits limits;
        limits.allocationLimitMb = 64;
        QVERIFY(prepareImage(path, limits));
        QCOMPARE(QImageReader::allocationLimit(), 123);
        QImageReader::setAllocationLimit(before);
    }

    void preparerRunsOffTheGuiThread() {
        const QString good = write("good.jpg", jpegBytes(noisyPhoto(4000, 3000), 92));
        const QString bad = write("bad.png", pngHeaderOnly(60000, 60000));
        ImagePreparer preparer;
        QSignalSpy prepared(&preparer, &ImagePreparer::prepared);
        QSignalSpy failed(&preparer, &ImagePreparer::failed);
        int ticks = 0;
        QTimer ticker;
        QObject::connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
        ticker.start(5);
        QElapsedTimer t;
        t.start();
        const quint64 a = preparer.prepare(good);
        const quint64 b = preparer.prepare(bad);
        QVERIFY(t.elapsed() < 100); // prepare() only queues
        QTRY_COMPARE_WITH_TIMEOUT(prepared.size(), 1, 30000);
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(prepared.first().at(0).toULongLong(), a);
        QCOMPARE(failed.first().at(0).toULongLong(), b);
        QCOMPARE(failed.first().at(1).value<MediaError>().code, MediaErrorCode::TooLarge);
        QCOMPARE(prepared.first().at(1).value<PreparedImage>().size, QSize(2500, 1875));
        QVERIFY2(ticks > 3, qPrintable(QString::number(ticks))); // the event loop kept running
    }
};

QTEST_MAIN(TestImagePrep)
#include "test_image_prep.moc"
