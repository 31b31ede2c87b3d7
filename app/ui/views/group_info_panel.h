#pragma once
// The group info panel beside a group conversation: name, members with roles, and the admin
// actions (add, remove, make or revoke admin, rename) plus leave.
#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;

namespace tidings::client {
class Account;
class Groups;
class Keys;
} // namespace tidings::client

namespace tidings::ui {

class ChatEvents;

class GroupInfoPanel : public QWidget {
    Q_OBJECT
public:
    //! Shows and changes groups through `groups` (its local copy first); follows `events`;
    //! "Verify security code…" asks `keys`.
    GroupInfoPanel(client::Groups *groups, client::Keys *keys, const client::Account *account,
                   ChatEvents *events, QWidget *parent = nullptr);
    void setConversation(quint64 conversationId);
    quint64 conversationId() const { return m_conversationId; }
    QListWidget *memberList() const { return m_members; }
    QString errorText() const;

    // The actions, callable without dialogs (tests, keyboard).
    void addMember(const QString &username);
    void removeMember(const QString &username);
    void setAdmin(const QString &username, bool admin);
    void rename(const QString &name);
    void leave();
    //! The safety number with a member ("Verify security code…" in the member menu).
    void verifyMember(const QString &username);

signals:
    void changed();

private:
    void reload();
    void updateButtons();
    QString selectedUsername() const;
    bool selectedIsAdmin() const;
    void run(int action, const QString &username, const QString &name);

    client::Groups *m_groups;
    client::Keys *m_keys;
    const client::Account *m_account;
    quint64 m_conversationId = 0;
    bool m_iAmAdmin = false;
    QLabel *m_name;
    QLabel *m_count;
    QListWidget *m_members;
    QPushButton *m_rename;
    QPushButton *m_add;
    QPushButton *m_remove;
    QPushButton *m_admin;
    QPushButton *m_leave;
    QLabel *m_error;
};

} // namespace tidings::ui
