#pragma once
// The first frame of a downloaded video, for its bubble: sharper than the inline thumbnail the
// bubble shows before the download. Frames come from the core's VideoProbe (Qt Multimedia needs
// the GUI thread), one video at a time; poster() answers from memory or queues the video and
// returns a null image, and ready() follows. Bounded: a few dozen posters of at most 640 pixels
// a side; a video that cannot be decoded is remembered and keeps its thumbnail.
#include <QHash>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QStringList>

namespace tidings::client::media {
class VideoProbe;
}

namespace tidings::ui {

class VideoPosters : public QObject {
    Q_OBJECT
public:
    explicit VideoPosters(QObject *parent = nullptr);
    ~VideoPosters() override;

    //! The poster of the video file at `path`, or a null image while it is being made (or when
    //! the video has none).
    QImage poster(const QString &path);
    bool failed(const QString &path) const { return m_failed.contains(path); }
    //! Videos waiting or being probed.
    int pending() const { return int(m_queue.size()) + (m_probe ? 1 : 0); }

    static constexpr int kMaxPosters = 32;
    static constexpr int kMaxSide = 640;

signals:
    void ready();

private:
    void next();
    void done(QString path, const QImage &poster);

    QHash<QString, QImage> m_posters;
    QStringList m_order; //!< least recently used first
    QStringList m_queue;
    QSet<QString> m_failed;
    client::media::VideoProbe *m_probe = nullptr;
    QString m_probing;
};

} // namespace tidings::ui
