#pragma once
// A video played in place (in its bubble): the frames of a QMediaPlayer painted through a
// QVideoSink (so it works offscreen and in grabs, with no native child window), and a control row
// over the bottom of the picture with play/pause, a seek bar, the time and mute. Keyboard: Space or
// K plays and pauses, Left/Right seek 5 s, M mutes. Audio goes to a QAudioOutput attached before
// the source (Qt 6.4 on GStreamer fails audio-only or muxed files otherwise) that outlives the
// player.
#include <QImage>
#include <QMediaPlayer>
#include <QWidget>

class QAudioOutput;
class QLabel;
class QSlider;
class QToolButton;
class QVideoFrame;
class QVideoSink;

namespace tidings::ui {

class VideoSurface;

class VideoPlayer : public QWidget {
    Q_OBJECT
public:
    explicit VideoPlayer(QWidget *parent = nullptr);
    ~VideoPlayer() override;

    void setSource(const QString &path);
    //! Shown until the first frame arrives (the blurred thumbnail).
    void setPoster(const QImage &poster);
    void play();
    void pause();
    void togglePlay();
    void seek(qint64 ms);
    void setMuted(bool muted);
    bool isMuted() const;
    bool isPlaying() const;
    qint64 position() const;
    qint64 duration() const;
    QString errorText() const { return m_error; }
    //! The frames painted so far (tests: the video really plays).
    int framesShown() const;
    QImage currentFrame() const;
    QMediaPlayer *player() const { return m_player; }

signals:
    void playingChanged(bool playing);
    void failed(const QString &error);

protected:
    void keyPressEvent(QKeyEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void updateControls();

    QAudioOutput *m_audio;
    QMediaPlayer *m_player;
    QVideoSink *m_sink;
    VideoSurface *m_surface;
    QWidget *m_controls = nullptr;
    QToolButton *m_play;
    QSlider *m_seek;
    QLabel *m_time;
    QToolButton *m_mute;
    QString m_error;
    bool m_seeking = false;
};

} // namespace tidings::ui
