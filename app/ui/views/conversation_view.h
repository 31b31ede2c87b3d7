#pragma once
// The right side: header (avatar, name, presence or typing, or member count), connection
// banner, the message list with lazy history and autoscroll-at-bottom, the composer, and for
// groups an info panel.
#include "core/client_types.h"

#include <QHash>
#include <QSet>
#include <QWidget>

class QLabel;
class QListView;
class QPushButton;
class QStackedWidget;
class QToolButton;

namespace tidings::client {
class Account;
class Connection;
class Groups;
class Keys;
class MessageStore;
class Messaging;
class Presence;
} // namespace tidings::client

namespace tidings::ui {

class ChatActions;
class ChatEvents;
class ChatInfoPanel;
class ConversationMedia;
class MediaPort;
class ChatListModel;
class Composer;
class ConnectionBanner;
class GroupInfoPanel;
class MessageDelegate;
class MessageModel;
class AvatarWidget;

class ConversationView : public QWidget {
    Q_OBJECT
public:
    //! What the view shows and changes (it also builds its banner and group info panel from
    //! these).
    struct Deps {
        ChatListModel *chats = nullptr;   //!< titles, pins, mutes
        MessageModel *messages = nullptr; //!< the open chat (the view shows it)
        ChatEvents *events = nullptr;     //!< chat changes
        ChatActions *actions = nullptr;   //!< send, read marks, drafts, pin, mute
        const client::Account *account = nullptr;
        client::Connection *connection = nullptr; //!< the connection banner
        client::Messaging *messaging = nullptr;   //!< the banner's outbox count
        client::Groups *groups = nullptr;         //!< group info, "read by"
        client::Presence *presence = nullptr;     //!< presence, typing
        client::Keys *keys = nullptr;             //!< safety numbers, identity changes
        MediaPort *media = nullptr; //!< attachments; none: no attach, voice or media tabs
        client::MessageStore *messageStore = nullptr; //!< the Media, Files and Links tabs
    };
    explicit ConversationView(Deps deps, QWidget *parent = nullptr);

    //! Shows the chat; with `seq` it scrolls to and selects that message.
    void openChat(quint64 conversationId, quint64 seq = 0);
    void closeChat();
    quint64 conversationId() const;

    MessageModel *model() const { return m_model; }
    QListView *messageList() const { return m_list; }
    Composer *composer() const { return m_composer; }
    ConnectionBanner *banner() const { return m_banner; }
    GroupInfoPanel *infoPanel() const { return m_info; }
    //! The side panel: members (groups), Media, Files, Links.
    ChatInfoPanel *sidePanel() const { return m_side; }
    QString title() const;
    QString subtitle() const;
    bool isAtBottom() const;
    //! Shows or hides the side panel (members of a group first, else the media).
    void setInfoVisible(bool visible);
    bool closePanels();
    void showMessageInfo(int row);
    //! The safety number with the peer of the open 1:1 chat.
    void showSafetyNumber();
    //! "X's security code changed" above the messages (a 1:1 peer's account key changed).
    bool isIdentityBannerShown() const;
    QPushButton *acknowledgeButton() const { return m_acknowledge; }
    //! Attaching, voice notes and what clicks on attachments do.
    ConversationMedia *media() const { return m_media; }

protected:
    void changeEvent(QEvent *event) override;

private:
    void onChatChanged(quint64 conversationId);
    void onScroll(int value);
    struct Anchor {
        qint64 rowId = 0;
        int top = 0;
    };
    Anchor topAnchor() const;
    void restoreAnchor(const Anchor &anchor);
    void updateHeader();
    void send(const QString &text);
    void maybeMarkRead();
    void scrollToBottomSoon();
    void showContextMenu(const QPoint &pos);
    void showChatMenu();
    void updateIdentityBanner();
    //! Members of the open chat (its peer) whose key change I have not acknowledged.
    QList<quint64> pendingIdentityChanges() const;
    void acknowledgeIdentity();
    void openFromPanel(quint64 seq, qint64 rowId);
    void openPhotoFromPanel(int row);

    Deps m_deps;
    ChatListModel *m_chats;
    MessageModel *m_model;
    MessageDelegate *m_delegate;
    QStackedWidget *m_stack;
    AvatarWidget *m_avatar;
    QLabel *m_title;
    QLabel *m_subtitle;
    QToolButton *m_infoButton;
    QToolButton *m_menuButton;
    ConnectionBanner *m_banner;
    QListView *m_list;
    Composer *m_composer;
    GroupInfoPanel *m_info;
    ConversationMedia *m_media;
    ChatInfoPanel *m_side;
    QWidget *m_identityBanner;
    QLabel *m_identityText;
    QPushButton *m_acknowledge;
    QHash<QString, client::PresenceInfo> m_presence;
    bool m_loadingOlder = false;
};

} // namespace tidings::ui
