#pragma once
// Paints a chat list row: avatar, name, time, preview (or "typing…", or a draft), the ticks of
// my last message, pin and mute marks and the unread badge.
#include <QStyledItemDelegate>

namespace tidings::ui {

class ChatListDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace tidings::ui
