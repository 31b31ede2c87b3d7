#pragma once
// Paints the conversation: bubbles (mine right, theirs left) with wrapped text, time and ticks,
// day separators and the unread divider. Widths follow the view's viewport. A message with an
// attachment shows it above its caption (attachment_painter.h); pictures come from an ImageCache
// and audio notes paint their state from the view's AudioPlayback.
#include "delegates/attachment_painter.h"

#include <QFont>
#include <QHash>
#include <QStyledItemDelegate>

class QAbstractItemView;
class QTextLayout;

namespace tidings::ui {

class AudioPlayback;
class ImageCache;
class VideoPosters;

class MessageDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit MessageDelegate(QAbstractItemView *view);
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    //! Where pictures come from and which audio note plays (both optional).
    void setMedia(ImageCache *images, AudioPlayback *audio, VideoPosters *posters = nullptr);
    //! The attachment block of the message at `index` in viewport coordinates (empty: none).
    QRect attachmentRect(const QModelIndex &index) const;
    //! What a click at `pos` (viewport coordinates) on the message at `index` means.
    attachment_layout::Hit hitTest(const QModelIndex &index, QPoint pos,
                                   double *fraction = nullptr) const;
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
        QRect media; //!< the attachment block, empty without one
        qreal textWidth = 0;
        bool footerInline = false;
        bool footerOnMedia = false; //!< a picture without caption: time and ticks over it
        bool hasText = true;
    };
    Geometry geometry(const QStyleOptionViewItem &option, const QModelIndex &index,
                      QTextLayout *layout) const;
    int viewportWidth() const;

    QStyleOptionViewItem optionFor(const QModelIndex &index) const;

    QAbstractItemView *m_view;
    ImageCache *m_images = nullptr;
    AudioPlayback *m_audio = nullptr;
    VideoPosters *m_posters = nullptr;
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
