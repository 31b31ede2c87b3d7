#include "chat_list_delegate.h"

#include "delegates/ticks.h"
#include "look.h"
#include "models/chat_list_model.h"

#include <QApplication>
#include <QPainter>

namespace tidings::ui {

QSize ChatListDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const {
    const QFontMetrics fm(option.font);
    return QSize(240, qMax(64, fm.height() * 2 + 26));
}

void ChatListDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                             const QModelIndex &index) const {
    using Role = ChatListModel::Role;
    painter->save();
    const Colors colors = Colors::from(option.palette);
    const QRect r = option.rect;
    const bool selected = option.state & QStyle::State_Selected;
    if (selected)
        painter->fillRect(r, option.palette.color(QPalette::Highlight));
    else if (option.state & QStyle::State_MouseOver)
        painter->fillRect(r, option.palette.color(QPalette::AlternateBase));

    const int pad = 10;
    const int avatar = r.height() - 2 * pad;
    paintAvatar(painter, QRect(r.left() + pad, r.top() + pad, avatar, avatar),
                index.data(Role::TitleRole).toString(),
                index.data(Role::AvatarIdRole).toULongLong());

    const QColor text = selected ? option.palette.color(QPalette::HighlightedText) : colors.text;
    const QColor secondary = selected ? text : colors.secondaryText;
    QFont titleFont = option.font;
    titleFont.setBold(true);
    const QFontMetrics tfm(titleFont);
    const QFontMetrics fm(option.font);
    const int left = r.left() + pad * 2 + avatar;
    const int right = r.right() - pad;
    const int line1 = r.top() + pad + 1;
    const int line2 = r.bottom() - pad - fm.height() + 1;

    // First line: name ... [pin] [muted] time
    const QString time = index.data(Role::TimeTextRole).toString();
    const int timeW = fm.horizontalAdvance(time);
    int markersW = 0;
    const bool pinned = index.data(Role::PinnedRole).toBool();
    const bool muted = index.data(Role::MutedRole).toBool();
    const int icon = fm.height() * 3 / 4;
    markersW += (muted ? icon + 4 : 0);
    painter->setFont(titleFont);
    painter->setPen(text);
    const int titleW = qMax(0, right - left - timeW - markersW - 8);
    const QString title =
        tfm.elidedText(index.data(Role::TitleRole).toString(), Qt::ElideRight, titleW);
    painter->drawText(QRect(left, line1, titleW, tfm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                      title);
    int x = left + tfm.horizontalAdvance(title) + 6;
    if (muted) {
        paintMutedIcon(painter, QRectF(x, line1 + (tfm.height() - icon) / 2.0, icon, icon),
                       secondary);
    }
    painter->setFont(option.font);
    const int unread = index.data(Role::UnreadRole).toInt();
    painter->setPen(unread > 0 && !selected ? colors.badge : secondary);
    painter->drawText(QRect(right - timeW, line1, timeW, tfm.height()),
                      Qt::AlignRight | Qt::AlignVCenter, time);

    // Second line: [ticks] preview ... [badge | pin]
    int previewRight = right;
    if (unread > 0) {
        const QString count = unread > 999 ? QStringLiteral("999+") : QString::number(unread);
        QFont bf = option.font;
        bf.setBold(true);
        bf.setPointSizeF(bf.pointSizeF() * 0.85);
        const QFontMetrics bfm(bf);
        const int h = fm.height() + 2;
        const int w = qMax(h, bfm.horizontalAdvance(count) + 10);
        const QRect badge(right - w, line2 + (fm.height() - h) / 2, w, h);
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(muted ? colors.badgeMuted : colors.badge);
        painter->drawRoundedRect(badge, h / 2.0, h / 2.0);
        painter->setFont(bf);
        painter->setPen(Qt::white);
        painter->drawText(badge, Qt::AlignCenter, count);
        painter->setFont(option.font);
        previewRight = badge.left() - 6;
    } else if (pinned) {
        paintPinIcon(painter, QRectF(right - icon, line2 + (fm.height() - icon) / 2.0, icon, icon),
                     secondary);
        previewRight = right - icon - 6;
    }

    int px = left;
    const QString typing = index.data(Role::TypingRole).toString();
    const auto kind = ChatListModel::PreviewKind(index.data(Role::PreviewKindRole).toInt());
    QString preview = index.data(Role::PreviewRole).toString();
    QColor previewColor = secondary;
    if (!typing.isEmpty()) {
        preview = typing;
        previewColor = selected ? text : colors.accent;
    } else if (kind == ChatListModel::PreviewKind::Draft) {
        const QString label = tr("Draft:") + QLatin1Char(' ');
        painter->setPen(selected ? text : QColor(0xd9, 0x3a, 0x3a));
        painter->drawText(QRect(px, line2, previewRight - px, fm.height()),
                          Qt::AlignLeft | Qt::AlignVCenter, label);
        px += fm.horizontalAdvance(label);
    } else if (kind == ChatListModel::PreviewKind::Mine) {
        const int state = index.data(Role::LastStateRole).toInt();
        if (state >= 0) {
            Colors c = colors;
            if (selected)
                c.secondaryText = c.read = text;
            const qreal w = ticksWidth(fm.height());
            paintTicks(painter, QRectF(px, line2, w, fm.height()), client::MessageState(state), c);
            px += int(w) + 4;
        }
    } else if (kind == ChatListModel::PreviewKind::Empty) {
        preview = tr("No messages yet");
    }
    painter->setPen(previewColor);
    painter->drawText(QRect(px, line2, qMax(0, previewRight - px), fm.height()),
                      Qt::AlignLeft | Qt::AlignVCenter,
                      fm.elidedText(preview, Qt::ElideRight, qMax(0, previewRight - px)));
    painter->restore();
}

} // namespace tidings::ui
