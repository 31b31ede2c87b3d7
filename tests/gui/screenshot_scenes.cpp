#include "screenshot_scenes.h"

#include <QFile>
#include <QPainter>
#include <QPainterPath>
#include <QProcess>
#include <QRandomGenerator>

#include <cmath>

namespace tidings::test::scenes {

namespace {
void sky(QPainter &p, QSize s, QColor top, QColor horizon, double horizonAt) {
    QLinearGradient g(0, 0, 0, s.height() * horizonAt);
    g.setColorAt(0, top);
    g.setColorAt(1, horizon);
    p.fillRect(QRectF(0, 0, s.width(), s.height() * horizonAt + 1), g);
}

//! A ridge of hills across the picture at `base` (0..1 of the height).
void ridge(QPainter &p, QSize s, double base, double amplitude, QColor color, int seed) {
    QPainterPath path;
    const double w = s.width(), h = s.height();
    path.moveTo(0, h);
    for (int x = 0; x <= 64; ++x) {
        const double t = x / 64.0;
        const double y = base - amplitude * (0.55 + 0.3 * std::sin(t * 5.1 + seed) +
                                             0.15 * std::sin(t * 13.7 + seed * 2.3));
        path.lineTo(t * w, y * h);
    }
    path.lineTo(w, h);
    path.closeSubpath();
    p.fillPath(path, color);
}

void water(QPainter &p, QSize s, double from, QColor top, QColor bottom, double phase) {
    const double h = s.height(), w = s.width();
    QLinearGradient g(0, from * h, 0, h);
    g.setColorAt(0, top);
    g.setColorAt(1, bottom);
    p.fillRect(QRectF(0, from * h, w, h - from * h), g);
    QPen pen(QColor(255, 255, 255, 45), qMax(1.0, h / 400.0));
    p.setPen(pen);
    for (int i = 0; i < 14; ++i) {
        const double y = from * h + (h - from * h) * (i + 0.5) / 14.0;
        const double len = w * (0.05 + 0.04 * ((i * 7) % 5));
        const double x = std::fmod(i * w * 0.37 + phase * (1 + i % 3) * w * 0.02, w);
        p.drawLine(QPointF(x, y), QPointF(x + len, y));
    }
    p.setPen(Qt::NoPen);
}

void sunset(QPainter &p, QSize s) {
    sky(p, s, QColor(0x2b, 0x3a, 0x6b), QColor(0xf6, 0x9a, 0x52), 0.62);
    QRadialGradient sun(s.width() * 0.62, s.height() * 0.58, s.height() * 0.22);
    sun.setColorAt(0, QColor(255, 236, 170));
    sun.setColorAt(0.35, QColor(255, 200, 110, 220));
    sun.setColorAt(1, QColor(255, 160, 80, 0));
    p.fillRect(QRect(QPoint(0, 0), s), sun);
    ridge(p, s, 0.62, 0.08, QColor(0x4a, 0x3a, 0x5e), 2);
    water(p, s, 0.62, QColor(0xd9, 0x84, 0x5a), QColor(0x25, 0x2c, 0x4f), 0);
}

void cathedral(QPainter &p, QSize s) {
    sky(p, s, QColor(0x0b, 0x10, 0x2a), QColor(0x2c, 0x3b, 0x6e), 1.0);
    QRandomGenerator rng(7);
    p.setBrush(QColor(255, 255, 240, 200));
    for (int i = 0; i < 70; ++i)
        p.drawEllipse(QPointF(rng.bounded(s.width()), rng.bounded(s.height() / 2)), 1.2, 1.2);
    const double w = s.width(), h = s.height();
    const QColor stone(0x1a, 0x1d, 0x2b);
    // Two spires and the nave between them.
    for (double cx : {0.33, 0.67}) {
        QPainterPath spire;
        spire.moveTo(w * (cx - 0.09), h);
        spire.lineTo(w * (cx - 0.09), h * 0.42);
        spire.lineTo(w * cx, h * 0.08);
        spire.lineTo(w * (cx + 0.09), h * 0.42);
        spire.lineTo(w * (cx + 0.09), h);
        p.fillPath(spire, stone);
    }
    p.fillRect(QRectF(w * 0.24, h * 0.55, w * 0.52, h * 0.45), stone);
    p.setBrush(QColor(0xf2, 0xc0, 0x5c));
    for (int row = 0; row < 3; ++row)
        for (int i = 0; i < 4; ++i)
            p.drawRoundedRect(
                QRectF(w * (0.29 + i * 0.12), h * (0.6 + row * 0.12), w * 0.04, h * 0.07), w * 0.02,
                w * 0.02);
    p.drawEllipse(QPointF(w * 0.5, h * 0.5), w * 0.05, w * 0.05);
    p.fillRect(QRectF(0, h * 0.93, w, h * 0.07), QColor(0x12, 0x14, 0x1e));
}

void hills(QPainter &p, QSize s) {
    sky(p, s, QColor(0x6f, 0xa8, 0xdc), QColor(0xd8, 0xec, 0xf7), 0.55);
    p.setBrush(QColor(255, 255, 255, 210));
    for (int i = 0; i < 3; ++i)
        p.drawEllipse(QRectF(s.width() * (0.15 + i * 0.28), s.height() * (0.12 + (i % 2) * 0.08),
                             s.width() * 0.16, s.height() * 0.06));
    ridge(p, s, 0.55, 0.16, QColor(0x7d, 0x9c, 0xb5), 4);
    ridge(p, s, 0.68, 0.12, QColor(0x5f, 0x8f, 0x4e), 1);
    ridge(p, s, 0.82, 0.10, QColor(0x3f, 0x73, 0x3a), 6);
    QPainterPath river;
    const double w = s.width(), h = s.height();
    river.moveTo(w * 0.45, h * 0.70);
    river.cubicTo(w * 0.55, h * 0.8, w * 0.2, h * 0.88, w * 0.35, h);
    river.lineTo(w * 0.6, h);
    river.cubicTo(w * 0.45, h * 0.88, w * 0.7, h * 0.8, w * 0.5, h * 0.70);
    p.fillPath(river, QColor(0x8c, 0xc4, 0xe8));
}

void bridge(QPainter &p, QSize s) {
    sky(p, s, QColor(0x3d, 0x4a, 0x7a), QColor(0xe8, 0xa0, 0x8c), 0.6);
    const double w = s.width(), h = s.height();
    const QColor iron(0x2a, 0x2a, 0x36);
    // Houses on the far bank, then the arches.
    QRandomGenerator rng(3);
    for (int i = 0; i < 18; ++i) {
        const double bw = w * (0.04 + rng.bounded(0.03)), bh = h * (0.06 + rng.bounded(0.12));
        p.fillRect(QRectF(i * w / 18.0, h * 0.6 - bh, bw, bh), QColor(0x4b, 0x44, 0x5c));
    }
    water(p, s, 0.6, QColor(0xb9, 0x86, 0x86), QColor(0x2a, 0x31, 0x4f), 3);
    QPen pen(iron, h / 70.0);
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    for (int i = 0; i < 3; ++i)
        p.drawArc(QRectF(w * (i / 3.0), h * 0.48, w / 3.0, h * 0.3), 0, 180 * 16);
    p.drawLine(QPointF(0, h * 0.5), QPointF(w, h * 0.5));
    p.setPen(Qt::NoPen);
}
} // namespace

QImage photo(Photo which, QSize size) {
    QImage image(size, QImage::Format_RGB32);
    image.fill(Qt::black);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    switch (which) {
    case Photo::Sunset:
        sunset(p, size);
        break;
    case Photo::Cathedral:
        cathedral(p, size);
        break;
    case Photo::Hills:
        hills(p, size);
        break;
    case Photo::Bridge:
        bridge(p, size);
        break;
    }
    return image;
}

QImage boatFrame(int index, QSize s) {
    QImage image(s, QImage::Format_ARGB32);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    const double t = index / 25.0;
    sky(p, s, QColor(0x4f, 0x8f, 0xd0), QColor(0xc9, 0xe4, 0xf5), 0.58);
    p.setBrush(QColor(255, 250, 220));
    p.drawEllipse(QPointF(s.width() * 0.8, s.height() * 0.18), s.height() * 0.07,
                  s.height() * 0.07);
    ridge(p, s, 0.58, 0.1, QColor(0x6a, 0x8a, 0x9e), 5);
    water(p, s, 0.58, QColor(0x3e, 0x86, 0xb8), QColor(0x17, 0x3d, 0x66), t * 25);
    const double w = s.width(), h = s.height();
    const double x = w * (0.15 + 0.1 * t), y = h * 0.7 + std::sin(t * 3.2) * h * 0.012;
    QPainterPath hull;
    hull.moveTo(x - w * 0.12, y);
    hull.lineTo(x + w * 0.13, y);
    hull.lineTo(x + w * 0.09, y + h * 0.07);
    hull.lineTo(x - w * 0.09, y + h * 0.07);
    hull.closeSubpath();
    p.fillPath(hull, QColor(0xb2, 0x3a, 0x2e));
    QPainterPath sail;
    sail.moveTo(x, y - h * 0.01);
    sail.lineTo(x, y - h * 0.3);
    sail.lineTo(x + w * 0.1, y - h * 0.02);
    sail.closeSubpath();
    p.fillPath(sail, QColor(0xf4, 0xf1, 0xe8));
    p.fillRect(QRectF(x - 1.5, y - h * 0.31, 3, h * 0.31), QColor(0x50, 0x40, 0x30));
    return image;
}

bool writeBoatVideo(const QString &ffmpeg, const QString &path, int seconds) {
    const QSize size(640, 360);
    QProcess p;
    p.start(ffmpeg, {"-loglevel",
                     "error",
                     "-y",
                     "-f",
                     "rawvideo",
                     "-pix_fmt",
                     "bgra",
                     "-s",
                     "640x360",
                     "-r",
                     "25",
                     "-i",
                     "-",
                     "-f",
                     "lavfi",
                     "-i",
                     QStringLiteral("anoisesrc=color=brown:amplitude=0.08:d=%1").arg(seconds),
                     "-shortest",
                     "-c:v",
                     "libx264",
                     "-pix_fmt",
                     "yuv420p",
                     "-c:a",
                     "aac",
                     "-movflags",
                     "+faststart",
                     path});
    if (!p.waitForStarted(10000))
        return false;
    for (int i = 0; i < seconds * 25; ++i) {
        const QImage frame = boatFrame(i, size);
        p.write(reinterpret_cast<const char *>(frame.constBits()), frame.sizeInBytes());
        while (p.bytesToWrite() > (8 << 20))
            p.waitForBytesWritten(1000);
    }
    p.closeWriteChannel();
    return p.waitForFinished(120000) && p.exitCode() == 0;
}

bool writeVoiceNote(const QString &ffmpeg, const QString &path, int seconds) {
    // A hummed tone that rises and falls, cut into syllables and phrases.
    const QString voice =
        QStringLiteral(
            "aevalsrc='0.7*sin(2*PI*(140+25*sin(2*PI*0.6*t))*t)*pow(abs(sin(2*PI*1.9*t)),0.7)"
            "*(0.5+0.5*sin(2*PI*0.21*t+1.2))*gt(mod(t,3.1),0.35)':s=48000:d=%1")
            .arg(seconds);
    QProcess p;
    p.start(ffmpeg, {"-loglevel", "error", "-y", "-f", "lavfi", "-i", voice, "-c:a", "libopus",
                     "-b:a", "32k", path});
    return p.waitForFinished(60000) && p.exitCode() == 0;
}

bool writeDocument(const QString &path, qint64 bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return false;
    f.write("%PDF-1.4\n% Tidings screenshots\n");
    QByteArray block(1 << 20, '\0');
    QRandomGenerator rng(11);
    rng.fillRange(reinterpret_cast<quint32 *>(block.data()), block.size() / 4);
    while (f.size() < bytes)
        f.write(block.constData(), qMin<qint64>(block.size(), bytes - f.size()));
    return f.size() == bytes;
}

} // namespace tidings::test::scenes
