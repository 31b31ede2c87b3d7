#pragma once
// Paints the conversation: bubbles (mine right, theirs left) with wrapped text, time and ticks,
// day separators and the unread divider. Widths follow the view's viewport.
#include <QFont>
#include <QHash>
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
    void setShowSenders(bool show) {
        if (show != m_showSenders)
            m_sizes.clear();
        m_showSenders = show;
    }

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
    //! Size hints of message rows by row id: a non-uniform QListView asks for every row's size
    //! on each layout, and loading a history page lays out the whole model again. Valid for one
    //! viewport width and font; an entry also checks the row's seq, sender run and side.
    struct CachedSize {
        quint64 seq = 0;
        bool first = false;
        bool mine = false;
        bool undecryptable = false;
        QSize size;
    };
    mutable QHash<qint64, CachedSize> m_sizes;
    mutable int m_sizesWidth = -1;
    mutable QFont m_sizesFont;
};

} // namespace tidings::ui
