#pragma once
// The panel beside a conversation: for groups the members (GroupInfoPanel), and for every chat
// the Media, Files and Links tabs — a grid of photos and videos, a list of files and voice
// notes, the links found in message texts. Activating an entry (Enter, double click) opens it:
// the viewer for photos, the message's video or file in the conversation, the link in the
// browser.
#include <QTabWidget>

class QListView;

namespace tidings::client {
class MessageStore;
}

namespace tidings::ui {

class ChatMediaModel;
class GroupInfoPanel;
class ImageCache;
class MediaPort;

class ChatInfoPanel : public QTabWidget {
    Q_OBJECT
public:
    //! `media` null: only the members.
    ChatInfoPanel(GroupInfoPanel *members, client::MessageStore *messages, MediaPort *media,
                  ImageCache *images, QWidget *parent = nullptr);

    //! Shows `conversationId`; the Members tab only for groups.
    void setConversation(quint64 conversationId, bool group);
    quint64 conversationId() const { return m_conversationId; }
    ChatMediaModel *mediaModel() const { return m_mediaModel; }
    ChatMediaModel *filesModel() const { return m_filesModel; }
    ChatMediaModel *linksModel() const { return m_linksModel; }
    QListView *mediaView() const { return m_mediaView; }
    QListView *filesView() const { return m_filesView; }
    QListView *linksView() const { return m_linksView; }
    void showMediaTab();
    //! Re-reads the tabs (something was sent or arrived).
    void refresh();

signals:
    //! A photo in the Media tab: `row` of mediaModel().
    void photoActivated(int row);
    //! A video or a file: open it where it is in the conversation.
    void messageActivated(quint64 seq, qint64 rowId);

private:
    void activate(ChatMediaModel *model, const QModelIndex &index);

    GroupInfoPanel *m_members;
    ChatMediaModel *m_mediaModel = nullptr;
    ChatMediaModel *m_filesModel = nullptr;
    ChatMediaModel *m_linksModel = nullptr;
    QListView *m_mediaView = nullptr;
    QListView *m_filesView = nullptr;
    QListView *m_linksView = nullptr;
    quint64 m_conversationId = 0;
};

} // namespace tidings::ui
