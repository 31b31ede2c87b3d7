#pragma once
// Contacts, blocking and profiles: my contact and block lists (with my last-seen setting), and
// display names, mine (set on the server and kept in the saved account) and other people's
// (kept in the local cache for member lists and chat titles).
#include "core/client_types.h"
#include "core/net/requester.h"

#include <QObject>

namespace tidings::client {

class Account;
class AccountStore;

class Contacts : public QObject {
    Q_OBJECT
public:
    using StatusHandler = std::function<void(Status)>;
    using ContactsHandler = std::function<void(Result<ContactsInfo>)>;
    using ProfilesHandler = std::function<void(Result<QList<ProfileInfo>>)>;

    Contacts(AccountStore *accounts, Requester *requests, Account *account,
             QObject *parent = nullptr);

    //! Adds, removes, blocks or unblocks `username`. Not retried.
    void change(ContactAction action, const QString &username, StatusHandler done);
    //! My contacts and blocked users, and my last-seen privacy setting. Retried.
    void list(ContactsHandler done);
    //! My display name (empty: people see my username). Not retried.
    void setProfile(const QString &displayName, StatusHandler done);
    //! Display names of `usernames`, stored locally on the way. Retried.
    void profiles(const QStringList &usernames, ProfilesHandler done);

private:
    AccountStore *m_accounts;
    Requester *m_requests;
    Account *m_account;
};

} // namespace tidings::client
