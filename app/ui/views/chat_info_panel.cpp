#include "chat_info_panel.h"

#include "look.h"
#include "media/image_cache.h"
#include "models/chat_media_model.h"
#include "views/group_info_panel.h"

#include <QDateTime>
#include <QDesktopServices>
#include <QFileInfo>
#include <QKeyEvent>
#include <QListView>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QStyle>
#include <QStyledItemDelegate>

namespace tidings::ui {

namespace {
constexpr int kCell = 96;      //!< the preferred size of a grid cell
constexpr int kMinColumns = 3; //!< the panel is narrow: never fewer than this

//! The photo grid: as many square cells as fit the width (at least three), filling it edge to
//! edge whatever the panel's width.
class MediaGrid : public QListView {
public:
    MediaGrid() {
        setViewMode(QListView::IconMode);
        setResizeMode(QListView::Adjust);
        setMovement(QListView::Static);
        setSpacing(0);
        setGridSize(QSize(kCell, kCell));
    }

protected:
    void resizeEvent(QResizeEvent *event) override {
        // The scroll bar's width is always kept out (QListView reserves it while it is hidden
        // too), so the columns do not change when it appears.
        const int width = contentsRect().width() -
                          style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, this) - 1;
        const int columns = qMax(kMinColumns, width / kCell);
        const int cell = qMax(40, width / columns);
        if (gridSize().width() != cell)
            setGridSize(QSize(cell, cell));
        QListView::resizeEvent(event);
    }
};

//! A photo or video as a square thumbnail (the decoded file, else the blurred inline one).
class GridDelegate : public QStyledItemDelegate {
public:
    GridDelegate(ImageCache *images, QListView *view)
        : QStyledItemDelegate(view)
        , m_images(images)
        , m_view(view) {}
    QSize sizeHint(const QStyleOptionViewItem &, const QModelIndex &) const override {
        return m_view->gridSize();
    }
    void paint(QPainter *p, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override {
        const Attachment a = index.data(ChatMediaModel::AttachmentRole).value<Attachment>();
        const QRect r = option.rect.adjusted(2, 2, -2, -2);
        const qreal dpr = p->device() ? p->device()->devicePixelRatioF() : 1.0;
        p->save();
        p->setRenderHint(QPainter::Antialiasing);
        QPainterPath clip;
        clip.addRoundedRect(QRectF(r), 5, 5);
        p->setClipPath(clip);
        p->fillRect(r, Colors::from(option.palette).separator);
        QImage image;
        if (m_images) {
            if (a.kind == Attachment::Kind::Image && !a.localPath.isEmpty())
                image = m_images->image(a.localPath, r.size() * dpr);
            if (image.isNull())
                image = m_images->blurred(a.thumbnail, r.size() * dpr);
        }
        if (!image.isNull())
            p->drawImage(QRectF(r), image);
        if (a.kind == Attachment::Kind::Video) {
            QFont f = option.font;
            f.setPointSizeF(f.pointSizeF() * 0.78);
            p->setFont(f);
            const QString d = a.durationMs > 0 ? formatDuration(a.durationMs) : kindLabel(a.kind);
            const QRect pill(r.left() + 4, r.bottom() - 20,
                             QFontMetrics(f).horizontalAdvance(d) + 22, 17);
            p->setPen(Qt::NoPen);
            p->setBrush(QColor(0, 0, 0, 130));
            p->drawRoundedRect(pill, 4, 4);
            p->setBrush(Qt::white);
            const QPointF c(pill.left() + 9, pill.center().y() + 0.5);
            p->drawPolygon(QPolygonF({c + QPointF(-3, -4), c + QPointF(4, 0), c + QPointF(-3, 4)}));
            p->setPen(Qt::white);
            p->drawText(pill.adjusted(15, 0, 0, 0), Qt::AlignCenter, d);
        }
        if (option.state & (QStyle::State_Selected | QStyle::State_HasFocus)) {
            p->setClipping(false);
            p->setBrush(Qt::NoBrush);
            p->setPen(QPen(Colors::from(option.palette).accent, 2.5));
            p->drawRoundedRect(QRectF(r).adjusted(1, 1, -1, -1), 5, 5);
        }
        p->restore();
    }

private:
    ImageCache *m_images;
    QListView *m_view;
};

//! A file or link: name (or address) on the first line, size, sender and date on the second.
class RowDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const override {
        return QSize(200, QFontMetrics(option.font).height() * 2 + 14);
    }
    void paint(QPainter *p, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override {
        const Colors colors = Colors::from(option.palette);
        p->save();
        if (option.state & QStyle::State_Selected)
            p->fillRect(option.rect, colors.separator);
        QRect r = option.rect.adjusted(8, 5, -8, -5);
        const QVariant av = index.data(ChatMediaModel::AttachmentRole);
        const bool link = !av.isValid();
        if (!link) {
            // The file's type at a glance: its extension on a tile, as the bubble's file row.
            const Attachment a = av.value<Attachment>();
            const int side = r.height();
            const QRect tile(r.left(), r.top(), side, side);
            p->setRenderHint(QPainter::Antialiasing);
            p->setPen(Qt::NoPen);
            p->setBrush(colors.accent);
            p->drawRoundedRect(tile, 6, 6);
            QString ext = QFileInfo(a.fileName).suffix().toUpper().left(4);
            if (ext.isEmpty())
                ext = kindLabel(a.kind).left(1);
            QFont f = option.font;
            f.setBold(true);
            f.setPointSizeF(f.pointSizeF() * (ext.size() > 3 ? 0.62 : 0.72));
            p->setFont(f);
            p->setPen(Qt::white);
            p->drawText(tile, Qt::AlignCenter, ext);
            r.setLeft(tile.right() + 10);
        }
        QFont bold = option.font;
        bold.setBold(!link);
        const QFontMetrics fm(bold);
        p->setFont(bold);
        p->setPen(link ? option.palette.color(QPalette::Link) : colors.text);
        const QString title = index.data(Qt::DisplayRole).toString();
        p->drawText(QRect(r.left(), r.top(), r.width(), fm.height()),
                    Qt::AlignLeft | Qt::AlignVCenter,
                    fm.elidedText(title, link ? Qt::ElideRight : Qt::ElideMiddle, r.width()));
        QFont small = option.font;
        small.setPointSizeF(small.pointSizeF() * 0.85);
        p->setFont(small);
        p->setPen(colors.secondaryText);
        const QString when = QLocale().toString(
            QDateTime::fromMSecsSinceEpoch(index.data(ChatMediaModel::TimestampRole).toLongLong())
                .date(),
            QLocale::ShortFormat);
        QString detail = link ? QStringLiteral("%1 · %2").arg(
                                    index.data(ChatMediaModel::SenderRole).toString(), when)
                              : QStringLiteral("%1 · %2 · %3")
                                    .arg(formatBytes(av.value<Attachment>().size),
                                         kindLabel(av.value<Attachment>().kind), when);
        p->drawText(QRect(r.left(), r.bottom() - QFontMetrics(small).height(), r.width(),
                          QFontMetrics(small).height()),
                    Qt::AlignLeft | Qt::AlignVCenter,
                    QFontMetrics(small).elidedText(detail, Qt::ElideRight, r.width()));
        p->restore();
    }
};

QListView *makeList(const QString &name, bool grid) {
    QListView *view = grid ? new MediaGrid : new QListView;
    view->setAccessibleName(name);
    view->setFrameShape(QFrame::NoFrame);
    view->setUniformItemSizes(true);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    return view;
}
} // namespace

ChatInfoPanel::ChatInfoPanel(GroupInfoPanel *members, client::MessageStore *messages,
                             MediaPort *media, ImageCache *images, QWidget *parent)
    : QTabWidget(parent)
    , m_members(members) {
    setObjectName(QStringLiteral("chatInfoPanel"));
    setAccessibleName(tr("Chat info"));
    setMinimumWidth(260);
    setMaximumWidth(360);
    setDocumentMode(true);
    addTab(members, tr("Members"));
    if (!media || !messages)
        return;
    m_mediaModel = new ChatMediaModel(messages, media, ChatMediaModel::Category::Media, this);
    m_filesModel = new ChatMediaModel(messages, media, ChatMediaModel::Category::Files, this);
    m_linksModel = new ChatMediaModel(messages, media, ChatMediaModel::Category::Links, this);
    m_mediaView = makeList(tr("Photos and videos"), true);
    m_filesView = makeList(tr("Files"), false);
    m_linksView = makeList(tr("Links"), false);
    m_mediaView->setModel(m_mediaModel);
    m_mediaView->setItemDelegate(new GridDelegate(images, m_mediaView));
    m_filesView->setModel(m_filesModel);
    m_filesView->setItemDelegate(new RowDelegate(m_filesView));
    m_linksView->setModel(m_linksModel);
    m_linksView->setItemDelegate(new RowDelegate(m_linksView));
    addTab(m_mediaView, tr("Media"));
    addTab(m_filesView, tr("Files"));
    addTab(m_linksView, tr("Links"));
    if (images)
        connect(images, &ImageCache::ready, m_mediaView->viewport(), qOverload<>(&QWidget::update));
    const std::pair<QListView *, ChatMediaModel *> pairs[] = {
        {m_mediaView, m_mediaModel}, {m_filesView, m_filesModel}, {m_linksView, m_linksModel}};
    for (auto [view, model] : pairs)
        connect(view, &QListView::activated, this,
                [this, model = model](const QModelIndex &index) { activate(model, index); });
}

void ChatInfoPanel::setConversation(quint64 conversationId, bool group) {
    m_conversationId = conversationId;
    const int at = indexOf(m_members);
    if (group && at < 0)
        insertTab(0, m_members, tr("Members"));
    else if (!group && at >= 0)
        removeTab(at);
    refresh();
}

void ChatInfoPanel::refresh() {
    for (ChatMediaModel *m : {m_mediaModel, m_filesModel, m_linksModel})
        if (m)
            m->setConversation(m_conversationId);
}

void ChatInfoPanel::showMediaTab() {
    if (m_mediaView)
        setCurrentWidget(m_mediaView);
}

void ChatInfoPanel::activate(ChatMediaModel *model, const QModelIndex &index) {
    if (!index.isValid())
        return;
    if (model->category() == ChatMediaModel::Category::Links) {
        QDesktopServices::openUrl(index.data(ChatMediaModel::UrlRole).toUrl());
        return;
    }
    const Attachment a = index.data(ChatMediaModel::AttachmentRole).value<Attachment>();
    if (a.kind == Attachment::Kind::Image) {
        emit photoActivated(index.row());
        return;
    }
    emit messageActivated(index.data(ChatMediaModel::SeqRole).toULongLong(),
                          index.data(ChatMediaModel::RowIdRole).toLongLong());
}

} // namespace tidings::ui
