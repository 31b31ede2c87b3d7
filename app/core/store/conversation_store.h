#pragma once
// Conversations and what the server says about them: kind, group name and members, the receipt
// cursors (the peer's, the all-member minimums, mine) and when each member's cursors moved
// (message info). The ordering cursor (last_contiguous_seq) lives in the conversation row but
// only MessageStore moves it, together with the messages it covers.
#include "core/store/records.h"
#include "protocol/result.h"

#include <optional>

namespace tidings::client {

class AccountStore;
class Database;

class ConversationStore {
public:
    ConversationStore(Database &db, AccountStore &accounts)
        : m_db(db)
        , m_accounts(accounts) {}

    Status upsertConversation(quint64 id, quint64 peerUserId, const QString &peerUsername);
    Result<std::optional<ConversationRecord>> conversation(quint64 id) const;
    Result<std::optional<ConversationRecord>> conversationWithPeer(const QString &username) const;
    Result<QList<ConversationRecord>> conversations() const;

    // --- cursors ----------------------------------------------------------------------------
    //! Monotonic: cursors never move backwards. Returns true when something changed.
    Result<bool> updatePeerCursors(quint64 conversationId, quint64 deliveredSeq, quint64 readSeq);
    Result<bool> updateMyReadSeq(quint64 conversationId, quint64 readSeq);
    //! A receipt_push (or a history page's cursor): in a group the all-member cursors drive the
    //! ticks, in a 1:1 the peer's; a receipt about me (my other device) moves my read cursor.
    Result<ReceiptEffect> applyReceipt(quint64 conversationId, quint64 userId, quint64 deliveredSeq,
                                       quint64 readSeq, quint64 allDeliveredSeq, quint64 allReadSeq,
                                       quint64 myUserId);
    //! Many cursors of one conversation (a history page: one per member, 500 in a big group) in
    //! one transaction, each statement compiled once; the effects in input order.
    Result<QList<ReceiptEffect>>
    applyReceipts(quint64 conversationId, const QList<ReceiptCursor> &cursors, quint64 myUserId);

    // --- groups -----------------------------------------------------------------------------
    //! What the server said about a conversation: kind, name, peer and (groups) the full member
    //! list, which replaces the stored one. System events up to info.lastSeq are not re-applied.
    Status applyConversationInfo(const ConversationInfo &info, quint64 myUserId);
    Status setConversationKind(quint64 conversationId, ConversationKind kind);
    //! Members by role (admins first), then username.
    Result<QList<MemberRecord>> members(quint64 conversationId) const;

    // --- receipt times ----------------------------------------------------------------------
    //! Remembers when a member's cursors moved (only advances are kept; each conversation keeps
    //! its newest kReceiptTimesKept rows).
    static constexpr int kReceiptTimesKept = 1000;
    Status recordReceiptTime(quint64 conversationId, quint64 userId, quint64 deliveredSeq,
                             quint64 readSeq, qint64 atMs);
    //! For each member (a 1:1: the peer) the time of the first advance that covered `seq`; 0 when
    //! not covered yet or when that advance is no longer kept. Me excluded.
    Result<QList<ReceiptTime>> receiptTimes(quint64 conversationId, quint64 seq) const;

    //! A group with signed state: its member list becomes the verified one (issue 12). Members
    //! only the server names go, verified ones it lacks come, roles are the verified roles.
    //! Nothing for a group without signed state.
    Status alignWithVerifiedMembers(quint64 conversationId);

private:
    // The steps of MessageStore's transactions (storing, acks, gaps) on the conversation row.
    friend class MessageStore;
    struct Ordering {
        quint64 lastContiguousSeq = 0;
        ConversationKind kind = ConversationKind::Unknown;
        quint64 infoSeq = 0; //!< last_seq of the newest group_info snapshot
    };
    //! Creates the row if missing; fills in a 1:1 peer when it becomes known, never erases one.
    Status ensureConversation(quint64 id, quint64 peerUserId, const QString &peerUsername);
    Result<std::optional<Ordering>> ordering(quint64 conversationId) const;
    Status setLastContiguousSeq(quint64 conversationId, quint64 seq);
    //! A system event proves the conversation is a group (which has no peer).
    Status markGroup(quint64 conversationId);
    //! Applies released system events (seq above the last group_info snapshot) to the group.
    Result<bool> applyEvents(quint64 conversationId, const QList<MessageRecord> &released,
                             quint64 infoSeq);

    Database &m_db;
    AccountStore &m_accounts;
};

} // namespace tidings::client
