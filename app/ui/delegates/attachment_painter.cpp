#include "attachment_painter.h"

#include "look.h"
#include "media/audio_playback.h"
#include "media/image_cache.h"
#include "media/video_posters.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QFontMetrics>
#include <QIcon>
#include <QPainter>
#include <QPainterPath>

namespace tidings::ui::attachment_layout {

namespace {
constexpr int kRowHeight = 50;
constexpr int kRowWidth = 290;
constexpr int kFileCircle = 44;
constexpr int kVisualCircle = 48;
constexpr int kMaxVisual = 320;
constexpr int kMinVisual = 120;
constexpr int kMaxVisualHeight = 340;

QRect circleRect(const Attachment &a, const QRect &block) {
    if (blockOf(a) == Block::Visual)
        return QRect(block.center().x() - kVisualCircle / 2, block.center().y() - kVisualCircle / 2,
                     kVisualCircle, kVisualCircle);
    return QRect(block.left(), block.top() + (block.height() - kFileCircle) / 2, kFileCircle,
                 kFileCircle);
}

QRect waveformRect(const QRect &block) {
    return QRect(block.left() + kFileCircle + 10, block.top() + 4, block.width() - kFileCircle - 10,
                 24);
}

QRect speedRect(const QRect &block, const QFont &font) {
    QFont small = font;
    small.setPointSizeF(small.pointSizeF() * 0.8);
    const QFontMetrics fm(small);
    const int w = fm.horizontalAdvance(QStringLiteral("1.5×")) + 12;
    return QRect(block.right() - w + 1, block.bottom() - fm.height() - 3, w, fm.height() + 2);
}

void paintGlyph(QPainter *p, const QRectF &r, ActionKind action, const Attachment &a) {
    p->save();
    p->setPen(QPen(Qt::white, 2.2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p->setBrush(Qt::NoBrush);
    const QPointF c = r.center();
    const qreal s = r.width() * 0.22;
    switch (action) {
    case ActionKind::Cancel: {
        p->drawLine(c + QPointF(-s * 0.8, -s * 0.8), c + QPointF(s * 0.8, s * 0.8));
        p->drawLine(c + QPointF(s * 0.8, -s * 0.8), c + QPointF(-s * 0.8, s * 0.8));
        // The progress ring.
        const QRectF ring = r.adjusted(3, 3, -3, -3);
        p->setPen(QPen(QColor(0, 0, 0, 60), 3));
        p->drawEllipse(ring);
        p->setPen(QPen(Qt::white, 3, Qt::SolidLine, Qt::RoundCap));
        const int span = -int(qMax(0.03, a.progress()) * 360 * 16);
        p->drawArc(ring, 90 * 16, span);
        break;
    }
    case ActionKind::Retry:
        QIcon(QStringLiteral(":/icons/retry.svg")).paint(p, r.adjusted(s, s, -s, -s).toRect());
        break;
    case ActionKind::Download:
        QIcon(QStringLiteral(":/icons/download.svg")).paint(p, r.adjusted(s, s, -s, -s).toRect());
        break;
    case ActionKind::Play: {
        QPainterPath tri;
        tri.moveTo(c + QPointF(-s * 0.7, -s));
        tri.lineTo(c + QPointF(s * 1.1, 0));
        tri.lineTo(c + QPointF(-s * 0.7, s));
        tri.closeSubpath();
        p->setPen(Qt::NoPen);
        p->setBrush(Qt::white);
        p->drawPath(tri);
        break;
    }
    case ActionKind::Pause:
        p->setPen(Qt::NoPen);
        p->setBrush(Qt::white);
        p->drawRoundedRect(QRectF(c.x() - s * 0.9, c.y() - s, s * 0.65, 2 * s), 1, 1);
        p->drawRoundedRect(QRectF(c.x() + s * 0.25, c.y() - s, s * 0.65, 2 * s), 1, 1);
        break;
    case ActionKind::None: {
        // A document.
        const QRectF d(c.x() - s * 0.8, c.y() - s * 1.05, s * 1.6, s * 2.1);
        QPainterPath doc;
        doc.moveTo(d.topLeft());
        doc.lineTo(d.right() - s * 0.6, d.top());
        doc.lineTo(d.right(), d.top() + s * 0.6);
        doc.lineTo(d.bottomRight());
        doc.lineTo(d.bottomLeft());
        doc.closeSubpath();
        p->setPen(QPen(Qt::white, 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p->drawPath(doc);
        break;
    }
    }
    p->restore();
}

QString extensionOf(const Attachment &a) {
    return QFileInfo(a.fileName).suffix().toUpper();
}
} // namespace

Block blockOf(const Attachment &a) {
    if (a.isVisual())
        return Block::Visual;
    if (a.isAudio())
        return Block::AudioRow;
    return Block::FileRow;
}

QSize blockSize(const Attachment &a, int maxWidth, const QFont &font) {
    Q_UNUSED(font);
    switch (blockOf(a)) {
    case Block::Visual: {
        const double w = a.width > 0 ? a.width : 4, h = a.height > 0 ? a.height : 3;
        int width = qMin(maxWidth - 2 * kVisualPad, kMaxVisual);
        int height = int(width * h / w);
        if (height > kMaxVisualHeight) { // tall: narrower, never thinner than the minimum
            height = kMaxVisualHeight;
            width = qMax(kMinVisual, int(height * w / h));
        }
        height = qMax(90, height);
        return QSize(width, height);
    }
    case Block::FileRow:
    case Block::AudioRow:
        return QSize(qMin(maxWidth, kRowWidth), kRowHeight);
    }
    return {};
}

ActionKind actionOf(const Attachment &a, bool mine, bool playing) {
    if (a.isActive())
        return ActionKind::Cancel;
    if (a.transfer == Attachment::Transfer::Failed)
        return ActionKind::Retry;
    if (a.transfer == Attachment::Transfer::Cancelled && mine && !a.localPath.isEmpty() &&
        a.blobId.isEmpty())
        return ActionKind::Retry; // an upload stopped before it finished
    if (a.localPath.isEmpty())
        return ActionKind::Download;
    if (a.isAudio())
        return playing ? ActionKind::Pause : ActionKind::Play;
    if (a.kind == Attachment::Kind::Video)
        return ActionKind::Play;
    return ActionKind::None;
}

Hit hitTest(const Attachment &a, const QRect &block, QPoint pos, double *fraction) {
    if (!block.contains(pos))
        return Hit::None;
    const QRect circle = circleRect(a, block);
    const ActionKind action = actionOf(a, false, false);
    switch (blockOf(a)) {
    case Block::Visual:
        if (circle.contains(pos) && action != ActionKind::None && action != ActionKind::Play)
            return Hit::Action;
        return Hit::Open;
    case Block::FileRow:
        if (circle.contains(pos) && action != ActionKind::None)
            return Hit::Action;
        return Hit::Open;
    case Block::AudioRow: {
        if (circle.contains(pos))
            return Hit::Action;
        const QRect wave = waveformRect(block);
        if (wave.contains(pos) && !a.localPath.isEmpty()) {
            if (fraction)
                *fraction = double(pos.x() - wave.left()) / qMax(1, wave.width());
            return Hit::Waveform;
        }
        if (speedRect(block, QFont()).adjusted(-4, -4, 4, 4).contains(pos))
            return Hit::Speed;
        return Hit::Open;
    }
    }
    return Hit::None;
}

namespace {
void paintVisual(QPainter *p, const QRect &block, const Attachment &a, const QFont &font,
                 const PaintContext &ctx) {
    const Colors &colors = *ctx.colors;
    QPainterPath clip;
    clip.addRoundedRect(QRectF(block), 7, 7);
    p->save();
    p->setClipPath(clip);
    p->fillRect(block, colors.separator);
    const QSize device = block.size() * ctx.dpr;
    QImage picture;
    if (a.kind == Attachment::Kind::Image && !a.localPath.isEmpty() && ctx.images)
        picture = ctx.images->image(a.localPath, device);
    if (a.kind == Attachment::Kind::Video && !a.localPath.isEmpty() && ctx.posters)
        picture = ctx.posters->poster(a.localPath); // sharp once the video is here
    if (picture.isNull() && ctx.images)
        picture = ctx.images->blurred(a.thumbnail, device);
    if (!picture.isNull()) {
        p->setRenderHint(QPainter::SmoothPixmapTransform);
        p->drawImage(QRectF(block), picture);
    }
    QFont small = font;
    small.setPointSizeF(small.pointSizeF() * 0.8);
    const QFontMetrics sfm(small);
    p->setFont(small);
    if (a.kind == Attachment::Kind::Video && a.durationMs > 0) {
        const QString d = formatDuration(a.durationMs);
        const QRect pill(block.left() + 6, block.top() + 6, sfm.horizontalAdvance(d) + 10,
                         sfm.height() + 2);
        p->setPen(Qt::NoPen);
        p->setBrush(QColor(0, 0, 0, 120));
        p->drawRoundedRect(pill, 4, 4);
        p->setPen(Qt::white);
        p->drawText(pill, Qt::AlignCenter, d);
    }
    const ActionKind action = actionOf(a, ctx.mine, false);
    if (action != ActionKind::None) {
        const QRect circle = circleRect(a, block);
        p->setPen(Qt::NoPen);
        p->setBrush(QColor(0, 0, 0, 120));
        p->drawEllipse(circle);
        paintGlyph(p, circle, action, a);
        QString label;
        if (action == ActionKind::Download)
            label = formatBytes(a.size);
        else if (action == ActionKind::Cancel)
            label =
                QStringLiteral("%1 / %2").arg(formatBytes(a.transferredBytes), formatBytes(a.size));
        else if (action == ActionKind::Retry)
            label = !a.transferError.isEmpty() ? a.transferError
                    : ctx.mine                 ? QCoreApplication::translate("Media", "Not sent")
                               : QCoreApplication::translate("Media", "Download failed");
        if (!label.isEmpty()) {
            label = sfm.elidedText(label, Qt::ElideRight, block.width() - 20);
            const int w = sfm.horizontalAdvance(label) + 12;
            const QRect pill(block.center().x() - w / 2, circle.bottom() + 6, w, sfm.height() + 4);
            p->setPen(Qt::NoPen);
            p->setBrush(action == ActionKind::Retry ? QColor(0xc0, 0x30, 0x30, 200)
                                                    : QColor(0, 0, 0, 120));
            p->drawRoundedRect(pill, 5, 5);
            p->setPen(Qt::white);
            p->drawText(pill, Qt::AlignCenter, label);
        }
    }
    p->restore();
}

void paintRow(QPainter *p, const QRect &block, const Attachment &a, const QFont &font,
              const PaintContext &ctx) {
    const Colors &colors = *ctx.colors;
    const bool audio = blockOf(a) == Block::AudioRow;
    const bool playing = audio && ctx.audio && ctx.audio->isPlaying(ctx.key);
    const ActionKind action = actionOf(a, ctx.mine, playing);
    const QRect circle = circleRect(a, block);
    p->setPen(Qt::NoPen);
    p->setBrush(colors.accent);
    p->drawEllipse(circle);
    paintGlyph(p, circle, action, a);

    QFont small = font;
    small.setPointSizeF(small.pointSizeF() * 0.82);
    const QFontMetrics sfm(small);
    const int textLeft = circle.right() + 10;
    const int textW = block.right() - textLeft;
    QString detail;
    QColor detailColor = colors.secondaryText;
    if (action == ActionKind::Cancel)
        detail = QCoreApplication::translate("Media", "%1 of %2")
                     .arg(formatBytes(a.transferredBytes), formatBytes(a.size));
    else if (action == ActionKind::Retry) {
        detail = !a.transferError.isEmpty() ? a.transferError
                 : ctx.mine                 ? QCoreApplication::translate("Media", "Not sent")
                            : QCoreApplication::translate("Media", "Download failed");
        detailColor = QColor(0xd9, 0x3a, 0x3a);
    }

    if (audio) {
        const QRect wave = waveformRect(block);
        const double progress = ctx.audio ? ctx.audio->progress(ctx.key) : 0.0;
        QColor rest = colors.secondaryText;
        rest.setAlpha(150);
        paintWaveform(p, QRectF(wave), a.waveform, progress, colors.accent, rest);
        p->setFont(small);
        const qint64 pos = ctx.audio ? ctx.audio->position(ctx.key) : 0;
        const bool current = ctx.audio && ctx.audio->currentKey() == ctx.key;
        if (detail.isEmpty())
            detail = current && pos > 0 ? formatDuration(pos) : formatDuration(a.durationMs);
        const QRect speed = speedRect(block, font);
        p->setPen(detailColor);
        p->drawText(QRect(textLeft, speed.top(), speed.left() - textLeft - 4, speed.height()),
                    Qt::AlignLeft | Qt::AlignVCenter,
                    sfm.elidedText(detail, Qt::ElideRight, speed.left() - textLeft - 4));
        if (!a.localPath.isEmpty()) {
            // The accent, faint, so the pill reads on both bubbles in both themes.
            QColor pill = colors.accent;
            pill.setAlpha(48);
            p->setPen(Qt::NoPen);
            p->setBrush(pill);
            p->drawRoundedRect(speed, speed.height() / 2.0, speed.height() / 2.0);
            p->setPen(colors.accent);
            p->drawText(speed, Qt::AlignCenter,
                        AudioPlayback::speedLabel(ctx.audio ? ctx.audio->speed() : 1.0));
        }
        return;
    }
    QFont bold = font;
    bold.setBold(true);
    const QFontMetrics bfm(bold);
    p->setFont(bold);
    p->setPen(colors.text);
    const QRect name(textLeft, block.top() + 5, textW, bfm.height());
    p->drawText(name, Qt::AlignLeft | Qt::AlignVCenter,
                bfm.elidedText(a.fileName, Qt::ElideMiddle, textW));
    if (detail.isEmpty()) {
        const QString ext = extensionOf(a);
        detail = ext.isEmpty() ? formatBytes(a.size)
                               : QStringLiteral("%1 · %2").arg(formatBytes(a.size), ext);
    }
    p->setFont(small);
    p->setPen(detailColor);
    p->drawText(QRect(textLeft, name.bottom() + 3, textW, sfm.height()),
                Qt::AlignLeft | Qt::AlignVCenter, sfm.elidedText(detail, Qt::ElideRight, textW));
    if (action == ActionKind::Cancel) { // a thin bar under the text as well
        const QRect bar(textLeft, block.bottom() - 3, textW, 3);
        p->setPen(Qt::NoPen);
        p->setBrush(colors.separator);
        p->drawRoundedRect(bar, 1.5, 1.5);
        p->setBrush(colors.accent);
        p->drawRoundedRect(QRect(bar.left(), bar.top(), int(bar.width() * a.progress()), 3), 1.5,
                           1.5);
    }
}
} // namespace

void paint(QPainter *painter, const QRect &block, const Attachment &a, const QFont &font,
           const PaintContext &ctx) {
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    if (blockOf(a) == Block::Visual)
        paintVisual(painter, block, a, font, ctx);
    else
        paintRow(painter, block, a, font, ctx);
    painter->restore();
}

} // namespace tidings::ui::attachment_layout
