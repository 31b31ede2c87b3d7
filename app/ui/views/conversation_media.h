#pragma once
// The media side of the open conversation: attaching (file dialog, drops, pasted pictures and
// files) through the preview sheet, voice notes from the composer, and what clicks on a bubble's
// attachment do — open the image viewer, play a video in place or an audio note, open or save a
// file, download, cancel or retry a transfer. Everything goes through the MediaPort.
#include "media/attach_sheet.h"
#include "media/image_viewer.h"
#include "media/media_port.h"
#include "media/video_player.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTemporaryDir>

class QListView;
class QMenu;
class QModelIndex;
class QWidget;

namespace tidings::ui {

class AudioPlayback;
class Composer;
class ImageCache;
class VideoPosters;
class MessageDelegate;
class MessageModel;

class ConversationMedia : public QObject {
    Q_OBJECT
public:
    ConversationMedia(MessageModel *model, QListView *list, MessageDelegate *delegate,
                      Composer *composer, QWidget *host);
    ~ConversationMedia() override;

    MediaPort *port() const;
    bool isAvailable() const { return port() != nullptr; }

    //! The file dialog (several files), then the sheet.
    void chooseFiles();
    //! The preview sheet for `paths`; Send sends them to the open chat.
    void attachFiles(const QStringList &paths);
    //! A pasted picture: written to a temporary PNG, then the sheet.
    void attachImage(const QImage &image);
    AttachSheet *sheet() const { return m_sheet; }
    //! Sends without a sheet (the sheet's Send, voice notes). False: the error was shown.
    bool send(const QList<OutgoingMedia> &files, const QString &caption);

    //! What Enter or a double click on the message does: open, play, download.
    bool activate(int row);
    //! A click on a bubble at `pos` (viewport coordinates); true when it hit the attachment.
    bool click(const QModelIndex &index, QPoint pos);
    //! The attachment's entries of the message's context menu.
    void addMenuActions(QMenu *menu, int row);
    //! Saves the downloaded file of `row` to `target` (copy).
    bool saveTo(int row, const QString &target);
    void cancel(int row);
    void retry(int row);
    void download(int row);

    ImageViewer *viewer() const { return m_viewer; }
    VideoPlayer *videoPlayer() const { return m_video; }
    AudioPlayback *audio() const { return m_audio; }
    ImageCache *images() const { return m_images; }
    VideoPosters *posters() const { return m_posters; }
    //! Stops playing (the chat is switched or closed).
    void stopPlayback();
    QString temporaryDirectory() const { return m_temp.path(); }
    //! Opens the viewer over `items` (ids are message row ids; `seqs` maps them to seqs for
    //! downloads of photos not in the conversation's window).
    void openViewer(const QList<ImageViewer::Item> &items, int current,
                    const QHash<quint64, quint64> &seqs);

protected:
    //! Clicks and Enter on the message list, files dropped on the conversation.
    bool eventFilter(QObject *watched, QEvent *event) override;

signals:
    //! Messages were sent: scroll to the bottom.
    void sent();
    //! Words for the user (the composer shows them).
    void error(const QString &text);

private:
    void openViewer(int row);
    void playVideo(int row);
    void openFile(int row);
    void saveAs(int row);
    quint64 seqAt(int row) const;
    QString clientIdAt(int row) const;
    int rowOfRowId(qint64 rowId) const;

    MessageModel *m_model;
    QListView *m_list;
    QObject *m_viewport = nullptr; //!< m_list's viewport, watched by eventFilter()
    MessageDelegate *m_delegate;
    Composer *m_composer;
    QWidget *m_host;
    ImageCache *m_images;
    AudioPlayback *m_audio;
    VideoPosters *m_posters;
    QPointer<AttachSheet> m_sheet;
    QPointer<ImageViewer> m_viewer;
    QPointer<VideoPlayer> m_video;
    QTemporaryDir m_temp; //!< pasted pictures and voice notes until the core copied them
    QHash<quint64, quint64> m_viewerSeqs; //!< row id -> seq of the viewer's photos
    bool m_skipRelease = false;           //!< the release after a double click on an attachment
};

} // namespace tidings::ui
