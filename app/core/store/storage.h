#pragma once
// The client's local storage: one Database (the file, its schema and its transactions) and the
// stores over it, one per aggregate. Open it once per profile with the device's master key;
// hand each component the stores it needs. Every store method that writes runs in one
// transaction, and joins the caller's when one is open (database().transaction(...)).
#include "protocol/result.h"

#include <QString>

class QLockFile;

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
class RecipientStore;
class SearchIndex;
class TransferStore;
class SecurityNoticeStore;
class GroupStateStore;
class ViewStateStore;

class Storage {
public:
    //! Opens (creating, migrating, checking the key of) client.sqlite at `path` (":memory:" for
    //! tests); see Database::open. One process at a time: the file is locked (`path` + ".lock")
    //! while the Storage lives, and a second open answers PROFILE_IN_USE. Two processes on one
    //! profile would each hold the sessions' ratchet states in memory and overwrite each other's
    //! (messages that can never be decrypted), and their connections, one device on the server,
    //! would replace each other. A lock left by a process that died is taken over.
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
    //! Which devices the messages I sent were encrypted for (resend requests are checked).
    RecipientStore &recipients() const { return *m_recipients; }
    //! Attachments of messages and the transfer jobs that move them.
    TransferStore &transfers() const { return *m_transfers; }
    //! Full-text search (blind tokens).
    SearchIndex &search() const { return *m_search; }
    //! "Security code changed" notices in the conversations with a contact.
    SecurityNoticeStore &securityNotices() const { return *m_notices; }
    //! The signed state of groups as this device verified it.
    GroupStateStore &groupStates() const { return *m_groupStates; }
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

    // Declared in dependency order: destroyed in reverse, the database last, then the lock.
    std::unique_ptr<QLockFile> m_lock; //!< null for ":memory:"
    std::unique_ptr<Database> m_db;
    std::unique_ptr<AccountStore> m_accounts;
    std::unique_ptr<ConversationStore> m_conversations;
    std::unique_ptr<OutboxStore> m_outbox;
    std::unique_ptr<RecipientStore> m_recipients;
    std::unique_ptr<SearchIndex> m_search;
    std::unique_ptr<TransferStore> m_transfers;
    std::unique_ptr<MessageStore> m_messages;
    std::unique_ptr<SecurityNoticeStore> m_notices;
    std::unique_ptr<GroupStateStore> m_groupStates;
    std::unique_ptr<ViewStateStore> m_viewState;
    std::unique_ptr<ChatListReader> m_chatList;
    std::unique_ptr<KeyStore> m_keys;
};

} // namespace tidings::client
