#pragma once
// Photos before sending: decoded off the GUI thread, with the declared dimensions checked BEFORE
// decoding (a 60,000×60,000 PNG or a decompression bomb is an error, never an allocation), the
// pixels of the decode against a budget, and Qt's allocation limit as a further fence; EXIF
// orientation applied; every metadata block (EXIF, GPS, comments, text chunks) dropped by
// re-encoding the pixels only; long side capped; JPEG, or PNG when the image really uses
// transparency. Animated images are sent as files (with a thumbnail of their first frame). Each
// photo also gets a tiny JPEG thumbnail for the message.
#include "media_types.h"

#include <QImage>
#include <QObject>

class QThreadPool;

namespace tidings::client::media {

struct ImageLimits {
    int maxSide = 16384;            //!< either dimension, as declared by the file header
    qint64 maxPixels = 100'000'000; //!< 100 megapixels
    //! Pixels one decode may allocate, from the size it decodes at. Qt's process-wide
    //! QImageReader limit (covers lying headers) is the app's to set, once, at start.
    int allocationLimitMb = 512;
    int sendLongSide = 2560; //!< photos are scaled down to this
    int jpegQuality = 85;
    int thumbnailSide = 40;           //!< long side of the inline thumbnail
    int thumbnailMaxBytes = 3 * 1024; //!< quality is lowered until it fits
};

struct ImageInfo {
    QByteArray format; //!< "jpeg", "png", "gif", ...
    QSize size;        //!< as declared, before orientation
    bool animated = false;
};

struct PreparedImage {
    QByteArray bytes;     //!< what is encrypted and uploaded (empty when sendAsFile)
    QString mimeType;     //!< of `bytes`
    QSize size;           //!< of `bytes`, orientation applied
    QSize originalSize;   //!< of the source, orientation applied
    QByteArray thumbnail; //!< JPEG, long side ≤ thumbnailSide, ≤ thumbnailMaxBytes
    QSize thumbnailSize;
    bool sendAsFile = false; //!< animated: send the original file, not a re-encoded still
};

//! Reads the header only: format, declared size, animation. No pixel is decoded.
MediaResult<ImageInfo> probeImage(const QString &path, const ImageLimits &limits = {});

//! Decodes, orients, scales and re-encodes. Blocking and thread-safe: use ImagePreparer from
//! the GUI thread.
MediaResult<PreparedImage> prepareImage(const QString &path, const ImageLimits &limits = {});

//! The inline thumbnail of an already decoded image.
MediaResult<QByteArray> makeThumbnail(const QImage &image, const ImageLimits &limits,
                                      QSize *size = nullptr);

//! Runs prepareImage() on a thread pool; the result arrives as a queued signal in the thread
//! this object lives in.
class ImagePreparer : public QObject {
    Q_OBJECT
public:
    explicit ImagePreparer(ImageLimits limits = {}, QObject *parent = nullptr);
    ~ImagePreparer() override;

    //! Returns a ticket that identifies the answer.
    quint64 prepare(const QString &path);
    //! Waits for every running job (tests, shutdown).
    void waitForDone();

signals:
    void prepared(quint64 ticket, const tidings::client::media::PreparedImage &image);
    void failed(quint64 ticket, const tidings::client::media::MediaError &error);

private:
    ImageLimits m_limits;
    QThreadPool *m_pool;
    quint64 m_nextTicket = 1;
};

} // namespace tidings::client::media

Q_DECLARE_METATYPE(tidings::client::media::PreparedImage)
