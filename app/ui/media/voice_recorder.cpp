#include "voice_recorder.h"

#include "ui_logging.h"

#include "core/media/audio_probe.h"

#include <QAudioInput>
#include <QAudioSource>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QMediaCaptureSession>
#include <QMediaDevices>
#include <QMediaFormat>
#include <QMediaRecorder>
#include <QUrl>

#include <cmath>
#include <cstring>
#include <utility>

namespace tidings::ui {

VoiceRecorder::VoiceRecorder(const QString &directory, QObject *parent)
    : QObject(parent)
    , m_directory(directory) {}

VoiceRecorder::~VoiceRecorder() {
    // A note still recording or being cancelled is dropped with its file.
    const bool drop = m_state == State::Recording || m_state == State::Cancelling;
    const QString path =
        m_recorder && drop ? m_recorder->actualLocation().toLocalFile() : QString();
    if (m_recorder && m_state == State::Recording) {
        m_recorder->disconnect(this);
        m_recorder->stop();
    }
    teardown();
    if (!path.isEmpty())
        QFile::remove(path);
}

bool VoiceRecorder::hasMicrophone() {
    return !QMediaDevices::audioInputs().isEmpty();
}

void VoiceRecorder::teardown() {
    // Deleting a recorder that is still stopping spins a nested event loop in Qt 6.4's GStreamer
    // backend, which delivers the recorder's last state change: nothing of ours may run then (it
    // tore the session down under the recorder's destructor when a window closed right after a
    // cancelled note).
    if (m_recorder)
        m_recorder->disconnect(this);
    if (m_meter)
        m_meter->stop();
    delete std::exchange(m_meter, nullptr);
    m_meterIo = nullptr;
    delete std::exchange(m_recorder, nullptr); // before the session and the input it records from
    delete std::exchange(m_session, nullptr);
    delete std::exchange(m_input, nullptr);
}

bool VoiceRecorder::start() {
    if (m_state != State::Idle)
        return false;
    m_error.clear();
    const QAudioDevice device = QMediaDevices::defaultAudioInput();
    if (device.isNull() || !hasMicrophone()) {
        m_error = tr("No microphone was found. Connect one and try again.");
        return false;
    }
    QDir().mkpath(m_directory);
    m_input = new QAudioInput(device);
    m_session = new QMediaCaptureSession;
    m_recorder = new QMediaRecorder;
    m_session->setAudioInput(m_input);
    m_session->setRecorder(m_recorder);
    QMediaFormat format;
    format.setFileFormat(QMediaFormat::Ogg);
    format.setAudioCodec(QMediaFormat::AudioCodec::Opus);
    m_recorder->setMediaFormat(format);
    m_recorder->setAudioChannelCount(1);
    m_recorder->setAudioBitRate(32000);
    m_recorder->setEncodingMode(QMediaRecorder::AverageBitRateEncoding);
    const QString name = QStringLiteral("voice-%1.ogg").arg(QDateTime::currentMSecsSinceEpoch());
    m_recorder->setOutputLocation(QUrl::fromLocalFile(QDir(m_directory).filePath(name)));
    connect(m_recorder, &QMediaRecorder::recorderStateChanged, this,
            &VoiceRecorder::onRecorderState);
    connect(m_recorder, &QMediaRecorder::errorOccurred, this,
            [this](QMediaRecorder::Error, const QString &text) {
                fail(tr("Recording failed: %1").arg(text));
            });

    // The meter: 16-bit mono where the device takes it, else whatever it prefers.
    QAudioFormat meterFormat;
    meterFormat.setSampleRate(16000);
    meterFormat.setChannelCount(1);
    meterFormat.setSampleFormat(QAudioFormat::Int16);
    if (!device.isFormatSupported(meterFormat))
        meterFormat = device.preferredFormat();
    m_meter = new QAudioSource(device, meterFormat);
    m_meterIo = m_meter->start();
    if (m_meterIo)
        connect(m_meterIo, &QIODevice::readyRead, this, &VoiceRecorder::readLevels);
    else
        qCWarning(lcUi) << "no level meter for the voice note:" << m_meter->error();

    m_levels.clear();
    m_windowPeak = 0;
    m_windowFrames = 0;
    m_state = State::Recording;
    m_clock.start();
    m_recorder->record();
    return true;
}

qint64 VoiceRecorder::elapsedMs() const {
    if (m_state == State::Recording)
        return m_clock.elapsed();
    return m_stoppedAtMs;
}

void VoiceRecorder::stop() {
    if (m_state != State::Recording)
        return;
    m_stoppedAtMs = m_clock.elapsed();
    if (m_stoppedAtMs < kMinimumMs) {
        cancel();
        return;
    }
    m_state = State::Stopping;
    if (m_meter)
        m_meter->stop();
    m_recorder->stop(); // onRecorderState finishes once the file is closed
}

void VoiceRecorder::cancel() {
    if (m_state != State::Recording && m_state != State::Stopping)
        return;
    m_stoppedAtMs = m_clock.elapsed();
    m_state = State::Cancelling;
    if (m_meter)
        m_meter->stop();
    if (m_recorder->recorderState() == QMediaRecorder::StoppedState)
        onRecorderState();
    else
        m_recorder->stop();
}

void VoiceRecorder::fail(const QString &error) {
    if (m_state == State::Idle)
        return;
    qCWarning(lcUi) << "voice note failed:" << error;
    const QString path = m_recorder ? m_recorder->actualLocation().toLocalFile() : QString();
    m_state = State::Idle;
    if (m_recorder)
        m_recorder->stop();
    if (!path.isEmpty())
        QFile::remove(path);
    m_error = error;
    teardown();
    emit failed(error);
}

void VoiceRecorder::onRecorderState() {
    if (!m_recorder || m_recorder->recorderState() != QMediaRecorder::StoppedState)
        return;
    const QString recorded = m_recorder->actualLocation().toLocalFile();
    const qint64 duration = qMax(m_recorder->duration(), m_stoppedAtMs);
    if (m_state == State::Cancelling) {
        m_state = State::Idle;
        if (!recorded.isEmpty())
            QFile::remove(recorded);
        teardown();
        emit cancelled();
        return;
    }
    if (m_state != State::Stopping)
        return; // stopped by an error: fail() reports it
    QString path = recorded;
    if (!path.isEmpty() && !path.endsWith(QStringLiteral(".ogg"))) {
        // GStreamer names audio-only Ogg as video (".ogg.ogv"): it is Ogg/Opus, named so.
        QString target = path.left(path.lastIndexOf(QLatin1Char('.')));
        if (!target.endsWith(QStringLiteral(".ogg")))
            target += QStringLiteral(".ogg");
        if (QFile::rename(path, target))
            path = target;
    }
    const QByteArray metered = client::media::foldPeaks(m_levels, kWaveformBuckets);
    teardown();
    if (path.isEmpty() || !QFile::exists(path)) {
        m_state = State::Idle;
        m_error = tr("The recording could not be saved.");
        emit failed(m_error);
        return;
    }
    // The waveform sent is the file's own (decoded once, off the GUI thread by GStreamer): the
    // live meter may miss the start, and on some audio stacks it gets no data at all.
    m_state = State::Probing;
    auto *probe = new client::media::AudioProbe(this);
    auto done = [this, probe, path, duration, metered](qint64 probed, const QByteArray &peaks) {
        probe->deleteLater();
        m_state = State::Idle;
        emit finished(path, qMax(duration, probed), peaks.isEmpty() ? metered : peaks);
    };
    connect(probe, &client::media::AudioProbe::finished, this,
            [done](const client::media::AudioInfo &info) { done(info.durationMs, info.waveform); });
    connect(probe, &client::media::AudioProbe::failed, this,
            [done](const client::media::MediaError &) { done(0, {}); });
    if (!probe->start(path, kWaveformBuckets))
        done(0, {});
}

void VoiceRecorder::readLevels() {
    if (!m_meterIo || !m_meter)
        return;
    const QByteArray data = m_meterIo->readAll();
    const QAudioFormat f = m_meter->format();
    const int bytesPerSample = f.bytesPerSample();
    const int channels = qMax(1, f.channelCount());
    if (bytesPerSample <= 0)
        return;
    const qint64 framesPerWindow = qMax(1, f.sampleRate() / 20); // 50 ms
    const qint64 samples = data.size() / bytesPerSample;
    const char *p = data.constData();
    bool changed = false;
    for (qint64 i = 0; i < samples; ++i) {
        float v = 0;
        const char *s = p + i * bytesPerSample;
        switch (f.sampleFormat()) {
        case QAudioFormat::Int16: {
            qint16 x;
            std::memcpy(&x, s, 2);
            v = float(x) / 32768.0f;
            break;
        }
        case QAudioFormat::Int32: {
            qint32 x;
            std::memcpy(&x, s, 4);
            v = float(double(x) / 2147483648.0);
            break;
        }
        case QAudioFormat::Float:
            std::memcpy(&v, s, 4);
            break;
        case QAudioFormat::UInt8:
            v = (float(quint8(*s)) - 128.0f) / 128.0f;
            break;
        default:
            break;
        }
        m_windowPeak = qMax(m_windowPeak, std::fabs(v));
        if ((i + 1) % channels == 0 && ++m_windowFrames >= framesPerWindow) {
            m_levels.append(qMin(1.0f, m_windowPeak));
            m_windowPeak = 0;
            m_windowFrames = 0;
            changed = true;
        }
    }
    if (changed)
        emit levelsChanged();
}

} // namespace tidings::ui
