#include "video_probe.h"

#include "media_logging.h"

#include <QAudioOutput>
#include <QFileInfo>
#include <QMediaPlayer>
#include <QTimer>
#include <QUrl>
#include <QVideoFrame>
#include <QVideoSink>

namespace tidings::client::media {

VideoProbe::VideoProbe(ImageLimits limits, QObject *parent)
    : QObject(parent)
    , m_limits(limits)
    , m_timer(new QTimer(this)) {
    qRegisterMetaType<VideoInfo>();
    qRegisterMetaType<MediaError>();
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this,
            [this] { fail(MediaErrorCode::Timeout, QStringLiteral("no video frame in time")); });
}

VideoProbe::~VideoProbe() {
    teardown();
}

bool VideoProbe::start(const QString &path, std::chrono::milliseconds timeout) {
    if (m_running)
        return false;
    m_running = true;
    m_info.reset();
    const QFileInfo file(path);
    if (!file.isFile() || !file.isReadable() || file.size() == 0) {
        const MediaErrorCode code =
            file.isFile() && file.size() == 0 ? MediaErrorCode::Empty : MediaErrorCode::Unreadable;
        QMetaObject::invokeMethod(
            this, [this, code] { fail(code, QStringLiteral("cannot read a video from the file")); },
            Qt::QueuedConnection);
        return true;
    }
    // Order matters (environment.md): outputs first, then the source.
    m_player = new QMediaPlayer(this);
    m_audio = new QAudioOutput(this);
    m_audio->setMuted(true);
    m_sink = new QVideoSink(this);
    m_player->setAudioOutput(m_audio);
    m_player->setVideoOutput(m_sink);
    connect(m_sink, &QVideoSink::videoFrameChanged, this, &VideoProbe::onFrame);
    connect(m_player, &QMediaPlayer::durationChanged, this, [this] { maybeFinish(); });
    connect(m_player, &QMediaPlayer::errorOccurred, this,
            [this](QMediaPlayer::Error e, const QString &text) {
                fail(e == QMediaPlayer::FormatError         ? MediaErrorCode::Unsupported
                     : e == QMediaPlayer::AccessDeniedError ? MediaErrorCode::Unreadable
                                                            : MediaErrorCode::Corrupt,
                     text);
            });
    connect(m_player, &QMediaPlayer::mediaStatusChanged, this, [this](QMediaPlayer::MediaStatus s) {
        if (s == QMediaPlayer::InvalidMedia)
            fail(MediaErrorCode::Corrupt, QStringLiteral("not a playable video"));
        else if (s == QMediaPlayer::EndOfMedia)
            fail(MediaErrorCode::Corrupt, QStringLiteral("the video has no frame"));
        else if ((s == QMediaPlayer::LoadedMedia || s == QMediaPlayer::BufferedMedia) &&
                 !m_player->hasVideo())
            fail(MediaErrorCode::Unsupported, QStringLiteral("the file has no video"));
    });
    m_timer->start(timeout);
    m_player->setSource(QUrl::fromLocalFile(file.absoluteFilePath()));
    m_player->play();
    return true;
}

void VideoProbe::onFrame(const QVideoFrame &frame) {
    if (!m_running || m_info || !frame.isValid())
        return;
    QImage image = frame.toImage();
    if (image.isNull())
        return; // not mappable yet: wait for the next one
    VideoInfo info;
    info.size = image.size();
    auto thumb = makeThumbnail(image, m_limits, &info.thumbnailSize);
    if (!thumb) {
        fail(thumb.error().code, thumb.error().detail);
        return;
    }
    info.thumbnail = *thumb;
    // The poster is for the sender's preview sheet: cap it like a photo.
    if (image.width() > m_limits.sendLongSide || image.height() > m_limits.sendLongSide)
        image = image.scaled(m_limits.sendLongSide, m_limits.sendLongSide, Qt::KeepAspectRatio,
                             Qt::SmoothTransformation);
    info.poster = image;
    m_info = std::move(info);
    m_player->pause(); // one frame is all we need
    maybeFinish();
}

void VideoProbe::maybeFinish(bool timedOut) {
    if (!m_running || !m_info || (m_player->duration() <= 0 && !timedOut))
        return;
    VideoInfo info = std::move(*m_info);
    m_info.reset();
    info.durationMs = qMax<qint64>(0, m_player->duration());
    m_running = false;
    m_timer->stop();
    // Tear the pipeline down from the event loop, not from inside its own callbacks.
    QMetaObject::invokeMethod(
        this, [this] { teardown(); }, Qt::QueuedConnection);
    emit finished(info);
}

void VideoProbe::fail(MediaErrorCode code, const QString &detail) {
    if (!m_running)
        return;
    m_running = false;
    m_timer->stop();
    qCInfo(lcMediaPrep) << "video refused:" << mediaErrorName(code) << detail;
    QMetaObject::invokeMethod(
        this, [this] { teardown(); }, Qt::QueuedConnection);
    emit failed(MediaError{code, detail});
}

void VideoProbe::teardown() {
    if (m_running)
        return; // a new probe started meanwhile
    if (m_player) {
        m_player->disconnect(this);
        m_sink->disconnect(this);
        m_player->stop();
        // The audio output must outlive the player (environment.md).
        delete m_player;
        m_player = nullptr;
        delete m_sink;
        m_sink = nullptr;
        delete m_audio;
        m_audio = nullptr;
    }
}

} // namespace tidings::client::media
