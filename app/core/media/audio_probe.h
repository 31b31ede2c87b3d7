#pragma once
// Duration and waveform of an audio file (voice notes, music) through QAudioDecoder (GStreamer
// on Linux): peaks are gathered in 10 ms windows while decoding, then folded into the buckets,
// so memory does not depend on the file's length beyond one float per window (halved when a
// file passes ~3 hours). A corrupt file, or none, is a typed error; a decoder that hangs is cut
// off by the timeout.
#include "media_types.h"

#include <QObject>

#include <chrono>

class QAudioBuffer;
class QAudioDecoder;
class QTimer;

namespace tidings::client::media {

struct AudioInfo {
    qint64 durationMs = 0;
    QByteArray waveform; //!< `buckets` peaks, 0..255 of full scale
    int sampleRate = 0;
    int channels = 0;
};

//! Folds window peaks (0..1) into `buckets` values 0..255 (the maximum of each bucket's span).
QByteArray foldPeaks(const QList<float> &windowPeaks, int buckets);

class AudioProbe : public QObject {
    Q_OBJECT
public:
    explicit AudioProbe(QObject *parent = nullptr);
    ~AudioProbe() override;

    //! Starts decoding; exactly one of finished() or failed() follows (queued, never from
    //! inside this call). A second start() before that is ignored and returns false.
    bool start(const QString &path, int buckets = 64,
               std::chrono::milliseconds timeout = std::chrono::seconds(30));

signals:
    void finished(const tidings::client::media::AudioInfo &info);
    void failed(const tidings::client::media::MediaError &error);

private:
    void onBuffer();
    void onError();
    void onFinished();
    void fail(MediaErrorCode code, const QString &detail);
    void done();

    QAudioDecoder *m_decoder = nullptr;
    QTimer *m_timer;
    QList<float> m_peaks; //!< one per window
    float m_windowPeak = 0;
    qint64 m_windowFrames = 0;
    qint64 m_framesPerWindow = 0;
    qint64 m_totalFrames = 0;
    int m_buckets = 64;
    int m_sampleRate = 0;
    int m_channels = 0;
    bool m_running = false;
};

} // namespace tidings::client::media

Q_DECLARE_METATYPE(tidings::client::media::AudioInfo)
