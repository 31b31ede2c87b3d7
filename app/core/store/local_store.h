#pragma once
// The device's local cache in SQLite (Qt Sql, one uniquely named connection per instance):
// account settings, conversations with their cursors, messages and the outbox. Every write runs
// in one transaction, so a crash leaves either the old or the new state, never half of a batch.
//
// Ordering lives here too: a conversation's last_contiguous_seq only ever advances over seqs that
// are stored (or declared unavailable by fillGap), so "released" messages reach the app exactly
// once and in seq order, across restarts.
#include "core/store/records.h"
#include "protocol/result.h"

#include <QString>

#include <memory>
#include <optional>

class QSqlQuery;

namespace tidings::client {

class LocalStore {
public:
    //! 2: conversation kinds, group names and members, system events, all-member cursors.
    static constexpr int kSchemaVersion = 2;

    //! Opens (creating if needed) the database file at `path`; ":memory:" works for tests.
    static Result<std::unique_ptr<LocalStore>> open(const QString &path);
    ~LocalStore();
    LocalStore(const LocalStore &) = delete;
    LocalStore &operator=(const LocalStore &) = delete;

    int schemaVersion() const;

    // --- account ----------------------------------------------------------------------------
    Result<AccountSettings> account() const;
    //! Saves the account; if it belongs to another user than the stored one, the cached
    //! conversations, messages and outbox are dropped in the same transaction.
    Status saveAccount(const AccountSettings &account);

    // --- conversations ----------------------------------------------------------------------
    Status upsertConversation(quint64 id, quint64 peerUserId, const QString &peerUsername);
    Result<std::optional<ConversationRecord>> conversation(quint64 id) const;
    Result<std::optional<ConversationRecord>> conversationWithPeer(const QString &username) const;
    Result<QList<ConversationRecord>> conversations() const;
    //! Monotonic: cursors never move backwards. Returns true when something changed.
    Result<bool> updatePeerCursors(quint64 conversationId, quint64 deliveredSeq, quint64 readSeq);
    Result<bool> updateMyReadSeq(quint64 conversationId, quint64 readSeq);
    //! A receipt_push (or a history page's cursor): in a group the all-member cursors drive the
    //! ticks, in a 1:1 the peer's; a receipt about me (my other device) moves my read cursor.
    Result<ReceiptEffect> applyReceipt(quint64 conversationId, quint64 userId, quint64 deliveredSeq,
                                       quint64 readSeq, quint64 allDeliveredSeq, quint64 allReadSeq,
                                       quint64 myUserId);
    //! Messages of others above my read cursor (system events excluded).
    Result<int> unreadCount(quint64 conversationId) const;

    // --- groups -----------------------------------------------------------------------------
    //! What the server said about a conversation: kind, name, peer and (groups) the full member
    //! list, which replaces the stored one. System events up to info.lastSeq are not re-applied.
    Status applyConversationInfo(const ConversationInfo &info, quint64 myUserId);
    Status setConversationKind(quint64 conversationId, ConversationKind kind);
    //! Members by role (admins first), then username.
    Result<QList<MemberRecord>> members(quint64 conversationId) const;

    // --- outgoing ---------------------------------------------------------------------------
    //! Writes pending message rows and their outbox entries in one transaction.
    Status enqueueOutgoing(const QList<OutgoingDraft> &drafts, const AccountSettings &me);
    //! The outbox in insertion order.
    Result<QList<OutboxEntry>> outbox() const;
    Result<int> outboxSize() const;
    //! The server stored the message: sets its seq, drops it from the outbox, advances ordering.
    Result<ConversationAdvance> applySendAck(const QString &clientMessageId, quint64 conversationId,
                                             quint64 seq, qint64 serverTimeMs);
    //! The same for a batch of acks, in one transaction; one advance per touched conversation.
    Result<QList<ConversationAdvance>> applySendAcks(const QList<SendAckRecord> &acks);
    //! The server refused the message for good: it leaves the outbox and is marked failed.
    Status markFailed(const QString &clientMessageId);

    // --- incoming ---------------------------------------------------------------------------
    //! Stores messages de-duplicated by (conversation, seq) and by (sender device, client id),
    //! then advances each touched conversation. One transaction for the whole batch.
    Result<QList<ConversationAdvance>> storeIncoming(const QList<IncomingMessage> &messages,
                                                     qint64 receivedAtMs,
                                                     const AccountSettings &me);
    //! A history page proved that nothing else exists in (last, untilSeq] for this device:
    //! advance last_contiguous_seq to at least untilSeq, then over any stored rows above it.
    Result<ConversationAdvance> fillGap(quint64 conversationId, quint64 untilSeq);
    //! Conversations whose held rows sit above a missing range.
    Result<QList<Hole>> holes() const;

    // --- reading ----------------------------------------------------------------------------
    //! The newest `limit` stored messages oldest→newest, then pending ones in send order.
    Result<QList<MessageRecord>> history(quint64 conversationId, int limit) const;
    Result<std::optional<MessageRecord>> messageByClientId(const QString &clientMessageId,
                                                           quint64 senderUserId) const;
    //! Released messages of others that the app has not shown yet, per conversation in seq order.
    //! With skipUnknownKind, conversations whose kind is not known yet wait.
    Result<QList<MessageRecord>> unnotified(int limit, bool skipUnknownKind = false) const;
    Status markNotified(const QList<qint64> &rowIds);

private:
    explicit LocalStore(QString connectionName);
    Status migrate();
    Status exec(const QString &sql);
    Status exec(QSqlQuery &query) const;
    Status begin();
    Status commit();
    void rollback();
    Result<ConversationAdvance> advance(quint64 conversationId, quint64 floorSeq);
    Status ensureConversation(quint64 id, quint64 peerUserId, const QString &peerUsername);
    //! Applies released system events (seq above the last group_info snapshot) to the group.
    Result<bool> applyEvents(quint64 conversationId, const QList<MessageRecord> &released,
                             quint64 infoSeq);

    QString m_connectionName;
};

} // namespace tidings::client
