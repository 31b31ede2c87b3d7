#pragma once
// The logic of messaging, over a MessageStore, the membership cache, the device directory and
// Delivery:
// - a device's sends are stored in the order it made them, also when an encrypted send must
//   first be checked against the conversation's current devices (STALE_DEVICES);
// - sends and acks use group commit per shard: those that arrive while the shard's previous
//   batch is in flight are stored together by one statement, so durability costs one commit per
//   batch instead of one per message;
// - a stored message is pushed to every connected device of every member except the sending
//   one (envelope sends only to their addressees), receipts to the users whose ticks moved.
#include "protocol/limits.h"
#include "services/common/device_directory.h"
#include "services/messaging/batcher.h"
#include "services/messaging/bulk_yield.h"
#include "services/messaging/message_store.h"
#include "services/messaging/messaging.h"
#include "services/messaging/shard_lanes.h"

#include <QHash>
#include <QObject>

#include <deque>
#include <memory>

namespace tidings::server {

class Clock;
class Delivery;
class DeviceDirectory;
class Membership;
class RevokedDevices;

class MessagingService final : public Messaging {
public:
    //! Bounded so that one batch stays a reasonable statement (payloads travel hex-encoded).
    static constexpr std::size_t kMaxSendBatch = 128;
    static constexpr std::size_t kMaxAckBatch = 512;
    //! Inbox rows per page of a drain.
    static constexpr int kInboxPage = limits::kMaxMessagesPerPush;
    //! Groups with more members go to the store's bulk shard (ShardLanes).
    static constexpr qsizetype kBulkMembers = 32;
    //! Pause between ack batches on the bulk shard (see the constructor).
    static constexpr int kBulkAckPaceMs = 100;
    //! A big group's members pushed to per event-loop pass (pushToMembers).
    static constexpr qsizetype kSliceMembers = 32;
    //! At most one log line per this long about the bulk shard yielding (BulkYield).
    static constexpr qint64 kYieldReportUs = 10'000'000;

    //! `revoked`: sends of a device revoked while they waited in memory are refused, not
    //! stored.
    MessagingService(MessageStore &store, Membership &membership, DeviceDirectory &directory,
                     Delivery &delivery, const RevokedDevices &revoked, const Clock &clock);
    ~MessagingService() override;

    void send(const Caller &caller, OutgoingMessage message, Reply<SendAck> reply) override;
    void ack(const Caller &caller, quint64 conversationId, quint64 delivered, quint64 read,
             StatusReply reply) override;
    void history(const Caller &caller, const HistoryQuery &query,
                 Reply<HistoryPage> reply) override;
    void drainInbox(const Caller &caller, InboxSink sink) override;

    //! Sends without a device digest (not end-to-end encrypted) are answered NOT_ENCRYPTED and
    //! not stored. The server sets this from ServerConfig::allowUnencrypted; unit tests of the
    //! message path leave it off.
    void setRefuseUnencrypted(bool refuse) { m_refuseUnencrypted = refuse; }

    quint64 storedCount() const { return m_stored; }
    //! How many times the bulk shard waited for interactive traffic (BulkYield).
    quint64 bulkPauses() const { return m_bulkPauses; }
    //! The largest number of sends stored by one statement so far.
    std::size_t largestSendBatch() const { return m_sends.largestBatch(); }

private:
    struct PendingSend {
        SendRow row;
        QString username;
        std::vector<DeviceRef> targets; //!< (user, device) per envelope
        QByteArray digest;
        Reply<SendAck> reply;
        qint64 queuedUs = 0; //!< when it was queued for storing (monotonic, BulkYield)
    };
    //! Sends of one device wait here while an encrypted send of that device is being checked,
    //! so that its sends are stored in the order they arrived.
    struct DeviceQueue {
        std::deque<PendingSend> items;
        bool busy = false;
    };
    struct PendingAck {
        AckRow row;
        StatusReply reply;
        int lanes = 1; //!< acks merged into this one, each holding its conversation's lane
    };

    void nextSend(quint64 deviceId);
    //! Checks an encrypted send against the current device set and queues it for storing;
    //! `done` runs once it is queued or refused.
    void checkEncrypted(PendingSend item, std::function<void()> done);
    void flushSends(int shard, std::vector<PendingSend> batch, std::function<void()> done);
    void flushAcks(int shard, std::vector<PendingAck> batch, std::function<void()> done);
    void fanOut(const PendingSend &item, quint64 seq, qint64 at);
    void drainPage(quint64 deviceId, quint64 afterConv, quint64 afterSeq, quint32 count,
                   InboxSink sink);
    void pushReceipt(const wire::ReceiptPush &receipt, bool group);
    //! `each` for every member: at once, or for a big group in slices behind the earlier ones.
    void pushToMembers(const QList<quint64> &members, std::function<void(quint64)> each);
    void scheduleSlice();
    void pushAggregate(quint64 conversationId, quint64 allDelivered, quint64 allRead, qint64 atMs);
    //! Queues a checked send for storing, on its conversation's lane.
    void queueSend(PendingSend item);
    //! The conversation's own shard, or the bulk shard for a big group.
    int laneFor(quint64 conversationId);

    MessageStore &m_store;
    Membership &m_membership;
    DeviceDirectory &m_directory;
    Delivery &m_delivery;
    const RevokedDevices &m_revoked;
    const Clock &m_clock;
    QHash<quint64, DeviceQueue> m_checking; //!< sending device → sends behind a check
    quint64 m_stored = 0;
    bool m_refuseUnencrypted = false;
    std::unique_ptr<QObject> m_timers; //!< context of the bulk shard's pacing and slice timers
    BulkYield m_yield;
    //! A big group's pushes still to go out (pushToMembers), oldest first.
    struct SliceJob {
        QList<quint64> members;
        qsizetype next = 0;
        std::function<void(quint64)> each;
    };
    std::deque<SliceJob> m_sliced;
    bool m_sliceScheduled = false;
    quint64 m_bulkPauses = 0;
    qint64 m_bulkPausedUs = 0; //!< for the log line
    qint64 m_yieldReportUs = 0;
    ShardLanes m_sendLanes;
    ShardLanes m_ackLanes;
    Batcher<PendingSend> m_sends;
    Batcher<PendingAck> m_acks;
};

} // namespace tidings::server
