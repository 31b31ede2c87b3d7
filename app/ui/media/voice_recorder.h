#pragma once
// Records a voice note: QMediaRecorder writes Ogg/Opus while a QAudioSource on the same
// microphone meters the level (Qt 6.4 has no buffer tap on the recorder) for the live waveform
// (the waveform sent with the note is decoded from the finished file). With no microphone
// QMediaRecorder would record silence without an error (environment.md), so start() checks
// QMediaDevices::audioInputs() first and fails with words for the user.
#include <QAudioDevice>
#include <QElapsedTimer>
#include <QObject>

class QAudioInput;
class QAudioSource;
class QIODevice;
class QMediaCaptureSession;
class QMediaRecorder;

namespace tidings::ui {

class VoiceRecorder : public QObject {
    Q_OBJECT
public:
    //! Notes are written into `directory` (the caller sends and then removes them).
    explicit VoiceRecorder(const QString &directory, QObject *parent = nullptr);
    ~VoiceRecorder() override;

    static bool hasMicrophone();
    //! Starts recording from the default microphone; false (and error()) when there is none or
    //! the recorder refuses.
    bool start();
    //! Finishes the note: finished() follows once the file is complete (or failed()).
    void stop();
    //! Drops the note: the file is removed and cancelled() follows.
    void cancel();
    bool isRecording() const { return m_state == State::Recording; }
    qint64 elapsedMs() const;
    //! Recent levels 0..1, oldest first, one per 50 ms window.
    const QList<float> &levels() const { return m_levels; }
    QString error() const { return m_error; }

    //! Notes shorter than this are dropped on stop() ("hold to record").
    static constexpr qint64 kMinimumMs = 500;
    static constexpr int kWaveformBuckets = 64;

signals:
    void levelsChanged();
    void finished(const QString &path, qint64 durationMs, const QByteArray &waveform);
    void failed(const QString &error);
    void cancelled();

private:
    enum class State { Idle, Recording, Stopping, Cancelling, Probing };
    void onRecorderState();
    void readLevels();
    void fail(const QString &error);
    void teardown();

    QString m_directory;
    State m_state = State::Idle;
    QMediaCaptureSession *m_session = nullptr;
    QAudioInput *m_input = nullptr;
    QMediaRecorder *m_recorder = nullptr;
    QAudioSource *m_meter = nullptr;
    QIODevice *m_meterIo = nullptr;
    QElapsedTimer m_clock;
    qint64 m_stoppedAtMs = 0;
    QList<float> m_levels;
    float m_windowPeak = 0;
    qint64 m_windowFrames = 0;
    QString m_error;
};

} // namespace tidings::ui
