#pragma once
// What the views and models hear about chats: chatChanged for anything that changed about one
// (messages, receipts, read state, name and members, prefs, draft), and incoming for each message
// of someone else once stored (notifications). The core's changes arrive from the messaging and
// groups modules; the UI's own edits are announced through ChatActions.
#include "core/store/records.h"

#include <QObject>

namespace tidings::client {
class Account;
class Groups;
class MessageStore;
class Messaging;
} // namespace tidings::client

namespace tidings::ui {

class ChatEvents : public QObject {
    Q_OBJECT
public:
    //! `messages` and `account` find the chat of a message that failed to send.
    ChatEvents(client::Messaging *messaging, client::Groups *groups, client::MessageStore *messages,
               const client::Account *account, QObject *parent = nullptr);

    //! Something about the chat changed on this side (a send, a read mark, a pref, a new chat).
    void announce(quint64 conversationId) { emit chatChanged(conversationId); }

signals:
    void chatChanged(quint64 conversationId);
    //! A message of someone else arrived (after storing), for notifications.
    void incoming(quint64 conversationId, const tidings::client::MessageRecord &message);
};

} // namespace tidings::ui
