#include "audio_probe.h"

#include "media_logging.h"

#include <QAudioBuffer>
#include <QAudioDecoder>
#include <QFileInfo>
#include <QTimer>
#include <QUrl>

#include <cmath>

namespace tidings::client::media {

namespace {

constexpr int kWindowMs = 10;
constexpr qsizetype kMaxWindows = 1 << 20; // ~3 hours of 10 ms windows, then halve

} // namespace

QByteArray foldPeaks(const QList<float> &windowPeaks, int buckets) {
    QByteArray out(buckets, '\0');
    if (windowPeaks.isEmpty() || buckets <= 0)
        return out;
    const qsizetype n = windowPeaks.size();
    for (int b = 0; b < buckets; ++b) {
        // Bucket b covers windows [b*n/buckets, (b+1)*n/buckets), at least one window.
        const qsizetype from = qsizetype(qint64(b) * n / buckets);
        const qsizetype to = std::max(from + 1, qsizetype(qint64(b + 1) * n / buckets));
        float peak = 0;
        for (qsizetype i = from; i < std::min(to, n); ++i)
            peak = std::max(peak, windowPeaks[i]);
        out[b] = char(std::clamp(int(std::lround(std::min(peak, 1.0f) * 255.0f)), 0, 255));
    }
    return out;
}

AudioProbe::AudioProbe(QObject *parent)
    : QObject(parent)
    , m_timer(new QTimer(this)) {
    qRegisterMetaType<AudioInfo>();
    qRegisterMetaType<MediaError>();
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, [this] {
        fail(MediaErrorCode::Timeout, QStringLiteral("decoding did not finish in time"));
    });
}

AudioProbe::~AudioProbe() {
    if (m_decoder)
        m_decoder->stop();
}

bool AudioProbe::start(const QString &path, int buckets, std::chrono::milliseconds timeout) {
    if (m_running)
        return false;
    m_running = true;
    m_peaks.clear();
    m_windowPeak = 0;
    m_windowFrames = m_framesPerWindow = m_totalFrames = 0;
    m_buckets = std::clamp(buckets, 1, 1024);
    m_sampleRate = m_channels = 0;
    const QFileInfo file(path);
    if (!file.isFile() || !file.isReadable()) {
        QMetaObject::invokeMethod(
            this,
            [this] { fail(MediaErrorCode::Unreadable, QStringLiteral("cannot read the file")); },
            Qt::QueuedConnection);
        return true;
    }
    if (file.size() == 0) {
        QMetaObject::invokeMethod(
            this, [this] { fail(MediaErrorCode::Empty, QStringLiteral("the file is empty")); },
            Qt::QueuedConnection);
        return true;
    }
    delete m_decoder;
    m_decoder = new QAudioDecoder(this);
    connect(m_decoder, &QAudioDecoder::bufferReady, this, &AudioProbe::onBuffer);
    connect(m_decoder, &QAudioDecoder::finished, this, &AudioProbe::onFinished);
    connect(m_decoder, qOverload<QAudioDecoder::Error>(&QAudioDecoder::error), this,
            &AudioProbe::onError);
    m_decoder->setSource(QUrl::fromLocalFile(file.absoluteFilePath()));
    m_timer->start(timeout);
    m_decoder->start();
    return true;
}

void AudioProbe::onBuffer() {
    if (!m_running || !m_decoder)
        return;
    while (m_decoder->bufferAvailable()) {
        const QAudioBuffer b = m_decoder->read();
        const QAudioFormat f = b.format();
        if (!b.isValid() || f.sampleRate() <= 0 || f.channelCount() <= 0)
            continue;
        if (m_framesPerWindow == 0) {
            m_sampleRate = f.sampleRate();
            m_channels = f.channelCount();
            m_framesPerWindow = std::max<qint64>(1, qint64(m_sampleRate) * kWindowMs / 1000);
        }
        // Peaks per buffer are coarse enough for a waveform only when buffers are short; walk
        // the frames so windows stay 10 ms whatever the decoder's buffer size.
        const qsizetype frames = b.frameCount();
        const int channels = f.channelCount();
        for (qsizetype start = 0; start < frames;) {
            const qsizetype take =
                std::min<qsizetype>(frames - start, m_framesPerWindow - m_windowFrames);
            float peak = 0;
            for (qsizetype fr = start; fr < start + take; ++fr) {
                for (int c = 0; c < channels; ++c) {
                    const qsizetype i = fr * channels + c;
                    float v = 0;
                    switch (f.sampleFormat()) {
                    case QAudioFormat::UInt8:
                        v = (float(b.constData<quint8>()[i]) - 128.0f) / 128.0f;
                        break;
                    case QAudioFormat::Int16:
                        v = float(b.constData<qint16>()[i]) / 32768.0f;
                        break;
                    case QAudioFormat::Int32:
                        v = float(b.constData<qint32>()[i]) / 2147483648.0f;
                        break;
                    case QAudioFormat::Float:
                        v = b.constData<float>()[i];
                        break;
                    default:
                        break;
                    }
                    peak = std::max(peak, std::abs(v));
                }
            }
            m_windowPeak = std::max(m_windowPeak, peak);
            m_windowFrames += take;
            start += take;
            if (m_windowFrames == m_framesPerWindow) {
                m_peaks.append(m_windowPeak);
                m_windowPeak = 0;
                m_windowFrames = 0;
                if (m_peaks.size() >= kMaxWindows) { // halve the resolution, keep the peaks
                    QList<float> halved;
                    halved.reserve(m_peaks.size() / 2 + 1);
                    for (qsizetype i = 0; i + 1 < m_peaks.size(); i += 2)
                        halved.append(std::max(m_peaks[i], m_peaks[i + 1]));
                    m_peaks = halved;
                    m_framesPerWindow *= 2;
                }
            }
        }
        m_totalFrames += frames;
    }
}

void AudioProbe::onError() {
    if (!m_running || !m_decoder)
        return;
    const auto e = m_decoder->error();
    const MediaErrorCode code = e == QAudioDecoder::FormatError ? MediaErrorCode::Unsupported
                                : e == QAudioDecoder::AccessDeniedError ? MediaErrorCode::Unreadable
                                                                        : MediaErrorCode::Corrupt;
    fail(code, m_decoder->errorString());
}

void AudioProbe::onFinished() {
    if (!m_running)
        return;
    if (m_windowFrames > 0)
        m_peaks.append(m_windowPeak);
    if (m_totalFrames == 0 || m_sampleRate == 0) {
        fail(MediaErrorCode::Corrupt, QStringLiteral("no audio could be decoded"));
        return;
    }
    AudioInfo info;
    info.durationMs = m_totalFrames * 1000 / m_sampleRate;
    info.waveform = foldPeaks(m_peaks, m_buckets);
    info.sampleRate = m_sampleRate;
    info.channels = m_channels;
    done();
    emit finished(info);
}

void AudioProbe::fail(MediaErrorCode code, const QString &detail) {
    if (!m_running)
        return;
    qCInfo(lcMediaPrep) << "audio refused:" << mediaErrorName(code) << detail;
    done();
    emit failed(MediaError{code, detail});
}

void AudioProbe::done() {
    m_running = false;
    m_timer->stop();
    if (m_decoder) {
        m_decoder->disconnect(this);
        m_decoder->stop();
        m_decoder->deleteLater();
        m_decoder = nullptr;
    }
}

} // namespace tidings::client::media
