#pragma once
// The desktop client's window: the first-run page until the profile has an account, then the
// chat list beside the conversation. Keyboard: Ctrl+K quick switcher, Ctrl+F search, Ctrl+N new
// chat, Ctrl+G new group, Alt+Up/Down previous/next chat, Esc closes panels. It composes the views
// from the Session: each view gets only the models and feature modules it uses.
#include "dialogs/settings_dialog.h"

#include "protocol/result.h"

#include <QMainWindow>
#include <QPointer>

class QStackedWidget;

namespace tidings::client {
class Client;
}

namespace tidings::ui {

class CertificatePrompt;
class ChatListModel;
class ChatListPanel;
class ConversationView;
class FirstRunPage;
class LinkBanner;
class MessageModel;
class Notifier;
class SearchModel;
class Session;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    //! `server` pre-fills the first-run page and overrides the saved address when starting.
    MainWindow(Session *session, const QString &server = QString(), QWidget *parent = nullptr);
    ~MainWindow() override;

    Session *session() const { return m_session; }
    ChatListModel *chatModel() const { return m_chats; }
    ChatListPanel *chatPanel() const { return m_panel; }
    ConversationView *conversation() const { return m_conversation; }
    FirstRunPage *firstRun() const { return m_firstRun; }
    //! The "not linked yet" bar above the chats (hidden once this device holds the account key).
    LinkBanner *linkBanner() const { return m_linkBanner; }
    Notifier *notifier() const { return m_notifier; }
    //! The question about the server's certificate during a session, while it is open.
    CertificatePrompt *certificatePrompt() const;
    bool isShowingChats() const;

    void openChat(quint64 conversationId, quint64 seq = 0);
    //! Opens the chat with this title (a username or a group name); false when there is none.
    bool openChatNamed(const QString &title);
    void newChat();
    void newGroup();
    void showSettings();
    void showQuickSwitcher();
    //! Alt+Up/Down: the chat above or below the open one.
    void stepChat(int delta);

protected:
    void keyPressEvent(QKeyEvent *event) override;
    void closeEvent(QCloseEvent *event) override;

private:
    void showChats();
    void startSession();
    //! The server's certificate was refused during a session: the banner says so, a prompt asks.
    void onCertificateRefused(const Error &refusal);
    void updateTitle();
    ConversationView *makeConversationView();

    Session *m_session;
    QString m_server;
    client::Client *m_client;
    ChatListModel *m_chats;
    MessageModel *m_messages;
    SearchModel *m_search;
    QStackedWidget *m_stack;
    FirstRunPage *m_firstRun;
    LinkBanner *m_linkBanner;
    ChatListPanel *m_panel;
    ConversationView *m_conversation;
    Notifier *m_notifier;
    QPointer<CertificatePrompt> m_certificatePrompt;
};

//! What the settings dialog gets from a profile (MainWindow and tests compose it alike).
SettingsDialog::Deps settingsDeps(Session *session);

} // namespace tidings::ui
