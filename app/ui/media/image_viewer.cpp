#include "image_viewer.h"

#include "ui_logging.h"

#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QStandardPaths>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <cmath>
#include <functional>

namespace tidings::ui {

//! Paints one picture fitted or zoomed, panned by dragging.
class ImageCanvas : public QWidget {
public:
    explicit ImageCanvas(QWidget *parent)
        : QWidget(parent) {
        setMouseTracking(false);
        setMinimumSize(200, 150);
        setAccessibleName(ImageViewer::tr("Picture"));
    }
    void setImage(const QImage &image, const QImage &placeholder, QSize placeholderSize) {
        const bool changed = image.cacheKey() != m_image.cacheKey();
        m_image = image;
        m_placeholder = placeholder;
        m_placeholderSize = placeholderSize;
        if (changed && image.isNull())
            reset();
        this->changed();
    }
    void reset() {
        m_zoom = 0;
        m_pan = QPointF();
        changed();
    }
    //! The scale shown changed (zoom, fit, a new picture, a resize while fitted).
    std::function<void()> zoomChanged;
    double fitScale() const {
        const QSizeF s = m_image.isNull() ? QSizeF(m_placeholderSize) : QSizeF(m_image.size());
        if (s.isEmpty())
            return 1;
        return qMin(1.0, qMin(width() / s.width(), height() / s.height()));
    }
    double scale() const { return m_zoom > 0 ? m_zoom : fitScale(); }
    bool fitted() const { return m_zoom <= 0; }
    //! Zooms by `factor` keeping the picture point under `at` (widget coordinates) in place.
    void zoomBy(double factor, QPointF at) {
        if (m_image.isNull())
            return;
        const double old = scale();
        const double next = qBound(0.05, old * factor, 16.0);
        const QPointF centre = QPointF(width(), height()) / 2.0 + m_pan;
        const QPointF rel = (at - centre) / old; // picture coordinates from its centre
        m_zoom = next;
        m_pan += (at - centre) - rel * next;
        clampPan();
        changed();
    }
    void setZoom(double zoom) {
        if (m_image.isNull())
            return;
        m_zoom = zoom;
        m_pan = QPointF();
        changed();
    }
    void panBy(QPointF delta) {
        m_pan += delta;
        clampPan();
        update();
    }
    QImage image() const { return m_image; }

protected:
    void paintEvent(QPaintEvent *) override {
        QPainter p(this);
        p.fillRect(rect(), QColor(0x10, 0x12, 0x15));
        p.setRenderHint(QPainter::SmoothPixmapTransform);
        if (!m_image.isNull()) {
            const QSizeF s = QSizeF(m_image.size()) * scale();
            const QPointF centre = QPointF(width(), height()) / 2.0 + m_pan;
            p.drawImage(QRectF(centre - QPointF(s.width(), s.height()) / 2.0, s), m_image);
            return;
        }
        if (!m_placeholderSize.isEmpty()) {
            const QSizeF s = QSizeF(m_placeholderSize) * fitScale();
            const QRectF r(QPointF(width() - s.width(), height() - s.height()) / 2.0, s);
            if (!m_placeholder.isNull())
                p.drawImage(r, m_placeholder);
        }
        p.setPen(QColor(0xd0, 0xd4, 0xd9));
        p.drawText(rect(), Qt::AlignCenter, ImageViewer::tr("Loading…"));
    }
    void wheelEvent(QWheelEvent *event) override {
        const double steps = event->angleDelta().y() / 120.0;
        if (steps != 0)
            zoomBy(std::pow(1.25, steps), event->position());
        event->accept();
    }
    void mousePressEvent(QMouseEvent *event) override {
        m_drag = event->position();
        setCursor(Qt::ClosedHandCursor);
    }
    void mouseMoveEvent(QMouseEvent *event) override {
        if (!(event->buttons() & Qt::LeftButton))
            return;
        panBy(event->position() - m_drag);
        m_drag = event->position();
    }
    void mouseReleaseEvent(QMouseEvent *) override { unsetCursor(); }
    void mouseDoubleClickEvent(QMouseEvent *event) override {
        if (fitted())
            zoomBy(1.0 / scale(), event->position());
        else
            reset();
    }
    void resizeEvent(QResizeEvent *) override {
        clampPan();
        changed();
    }

private:
    void changed() {
        update();
        if (zoomChanged)
            zoomChanged();
    }
    //! The picture never leaves the window entirely: at most half of it may be off-screen.
    void clampPan() {
        const QSizeF s = QSizeF(m_image.size()) * scale();
        const double mx = qMax(0.0, (s.width() - width()) / 2.0);
        const double my = qMax(0.0, (s.height() - height()) / 2.0);
        m_pan.setX(qBound(-mx, m_pan.x(), mx));
        m_pan.setY(qBound(-my, m_pan.y(), my));
    }

    QImage m_image;
    QImage m_placeholder;
    QSize m_placeholderSize;
    double m_zoom = 0; //!< 0: fit
    QPointF m_pan;
    QPointF m_drag;
};

namespace {
QToolButton *toolButton(const QString &text, const QString &tip, const QString &icon) {
    auto *b = new QToolButton;
    b->setIcon(QIcon(QStringLiteral(":/icons/%1.svg").arg(icon)));
    b->setIconSize(QSize(20, 20));
    b->setToolTip(tip);
    b->setAccessibleName(text);
    b->setAutoRaise(true);
    b->setFocusPolicy(Qt::TabFocus);
    b->setMinimumSize(36, 34);
    return b;
}

//! The viewer's own colours: a dark surround whatever the theme.
QPalette darkChrome(QPalette p) {
    const QColor bar(0x1b, 0x1e, 0x23), text(0xe8, 0xea, 0xed);
    for (auto group : {QPalette::Active, QPalette::Inactive}) {
        p.setColor(group, QPalette::Window, bar);
        p.setColor(group, QPalette::Base, bar);
        p.setColor(group, QPalette::Button, bar);
        p.setColor(group, QPalette::WindowText, text);
        p.setColor(group, QPalette::ButtonText, text);
        p.setColor(group, QPalette::Text, text);
        p.setColor(group, QPalette::PlaceholderText, QColor(0x9a, 0xa0, 0xa8));
    }
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x60, 0x66, 0x6e));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x60, 0x66, 0x6e));
    return p;
}
} // namespace

ImageViewer::ImageViewer(QWidget *parent)
    : QWidget(parent, Qt::Window)
    , m_cache(192ll << 20)
    , m_canvas(new ImageCanvas(this))
    , m_title(new QLabel)
    , m_counter(new QLabel)
    , m_zoom(new QLabel)
    , m_prev(toolButton(tr("Previous"), tr("Previous (Left)"), QStringLiteral("chevron-left")))
    , m_next(toolButton(tr("Next"), tr("Next (Right)"), QStringLiteral("chevron-right")))
    , m_zoomOut(toolButton(tr("Zoom out"), tr("Zoom out (-)"), QStringLiteral("zoom-out")))
    , m_fit(toolButton(tr("Fit to window"), tr("Fit to window (0)"), QStringLiteral("fit")))
    , m_zoomIn(toolButton(tr("Zoom in"), tr("Zoom in (+)"), QStringLiteral("zoom-in")))
    , m_save(toolButton(tr("Save as"), tr("Save as… (Ctrl+S)"), QStringLiteral("download")))
    , m_copy(toolButton(tr("Copy"), tr("Copy picture (Ctrl+C)"), QStringLiteral("copy")))
    , m_open(toolButton(tr("Open with system viewer"), tr("Open with the system's viewer (Ctrl+O)"),
                        QStringLiteral("open-external"))) {
    setObjectName(QStringLiteral("imageViewer"));
    setAccessibleName(tr("Image viewer"));
    setWindowTitle(tr("Photo"));
    resize(960, 700);
    setFocusPolicy(Qt::StrongFocus);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    setPalette(darkChrome(palette()));
    auto *bar = new QWidget;
    bar->setAutoFillBackground(true);
    auto *bl = new QHBoxLayout(bar);
    bl->setContentsMargins(8, 4, 8, 4);
    bl->setSpacing(2);
    m_title->setAccessibleName(tr("File name"));
    m_counter->setForegroundRole(QPalette::PlaceholderText);
    m_counter->setAccessibleName(tr("Position"));
    m_zoom->setForegroundRole(QPalette::PlaceholderText);
    m_zoom->setAccessibleName(tr("Zoom"));
    m_zoom->setAlignment(Qt::AlignCenter);
    m_zoom->setMinimumWidth(m_zoom->fontMetrics().horizontalAdvance(QStringLiteral("1600 %")));
    bl->addWidget(m_prev);
    bl->addWidget(m_next);
    bl->addSpacing(6);
    bl->addWidget(m_counter);
    bl->addSpacing(12);
    bl->addWidget(m_title, 1);
    bl->addWidget(m_zoomOut);
    bl->addWidget(m_zoom);
    bl->addWidget(m_zoomIn);
    bl->addWidget(m_fit);
    bl->addSpacing(12);
    for (QToolButton *b : {m_save, m_copy, m_open})
        bl->addWidget(b);
    // Tab goes through the buttons as they are laid out.
    QWidget *order[] = {m_prev, m_next, m_zoomOut, m_zoomIn, m_fit, m_save, m_copy, m_open};
    for (size_t i = 1; i < std::size(order); ++i)
        setTabOrder(order[i - 1], order[i]);
    layout->addWidget(bar);
    layout->addWidget(m_canvas, 1);

    connect(m_prev, &QToolButton::clicked, this, &ImageViewer::previous);
    connect(m_next, &QToolButton::clicked, this, &ImageViewer::next);
    connect(m_zoomOut, &QToolButton::clicked, this, &ImageViewer::zoomOut);
    connect(m_fit, &QToolButton::clicked, this, &ImageViewer::fit);
    connect(m_zoomIn, &QToolButton::clicked, this, &ImageViewer::zoomIn);
    connect(m_save, &QToolButton::clicked, this, &ImageViewer::saveAs);
    connect(m_copy, &QToolButton::clicked, this, &ImageViewer::copy);
    connect(m_open, &QToolButton::clicked, this, &ImageViewer::openExternally);
    connect(&m_cache, &ImageCache::ready, this, &ImageViewer::updateImage);
    m_canvas->zoomChanged = [this] { updateZoom(); };
    updateZoom();
}

void ImageViewer::setItems(const QList<Item> &items, int current) {
    m_items = items;
    m_current = -1;
    showItem(qBound(0, current, int(items.size()) - 1));
}

void ImageViewer::setPath(quint64 id, const QString &path) {
    for (int i = 0; i < m_items.size(); ++i)
        if (m_items[i].id == id)
            m_items[i].path = path;
    updateImage();
    updateActions();
}

void ImageViewer::showItem(int index) {
    if (index < 0 || index >= m_items.size() || index == m_current)
        return;
    m_current = index;
    m_canvas->setImage({}, {}, {});
    m_canvas->reset();
    const Item &it = m_items.at(index);
    m_title->setText(it.name);
    setWindowTitle(it.name.isEmpty() ? tr("Photo") : it.name);
    m_counter->setText(tr("%1 of %2").arg(index + 1).arg(m_items.size()));
    if (it.path.isEmpty())
        emit downloadRequested(it.id);
    updateImage();
    updateActions();
    emit currentChanged(index);
}

void ImageViewer::updateImage() {
    if (m_current < 0)
        return;
    const Item &it = m_items.at(m_current);
    // Whole pictures up to 8192 pixels a side; larger ones are scaled down to that.
    const QImage full = m_cache.image(it.path, QSize(8192, 8192), ImageCache::Fit::Contain);
    const QSize placeholder = it.size.isEmpty() ? QSize(400, 300) : it.size;
    const QImage blurred =
        full.isNull()
            ? m_cache.blurred(it.thumbnail, placeholder.scaled(480, 480, Qt::KeepAspectRatio))
            : QImage();
    m_canvas->setImage(full, blurred, placeholder);
    updateActions();
}

void ImageViewer::updateActions() {
    const bool has = hasImage();
    m_prev->setEnabled(m_current > 0);
    m_next->setEnabled(m_current + 1 < m_items.size());
    for (QToolButton *b : {m_zoomOut, m_fit, m_zoomIn, m_copy})
        b->setEnabled(has);
    const bool file = m_current >= 0 && !m_items.at(m_current).path.isEmpty();
    m_save->setEnabled(file);
    m_open->setEnabled(file);
}

void ImageViewer::updateZoom() {
    m_zoom->setText(hasImage() ? zoomText() : QString());
}

QString ImageViewer::zoomText() const {
    return tr("%1 %").arg(qRound(zoom() * 100));
}

double ImageViewer::zoom() const {
    return m_canvas->scale();
}

bool ImageViewer::fitted() const {
    return m_canvas->fitted();
}

bool ImageViewer::hasImage() const {
    return !m_canvas->image().isNull();
}

QImage ImageViewer::image() const {
    return m_canvas->image();
}

void ImageViewer::next() {
    showItem(m_current + 1);
}

void ImageViewer::previous() {
    showItem(m_current - 1);
}

void ImageViewer::zoomIn() {
    m_canvas->zoomBy(1.25, QPointF(m_canvas->width(), m_canvas->height()) / 2.0);
}

void ImageViewer::zoomOut() {
    m_canvas->zoomBy(0.8, QPointF(m_canvas->width(), m_canvas->height()) / 2.0);
}

void ImageViewer::fit() {
    m_canvas->reset();
}

void ImageViewer::actualSize() {
    m_canvas->setZoom(1.0);
}

void ImageViewer::copy() {
    if (hasImage())
        QApplication::clipboard()->setImage(image());
}

void ImageViewer::saveAs() {
    if (m_current < 0 || m_items.at(m_current).path.isEmpty())
        return;
    const Item &it = m_items.at(m_current);
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    const QString target = QFileDialog::getSaveFileName(
        this, tr("Save photo"), QDir(dir).filePath(it.name.isEmpty() ? tr("photo") : it.name));
    if (!target.isEmpty())
        saveTo(target);
}

bool ImageViewer::saveTo(const QString &target) {
    if (m_current < 0 || m_items.at(m_current).path.isEmpty())
        return false;
    if (QFile::exists(target))
        QFile::remove(target); // the dialog asked already
    if (!QFile::copy(m_items.at(m_current).path, target)) {
        qCWarning(lcUi) << "cannot save a photo";
        return false;
    }
    return true;
}

void ImageViewer::openExternally() {
    if (m_current >= 0 && !m_items.at(m_current).path.isEmpty())
        QDesktopServices::openUrl(QUrl::fromLocalFile(m_items.at(m_current).path));
}

void ImageViewer::keyPressEvent(QKeyEvent *event) {
    const bool shift = event->modifiers() & Qt::ShiftModifier;
    const bool ctrl = event->modifiers() & Qt::ControlModifier;
    const int step = 60;
    switch (event->key()) {
    case Qt::Key_Left:
        shift ? m_canvas->panBy(QPointF(step, 0)) : previous();
        return;
    case Qt::Key_Right:
        shift ? m_canvas->panBy(QPointF(-step, 0)) : next();
        return;
    case Qt::Key_Up:
        m_canvas->panBy(QPointF(0, step));
        return;
    case Qt::Key_Down:
        m_canvas->panBy(QPointF(0, -step));
        return;
    case Qt::Key_PageUp:
        previous();
        return;
    case Qt::Key_PageDown:
    case Qt::Key_Space:
        next();
        return;
    case Qt::Key_Home:
        showItem(0);
        return;
    case Qt::Key_End:
        showItem(int(m_items.size()) - 1);
        return;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        return;
    case Qt::Key_Minus:
        zoomOut();
        return;
    case Qt::Key_0:
        fit();
        return;
    case Qt::Key_1:
        actualSize();
        return;
    case Qt::Key_Escape:
        close();
        return;
    case Qt::Key_S:
        if (ctrl) {
            saveAs();
            return;
        }
        break;
    case Qt::Key_C:
        if (ctrl) {
            copy();
            return;
        }
        break;
    case Qt::Key_O:
        if (ctrl) {
            openExternally();
            return;
        }
        break;
    default:
        break;
    }
    QWidget::keyPressEvent(event);
}

} // namespace tidings::ui
