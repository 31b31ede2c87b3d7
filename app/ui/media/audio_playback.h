#pragma once
// Audio and voice notes played in place. One AudioPlayback per conversation view: playing one
// note stops the other, and the bubbles paint from it (which one plays, where, how fast). The
// QAudioOutput is attached before the source and outlives the player (environment.md).
// AudioRow is the same control as a widget: play button, waveform (click to seek), position and
// the speed (1×, 1.5×, 2×).
#include <QMediaPlayer>
#include <QWidget>

class QAudioOutput;
class QLabel;
class QPainter;
class QToolButton;

namespace tidings::ui {

class AudioPlayback : public QObject {
    Q_OBJECT
public:
    explicit AudioPlayback(QObject *parent = nullptr);
    ~AudioPlayback() override;

    //! Plays `path` for the bubble `key`; the same key again pauses or resumes it.
    void toggle(qint64 key, const QString &path);
    void stop();
    //! Seeks the playing note to `fraction` (0..1) of its length.
    void seekFraction(qint64 key, double fraction);
    qint64 currentKey() const { return m_key; }
    bool isPlaying(qint64 key) const;
    //! 0..1 through the note `key` (0 when another one plays).
    double progress(qint64 key) const;
    qint64 position(qint64 key) const;
    qint64 duration() const;
    //! 1.0, 1.5 or 2.0; applies to every note until changed.
    double speed() const { return m_speed; }
    void setSpeed(double speed);
    //! 1× → 1.5× → 2× → 1×.
    void cycleSpeed();
    QString errorText() const { return m_error; }
    QMediaPlayer *player() const { return m_player; }

    static QString speedLabel(double speed);

signals:
    //! Anything about the note `key` changed (state, position, speed): repaint it.
    void changed(qint64 key);
    void failed(qint64 key, const QString &error);

private:
    QAudioOutput *m_audio;
    QMediaPlayer *m_player;
    qint64 m_key = 0;
    double m_speed = 1.0;
    QString m_error;
};

//! Bars for `peaks` (0..255) across `rect`: the part before `progress` in `played`.
void paintWaveform(QPainter *painter, const QRectF &rect, const QByteArray &peaks, double progress,
                   const QColor &played, const QColor &rest);

class WaveformView;

class AudioRow : public QWidget {
    Q_OBJECT
public:
    //! Plays through `playback` (shared with other rows) as note `key`.
    AudioRow(AudioPlayback *playback, qint64 key, QWidget *parent = nullptr);
    void setAudio(const QString &path, const QByteArray &waveform, qint64 durationMs);
    QToolButton *playButton() const { return m_play; }
    QToolButton *speedButton() const { return m_speed; }
    QString timeText() const;

private:
    void refresh();

    AudioPlayback *m_playback;
    qint64 m_key;
    QString m_path;
    qint64 m_durationMs = 0;
    QToolButton *m_play;
    WaveformView *m_wave;
    QLabel *m_time;
    QToolButton *m_speed;
};

} // namespace tidings::ui
