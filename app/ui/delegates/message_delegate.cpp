#include "message_delegate.h"

#include "delegates/ticks.h"
#include "look.h"
#include "media/media_port.h"
#include "models/message_model.h"

#include <QAbstractItemView>
#include <QPainter>
#include <QTextLayout>

namespace tidings::ui {

namespace {
constexpr int kSide = 14; // gap between bubble and view edge
constexpr int kPadH = 10; // bubble padding
constexpr int kPadV = 6;
constexpr int kGroupGap = 6; // above the first bubble of a sender's run
constexpr int kGap = 2;

qreal layoutText(QTextLayout *layout, qreal width) {
    QTextOption option;
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout->setTextOption(option);
    layout->beginLayout();
    qreal y = 0;
    qreal widest = 0;
    for (QTextLine line = layout->createLine(); line.isValid(); line = layout->createLine()) {
        line.setLineWidth(width);
        line.setPosition(QPointF(0, y));
        y += line.height();
        widest = qMax(widest, line.naturalTextWidth());
    }
    layout->endLayout();
    return widest;
}
} // namespace

MessageDelegate::MessageDelegate(QAbstractItemView *view)
    : QStyledItemDelegate(view)
    , m_view(view) {}

int MessageDelegate::viewportWidth() const {
    return qMax(200, m_view->viewport()->width());
}

MessageDelegate::Geometry MessageDelegate::geometry(const QStyleOptionViewItem &option,
                                                    const QModelIndex &index,
                                                    QTextLayout *layout) const {
    namespace al = attachment_layout;
    Geometry g;
    const int width = viewportWidth();
    const QFontMetrics fm(option.font);
    QFont small = option.font;
    small.setPointSizeF(small.pointSizeF() * 0.82);
    const QFontMetrics sfm(small);
    const bool mine = index.data(MessageModel::OutgoingRole).toBool();
    const bool first = index.data(MessageModel::FirstOfGroupRole).toBool();
    const int maxBubble = qMin(int(width * 0.72), 620);
    int maxText = maxBubble - 2 * kPadH;

    const QVariant av = index.data(MessageModel::AttachmentRole);
    const bool hasMedia = av.isValid();
    const Attachment attachment = hasMedia ? av.value<Attachment>() : Attachment();
    const bool visual = hasMedia && al::blockOf(attachment) == al::Block::Visual;
    QSize block;
    if (hasMedia) {
        block = al::blockSize(attachment, maxBubble, option.font);
        if (visual)
            maxText = block.width() + 2 * al::kVisualPad - 2 * kPadH;
    }

    QFont textFont = option.font;
    textFont.setItalic(index.data(MessageModel::UndecryptableRole).toBool());
    layout->setFont(textFont);
    const QString text = index.data(MessageModel::TextRole).toString();
    g.hasText = !hasMedia || !text.isEmpty();
    layout->setText(text);
    const qreal textW = g.hasText ? layoutText(layout, maxText) : 0;
    const qreal textH = g.hasText ? layout->boundingRect().height() : 0;
    const int lines = g.hasText ? layout->lineCount() : 0;
    const qreal lastLineW = lines > 0 ? layout->lineAt(lines - 1).naturalTextWidth() : 0;

    const QString time = index.data(MessageModel::TimeTextRole).toString();
    const int footerW =
        sfm.horizontalAdvance(time) + (mine ? int(ticksWidth(sfm.height())) + 4 : 0);
    const int footerH = sfm.height();
    const bool showSender = m_showSenders && !mine && first;
    const int senderH = showSender ? fm.height() + 2 : 0;

    int bubbleW;
    int bubbleH;
    int mediaH = 0; // the block and the gap under it
    if (hasMedia)
        mediaH = block.height() + (g.hasText ? kPadV : 0) +
                 (visual && !showSender ? al::kVisualPad - kPadV : 0);
    if (hasMedia && !g.hasText) {
        g.footerOnMedia = visual;
        bubbleW =
            visual ? block.width() + 2 * al::kVisualPad : qMax(block.width(), footerW) + 2 * kPadH;
        bubbleH = visual ? (showSender ? kPadV : al::kVisualPad) + block.height() + al::kVisualPad
                         : block.height() + footerH + 2 * kPadV + 2;
    } else if (lastLineW + 10 + footerW <= maxText) {
        g.footerInline = true;
        bubbleW = int(qMax(textW, lastLineW + 10 + footerW)) + 2 * kPadH;
        bubbleH = int(textH) + 2 * kPadV + (lines <= 1 ? qMax(0, footerH - fm.height() + 2) : 0);
    } else {
        bubbleW = int(qMax<qreal>(textW, footerW)) + 2 * kPadH;
        bubbleH = int(textH) + footerH + 2 * kPadV;
    }
    if (hasMedia && g.hasText) {
        bubbleW =
            qMax(bubbleW, visual ? block.width() + 2 * al::kVisualPad : block.width() + 2 * kPadH);
        bubbleH += mediaH;
    }
    if (showSender)
        bubbleW = qMax(
            bubbleW,
            qMin(maxBubble, fm.horizontalAdvance(index.data(MessageModel::SenderRole).toString()) +
                                2 * kPadH));
    bubbleH += senderH;
    const int top = option.rect.top() + (first ? kGroupGap : kGap);
    const int left =
        mine ? option.rect.left() + width - kSide - bubbleW : option.rect.left() + kSide;
    g.bubble = QRect(left, top, bubbleW, bubbleH);
    g.sender = QRect(left + kPadH, top + kPadV, bubbleW - 2 * kPadH, fm.height());
    if (hasMedia) {
        const int mediaTop = top + (visual && !showSender ? al::kVisualPad : kPadV) + senderH;
        g.media = QRect(left + (visual ? al::kVisualPad : kPadH), mediaTop, block.width(),
                        block.height());
    }
    g.textOrigin = QPointF(left + kPadH, top + kPadV + senderH + mediaH);
    g.textWidth = textW;
    g.footer = QRect(g.bubble.right() - kPadH - footerW, g.bubble.bottom() - kPadV - footerH + 1,
                     footerW, footerH);
    if (g.footerOnMedia)
        g.footer.moveBottomRight(g.media.bottomRight() - QPoint(8, 6));
    return g;
}

void MessageDelegate::setMedia(ImageCache *images, AudioPlayback *audio, VideoPosters *posters) {
    m_images = images;
    m_audio = audio;
    m_posters = posters;
}

QStyleOptionViewItem MessageDelegate::optionFor(const QModelIndex &index) const {
    QStyleOptionViewItem option;
    option.font = m_view->font();
    option.palette = m_view->palette();
    option.rect = m_view->visualRect(index);
    return option;
}

QRect MessageDelegate::attachmentRect(const QModelIndex &index) const {
    if (!index.data(MessageModel::AttachmentRole).isValid())
        return {};
    QTextLayout layout;
    return geometry(optionFor(index), index, &layout).media;
}

attachment_layout::Hit MessageDelegate::hitTest(const QModelIndex &index, QPoint pos,
                                                double *fraction) const {
    const QVariant av = index.data(MessageModel::AttachmentRole);
    if (!av.isValid())
        return attachment_layout::Hit::None;
    return attachment_layout::hitTest(av.value<Attachment>(), attachmentRect(index), pos, fraction);
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option,
                                const QModelIndex &index) const {
    const QFontMetrics fm(option.font);
    const auto kind = MessageModel::Kind(index.data(MessageModel::KindRole).toInt());
    if (kind == MessageModel::Kind::DaySeparator)
        return QSize(viewportWidth(), fm.height() + 22);
    if (kind == MessageModel::Kind::UnreadDivider)
        return QSize(viewportWidth(), fm.height() + 16);
    if (kind == MessageModel::Kind::SystemEvent) {
        const QRect text = fm.boundingRect(QRect(0, 0, viewportWidth() - 80, 10000),
                                           Qt::TextWordWrap | Qt::AlignCenter,
                                           index.data(MessageModel::TextRole).toString());
        return QSize(viewportWidth(), text.height() + 20);
    }
    const int width = viewportWidth();
    if (width != m_sizesWidth || option.font != m_sizesFont || m_sizes.size() > 200000) {
        m_sizes.clear();
        m_sizesWidth = width;
        m_sizesFont = option.font;
    }
    const qint64 rowId = index.data(MessageModel::RowIdRole).toLongLong();
    const quint64 seq = index.data(MessageModel::SeqRole).toULongLong();
    const bool first = index.data(MessageModel::FirstOfGroupRole).toBool();
    const bool mine = index.data(MessageModel::OutgoingRole).toBool();
    // A resent copy replaces an undecryptable placeholder in place (same row id and seq).
    const bool undecryptable = index.data(MessageModel::UndecryptableRole).toBool();
    if (const auto it = m_sizes.constFind(rowId); it != m_sizes.constEnd() && it->seq == seq &&
                                                  it->first == first && it->mine == mine &&
                                                  it->undecryptable == undecryptable)
        return it->size;
    QTextLayout layout;
    QStyleOptionViewItem at = option;
    at.rect.moveTop(0);
    const Geometry g = geometry(at, index, &layout);
    const QSize size(width, g.bubble.bottom() + 1);
    if (rowId != 0)
        m_sizes.insert(rowId, CachedSize{seq, first, mine, undecryptable, size});
    return size;
}

void MessageDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const {
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const Colors colors = Colors::from(option.palette);
    const QFontMetrics fm(option.font);
    const auto kind = MessageModel::Kind(index.data(MessageModel::KindRole).toInt());
    const QRect r = option.rect;

    if (kind == MessageModel::Kind::SystemEvent) {
        const QString text = index.data(MessageModel::TextRole).toString();
        const QRect t = fm.boundingRect(QRect(0, 0, viewportWidth() - 80, 10000),
                                        Qt::TextWordWrap | Qt::AlignCenter, text);
        const QRect pill(r.left() + (viewportWidth() - t.width()) / 2 - 12, r.top() + 6,
                         t.width() + 24, t.height() + 8);
        painter->setPen(Qt::NoPen);
        painter->setBrush(colors.separator);
        painter->drawRoundedRect(pill, 8, 8);
        painter->setPen(colors.secondaryText);
        painter->drawText(pill.adjusted(12, 4, -12, -4), Qt::TextWordWrap | Qt::AlignCenter, text);
        painter->restore();
        return;
    }
    if (kind == MessageModel::Kind::DaySeparator) {
        QFont f = option.font;
        f.setPointSizeF(f.pointSizeF() * 0.9);
        f.setBold(true);
        painter->setFont(f);
        const QString text = index.data(MessageModel::DayTextRole).toString();
        const QFontMetrics dfm(f);
        const int w = dfm.horizontalAdvance(text) + 24;
        const int h = dfm.height() + 8;
        const QRect pill(r.left() + (viewportWidth() - w) / 2, r.top() + (r.height() - h) / 2, w,
                         h);
        painter->setPen(Qt::NoPen);
        painter->setBrush(colors.theirBubble);
        painter->drawRoundedRect(pill, h / 2.0, h / 2.0);
        painter->setPen(colors.secondaryText);
        painter->drawText(pill, Qt::AlignCenter, text);
        painter->restore();
        return;
    }
    if (kind == MessageModel::Kind::UnreadDivider) {
        const QRect band(r.left(), r.top() + 4, viewportWidth(), r.height() - 8);
        painter->fillRect(band, colors.separator);
        QFont f = option.font;
        f.setBold(true);
        painter->setFont(f);
        painter->setPen(colors.accent);
        painter->drawText(band, Qt::AlignCenter, index.data(Qt::DisplayRole).toString());
        painter->restore();
        return;
    }

    QTextLayout layout;
    const Geometry g = geometry(option, index, &layout);
    const bool mine = index.data(MessageModel::OutgoingRole).toBool();
    painter->setPen(Qt::NoPen);
    painter->setBrush(mine ? colors.mineBubble : colors.theirBubble);
    painter->drawRoundedRect(g.bubble, 9, 9);
    if (option.state & QStyle::State_Selected) {
        painter->setBrush(Qt::NoBrush);
        painter->setPen(QPen(colors.accent, 2));
        painter->drawRoundedRect(QRectF(g.bubble).adjusted(1, 1, -1, -1), 9, 9);
    }
    if (m_showSenders && !mine && index.data(MessageModel::FirstOfGroupRole).toBool()) {
        QFont f = option.font;
        f.setBold(true);
        painter->setFont(f);
        painter->setPen(avatarColor(index.data(MessageModel::SenderIdRole).toULongLong()));
        painter->drawText(g.sender, Qt::AlignLeft | Qt::AlignVCenter,
                          fm.elidedText(index.data(MessageModel::SenderRole).toString(),
                                        Qt::ElideRight, g.sender.width()));
    }
    if (!g.media.isEmpty()) {
        attachment_layout::PaintContext ctx;
        ctx.images = m_images;
        ctx.posters = m_posters;
        ctx.audio = m_audio;
        ctx.key = index.data(MessageModel::RowIdRole).toLongLong();
        ctx.mine = mine;
        ctx.dpr = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
        ctx.colors = &colors;
        attachment_layout::paint(painter, g.media,
                                 index.data(MessageModel::AttachmentRole).value<Attachment>(),
                                 option.font, ctx);
    }
    painter->setPen(index.data(MessageModel::UndecryptableRole).toBool() ? colors.secondaryText
                                                                         : colors.text);
    if (g.hasText)
        layout.draw(painter, g.textOrigin);

    QFont small = option.font;
    small.setPointSizeF(small.pointSizeF() * 0.82);
    painter->setFont(small);
    const QFontMetrics sfm(small);
    Colors footerColors = colors;
    if (g.footerOnMedia) { // over a picture: a dark pill, light text
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0, 0, 0, 120));
        painter->drawRoundedRect(g.footer.adjusted(-6, -2, 6, 2), 8, 8);
        footerColors.secondaryText = QColor(0xf2, 0xf4, 0xf6);
        footerColors.read = QColor(0x8f, 0xd8, 0xff);
    }
    painter->setPen(footerColors.secondaryText);
    const QString time = index.data(MessageModel::TimeTextRole).toString();
    painter->drawText(g.footer, Qt::AlignLeft | Qt::AlignVCenter, time);
    if (mine) {
        const qreal w = ticksWidth(sfm.height());
        paintTicks(painter, QRectF(g.footer.right() - w + 1, g.footer.top(), w, g.footer.height()),
                   client::MessageState(index.data(MessageModel::StateRole).toInt()), footerColors);
    }
    painter->restore();
}

} // namespace tidings::ui
