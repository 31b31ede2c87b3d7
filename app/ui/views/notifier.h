#pragma once
// The tray icon with the unread count, and a desktop notification for a new message while the
// window is not active (not for muted chats, not when notifications are off). Clicking the
// notification or the icon brings the window up with that chat.
#include "core/store/records.h"

#include <QObject>

class QSystemTrayIcon;
class QWidget;

namespace tidings::ui {

class ChatEvents;
class ChatListModel;

class Notifier : public QObject {
    Q_OBJECT
public:
    //! Notifies of `events`' incoming messages, named and muted as in `chats`.
    Notifier(ChatEvents *events, ChatListModel *chats, QWidget *window);

    void setEnabled(bool enabled) { m_enabled = enabled; }
    bool isEnabled() const { return m_enabled; }
    int shownCount() const { return m_shown; }
    quint64 lastConversation() const { return m_lastConversation; }
    QString toolTip() const;
    //! The number on the tray badge and window icon (unread messages in unmuted chats).
    int badgeCount() const { return qMax(0, m_unread); }
    //! What clicking the last notification does: opens its chat.
    void activateLastNotification() { emit openChat(m_lastConversation); }

signals:
    void openChat(quint64 conversationId);
    //! A desktop notification was raised (tests observe notifications through this).
    void notified(quint64 conversationId, const QString &title, const QString &body);

private:
    void onIncoming(quint64 conversationId, const client::MessageRecord &message);
    void updateIcon();

    ChatListModel *m_chats;
    QWidget *m_window;
    QSystemTrayIcon *m_tray = nullptr;
    bool m_enabled = true;
    int m_shown = 0;
    int m_unread = -1;
    quint64 m_lastConversation = 0;
};

} // namespace tidings::ui
