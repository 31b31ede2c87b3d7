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

#include <functional>
#include <memory>
#include <optional>

class QSqlQuery;

namespace tidings::crypto {
class SecretBytes;
}

namespace tidings::client {

namespace detail {
class StoreCipher;
}

class LocalStore {
public:
    //! 2: conversation kinds, group names and members, system events, all-member cursors.
    //! 3: encrypted bodies and blind search tokens, undecryptable/hidden rows, display names,
    //! receipt times.
    static constexpr int kSchemaVersion = 4;

    //! Opens (creating if needed) the database file at `path`; ":memory:" works for tests.
    //! Stores everything in plaintext: only for tests that do not care. Nothing in app/ may use
    //! this overload; the app opens with the device's master key (loadOrCreateMasterKey).
    //! Fails with BadCredentials on a store that was encrypted with a master key.
    static Result<std::unique_ptr<LocalStore>> open(const QString &path);
    //! Opens the store encrypted at rest: message texts and outbox payloads are sealed under a
    //! subkey of `masterKey` (32 bytes) and the search index holds keyed blind tokens. A
    //! plaintext store is encrypted in place on the first such open. Another key than the one the
    //! store was encrypted with fails with BadCredentials (nothing is read or changed).
    static Result<std::unique_ptr<LocalStore>> open(const QString &path,
                                                    const crypto::SecretBytes &masterKey);
    ~LocalStore();
    LocalStore(const LocalStore &) = delete;
    LocalStore &operator=(const LocalStore &) = delete;

    int schemaVersion() const;
    //! True when opened with a master key (bodies and outbox sealed, blind search tokens).
    bool isEncrypted() const { return m_cipher != nullptr; }

    //! The QSqlDatabase connection name, so the E2E engine can keep its tables (sessions,
    //! sender keys) in this file and write them in the same transactions. Use it only through
    //! QSqlDatabase::database(name) on this thread, and only inside transaction() or the
    //! storeIncoming hook when the write must commit together with store data.
    QString connectionName() const { return m_connectionName; }
    //! Runs `body` in one transaction: commits when it succeeds, rolls back when it fails.
    //! Store methods called from `body` join it (nested levels are savepoints).
    Status transaction(const std::function<Status()> &body);

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

    // --- profiles ---------------------------------------------------------------------------
    //! A user's display name (members, 1:1 peers; mine too, which also sets
    //! AccountSettings.displayName). An empty name clears it.
    Status setDisplayName(quint64 userId, const QString &name);
    Result<QString> displayName(quint64 userId) const;

    // --- receipt times ----------------------------------------------------------------------
    //! Remembers when a member's cursors moved (only advances are kept; each conversation keeps
    //! its newest kReceiptTimesKept rows).
    static constexpr int kReceiptTimesKept = 1000;
    Status recordReceiptTime(quint64 conversationId, quint64 userId, quint64 deliveredSeq,
                             quint64 readSeq, qint64 atMs);
    //! For each member (a 1:1: the peer) the time of the first advance that covered `seq`; 0 when
    //! not covered yet or when that advance is no longer kept. Me excluded.
    Result<QList<ReceiptTime>> receiptTimes(quint64 conversationId, quint64 seq) const;

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
    //! The frames an outbox entry was encrypted into (empty: none yet). Kept until the entry
    //! leaves the outbox, so a resend after a reconnect or restart repeats the same bytes.
    Result<QByteArray> outboxPrepared(const QString &clientMessageId) const;
    Status setOutboxPrepared(const QString &clientMessageId, const QByteArray &prepared);
    //! Forgets the prepared frames of every outbox entry of a conversation (its device set
    //! changed: they must be encrypted again).
    Status clearOutboxPrepared(quint64 conversationId);
    //! The server refused the message for good: it leaves the outbox and is marked failed.
    Status markFailed(const QString &clientMessageId);

    // --- incoming ---------------------------------------------------------------------------
    //! Stores messages de-duplicated by (conversation, seq) and by (sender device, client id),
    //! then advances each touched conversation. One transaction for the whole batch.
    //! `inTransaction` (optional) runs after the rows are written and before the commit, in the
    //! same transaction (e.g. the ratchet state that decrypted them); when it fails, nothing of
    //! the batch is stored and its error is returned. Hidden messages (E2E control) are stored
    //! for contiguity but never released, counted as unread or returned by the read queries.
    Result<QList<ConversationAdvance>>
    storeIncoming(const QList<IncomingMessage> &messages, qint64 receivedAtMs,
                  const AccountSettings &me,
                  const std::function<Status()> &inTransaction = std::function<Status()>());
    //! A resent copy of a message stored as undecryptable: fills in its text and send time and
    //! clears the flag. A no-op when it is already readable; an error when no such row exists.
    //! May run inside the storeIncoming hook or transaction() (it nests as a savepoint).
    Status replaceUndecryptable(quint64 conversationId, quint64 seq, const QString &text,
                                qint64 sentAtMs);
    //! The same, but only when the stored row came from `senderUserId` (Forbidden otherwise):
    //! nobody but the original sender may fill in a placeholder.
    Status replaceUndecryptable(quint64 conversationId, quint64 seq, quint64 senderUserId,
                                const QString &text, qint64 sentAtMs);
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
    static Result<std::unique_ptr<LocalStore>> openImpl(const QString &path,
                                                        const crypto::SecretBytes *masterKey);
    Status migrate();
    //! Checks the key against the stored key check, or encrypts a plaintext store in place.
    Status setUpEncryption();
    Status ensureBlindIndex();
    //! Adds a sealed row's blind tokens to the contentless search index.
    Status indexBlind(qint64 rowId, const QString &text);
    //! Upserts users.display_name (inside the caller's transaction).
    Status writeDisplayName(quint64 userId, const QString &name);
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
    std::unique_ptr<detail::StoreCipher> m_cipher;
    int m_depth = 0; //!< open transaction levels (above 1: savepoints)
};

} // namespace tidings::client
