// Audio waveforms and video posters through Qt Multimedia (GStreamer). Inputs are made here: a
// WAV written sample by sample, and, when ffmpeg is installed, an Ogg/Opus voice note and an
// H.264 video. Cases skip with the reason when a GStreamer plugin or ffmpeg is missing.
// Corrupt and empty files must be typed errors within the timeout, never a hang.
#include "core/media/audio_probe.h"
#include "core/media/video_probe.h"

#include <QDataStream>
#include <QDir>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace tidings::client::media;
using namespace std::chrono_literals;

namespace {

bool hasGstPlugin(const char *name) {
    for (const char *dir :
         {"/usr/lib/x86_64-linux-gnu/gstreamer-1.0", "/usr/lib/gstreamer-1.0",
          "/usr/lib64/gstreamer-1.0", "/usr/lib/aarch64-linux-gnu/gstreamer-1.0"}) {
        if (QFileInfo::exists(QStringLiteral("%1/libgst%2.so").arg(dir, name)))
            return true;
    }
    return false;
}

// 16-bit mono PCM: `loudSeconds` of a 440 Hz sine at amplitude 0.8, then `quietSeconds` at 0.1.
QByteArray wav(int rate, double loudSeconds, double quietSeconds) {
    QByteArray pcm;
    QDataStream s(&pcm, QIODevice::WriteOnly);
    s.setByteOrder(QDataStream::LittleEndian);
    const int loud = int(rate * loudSeconds);
    const int total = loud + int(rate * quietSeconds);
    for (int i = 0; i < total; ++i) {
        const double amp = i < loud ? 0.8 : 0.1;
        s << qint16(std::lround(amp * 32767.0 * std::sin(2 * M_PI * 440.0 * i / rate)));
    }
    QByteArray out;
    QDataStream h(&out, QIODevice::WriteOnly);
    h.setByteOrder(QDataStream::LittleEndian);
    h.writeRawData("RIFF", 4);
    h << quint32(36 + pcm.size());
    h.writeRawData("WAVEfmt ", 8);
    h << quint32(16) << quint16(1) << quint16(1) << quint32(rate) << quint32(rate * 2) << quint16(2)
      << quint16(16);
    h.writeRawData("data", 4);
    h << quint32(pcm.size());
    return out + pcm;
}

QString ffmpeg() {
    return QStandardPaths::findExecutable(QStringLiteral("ffmpeg"));
}

bool runFfmpeg(const QStringList &args) {
    QProcess p;
    p.start(ffmpeg(), QStringList{"-hide_banner", "-loglevel", "error", "-y"} + args);
    return p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

} // namespace

class TestMediaProbes : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString write(const QString &name, const QByteArray &bytes) {
        QFile f(m_dir.filePath(name));
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
            return {};
        return f.fileName();
    }

    std::optional<AudioInfo> decodeAudio(const QString &path, MediaError *error = nullptr,
                                         int buckets = 64) {
        AudioProbe probe;
        QSignalSpy ok(&probe, &AudioProbe::finished);
        QSignalSpy failed(&probe, &AudioProbe::failed);
        if (!probe.start(path, buckets, 20s))
            return std::nullopt;
        if (!QTest::qWaitFor([&] { return ok.size() + failed.size() > 0; }, 30000))
            return std::nullopt;
        QTest::qWait(20); // no second signal may follow
        if (ok.size() + failed.size() != 1)
            return std::nullopt;
        if (!failed.isEmpty()) {
            if (error)
                *error = failed.first().at(0).value<MediaError>();
            return std::nullopt;
        }
        return ok.first().at(0).value<AudioInfo>();
    }

private slots:
    void initTestCase() {
        qputenv("XDG_RUNTIME_DIR", m_dir.path().toUtf8());
        QFile::setPermissions(m_dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }

    void foldingPeaks() {
        QList<float> windows;
        for (int i = 0; i < 100; ++i)
            windows.append(i < 50 ? 1.0f : 0.2f);
        const QByteArray w = foldPeaks(windows, 10);
        QCOMPARE(w.size(), 10);
        QCOMPARE(quint8(w[0]), 255);
        QCOMPARE(quint8(w[4]), 255);
        QCOMPARE(quint8(w[5]), 51);
        QCOMPARE(quint8(w[9]), 51);
        // Fewer windows than buckets: every bucket still gets a value.
        const QByteArray few = foldPeaks({0.5f, 1.0f}, 4);
        QCOMPARE(few.size(), 4);
        QVERIFY(quint8(few[3]) == 255 && quint8(few[0]) == 128);
        QCOMPARE(foldPeaks({}, 8), QByteArray(8, '\0'));
    }

    void wavDurationAndWaveform() {
        if (!hasGstPlugin("wavparse"))
            QSKIP("GStreamer wavparse missing (gstreamer1.0-plugins-good)");
        const QString path = write("tone.wav", wav(16000, 1.0, 1.0));
        MediaError error;
        const auto info = decodeAudio(path, &error);
        QVERIFY2(info, qPrintable(error.detail));
        QVERIFY2(std::abs(info->durationMs - 2000) <= 30,
                 qPrintable(QString::number(info->durationMs)));
        QCOMPARE(info->waveform.size(), 64);
        QCOMPARE(info->sampleRate, 16000);
        // The loud first half peaks near 0.8 of full scale (204), the quiet half near 0.1 (26).
        for (int b = 0; b < 64; ++b) {
            const int v = quint8(info->waveform[b]);
            if (b < 31)
                QVERIFY2(std::abs(v - 204) <= 6, qPrintable(QString("%1: %2").arg(b).arg(v)));
            else if (b > 32)
                QVERIFY2(std::abs(v - 26) <= 6, qPrintable(QString("%1: %2").arg(b).arg(v)));
        }
    }

    void opusVoiceNote() {
        if (ffmpeg().isEmpty())
            QSKIP("ffmpeg not installed: no Ogg/Opus input can be made");
        if (!hasGstPlugin("opus") || !hasGstPlugin("ogg"))
            QSKIP("GStreamer opus/ogg plugins missing (gstreamer1.0-plugins-base)");
        const QString path = m_dir.filePath("voice.ogg");
        QVERIFY(runFfmpeg({"-f", "lavfi", "-i", "sine=frequency=300:duration=3", "-c:a", "libopus",
                           "-b:a", "24k", path}));
        MediaError error;
        const auto info = decodeAudio(path, &error, 100);
        QVERIFY2(info, qPrintable(error.detail));
        QVERIFY2(std::abs(info->durationMs - 3000) <= 100,
                 qPrintable(QString::number(info->durationMs)));
        QCOMPARE(info->waveform.size(), 100);
        int loud = 0;
        for (char v : info->waveform)
            loud += quint8(v) > 20;
        QVERIFY(loud > 90);
    }

    void badAudioIsATypedError_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QList<int>>("codes");
        using C = MediaErrorCode;
        QByteArray noise(20000, Qt::Uninitialized);
        QRandomGenerator(9).fillRange(reinterpret_cast<quint32 *>(noise.data()), 5000);
        QTest::newRow("noise") << noise << QList<int>{int(C::Corrupt), int(C::Unsupported)};
        QByteArray header = wav(8000, 0.5, 0);
        header.truncate(30); // cut inside the fmt chunk
        QTest::newRow("truncated header")
            << header << QList<int>{int(C::Corrupt), int(C::Unsupported)};
        QTest::newRow("empty") << QByteArray() << QList<int>{int(C::Empty)};
    }
    void badAudioIsATypedError() {
        QFETCH(QByteArray, bytes);
        QFETCH(QList<int>, codes);
        const QString path = write("bad.wav", bytes);
        MediaError error;
        QElapsedTimer t;
        t.start();
        const auto info = decodeAudio(path, &error);
        QVERIFY(!info);
        QVERIFY2(codes.contains(int(error.code)),
                 qPrintable(QString("%1: %2").arg(mediaErrorName(error.code), error.detail)));
        QVERIFY(t.elapsed() < 25000);
    }

    void videoPosterAndDuration() {
        if (ffmpeg().isEmpty())
            QSKIP("ffmpeg not installed: no video input can be made");
        if (!hasGstPlugin("libav") || !hasGstPlugin("isomp4"))
            QSKIP("GStreamer libav/isomp4 missing (gstreamer1.0-libav, -plugins-good)");
        const QString path = m_dir.filePath("clip.mp4");
        QVERIFY(runFfmpeg({"-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2", "-f",
                           "lavfi", "-i", "sine=frequency=500:duration=2", "-c:v", "libx264",
                           "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path}));
        VideoProbe probe;
        QSignalSpy ok(&probe, &VideoProbe::finished);
        QSignalSpy failed(&probe, &VideoProbe::failed);
        QVERIFY(probe.start(path, 20s));
        QVERIFY(!probe.start(path)); // busy
        QTRY_VERIFY_WITH_TIMEOUT(ok.size() + failed.size() > 0, 30000);
        QVERIFY2(
            failed.isEmpty(),
            qPrintable(failed.isEmpty() ? "" : failed.first().at(0).value<MediaError>().detail));
        const VideoInfo info = ok.first().at(0).value<VideoInfo>();
        QCOMPARE(info.size, QSize(320, 240));
        QVERIFY2(std::abs(info.durationMs - 2000) <= 100,
                 qPrintable(QString::number(info.durationMs)));
        QVERIFY(!info.poster.isNull());
        QVERIFY(!info.thumbnail.isEmpty() && info.thumbnail.size() <= 3 * 1024);
        QCOMPARE(info.thumbnailSize, QSize(40, 30));
        QTest::qWait(50);
        QCOMPARE(ok.size() + failed.size(), 1);
    }

    void corruptVideoIsATypedError() {
        QByteArray noise(50000, Qt::Uninitialized);
        QRandomGenerator(11).fillRange(reinterpret_cast<quint32 *>(noise.data()), 12500);
        const QString path = write("broken.mp4", QByteArray("\x00\x00\x00\x18"
                                                            "ftypmp42",
                                                            12) +
                                                     noise);
        VideoProbe probe;
        QSignalSpy ok(&probe, &VideoProbe::finished);
        QSignalSpy failed(&probe, &VideoProbe::failed);
        QElapsedTimer t;
        t.start();
        QVERIFY(probe.start(path, 5s));
        QTRY_VERIFY_WITH_TIMEOUT(failed.size() == 1, 15000);
        QVERIFY(t.elapsed() < 8000);
        QCOMPARE(ok.size(), 0);
        const auto code = failed.first().at(0).value<MediaError>().code;
        QVERIFY2(code == MediaErrorCode::Corrupt || code == MediaErrorCode::Unsupported ||
                     code == MediaErrorCode::Timeout,
                 mediaErrorName(code));
        // Audio only: not a video.
        if (hasGstPlugin("wavparse")) {
            QVERIFY(probe.start(write("sound.wav", wav(8000, 0.5, 0.5)), 10s));
            QTRY_VERIFY_WITH_TIMEOUT(failed.size() == 2, 15000);
            QCOMPARE(failed.last().at(0).value<MediaError>().code, MediaErrorCode::Unsupported);
            failed.removeLast();
        }
        // And an empty file at once.
        QVERIFY(probe.start(write("empty.mp4", {})));
        QTRY_COMPARE(failed.size(), 2);
        QCOMPARE(failed.last().at(0).value<MediaError>().code, MediaErrorCode::Empty);
    }
};

QTEST_MAIN(TestMediaProbes)
#include "test_media_probes.moc"
