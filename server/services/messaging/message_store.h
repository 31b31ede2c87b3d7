#pragma once
// What messaging needs from storage. Work on a conversation runs on its shard (in PostgreSQL: the
// pool connection chosen by the conversation id), so one conversation's writes are serialized;
// batches of sends and acks are stored by one statement each.
#include "services/messaging/messaging.h"

#include <functional>
#include <utility>
#include <vector>

namespace tidings::server {

//! tidings_send_batch's per-item status (NoSuchBlob: tidings_send_batch_media's).
enum class SendStatus {
    Stored = 0,
    NotMember = 1,
    NoConversation = 2,
    Blocked = 3,
    NoSuchBlob = 4,
    //! Not from SQL: PostgreSQL refused the statement with this item alone in it (a value no
    //! check before caught). It fails alone; the batch it came in is stored without it.
    Refused = 100,
};

struct SendRow {
    quint64 userId = 0;
    quint64 deviceId = 0;
    quint64 conversationId = 0;
    QByteArray clientMessageId;
    QByteArray payload;
    bool encrypted = false;
    std::vector<std::pair<quint64, QByteArray>> envelopes; //!< (device, ciphertext)
    std::vector<QByteArray> attachments = {}; //!< distinct blob ids (hex) the payload names
};

struct StoredSend {
    SendStatus status = SendStatus::NoConversation;
    quint64 seq = 0;
    qint64 createdMs = 0;
    bool duplicate = false;
};

struct AckRow {
    quint64 userId = 0;
    quint64 deviceId = 0;
    quint64 conversationId = 0;
    quint64 delivered = 0;
    quint64 read = 0;
};

//! A user's cursors that moved, with the conversation's lowest cursors over all members.
struct CursorMove {
    Cursor cursor;
    bool group = false;
    quint64 allDelivered = 0;
    quint64 allRead = 0;
    bool allChanged = false; //!< the lowest cursors moved too
};

struct AckOutcome {
    std::vector<std::size_t> refused; //!< indexes into the batch: not a member
    std::vector<CursorMove> moved;
};

struct HistoryRows {
    std::vector<wire::Message> messages; //!< up to the asked limit, in seq order
    std::vector<Cursor> cursors;
};

class MessageStore {
public:
    template <typename T> using Callback = std::function<void(Result<T>)>;

    virtual ~MessageStore() = default;

    //! Shards a batch can go to: 0 .. shardCount() - 1 (the bulk shard included).
    virtual int shardCount() const = 0;
    virtual int shardOf(quint64 conversationId) const = 0;
    //! A shard of its own for big groups' sends and acks; -1 when there is none.
    virtual int bulkShard() const { return -1; }

    //! Stores a batch in one transaction; one outcome per row, in order.
    virtual void storeSends(int shard, const std::vector<SendRow> &rows, qint64 nowMs,
                            Callback<std::vector<StoredSend>> cb) = 0;
    //! Advances cursors monotonically in one transaction.
    virtual void storeAcks(int shard, const std::vector<AckRow> &rows, Callback<AckOutcome> cb) = 0;
    //! Messages after_seq < seq <= until_seq that `deviceId` of `userId` may see (since the
    //! device was added, since the user joined), at most `limit`; and every member's cursors.
    virtual void history(quint64 userId, quint64 deviceId, quint64 conversationId, quint64 afterSeq,
                         quint64 untilSeq, qint64 limit, Callback<HistoryRows> cb) = 0;
    //! The device's pending messages after (afterConv, afterSeq) in (conversation, seq) order, at
    //! most `limit`: its inbox entries past its cursors (1:1) and, in each group it is a member
    //! of, the messages past its cursor that it may see; none older than the inbox expiry.
    virtual void inboxPage(quint64 deviceId, quint64 afterConv, quint64 afterSeq, int limit,
                           qint64 nowMs, Callback<std::vector<wire::Message>> cb) = 0;
};

} // namespace tidings::server
