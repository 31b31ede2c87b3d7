#pragma once
// Who this cache belongs to, and what users are called: the account settings (server, user,
// device, username, my display name) and every known user's display name (members, 1:1 peers,
// me). Mine is both, so the rule "my display name is the account's" lives in one place.
#include "core/store/records.h"
#include "protocol/result.h"

namespace tidings::client {

class Database;

class AccountStore {
public:
    explicit AccountStore(Database &db)
        : m_db(db) {}

    Result<AccountSettings> account() const;
    //! My user id; 0 before the first login.
    Result<quint64> myUserId() const;
    //! Saves the account; if it belongs to another user than the stored one, the cached
    //! conversations, messages and outbox are dropped in the same transaction.
    Status saveAccount(const AccountSettings &account);

    //! A user's display name (members, 1:1 peers; mine too, which also sets
    //! AccountSettings.displayName). An empty name clears it.
    Status setDisplayName(quint64 userId, const QString &name);
    Result<QString> displayName(quint64 userId) const;
    //! Upserts a user's display name only (inside the caller's transaction): what a server's
    //! member list or 1:1 info says about others.
    Status rememberDisplayName(quint64 userId, const QString &name);

private:
    Database &m_db;
};

} // namespace tidings::client
