#pragma once
// Paints search results: section headers, matching chats, and messages with the matched words
// highlighted.
#include <QStyledItemDelegate>

namespace tidings::ui {

class SearchDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace tidings::ui
