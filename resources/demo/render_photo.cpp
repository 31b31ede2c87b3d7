// Renders resources/demo/lake.jpg, the photo of `scripts/run --demo`: a lake at sunrise, drawn
// with QPainter (no camera, no download). Built and run by make-assets.sh; deterministic.
#include <QImage>
#include <QLinearGradient>
#include <QPainter>
#include <QPainterPath>
#include <QRadialGradient>
#include <QRandomGenerator>

#include <cmath>
#include <cstdio>

namespace {

constexpr int kW = 1600;
constexpr int kH = 1066;
constexpr int kHorizon = 610;

//! A ridge line from left to right: a sum of sines plus a little noise, `base` its mean height.
QPainterPath ridge(double base, double amp, double phase, QRandomGenerator &rng) {
    QPainterPath path(QPointF(0, kH));
    for (int x = 0; x <= kW; x += 8) {
        const double t = x / double(kW);
        const double y =
            base -
            amp * (0.55 * std::sin(t * 5.1 + phase) + 0.30 * std::sin(t * 13.7 + phase * 2.3) +
                   0.15 * std::sin(t * 31.0 + phase * 0.7)) -
            rng.bounded(6.0);
        path.lineTo(x, y);
    }
    path.lineTo(kW, kH);
    path.closeSubpath();
    return path;
}

void pine(QPainter &p, double x, double baseY, double h, const QColor &c) {
    QPainterPath tree;
    tree.setFillRule(Qt::WindingFill); // the overlapping layers are one silhouette
    const int layers = 5;
    for (int i = 0; i < layers; ++i) {
        const double top = baseY - h + i * h / (layers + 1.5);
        const double w = h * (0.12 + 0.07 * i);
        tree.moveTo(x, top);
        tree.lineTo(x - w, top + h / 3.2);
        tree.lineTo(x + w, top + h / 3.2);
        tree.closeSubpath();
    }
    tree.addRect(QRectF(x - h * 0.025, baseY - h * 0.12, h * 0.05, h * 0.12));
    p.fillPath(tree, c);
}

} // namespace

int main(int argc, char **argv) {
    const char *out = argc > 1 ? argv[1] : "lake.jpg";
    QImage img(kW, kH, QImage::Format_RGB32);
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    QRandomGenerator rng(20261203);

    // Sky: night blue above, warm at the horizon.
    QLinearGradient sky(0, 0, 0, kHorizon);
    sky.setColorAt(0.0, QColor(28, 48, 96));
    sky.setColorAt(0.45, QColor(96, 110, 168));
    sky.setColorAt(0.75, QColor(236, 150, 130));
    sky.setColorAt(1.0, QColor(255, 196, 120));
    p.fillRect(0, 0, kW, kHorizon, sky);

    // The sun just above the hills, with its glow.
    const QPointF sun(1040, kHorizon - 70);
    QRadialGradient glow(sun, 420);
    glow.setColorAt(0.0, QColor(255, 236, 180, 230));
    glow.setColorAt(0.12, QColor(255, 210, 140, 160));
    glow.setColorAt(1.0, QColor(255, 180, 120, 0));
    p.fillRect(0, 0, kW, kHorizon, glow);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(255, 246, 214));
    p.drawEllipse(sun, 46, 46);

    // A few thin clouds lit from below.
    for (int i = 0; i < 9; ++i) {
        const double y = 120 + rng.bounded(300.0);
        const double x = rng.bounded(double(kW));
        const double w = 180 + rng.bounded(340.0);
        p.setBrush(QColor(255, 190 + rng.bounded(40), 170, 40 + rng.bounded(50)));
        p.drawEllipse(QPointF(x, y), w, 9 + rng.bounded(10.0));
    }

    // Mountains, far to near: bluer and lighter with distance.
    p.fillPath(ridge(kHorizon - 150, 110, 0.6, rng), QColor(120, 112, 160));
    p.fillPath(ridge(kHorizon - 80, 80, 2.1, rng), QColor(86, 80, 128));
    p.fillPath(ridge(kHorizon - 25, 40, 4.0, rng), QColor(52, 56, 88));

    // The lake: the sky mirrored and darkened.
    QLinearGradient water(0, kHorizon, 0, kH);
    water.setColorAt(0.0, QColor(238, 168, 120));
    water.setColorAt(0.25, QColor(150, 120, 150));
    water.setColorAt(1.0, QColor(22, 36, 70));
    p.fillRect(0, kHorizon, kW, kH - kHorizon, water);
    // The sun's path on the water, broken into ripples.
    for (int y = kHorizon + 4; y < kH; y += 5) {
        const double depth = (y - kHorizon) / double(kH - kHorizon);
        const double half = 30 + depth * 260;
        for (int k = 0; k < 3; ++k) {
            const double x = sun.x() - half + rng.bounded(2 * half);
            const double len = 20 + rng.bounded(90.0) * (1.0 - depth * 0.5);
            p.fillRect(QRectF(x, y, len, 1.6 + depth * 2.0),
                       QColor(255, 226, 170, int(180 * (1.0 - depth * 0.8))));
        }
    }
    // Faint ripple lines everywhere.
    for (int i = 0; i < 700; ++i) {
        const double y = kHorizon + rng.bounded(double(kH - kHorizon));
        const double depth = (y - kHorizon) / double(kH - kHorizon);
        p.fillRect(QRectF(rng.bounded(double(kW)), y, 30 + rng.bounded(120.0), 1.0 + depth),
                   QColor(255, 255, 255, 10 + int(rng.bounded(18))));
    }

    // The near shore on the left with pines, and a small pier reaching into the water.
    const double shoreTop = kHorizon + 70;
    QPainterPath shore(QPointF(0, kH));
    shore.lineTo(0, shoreTop);
    shore.cubicTo(160, shoreTop - 6, 300, shoreTop + 4, 400, shoreTop + 40);
    shore.cubicTo(470, shoreTop + 80, 430, kH - 120, 520, kH);
    shore.closeSubpath();
    p.fillPath(shore, QColor(20, 26, 32));
    const QColor treeColor(14, 22, 26);
    for (int i = 0; i < 11; ++i) {
        const double x = 14 + i * 34 + rng.bounded(16.0);
        const double base = shoreTop + 6 + (i > 7 ? (i - 7) * 10.0 : 0.0);
        pine(p, x, base, 170 + rng.bounded(150.0), treeColor);
    }
    const double deck = shoreTop + 150;
    p.setBrush(QColor(46, 34, 28));
    p.drawRect(QRectF(440, deck, 300, 10));
    for (int i = 0; i < 5; ++i)
        p.drawRect(QRectF(452 + i * 68, deck + 8, 7, 46));
    // The pier's reflection, broken by the ripples.
    for (int y = int(deck) + 60; y < int(deck) + 110; y += 4)
        p.fillRect(QRectF(440 + rng.bounded(8.0), y, 300 - rng.bounded(40.0), 2),
                   QColor(30, 26, 40, 90));

    // Film grain: a photo, not a diagram.
    p.end();
    for (int y = 0; y < kH; ++y) {
        auto *line = reinterpret_cast<QRgb *>(img.scanLine(y));
        for (int x = 0; x < kW; ++x) {
            const int n = int(rng.bounded(13)) - 6;
            const QRgb c = line[x];
            line[x] = qRgb(qBound(0, qRed(c) + n, 255), qBound(0, qGreen(c) + n, 255),
                           qBound(0, qBlue(c) + n, 255));
        }
    }
    if (!img.save(QString::fromLocal8Bit(out), "JPEG", 82)) {
        std::fprintf(stderr, "cannot write %s\n", out);
        return 1;
    }
    return 0;
}
