#include "conversation_media.h"

#include "delegates/message_delegate.h"
#include "media/attach_sheet.h"
#include "media/audio_playback.h"
#include "media/image_cache.h"
#include "media/image_viewer.h"
#include "media/video_player.h"
#include "media/video_posters.h"
#include "models/message_model.h"
#include "ui_logging.h"
#include "views/composer.h"

#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeyEvent>
#include <QListView>
#include <QMenu>
#include <QMimeData>
#include <QMouseEvent>
#include <QResizeEvent>
#include <QStandardPaths>
#include <QUrl>

namespace tidings::ui {

namespace {
//! Covers a message row (an index widget) and shows the video player over the bubble's
//! picture only: the rest of the row stays the list's (masked out).
class VideoHost : public QWidget {
public:
    VideoHost(QListView *list, MessageDelegate *delegate, const QPersistentModelIndex &index,
              VideoPlayer *player)
        : m_list(list)
        , m_delegate(delegate)
        , m_index(index)
        , m_player(player) {
        player->setParent(this);
    }

protected:
    void resizeEvent(QResizeEvent *event) override {
        QWidget::resizeEvent(event);
        if (!m_index.isValid())
            return;
        const QRect media =
            m_delegate->attachmentRect(m_index).translated(-m_list->visualRect(m_index).topLeft());
        m_player->setGeometry(media);
        setMask(QRegion(media));
    }

private:
    QListView *m_list;
    MessageDelegate *m_delegate;
    QPersistentModelIndex m_index;
    VideoPlayer *m_player;
};
} // namespace

ConversationMedia::ConversationMedia(MessageModel *model, QListView *list,
                                     MessageDelegate *delegate, Composer *composer, QWidget *host)
    : QObject(host)
    , m_model(model)
    , m_list(list)
    , m_delegate(delegate)
    , m_composer(composer)
    , m_host(host)
    , m_images(new ImageCache(96ll << 20, this))
    , m_audio(new AudioPlayback(this))
    , m_posters(new VideoPosters(this)) {
    m_delegate->setMedia(m_images, m_audio, m_posters);
    connect(m_posters, &VideoPosters::ready, m_list->viewport(), qOverload<>(&QWidget::update));
    connect(m_images, &ImageCache::ready, m_list->viewport(), qOverload<>(&QWidget::update));
    connect(m_audio, &AudioPlayback::changed, m_list->viewport(), qOverload<>(&QWidget::update));
    connect(m_audio, &AudioPlayback::failed, this,
            [this](qint64, const QString &text) { emit error(text); });
    host->setAcceptDrops(isAvailable());
    host->installEventFilter(this);
    m_viewport = m_list->viewport();
    m_viewport->installEventFilter(this);
    m_list->installEventFilter(this);
    if (m_temp.isValid())
        composer->setRecordingDirectory(m_temp.filePath(QStringLiteral("voice")));
    connect(composer, &Composer::attachRequested, this, &ConversationMedia::chooseFiles);
    connect(composer, &Composer::filesPasted, this, &ConversationMedia::attachFiles);
    connect(composer, &Composer::imagePasted, this, &ConversationMedia::attachImage);
    connect(composer, &Composer::voiceNoteRecorded, this,
            [this](const QString &path, qint64 durationMs, const QByteArray &waveform) {
                OutgoingMedia voice;
                voice.path = path;
                voice.kind = Attachment::Kind::Voice;
                voice.durationMs = durationMs;
                voice.waveform = waveform;
                send({voice}, QString());
            });
}

namespace {
QStringList droppedFiles(const QMimeData *mime) {
    QStringList files;
    for (const QUrl &url : mime->urls())
        if (url.isLocalFile() && QFileInfo(url.toLocalFile()).isFile())
            files.append(url.toLocalFile());
    return files;
}
} // namespace

bool ConversationMedia::eventFilter(QObject *watched, QEvent *event) {
    const QEvent::Type type = event->type();
    if (watched == m_host && (type == QEvent::DragEnter || type == QEvent::DragMove)) {
        auto *e = static_cast<QDropEvent *>(event);
        if (isAvailable() && m_model->conversationId() && !droppedFiles(e->mimeData()).isEmpty())
            e->acceptProposedAction();
        return true;
    }
    if (watched == m_host && type == QEvent::Drop) {
        auto *e = static_cast<QDropEvent *>(event);
        const QStringList files = droppedFiles(e->mimeData());
        if (!files.isEmpty() && m_model->conversationId()) {
            e->acceptProposedAction();
            attachFiles(files);
        }
        return true;
    }
    // Compared with the pointer kept at installation: while the list is being destroyed its
    // viewport still sends events here, and m_list->viewport() would call into a dead object.
    if (watched == m_viewport) {
        if (type == QEvent::MouseButtonDblClick) {
            auto *e = static_cast<QMouseEvent *>(event);
            const QModelIndex index = m_list->indexAt(e->position().toPoint());
            if (index.isValid() && m_delegate->hitTest(index, e->position().toPoint()) !=
                                       attachment_layout::Hit::None) {
                m_skipRelease = true; // the first click already opened or played it
                return true;
            }
        } else if (type == QEvent::MouseButtonRelease) {
            auto *e = static_cast<QMouseEvent *>(event);
            if (e->button() == Qt::LeftButton && !std::exchange(m_skipRelease, false)) {
                const QModelIndex index = m_list->indexAt(e->position().toPoint());
                if (index.isValid())
                    click(index, e->position().toPoint());
            }
        }
    } else if (watched == m_list && type == QEvent::KeyPress) {
        auto *e = static_cast<QKeyEvent *>(event);
        // Enter opens or plays the attachment of the current message; Space too (and pauses
        // again), as on a player's button.
        const bool enter = e->key() == Qt::Key_Return || e->key() == Qt::Key_Enter;
        const bool space = e->key() == Qt::Key_Space && e->modifiers() == Qt::NoModifier;
        if ((enter || space) && m_list->currentIndex().isValid() &&
            activate(m_list->currentIndex().row()))
            return true;
    }
    return QObject::eventFilter(watched, event);
}

ConversationMedia::~ConversationMedia() {
    if (m_viewer)
        delete m_viewer.data();
}

MediaPort *ConversationMedia::port() const {
    return m_model->mediaPort();
}

void ConversationMedia::chooseFiles() {
    if (!isAvailable() || !m_model->conversationId())
        return;
    const QStringList paths = QFileDialog::getOpenFileNames(
        m_host, tr("Attach files"),
        QStandardPaths::writableLocation(QStandardPaths::PicturesLocation));
    if (!paths.isEmpty())
        attachFiles(paths);
}

void ConversationMedia::attachFiles(const QStringList &paths) {
    if (!isAvailable() || !m_model->conversationId() || paths.isEmpty())
        return;
    if (m_sheet)
        m_sheet->close();
    const auto &conv = m_model->conversation();
    m_sheet = new AttachSheet(paths, conv.title(), m_host);
    m_sheet->setAttribute(Qt::WA_DeleteOnClose);
    m_sheet->setCaption(m_composer->text().trimmed());
    const quint64 conversationId = m_model->conversationId();
    connect(m_sheet, &AttachSheet::sendRequested, this,
            [this, conversationId](const QList<OutgoingMedia> &files, const QString &caption) {
                if (conversationId != m_model->conversationId())
                    return; // the chat was switched under the sheet
                if (send(files, caption) && caption == m_composer->text().trimmed())
                    m_composer->setTextSilently(QString()); // the text went as the caption
            });
    m_sheet->open();
}

void ConversationMedia::attachImage(const QImage &image) {
    if (image.isNull() || !m_temp.isValid())
        return;
    const QString path =
        m_temp.filePath(QStringLiteral("pasted-%1.png").arg(QDateTime::currentMSecsSinceEpoch()));
    if (!image.save(path, "PNG")) {
        emit error(tr("The pasted picture could not be prepared."));
        return;
    }
    attachFiles({path});
}

bool ConversationMedia::send(const QList<OutgoingMedia> &files, const QString &caption) {
    if (!isAvailable() || !m_model->conversationId() || files.isEmpty())
        return false;
    auto ids = port()->sendFiles(m_model->conversationId(), files, caption);
    if (!ids) {
        qCWarning(lcUi) << "cannot send files:" << ids.error().toString();
        emit error(tr("Not sent: %1").arg(ids.error().detail));
        return false;
    }
    emit sent();
    return true;
}

quint64 ConversationMedia::seqAt(int row) const {
    return m_model->messageAt(row).seq;
}

QString ConversationMedia::clientIdAt(int row) const {
    return m_model->messageAt(row).clientMessageId;
}

int ConversationMedia::rowOfRowId(qint64 rowId) const {
    return m_model->rowOfRowId(rowId);
}

void ConversationMedia::cancel(int row) {
    if (isAvailable() && !clientIdAt(row).isEmpty())
        port()->cancel(clientIdAt(row));
}

void ConversationMedia::retry(int row) {
    if (isAvailable() && !clientIdAt(row).isEmpty())
        port()->retry(clientIdAt(row));
}

void ConversationMedia::download(int row) {
    if (isAvailable() && seqAt(row) > 0)
        port()->download(m_model->conversationId(), seqAt(row));
}

bool ConversationMedia::activate(int row) {
    const QList<Attachment> list = m_model->attachmentsAt(row);
    if (list.isEmpty())
        return false;
    const Attachment &a = list.first();
    if (a.isActive())
        return true; // busy: the round button cancels
    if (a.transfer == Attachment::Transfer::Failed) {
        retry(row);
        return true;
    }
    if (a.kind == Attachment::Kind::Image) {
        openViewer(row); // a photo not downloaded yet shows its thumbnail and downloads
        return true;
    }
    if (a.localPath.isEmpty()) {
        download(row);
        return true;
    }
    if (a.isAudio())
        m_audio->toggle(m_model->messageAt(row).rowId, a.localPath);
    else if (a.kind == Attachment::Kind::Video)
        playVideo(row);
    else
        openFile(row);
    return true;
}

bool ConversationMedia::click(const QModelIndex &index, QPoint pos) {
    double fraction = 0;
    const auto hit = m_delegate->hitTest(index, pos, &fraction);
    const int row = index.row();
    const QList<Attachment> list = m_model->attachmentsAt(row);
    if (hit == attachment_layout::Hit::None || list.isEmpty())
        return false;
    const Attachment &a = list.first();
    const qint64 key = m_model->messageAt(row).rowId;
    switch (hit) {
    case attachment_layout::Hit::Action:
        switch (attachment_layout::actionOf(
            a, m_model->data(index, MessageModel::OutgoingRole).toBool(),
            m_audio->isPlaying(key))) {
        case attachment_layout::ActionKind::Cancel:
            cancel(row);
            break;
        case attachment_layout::ActionKind::Retry:
            retry(row);
            break;
        case attachment_layout::ActionKind::Download:
            download(row);
            break;
        default:
            activate(row);
        }
        return true;
    case attachment_layout::Hit::Speed:
        m_audio->cycleSpeed();
        return true;
    case attachment_layout::Hit::Waveform:
        if (m_audio->currentKey() != key)
            m_audio->toggle(key, a.localPath);
        m_audio->seekFraction(key, fraction);
        return true;
    case attachment_layout::Hit::Open:
        return activate(row);
    case attachment_layout::Hit::None:
        break;
    }
    return false;
}

void ConversationMedia::openViewer(int row) {
    QList<ImageViewer::Item> items;
    QHash<quint64, quint64> seqs;
    int current = 0;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        const QList<Attachment> list = m_model->attachmentsAt(r);
        if (list.isEmpty() || list.first().kind != Attachment::Kind::Image)
            continue;
        const Attachment &a = list.first();
        if (r == row)
            current = int(items.size());
        const auto message = m_model->messageAt(r);
        items.append(
            {a.localPath, a.thumbnail, a.fileName, a.dimensions(), quint64(message.rowId)});
        seqs.insert(quint64(message.rowId), message.seq);
    }
    openViewer(items, current, seqs);
}

void ConversationMedia::openViewer(const QList<ImageViewer::Item> &items, int current,
                                   const QHash<quint64, quint64> &seqs) {
    if (items.isEmpty())
        return;
    m_viewerSeqs = seqs;
    if (!m_viewer) {
        m_viewer = new ImageViewer; // a window of its own, closed with the view
        m_viewer->setAttribute(Qt::WA_DeleteOnClose);
        connect(m_viewer, &ImageViewer::downloadRequested, this, [this](quint64 id) {
            const quint64 seq = m_viewerSeqs.value(id);
            if (isAvailable() && seq > 0)
                port()->download(m_model->conversationId(), seq);
        });
        if (isAvailable())
            connect(port(), &MediaPort::downloaded, m_viewer,
                    [this](quint64 conversationId, quint64 seq, const QString &path) {
                        if (conversationId != m_model->conversationId())
                            return;
                        for (auto it = m_viewerSeqs.cbegin(); it != m_viewerSeqs.cend(); ++it)
                            if (it.value() == seq)
                                m_viewer->setPath(it.key(), path);
                    });
    }
    m_viewer->setItems(items, current);
    m_viewer->show();
    m_viewer->raise();
    m_viewer->activateWindow();
}

void ConversationMedia::playVideo(int row) {
    const QModelIndex index = m_model->index(row);
    const QList<Attachment> list = m_model->attachmentsAt(row);
    if (m_video) {
        if (m_list->indexWidget(index) == m_video->parentWidget()) {
            m_video->togglePlay();
            return;
        }
        stopPlayback();
    }
    m_audio->stop();
    auto *player = new VideoPlayer;
    const QImage poster = m_posters->poster(list.first().localPath);
    player->setPoster(!poster.isNull() ? poster
                                       : m_images->blurred(list.first().thumbnail,
                                                           list.first().dimensions().scaled(
                                                               320, 320, Qt::KeepAspectRatio)));
    auto *host = new VideoHost(m_list, m_delegate, QPersistentModelIndex(index), player);
    m_list->setIndexWidget(index, host);
    m_video = player;
    connect(player, &VideoPlayer::failed, this, &ConversationMedia::error);
    player->setSource(list.first().localPath);
    player->show();
    player->setFocus(Qt::OtherFocusReason);
    player->play();
}

void ConversationMedia::stopPlayback() {
    m_audio->stop();
    if (!m_video)
        return;
    m_video->pause();
    QWidget *host = m_video->parentWidget();
    m_video = nullptr;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        if (m_list->indexWidget(m_model->index(r)) == host) {
            m_list->setIndexWidget(m_model->index(r), nullptr); // deletes the host later
            return;
        }
    }
    host->hide();
    host->deleteLater();
}

void ConversationMedia::openFile(int row) {
    const QList<Attachment> list = m_model->attachmentsAt(row);
    if (!list.isEmpty() && !list.first().localPath.isEmpty())
        QDesktopServices::openUrl(QUrl::fromLocalFile(list.first().localPath));
}

bool ConversationMedia::saveTo(int row, const QString &target) {
    const QList<Attachment> list = m_model->attachmentsAt(row);
    if (list.isEmpty() || list.first().localPath.isEmpty())
        return false;
    if (QFile::exists(target))
        QFile::remove(target); // the save dialog asked already
    if (!QFile::copy(list.first().localPath, target)) {
        emit error(tr("The file could not be saved to %1.").arg(target));
        return false;
    }
    return true;
}

void ConversationMedia::saveAs(int row) {
    const QList<Attachment> list = m_model->attachmentsAt(row);
    if (list.isEmpty())
        return;
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    const QString target = QFileDialog::getSaveFileName(m_host, tr("Save file"),
                                                        QDir(dir).filePath(list.first().fileName));
    if (!target.isEmpty())
        saveTo(row, target);
}

void ConversationMedia::addMenuActions(QMenu *menu, int row) {
    const QList<Attachment> list = m_model->attachmentsAt(row);
    if (list.isEmpty() || !isAvailable())
        return;
    const Attachment &a = list.first();
    if (a.isActive()) {
        menu->addAction(tr("Cancel transfer"), this, [this, row] { cancel(row); });
    } else if (a.transfer == Attachment::Transfer::Failed) {
        menu->addAction(tr("Retry"), this, [this, row] { retry(row); });
    } else if (a.localPath.isEmpty()) {
        menu->addAction(tr("Download"), this, [this, row] { download(row); });
    } else {
        menu->addAction(a.isAudio() || a.kind == Attachment::Kind::Video ? tr("Play") : tr("Open"),
                        this, [this, row] { activate(row); });
        if (a.kind != Attachment::Kind::Image)
            menu->addAction(tr("Open with system application"), this,
                            [this, row] { openFile(row); });
        menu->addAction(tr("Save as…"), this, [this, row] { saveAs(row); });
        if (seqAt(row) > 0)
            menu->addAction(tr("Delete from this device"), this, [this, row] {
                if (auto s = port()->deleteLocalCopy(m_model->conversationId(), seqAt(row)); !s)
                    emit error(tr("Not deleted: %1").arg(s.error().detail));
            });
    }
    menu->addSeparator();
}

} // namespace tidings::ui
