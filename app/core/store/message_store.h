#pragma once
// Messages: written pending on this device (with their outbox entry), acknowledged by the
// server, received in pushes and history pages, ordered, and read. Every write runs in one
// transaction, so a crash leaves either the old or the new state, never half of a batch.
//
// Ordering lives here: a conversation's last_contiguous_seq only ever advances over seqs that are
// stored (or declared unavailable by fillGap), so "released" messages reach the app exactly once
// and in seq order, across restarts. Texts are sealed (StoreCipher) and indexed as blind tokens.
#include "core/store/records.h"
#include "protocol/result.h"

#include <functional>
#include <optional>

class QSqlQuery;

namespace tidings::client {

class ConversationStore;
class Database;
class OutboxStore;
class SearchIndex;
class TransferStore;

class MessageStore {
public:
    MessageStore(Database &db, ConversationStore &conversations, OutboxStore &outbox,
                 SearchIndex &search, TransferStore &transfers)
        : m_db(db)
        , m_conversations(conversations)
        , m_outbox(outbox)
        , m_search(search)
        , m_transfers(transfers) {}

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
    //! May run inside the storeIncoming hook or a caller's transaction (it nests).
    //! A group event's check changed (a change that waited for the ones before it).
    Status setEventCheck(quint64 conversationId, quint64 seq, EventCheck check,
                         const QString &refusal);
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

    // --- outgoing ---------------------------------------------------------------------------
    //! Writes pending message rows and their outbox entries in one transaction.
    Status enqueueOutgoing(const QList<OutgoingDraft> &drafts, const AccountSettings &me);
    //! A pending message with attachments (its text is the caption); returns its row id.
    //! `held`: the files upload first, so the row is written with its attachments queued and no
    //! outbox entry (releaseHeld adds it); otherwise (a forward: the blobs exist) the entry is
    //! written too and the attachments are done.
    Result<qint64> addOutgoing(const OutgoingDraft &draft,
                               const QList<media::AttachmentDescriptor> &attachments, bool held,
                               const AccountSettings &me);
    //! The uploads of a held message finished: its outbox entry (payload with the pointers) is
    //! written, so it is sent like any other, in its place among what is queued after now. A
    //! message that had failed is pending again.
    Status releaseHeld(const OutgoingDraft &draft);
    //! The server refused the message because a file it points to is gone (NO_SUCH_BLOB) and
    //! the files are uploaded again: it leaves the outbox and is held (pending, not failed)
    //! until releaseHeld().
    Status holdAgain(const QString &clientMessageId);
    //! The server stored the message: sets its seq, drops it from the outbox, advances ordering.
    Result<ConversationAdvance> applySendAck(const QString &clientMessageId, quint64 conversationId,
                                             quint64 seq, qint64 serverTimeMs);
    //! The same for a batch of acks, in one transaction; one advance per touched conversation.
    Result<QList<ConversationAdvance>> applySendAcks(const QList<SendAckRecord> &acks);
    //! The server refused the message for good: it leaves the outbox and is marked failed.
    Status markFailed(const QString &clientMessageId);

    // --- reading ----------------------------------------------------------------------------
    //! The newest `limit` stored messages oldest→newest, then pending ones in send order; at most
    //! `limit` in all.
    Result<QList<MessageRecord>> history(quint64 conversationId, int limit) const;
    //! The newest `limit` stored messages oldest→newest, then every pending one; with
    //! `fromSeq` > 0 instead every stored message with seq >= fromSeq (a jump target).
    Result<QList<MessageRecord>> latest(quint64 conversationId, int limit,
                                        quint64 fromSeq = 0) const;
    //! Up to `limit` stored messages with seq < beforeSeq, oldest→newest.
    Result<QList<MessageRecord>> olderThan(quint64 conversationId, quint64 beforeSeq,
                                           int limit) const;
    Result<std::optional<MessageRecord>> messageByRowId(qint64 rowId) const;
    //! A stored message by its place in the conversation (hidden ones excluded).
    Result<std::optional<MessageRecord>> messageBySeq(quint64 conversationId, quint64 seq) const;
    Result<std::optional<MessageRecord>> messageByClientId(const QString &clientMessageId,
                                                           quint64 senderUserId) const;
    //! Messages of others above my read cursor (system events excluded).
    Result<int> unreadCount(quint64 conversationId) const;
    //! Released messages of others that the app has not shown yet, per conversation in seq order.
    //! With skipUnknownKind, conversations whose kind is not known yet wait.
    Result<QList<MessageRecord>> unnotified(int limit, bool skipUnknownKind = false) const;
    Status markNotified(const QList<qint64> &rowIds);

private:
    //! A pending message leaves the outbox, failed or not.
    Status leaveOutbox(const QString &clientMessageId, bool failed);
    //! Advances last_contiguous_seq over stored rows (from at least floorSeq) and releases them.
    Result<ConversationAdvance> advance(quint64 conversationId, quint64 floorSeq);
    //! One pending row (and its outbox entry unless held); returns the row id.
    Result<qint64> insertPending(const OutgoingDraft &draft, const AccountSettings &me,
                                 bool toOutbox, qint64 nowMs);
    //! The first row selected by a query of kMessageColumns, with its attachments.
    Result<std::optional<MessageRecord>> readOne(QSqlQuery &query) const;
    //! Reads every row of a prepared, executed query.
    Result<QList<MessageRecord>> readAll(QSqlQuery &query) const;

    Database &m_db;
    ConversationStore &m_conversations;
    OutboxStore &m_outbox;
    SearchIndex &m_search;
    TransferStore &m_transfers;
};

} // namespace tidings::client
