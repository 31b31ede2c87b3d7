#pragma once
// Paints the conversation: bubbles (mine right, theirs left) with wrapped text, time and ticks,
// day separators and the unread divider. Widths follow the view's viewport.
#include <QStyledItemDelegate>

class QAbstractItemView;
class QTextLayout;

namespace tidings::ui {

class MessageDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit MessageDelegate(QAbstractItemView *view);
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    //! Show sender names above bubbles of others (groups).
    void setShowSenders(bool show) { m_showSenders = show; }

private:
    struct Geometry {
        QRect bubble;
        QPointF textOrigin;
        QRect footer;
        QRect sender;
        qreal textWidth = 0;
        bool footerInline = false;
    };
    Geometry geometry(const QStyleOptionViewItem &option, const QModelIndex &index,
                      QTextLayout *layout) const;
    int viewportWidth() const;

    QAbstractItemView *m_view;
    bool m_showSenders = false;
};

} // namespace tidings::ui
