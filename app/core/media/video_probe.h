#pragma once
// Duration, dimensions and a poster frame of a video through Qt Multimedia (GStreamer on Linux;
// works offscreen). The player gets a muted QAudioOutput and the QVideoSink before the source
// is set (environment.md: in the other order files fail as InvalidMedia), plays muted until the
// first frame arrives, then stops. A corrupt file is a typed error; a pipeline that never
// produces a frame is cut off by the timeout.
#include "image_prep.h"
#include "media_types.h"

#include <QImage>
#include <QObject>

#include <chrono>
#include <optional>

class QAudioOutput;
class QMediaPlayer;
class QTimer;
class QVideoFrame;
class QVideoSink;

namespace tidings::client::media {

struct VideoInfo {
    qint64 durationMs = 0;
    QSize size;           //!< of the frames as displayed
    QImage poster;        //!< the first frame
    QByteArray thumbnail; //!< inline JPEG of the poster (ImageLimits thumbnail rules)
    QSize thumbnailSize;
};

class VideoProbe : public QObject {
    Q_OBJECT
public:
    explicit VideoProbe(ImageLimits limits = {}, QObject *parent = nullptr);
    ~VideoProbe() override;

    //! Exactly one of finished() or failed() follows (queued). Returns false while busy.
    bool start(const QString &path, std::chrono::milliseconds timeout = std::chrono::seconds(15));

signals:
    void finished(const tidings::client::media::VideoInfo &info);
    void failed(const tidings::client::media::MediaError &error);

private:
    void onFrame(const QVideoFrame &frame);
    //! Finishes once both the first frame and the duration are known (or at the timeout with a
    //! frame: some streams never tell their duration).
    void maybeFinish(bool timedOut = false);
    void fail(MediaErrorCode code, const QString &detail);
    void teardown();

    ImageLimits m_limits;
    QMediaPlayer *m_player = nullptr;
    QAudioOutput *m_audio = nullptr;
    QVideoSink *m_sink = nullptr;
    QTimer *m_timer;
    std::optional<VideoInfo> m_info; //!< the frame part, waiting for the duration
    bool m_running = false;
};

} // namespace tidings::client::media

Q_DECLARE_METATYPE(tidings::client::media::VideoInfo)
