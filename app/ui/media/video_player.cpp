#include "video_player.h"

#include "media/media_port.h"
#include "ui_logging.h"

#include <QAudioOutput>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPainter>
#include <QSlider>
#include <QToolButton>
#include <QUrl>
#include <QVideoFrame>
#include <QVideoSink>

namespace tidings::ui {

//! Paints the newest frame (or the poster) fitted into the widget.
class VideoSurface : public QWidget {
public:
    explicit VideoSurface(QWidget *parent)
        : QWidget(parent) {
        setAttribute(Qt::WA_OpaquePaintEvent);
        setMinimumSize(120, 80);
    }
    void setFrame(const QVideoFrame &frame) {
        // toImage() converts on this thread; bubbles are small and only one video plays.
        QImage image = frame.toImage();
        if (image.isNull())
            return;
        m_frame = std::move(image);
        ++m_frames;
        update();
    }
    void setPoster(const QImage &poster) {
        m_poster = poster;
        update();
    }
    QImage frame() const { return m_frame; }
    int frames() const { return m_frames; }

protected:
    void paintEvent(QPaintEvent *) override {
        QPainter p(this);
        p.fillRect(rect(), Qt::black);
        const QImage &img = m_frame.isNull() ? m_poster : m_frame;
        if (img.isNull())
            return;
        p.setRenderHint(QPainter::SmoothPixmapTransform);
        const QSize s = img.size().scaled(size(), Qt::KeepAspectRatio);
        p.drawImage(QRect(QPoint((width() - s.width()) / 2, (height() - s.height()) / 2), s), img);
    }

private:
    QImage m_frame;
    QImage m_poster;
    int m_frames = 0;
};

//! The control row over the bottom of the picture: a dark gradient keeps it readable on any frame.
class ControlStrip : public QWidget {
public:
    using QWidget::QWidget;

protected:
    void paintEvent(QPaintEvent *) override {
        QPainter p(this);
        QLinearGradient g(0, 0, 0, height());
        g.setColorAt(0, QColor(0, 0, 0, 0));
        g.setColorAt(0.35, QColor(0, 0, 0, 110));
        g.setColorAt(1, QColor(0, 0, 0, 170));
        p.fillRect(rect(), g);
    }
};

namespace {
QToolButton *controlButton(const QString &name) {
    auto *b = new QToolButton;
    b->setAutoRaise(true);
    b->setAccessibleName(name);
    b->setToolTip(name);
    b->setIconSize(QSize(18, 18));
    b->setFocusPolicy(Qt::TabFocus);
    return b;
}
} // namespace

VideoPlayer::VideoPlayer(QWidget *parent)
    : QWidget(parent)
    , m_audio(new QAudioOutput)
    , m_player(new QMediaPlayer)
    , m_sink(new QVideoSink(this))
    , m_surface(new VideoSurface(this))
    , m_play(controlButton(tr("Play")))
    , m_seek(new QSlider(Qt::Horizontal))
    , m_time(new QLabel)
    , m_mute(controlButton(tr("Mute"))) {
    setObjectName(QStringLiteral("videoPlayer"));
    setAccessibleName(tr("Video player"));
    setFocusPolicy(Qt::StrongFocus);
    setAutoFillBackground(true);
    QPalette pal = palette();
    pal.setColor(QPalette::Window, QColor(0x10, 0x12, 0x15));
    pal.setColor(QPalette::WindowText, Qt::white);
    pal.setColor(QPalette::ButtonText, Qt::white);
    setPalette(pal);
    // The output first, then the sink, then the source (environment.md).
    m_player->setAudioOutput(m_audio);
    m_player->setVideoOutput(m_sink);
    // The controls lie over the bottom of the picture, so the frame keeps the bubble's (and the
    // video's) aspect ratio instead of being letterboxed above a control row.
    m_controls = new ControlStrip(this);
    auto *controls = new QHBoxLayout(m_controls);
    controls->setContentsMargins(4, 2, 6, 2);
    controls->setSpacing(4);
    m_play->setIcon(QIcon(QStringLiteral(":/icons/play.svg")));
    m_seek->setAccessibleName(tr("Position"));
    m_seek->setFocusPolicy(Qt::TabFocus);
    m_time->setAccessibleName(tr("Time"));
    QFont small = m_time->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    m_time->setFont(small);
    // Light on the dark strip in both themes: a theme switch re-polishes labels to the
    // application's text colour, which the player's own palette did not survive.
    m_time->setStyleSheet(QStringLiteral("color: #f2f4f6"));
    m_mute->setIcon(QIcon(QStringLiteral(":/icons/volume.svg")));
    m_mute->setCheckable(true);
    controls->addWidget(m_play);
    controls->addWidget(m_seek, 1);
    controls->addWidget(m_time);
    controls->addWidget(m_mute);

    connect(m_sink, &QVideoSink::videoFrameChanged, m_surface,
            [this](const QVideoFrame &frame) { m_surface->setFrame(frame); });
    connect(m_play, &QToolButton::clicked, this, &VideoPlayer::togglePlay);
    connect(m_mute, &QToolButton::toggled, this, &VideoPlayer::setMuted);
    connect(m_seek, &QSlider::sliderPressed, this, [this] { m_seeking = true; });
    connect(m_seek, &QSlider::sliderReleased, this, [this] {
        m_seeking = false;
        seek(m_seek->value());
    });
    connect(m_seek, &QSlider::valueChanged, this, [this](int value) {
        if (!m_seeking && value != int(m_player->position()))
            seek(value); // keyboard steps and clicks on the groove
    });
    connect(m_player, &QMediaPlayer::durationChanged, this, &VideoPlayer::updateControls);
    connect(m_player, &QMediaPlayer::positionChanged, this, &VideoPlayer::updateControls);
    connect(m_player, &QMediaPlayer::playbackStateChanged, this,
            [this](QMediaPlayer::PlaybackState state) {
                updateControls();
                emit playingChanged(state == QMediaPlayer::PlayingState);
            });
    connect(m_player, &QMediaPlayer::mediaStatusChanged, this, [this](QMediaPlayer::MediaStatus s) {
        if (s == QMediaPlayer::EndOfMedia)
            m_player->setPosition(0);
    });
    connect(m_player, &QMediaPlayer::errorOccurred, this,
            [this](QMediaPlayer::Error, const QString &text) {
                m_error = text.isEmpty() ? tr("This video cannot be played.") : text;
                qCWarning(lcUi) << "video playback failed:" << text;
                emit failed(m_error);
            });
    updateControls();
}

void VideoPlayer::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    m_surface->setGeometry(rect());
    const int h = m_controls->sizeHint().height() + 6;
    m_controls->setGeometry(0, height() - h, width(), h);
    m_controls->raise();
}

VideoPlayer::~VideoPlayer() {
    // The player goes first: its pipeline still talks to the audio output until it is gone.
    m_player->stop();
    delete m_player;
    delete m_audio;
}

void VideoPlayer::setSource(const QString &path) {
    m_error.clear();
    m_player->setSource(QUrl::fromLocalFile(path));
}

void VideoPlayer::setPoster(const QImage &poster) {
    m_surface->setPoster(poster);
}

void VideoPlayer::play() {
    m_player->play();
}

void VideoPlayer::pause() {
    m_player->pause();
}

void VideoPlayer::togglePlay() {
    isPlaying() ? pause() : play();
}

void VideoPlayer::seek(qint64 ms) {
    m_player->setPosition(qBound<qint64>(0, ms, qMax<qint64>(0, m_player->duration())));
}

void VideoPlayer::setMuted(bool muted) {
    m_audio->setMuted(muted);
    if (m_mute->isChecked() != muted)
        m_mute->setChecked(muted);
    m_mute->setIcon(
        QIcon(muted ? QStringLiteral(":/icons/muted.svg") : QStringLiteral(":/icons/volume.svg")));
    const QString name = muted ? tr("Unmute") : tr("Mute");
    m_mute->setAccessibleName(name);
    m_mute->setToolTip(name);
}

bool VideoPlayer::isMuted() const {
    return m_audio->isMuted();
}

bool VideoPlayer::isPlaying() const {
    return m_player->playbackState() == QMediaPlayer::PlayingState;
}

qint64 VideoPlayer::position() const {
    return m_player->position();
}

qint64 VideoPlayer::duration() const {
    return m_player->duration();
}

int VideoPlayer::framesShown() const {
    return m_surface->frames();
}

QImage VideoPlayer::currentFrame() const {
    return m_surface->frame();
}

void VideoPlayer::updateControls() {
    const bool playing = isPlaying();
    m_play->setIcon(
        QIcon(playing ? QStringLiteral(":/icons/pause.svg") : QStringLiteral(":/icons/play.svg")));
    m_play->setAccessibleName(playing ? tr("Pause") : tr("Play"));
    m_play->setToolTip(m_play->accessibleName());
    const qint64 d = m_player->duration();
    if (m_seek->maximum() != int(d))
        m_seek->setRange(0, int(d));
    m_seek->setSingleStep(1000);
    m_seek->setPageStep(5000);
    if (!m_seeking) {
        QSignalBlocker block(m_seek);
        m_seek->setValue(int(m_player->position()));
    }
    m_time->setText(
        QStringLiteral("%1 / %2").arg(formatDuration(m_player->position()), formatDuration(d)));
}

void VideoPlayer::keyPressEvent(QKeyEvent *event) {
    switch (event->key()) {
    case Qt::Key_Space:
    case Qt::Key_K:
        togglePlay();
        return;
    case Qt::Key_Left:
        seek(position() - 5000);
        return;
    case Qt::Key_Right:
        seek(position() + 5000);
        return;
    case Qt::Key_M:
        setMuted(!isMuted());
        return;
    default:
        QWidget::keyPressEvent(event);
    }
}

} // namespace tidings::ui
