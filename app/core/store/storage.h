#pragma once
// The client's local storage: one Database (the file, its schema and its transactions) and the
// stores over it, one per aggregate. Open it once per profile with the device's master key;
// hand each component the stores it needs. Every store method that writes runs in one
// transaction, and joins the caller's when one is open (database().transaction(...)).
#include "protocol/result.h"

#include <QString>

#include <functional>
#include <memory>

namespace tidings::crypto {
class SecretBytes;
}

namespace tidings::client {

class AccountStore;
class ChatListReader;
class ConversationStore;
class Database;
class KeyStore;
class MessageStore;
class OutboxStore;
class SearchIndex;
class ViewStateStore;

class Storage {
public:
    //! Opens (creating, migrating, checking the key of) client.sqlite at `path` (":memory:" for
    //! tests); see Database::open.
    static Result<std::unique_ptr<Storage>> open(const QString &path,
                                                 const crypto::SecretBytes &masterKey);
    ~Storage();
    Storage(const Storage &) = delete;
    Storage &operator=(const Storage &) = delete;

    Database &database() const { return *m_db; }
    //! The account and user profiles (display names).
    AccountStore &accounts() const { return *m_accounts; }
    //! Conversations, members, receipt cursors and times.
    ConversationStore &conversations() const { return *m_conversations; }
    //! Messages: incoming, ordering, sending, reading.
    MessageStore &messages() const { return *m_messages; }
    //! Pending sends and the frames they were encrypted into.
    OutboxStore &outbox() const { return *m_outbox; }
    //! Full-text search (blind tokens).
    SearchIndex &search() const { return *m_search; }
    //! Drafts, pins, mutes and settings of the desktop app.
    ViewStateStore &viewState() const { return *m_viewState; }
    //! The chat list's read model.
    ChatListReader &chatList() const { return *m_chatList; }
    //! The E2E engine's keys, sessions and sender keys.
    KeyStore &keys() const { return *m_keys; }

    //! Runs `body` in one transaction (see Database::transaction).
    Status transaction(const std::function<Status()> &body);

private:
    Storage();

    // Declared in dependency order: destroyed in reverse, the database last.
    std::unique_ptr<Database> m_db;
    std::unique_ptr<AccountStore> m_accounts;
    std::unique_ptr<ConversationStore> m_conversations;
    std::unique_ptr<OutboxStore> m_outbox;
    std::unique_ptr<SearchIndex> m_search;
    std::unique_ptr<MessageStore> m_messages;
    std::unique_ptr<ViewStateStore> m_viewState;
    std::unique_ptr<ChatListReader> m_chatList;
    std::unique_ptr<KeyStore> m_keys;
};

} // namespace tidings::client
