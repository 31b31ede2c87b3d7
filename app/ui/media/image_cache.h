#pragma once
// Decoded pictures for the conversation, the viewer, the media tab and the attach sheet. Decoding
// never happens on the GUI thread: image() and blurred() answer from the cache or return a null
// image and queue the decode; ready() follows when it is in, and the caller repaints. The cache is
// bounded in bytes (least recently used out), and so is the queue: only the newest requests are
// kept, so flinging through a chat with a thousand photos decodes what is on screen, not all
// that scrolled past. Decoding has an allocation limit: a decompression bomb or a corrupt file is
// a failed decode (remembered, not retried on every paint), never a crash or a freeze.
#include <QCache>
#include <QImage>
#include <QMutex>
#include <QObject>
#include <QSet>
#include <QSize>
#include <QThreadPool>

namespace tidings::ui {

class ImageCache : public QObject {
    Q_OBJECT
public:
    enum class Fit {
        Cover,  //!< fill the size exactly, cropping the excess (bubbles, grid cells)
        Contain //!< fit inside the size, keeping the whole picture (viewer)
    };
    explicit ImageCache(qint64 maxBytes = 96ll << 20, QObject *parent = nullptr);
    ~ImageCache() override;

    //! The file at `path` scaled to `size` (device pixels), or a null image while it decodes or
    //! when it cannot be decoded (failed() says so).
    QImage image(const QString &path, QSize size, Fit fit = Fit::Cover);
    //! The inline thumbnail (a tiny JPEG) blurred and scaled to `size`.
    QImage blurred(const QByteArray &thumbnail, QSize size);
    //! True when decoding `path` failed (corrupt, too large, missing).
    bool failed(const QString &path) const;

    qint64 bytes() const;
    qint64 maxBytes() const { return m_maxBytes; }
    //! Decodes waiting or running.
    int pending() const;
    //! Blocks until the queue is empty (tests, benchmarks).
    void waitForIdle();

    //! Pixels one decode of a file may allocate, in MiB (checked from the declared size; Qt's
    //! process-wide QImageReader limit, set once by the app, is the fence behind it).
    static constexpr int kAllocationLimitMb = 256;
    //! A message's inline thumbnail larger than this (either side) is not decoded.
    static constexpr int kMaxThumbnailSide = 512;
    //! Queued requests kept; older ones are dropped (their rows scrolled away).
    static constexpr int kMaxQueued = 24;

signals:
    void ready();

private:
    struct Request {
        QString key;
        QString path;
        QByteArray thumbnail;
        QSize size;
        Fit fit = Fit::Cover;
    };
    QImage lookup(const QString &key);
    void enqueue(Request request);
    void work();
    void finish(const QString &key, const QString &path, const QImage &image);
    static QImage decode(const Request &request);

    qint64 m_maxBytes;
    QCache<QString, QImage> m_cache; //!< cost in KiB
    QSet<QString> m_failedPaths;
    QThreadPool m_pool;
    mutable QMutex m_mutex; //!< guards the fields below (workers take from the queue)
    QList<Request> m_queue;
    QSet<QString> m_queued; //!< keys queued or decoding
    int m_running = 0;
};

//! A box blur of `image` (three passes approximate a Gaussian), in place.
void boxBlur(QImage &image, int radius);

} // namespace tidings::ui
