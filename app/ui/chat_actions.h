#pragma once
// The UI's edits of a chat, each announced (ChatEvents::chatChanged) so every view showing it
// follows: sending, read marks, pins, mutes and drafts.
#include "protocol/result.h"

#include <QObject>
#include <QString>

namespace tidings::client {
class ConversationStore;
class Messaging;
class ViewStateStore;
} // namespace tidings::client

namespace tidings::ui {

class ChatEvents;

class ChatActions : public QObject {
    Q_OBJECT
public:
    ChatActions(client::Messaging *messaging, client::ConversationStore *conversations,
                client::ViewStateStore *viewState, ChatEvents *events, QObject *parent = nullptr);

    //! Sends `text` to the chat (outbox first). Returns the client message id.
    Result<QString> sendText(quint64 conversationId, const QString &text);
    //! Marks the chat read up to the newest stored message (when something is unread).
    void markRead(quint64 conversationId);
    void setPinned(quint64 conversationId, bool pinned);
    void setMuted(quint64 conversationId, bool muted);
    //! Keeps the unsent text of a chat (empty clears it).
    void saveDraft(quint64 conversationId, const QString &text);
    QString draft(quint64 conversationId) const;

private:
    client::Messaging *m_messaging;
    client::ConversationStore *m_conversations;
    client::ViewStateStore *m_viewState;
    ChatEvents *m_events;
};

} // namespace tidings::ui
