#pragma once
// The image viewer: one window over the photos of a chat. Fit to the window, zoom (wheel, + and
// -, 0 fits, 1 shows actual pixels), pan by dragging or Shift+arrows when zoomed, previous and
// next (Left/Right, Page Up/Down), save as (Ctrl+S), copy (Ctrl+C), open with the system's
// application (Ctrl+O), Esc closes. Every action is also a toolbar button with an accessible
// name and a tooltip with its key. The viewer is dark in both themes (photos are judged on
// a dark surround). Pictures decode off the GUI thread (ImageCache); a photo not downloaded yet
// shows its blurred thumbnail and asks for the download (downloadRequested).
#include "media/image_cache.h"

#include <QWidget>

class QLabel;
class QToolButton;

namespace tidings::ui {

class ImageCanvas;

class ImageViewer : public QWidget {
    Q_OBJECT
public:
    struct Item {
        QString path; //!< the local file; empty while not downloaded
        QByteArray thumbnail;
        QString name;
        QSize size;     //!< as the attachment says (for the placeholder)
        quint64 id = 0; //!< the caller's key (e.g. the message's row id)
    };
    explicit ImageViewer(QWidget *parent = nullptr);

    void setItems(const QList<Item> &items, int current);
    //! The file of item `id` arrived (downloaded).
    void setPath(quint64 id, const QString &path);
    int current() const { return m_current; }
    int count() const { return int(m_items.size()); }
    const Item &item() const { return m_items.at(m_current); }
    //! The zoom factor shown (1 = actual pixels); fitted() after opening or 0.
    double zoom() const;
    //! "35 %": the zoom as the toolbar says it.
    QString zoomText() const;
    bool fitted() const;
    //! The picture is decoded and shown (not a placeholder).
    bool hasImage() const;
    QImage image() const;

    void next();
    void previous();
    void zoomIn();
    void zoomOut();
    void fit();
    void actualSize();
    //! Copies the picture to the clipboard.
    void copy();
    //! Asks where, then copies the file there; saveTo() without asking.
    void saveAs();
    bool saveTo(const QString &target);
    void openExternally();

signals:
    void downloadRequested(quint64 id);
    void currentChanged(int index);

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    void showItem(int index);
    void updateImage();
    void updateActions();
    void updateZoom();

    QList<Item> m_items;
    int m_current = -1;
    ImageCache m_cache;
    ImageCanvas *m_canvas;
    QLabel *m_title;
    QLabel *m_counter;
    QLabel *m_zoom;
    QToolButton *m_prev, *m_next, *m_zoomOut, *m_fit, *m_zoomIn, *m_save, *m_copy, *m_open;
};

} // namespace tidings::ui
