#pragma once
// The left side: the search field (Ctrl+F) over chats and messages, the chat list, and the
// buttons for a new chat, a new group and the settings.
#include <QTimer>
#include <QWidget>

class QLineEdit;
class QListView;
class QStackedWidget;
class QToolButton;

namespace tidings::ui {

class ChatActions;
class ChatListModel;
class SearchModel;

class ChatListPanel : public QWidget {
    Q_OBJECT
public:
    //! The panel shows `search` (over `chats`) while searching; its chat menu edits via `actions`.
    ChatListPanel(ChatListModel *chats, SearchModel *search, ChatActions *actions,
                  QWidget *parent = nullptr);

    QLineEdit *searchField() const { return m_search; }
    QListView *chatList() const { return m_list; }
    QListView *resultList() const { return m_results; }
    SearchModel *searchModel() const { return m_searchModel; }
    bool isSearching() const;
    void focusSearch();
    //! Leaves search mode; returns false when it was not searching.
    bool clearSearch();
    //! Selects the row of the chat (no signal).
    void selectChat(quint64 conversationId);
    //! Runs the pending search now (the field waits for a short pause in typing).
    void searchNow();

signals:
    void chatActivated(quint64 conversationId, quint64 seq);
    void newChatRequested();
    void newGroupRequested();
    void settingsRequested();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void activateResult(const QModelIndex &index);
    void showChatMenu(const QPoint &pos);

    ChatListModel *m_chats;
    ChatActions *m_actions;
    SearchModel *m_searchModel;
    QLineEdit *m_search;
    QStackedWidget *m_stack;
    QListView *m_list;
    QListView *m_results;
    QTimer m_searchTimer;
    bool m_selecting = false;
};

} // namespace tidings::ui
