#include "audio_playback.h"

#include "look.h"
#include "media/media_port.h"
#include "ui_logging.h"

#include <QAudioOutput>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QToolButton>
#include <QUrl>

namespace tidings::ui {

AudioPlayback::AudioPlayback(QObject *parent)
    : QObject(parent)
    , m_audio(new QAudioOutput)
    , m_player(new QMediaPlayer) {
    m_player->setAudioOutput(m_audio);
    connect(m_player, &QMediaPlayer::positionChanged, this, [this] { emit changed(m_key); });
    connect(m_player, &QMediaPlayer::durationChanged, this, [this] { emit changed(m_key); });
    connect(m_player, &QMediaPlayer::playbackStateChanged, this, [this] { emit changed(m_key); });
    connect(m_player, &QMediaPlayer::mediaStatusChanged, this, [this](QMediaPlayer::MediaStatus s) {
        if (s == QMediaPlayer::EndOfMedia) {
            const qint64 key = m_key;
            m_player->stop();
            m_key = 0;
            emit changed(key);
        }
    });
    connect(m_player, &QMediaPlayer::errorOccurred, this,
            [this](QMediaPlayer::Error, const QString &text) {
                m_error = text.isEmpty() ? tr("This audio cannot be played.") : text;
                qCWarning(lcUi) << "audio playback failed:" << text;
                const qint64 key = m_key;
                m_key = 0;
                emit failed(key, m_error);
                emit changed(key);
            });
}

AudioPlayback::~AudioPlayback() {
    m_player->stop();
    delete m_player; // before its output
    delete m_audio;
}

void AudioPlayback::toggle(qint64 key, const QString &path) {
    if (key == m_key && key != 0) {
        if (m_player->playbackState() == QMediaPlayer::PlayingState)
            m_player->pause();
        else
            m_player->play();
        return;
    }
    const qint64 previous = m_key;
    m_player->stop();
    m_key = key;
    m_error.clear();
    m_player->setSource(QUrl::fromLocalFile(path));
    m_player->setPlaybackRate(m_speed);
    m_player->play();
    if (previous)
        emit changed(previous);
    emit changed(key);
}

void AudioPlayback::stop() {
    const qint64 key = m_key;
    m_player->stop();
    m_key = 0;
    if (key)
        emit changed(key);
}

void AudioPlayback::seekFraction(qint64 key, double fraction) {
    if (key != m_key || m_player->duration() <= 0)
        return;
    m_player->setPosition(qint64(qBound(0.0, fraction, 1.0) * double(m_player->duration())));
}

bool AudioPlayback::isPlaying(qint64 key) const {
    return key == m_key && key != 0 && m_player->playbackState() == QMediaPlayer::PlayingState;
}

double AudioPlayback::progress(qint64 key) const {
    if (key != m_key || m_player->duration() <= 0)
        return 0;
    return qBound(0.0, double(m_player->position()) / double(m_player->duration()), 1.0);
}

qint64 AudioPlayback::position(qint64 key) const {
    return key == m_key ? m_player->position() : 0;
}

qint64 AudioPlayback::duration() const {
    return m_player->duration();
}

void AudioPlayback::setSpeed(double speed) {
    m_speed = speed;
    m_player->setPlaybackRate(speed);
    emit changed(m_key);
}

void AudioPlayback::cycleSpeed() {
    setSpeed(m_speed < 1.25 ? 1.5 : m_speed < 1.75 ? 2.0 : 1.0);
}

QString AudioPlayback::speedLabel(double speed) {
    return QStringLiteral("%1×").arg(QLocale().toString(speed, 'g', 2));
}

void paintWaveform(QPainter *painter, const QRectF &rect, const QByteArray &peaks, double progress,
                   const QColor &played, const QColor &rest) {
    const qreal barW = 2.5, gap = 1.5;
    const int bars = qMax(1, int((rect.width() + gap) / (barW + gap)));
    painter->save();
    painter->setPen(Qt::NoPen);
    painter->setRenderHint(QPainter::Antialiasing);
    for (int i = 0; i < bars; ++i) {
        // The peaks resampled to the bars: the maximum over each bar's span.
        int peak = 0;
        if (!peaks.isEmpty()) {
            const int from = int(qint64(i) * peaks.size() / bars);
            const int to = qMax(from + 1, int(qint64(i + 1) * peaks.size() / bars));
            for (int k = from; k < to && k < peaks.size(); ++k)
                peak = qMax(peak, int(quint8(peaks.at(k))));
        }
        const qreal h = qMax<qreal>(2.0, rect.height() * peak / 255.0);
        const qreal x = rect.left() + i * (barW + gap);
        painter->setBrush((i + 0.5) / bars <= progress ? played : rest);
        painter->drawRoundedRect(QRectF(x, rect.center().y() - h / 2, barW, h), 1.2, 1.2);
    }
    painter->restore();
}

class WaveformView : public QWidget {
public:
    WaveformView(AudioPlayback *playback, qint64 key, QWidget *parent)
        : QWidget(parent)
        , m_playback(playback)
        , m_key(key) {
        setMinimumSize(120, 28);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }
    QByteArray peaks;

protected:
    void paintEvent(QPaintEvent *) override {
        QPainter p(this);
        const Colors c = Colors::from(palette());
        paintWaveform(&p, QRectF(rect()).adjusted(0, 3, 0, -3), peaks, m_playback->progress(m_key),
                      c.accent, c.secondaryText);
    }
    void mousePressEvent(QMouseEvent *event) override {
        m_playback->seekFraction(m_key, event->position().x() / qMax(1, width()));
    }

private:
    AudioPlayback *m_playback;
    qint64 m_key;
};

AudioRow::AudioRow(AudioPlayback *playback, qint64 key, QWidget *parent)
    : QWidget(parent)
    , m_playback(playback)
    , m_key(key)
    , m_play(new QToolButton)
    , m_wave(new WaveformView(playback, key, this))
    , m_time(new QLabel)
    , m_speed(new QToolButton) {
    setAccessibleName(tr("Voice message"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_play->setIconSize(QSize(22, 22));
    m_play->setAutoRaise(true);
    m_speed->setAutoRaise(true);
    m_speed->setAccessibleName(tr("Playback speed"));
    m_speed->setToolTip(tr("Playback speed"));
    m_time->setAccessibleName(tr("Time"));
    layout->addWidget(m_play);
    layout->addWidget(m_wave, 1);
    layout->addWidget(m_time);
    layout->addWidget(m_speed);
    connect(m_play, &QToolButton::clicked, this, [this] { m_playback->toggle(m_key, m_path); });
    connect(m_speed, &QToolButton::clicked, m_playback, &AudioPlayback::cycleSpeed);
    connect(m_playback, &AudioPlayback::changed, this, [this](qint64) { refresh(); });
    refresh();
}

void AudioRow::setAudio(const QString &path, const QByteArray &waveform, qint64 durationMs) {
    m_path = path;
    m_wave->peaks = waveform;
    m_durationMs = durationMs;
    refresh();
}

QString AudioRow::timeText() const {
    return m_time->text();
}

void AudioRow::refresh() {
    const bool playing = m_playback->isPlaying(m_key);
    m_play->setIcon(
        QIcon(playing ? QStringLiteral(":/icons/pause.svg") : QStringLiteral(":/icons/play.svg")));
    m_play->setAccessibleName(playing ? tr("Pause") : tr("Play"));
    m_play->setToolTip(m_play->accessibleName());
    const qint64 pos = m_playback->position(m_key);
    m_time->setText(m_playback->currentKey() == m_key && pos > 0 ? formatDuration(pos)
                                                                 : formatDuration(m_durationMs));
    m_speed->setText(AudioPlayback::speedLabel(m_playback->speed()));
    m_wave->update();
}

} // namespace tidings::ui
