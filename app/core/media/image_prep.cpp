#include "image_prep.h"

#include "jpeg_decode.h"
#include "jpeg_scan.h"
#include "media_logging.h"

#include <QBuffer>
#include <QColorSpace>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QImageWriter>
#include <QPointer>
#include <QThreadPool>
#include <QTransform>

namespace tidings::client::media {

namespace {

//! What QImageReader's auto-transform does, for an image decoded without it.
QImage oriented(QImage image, QImageIOHandler::Transformations t) {
    if (t == QImageIOHandler::TransformationNone)
        return image;
    if (t == QImageIOHandler::TransformationRotate270)
        return image.transformed(QTransform().rotate(270));
    image = std::move(image).mirrored(t & QImageIOHandler::TransformationMirror,
                                      t & QImageIOHandler::TransformationFlip);
    if (t & QImageIOHandler::TransformationRotate90)
        image = image.transformed(QTransform().rotate(90));
    return image;
}

MediaError error(MediaErrorCode code, QString detail) {
    return {code, std::move(detail)};
}

MediaErrorCode codeForReader(QImageReader::ImageReaderError e) {
    switch (e) {
    case QImageReader::FileNotFoundError:
    case QImageReader::DeviceError:
        return MediaErrorCode::Unreadable;
    case QImageReader::UnsupportedFormatError:
        return MediaErrorCode::Unsupported;
    default:
        return MediaErrorCode::Corrupt;
    }
}

// Real transparency, not just an alpha channel that is opaque everywhere (common in PNGs).
bool usesTransparency(const QImage &image) {
    if (!image.hasAlphaChannel())
        return false;
    const QImage argb = image.convertToFormat(QImage::Format_ARGB32);
    for (int y = 0; y < argb.height(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(argb.constScanLine(y));
        for (int x = 0; x < argb.width(); ++x) {
            if (qAlpha(line[x]) != 255)
                return true;
        }
    }
    return false;
}

// A copy holding pixels (and the colour space) only: no text keys, no EXIF, nothing else that
// QImage carries from the reader to the writer.
QImage pixelsOnly(const QImage &image, QImage::Format format) {
    const QImage converted = image.convertToFormat(format);
    QImage clean(converted.size(), format);
    for (int y = 0; y < converted.height(); ++y)
        memcpy(clean.scanLine(y), converted.constScanLine(y), size_t(converted.bytesPerLine()));
    clean.setColorSpace(converted.colorSpace());
    return clean;
}

QByteArray encode(const QImage &image, const char *format, int quality) {
    QByteArray out;
    QBuffer buffer(&out);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, format);
    if (quality >= 0)
        writer.setQuality(quality);
    if (!writer.write(image))
        return {};
    return out;
}

QSize fitInside(QSize size, int longSide) {
    if (size.width() <= longSide && size.height() <= longSide)
        return size;
    return size.scaled(longSide, longSide, Qt::KeepAspectRatio).expandedTo(QSize(1, 1));
}

MediaResult<ImageInfo> checkHeader(QImageReader &reader, const ImageLimits &limits) {
    if (!reader.canRead())
        return error(codeForReader(reader.error()), reader.errorString());
    ImageInfo info;
    info.format = reader.format();
    info.size = reader.size();
    if (!info.size.isValid())
        return error(MediaErrorCode::Corrupt, QStringLiteral("the image declares no size"));
    if (info.size.width() <= 0 || info.size.height() <= 0)
        return error(MediaErrorCode::Empty, QStringLiteral("the image is 0×0"));
    const qint64 pixels = qint64(info.size.width()) * info.size.height();
    if (info.size.width() > limits.maxSide || info.size.height() > limits.maxSide ||
        pixels > limits.maxPixels) {
        return error(MediaErrorCode::TooLarge, QStringLiteral("%1×%2 exceeds the limit")
                                                   .arg(info.size.width())
                                                   .arg(info.size.height()));
    }
    info.animated = reader.supportsAnimation() && reader.imageCount() != 1;
    return info;
}

} // namespace

MediaResult<ImageInfo> probeImage(const QString &path, const ImageLimits &limits) {
    if (QFileInfo(path).size() == 0)
        return error(MediaErrorCode::Empty, QStringLiteral("the file is empty"));
    QImageReader reader(path);
    return checkHeader(reader, limits);
}

MediaResult<QByteArray> makeThumbnail(const QImage &image, const ImageLimits &limits, QSize *size) {
    const QSize target = fitInside(image.size(), limits.thumbnailSide);
    QImage small = image.scaled(target, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    if (small.hasAlphaChannel()) { // JPEG has no alpha: flatten onto white
        QImage flat(small.size(), QImage::Format_RGB32);
        flat.fill(Qt::white);
        for (int y = 0; y < small.height(); ++y) {
            for (int x = 0; x < small.width(); ++x) {
                const QRgb p = small.pixel(x, y);
                const int a = qAlpha(p);
                flat.setPixel(x, y,
                              qRgb((qRed(p) * a + 255 * (255 - a)) / 255,
                                   (qGreen(p) * a + 255 * (255 - a)) / 255,
                                   (qBlue(p) * a + 255 * (255 - a)) / 255));
            }
        }
        small = flat;
    }
    small = pixelsOnly(small, QImage::Format_RGB32);
    for (int quality = 70; quality >= 10; quality -= 15) {
        const QByteArray bytes = encode(small, "jpeg", quality);
        if (bytes.isEmpty())
            break;
        if (bytes.size() <= limits.thumbnailMaxBytes) {
            if (size)
                *size = small.size();
            return bytes;
        }
    }
    return error(MediaErrorCode::Encode, QStringLiteral("no thumbnail fits the size limit"));
}

MediaResult<PreparedImage> prepareImage(const QString &path, const ImageLimits &limits) {
    if (QFileInfo(path).size() == 0)
        return error(MediaErrorCode::Empty, QStringLiteral("the file is empty"));
    // Not QImageReader::setAllocationLimit: in Qt 6.4 it is static, and library code must not
    // change every decode in the process. The app sets it once at start (desktop main.cpp); this
    // decode's own budget is checked below from the size it will decode at.
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const auto info = checkHeader(reader, limits);
    if (!info)
        return info.error();

    PreparedImage out;
    out.sendAsFile = info->animated;
    // Capping the long side does not depend on the rotation, so the decoder can scale while
    // decoding (JPEG scales in the DCT: a 4000×3000 photo never exists at full size in memory).
    const QSize decoded =
        fitInside(info->size, out.sendAsFile ? limits.thumbnailSide * 8 : limits.sendLongSide);
    const bool scales = reader.supportsOption(QImageIOHandler::ScaledSize);
    if (decoded != info->size && scales)
        reader.setScaledSize(decoded);
    const QSize allocated = decoded != info->size && scales ? decoded : info->size;
    if (qint64(allocated.width()) * allocated.height() * 4 > qint64(limits.allocationLimitMb)
                                                                 << 20) {
        return error(MediaErrorCode::TooLarge,
                     QStringLiteral("%1×%2 needs more than %3 MiB to decode")
                         .arg(allocated.width())
                         .arg(allocated.height())
                         .arg(limits.allocationLimitMb));
    }
    QImage image;
    if (info->format == "jpeg") {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly) || !jpegIsComplete(file))
            return error(MediaErrorCode::Corrupt, QStringLiteral("the JPEG is truncated"));
        // A photo to send: libjpeg-turbo scales it in the DCT to fit (jpeg_decode.h).
        if (!out.sendAsFile && file.seek(0)) {
            image = decodeJpegToFit(file.readAll(), limits.sendLongSide,
                                    qint64(limits.allocationLimitMb) << 20);
            if (!image.isNull())
                image = oriented(std::move(image), reader.transformation());
        }
    }
    if (image.isNull()) {
        image = reader.read();
        if (image.isNull())
            return error(codeForReader(reader.error()), reader.errorString());
        if (image.size() != decoded && image.size() != decoded.transposed())
            image = image.scaled(fitInside(image.size(), limits.sendLongSide), Qt::KeepAspectRatio,
                                 Qt::SmoothTransformation);
    }
    const bool rotated = reader.transformation() & QImageIOHandler::TransformationRotate90;
    out.originalSize = rotated ? info->size.transposed() : info->size;

    auto thumb = makeThumbnail(image, limits, &out.thumbnailSize);
    if (!thumb)
        return thumb.error();
    out.thumbnail = *thumb;
    if (out.sendAsFile) {
        out.size = out.originalSize;
        return out;
    }
    if (usesTransparency(image)) {
        out.bytes = encode(pixelsOnly(image, QImage::Format_ARGB32), "png", -1);
        out.mimeType = QStringLiteral("image/png");
    } else {
        out.bytes = encode(pixelsOnly(image, QImage::Format_RGB32), "jpeg", limits.jpegQuality);
        out.mimeType = QStringLiteral("image/jpeg");
    }
    if (out.bytes.isEmpty())
        return error(MediaErrorCode::Encode, QStringLiteral("re-encoding failed"));
    out.size = image.size();
    return out;
}

ImagePreparer::ImagePreparer(ImageLimits limits, QObject *parent)
    : QObject(parent)
    , m_limits(limits)
    , m_pool(new QThreadPool(this)) {
    qRegisterMetaType<PreparedImage>();
    qRegisterMetaType<MediaError>();
    // Decoding is memory-heavy: two at a time is plenty for a batch of dropped photos.
    m_pool->setMaxThreadCount(2);
}

ImagePreparer::~ImagePreparer() {
    m_pool->waitForDone();
}

quint64 ImagePreparer::prepare(const QString &path) {
    const quint64 ticket = m_nextTicket++;
    QPointer<ImagePreparer> self(this);
    const ImageLimits limits = m_limits;
    m_pool->start([self, ticket, path, limits] {
        auto result = prepareImage(path, limits);
        if (!self)
            return;
        if (result) {
            QMetaObject::invokeMethod(
                self,
                [self, ticket, image = std::move(*result)] {
                    if (self)
                        emit self->prepared(ticket, image);
                },
                Qt::QueuedConnection);
        } else {
            qCInfo(lcMediaPrep) << "image refused:" << mediaErrorName(result.error().code)
                                << result.error().detail;
            QMetaObject::invokeMethod(
                self,
                [self, ticket, e = result.error()] {
                    if (self)
                        emit self->failed(ticket, e);
                },
                Qt::QueuedConnection);
        }
    });
    return ticket;
}

void ImagePreparer::waitForDone() {
    m_pool->waitForDone();
}

} // namespace tidings::client::media
