#pragma once
// Starts a 1:1 chat (find a user by name) or a group (a name and members).
#include "core/store/records.h"
#include "protocol/result.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace tidings::client {
class Connection;
class Groups;
class Messaging;
} // namespace tidings::client

namespace tidings::ui {

class ChatEvents;

class NewChatDialog : public QDialog {
    Q_OBJECT
public:
    enum class Mode { Direct, Group };
    //! Opens 1:1 chats through `messaging`, creates groups through `groups` and announces the
    //! new chat on `events`; `connection` tells whether it waits for the network.
    NewChatDialog(client::Messaging *messaging, client::Groups *groups, ChatEvents *events,
                  const client::Connection *connection, Mode mode, QWidget *parent = nullptr);

    QLineEdit *nameEdit() const { return m_name; }
    QLineEdit *membersEdit() const { return m_members; }
    QString errorText() const;
    quint64 conversationId() const { return m_conversationId; }
    void submit();

signals:
    void chatReady(quint64 conversationId);

private:
    void fail(const Error &error);

    client::Messaging *m_messaging;
    client::Groups *m_groups;
    ChatEvents *m_events;
    const client::Connection *m_connection;
    Mode m_mode;
    QLineEdit *m_name;
    QLineEdit *m_members = nullptr;
    QLabel *m_error;
    QPushButton *m_ok;
    quint64 m_conversationId = 0;
};

} // namespace tidings::ui
