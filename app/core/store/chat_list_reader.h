#pragma once
// The chat list's read model: per conversation its title, newest message, unread count and the
// view state (pinned, muted, draft), in one query over the conversation, message and view-state
// tables. It writes nothing; each of those tables has its own store.
#include "core/store/records.h"
#include "protocol/result.h"

#include <optional>

namespace tidings::client {

class AccountStore;
class Database;

struct ChatSummary {
    quint64 conversationId = 0;
    std::optional<MessageRecord> lastMessage; //!< the newest row, pending ones included
    int unread = 0;
    bool pinned = false;
    bool muted = false;
    QString draft;
    qint64 activityMs = 0; //!< last message time (or draft/creation time), for sorting
    //! The chat list title: the group name; for a 1:1 the peer's display name if set, else the
    //! username (empty while neither is known).
    QString title;
};

class ChatListReader {
public:
    ChatListReader(Database &db, AccountStore &accounts)
        : m_db(db)
        , m_accounts(accounts) {}

    Result<QList<ChatSummary>> chatSummaries() const;
    //! NoSuchConversation when the chat is not stored.
    Result<ChatSummary> chatSummary(quint64 conversationId) const;

private:
    Result<QList<ChatSummary>> read(std::optional<quint64> conversationId) const;

    Database &m_db;
    AccountStore &m_accounts;
};

} // namespace tidings::client
