#pragma once
// MessageStore on PostgreSQL: batches through tidings_send_batch / tidings_ack_batch on the
// conversation's pool connection, history and inbox reads with named columns.
#include "db/pg_result.h"
#include "services/messaging/message_store.h"

namespace tidings::server {

class PgPool;

class PgMessageStore final : public MessageStore {
public:
    //! `inboxDays`: pending messages older than that are not delivered (as the inbox expires).
    explicit PgMessageStore(PgPool &pool, int inboxDays = 30)
        : m_pool(pool)
        , m_inboxDays(inboxDays) {}

    int shardCount() const override;
    int shardOf(quint64 conversationId) const override;
    int bulkShard() const override;
    void storeSends(int shard, const std::vector<SendRow> &rows, qint64 nowMs,
                    Callback<std::vector<StoredSend>> cb) override;
    void storeAcks(int shard, const std::vector<AckRow> &rows, Callback<AckOutcome> cb) override;
    void history(quint64 userId, quint64 deviceId, quint64 conversationId, quint64 afterSeq,
                 quint64 untilSeq, qint64 limit, Callback<HistoryRows> cb) override;
    void inboxPage(quint64 deviceId, quint64 afterConv, quint64 afterSeq, int limit, qint64 nowMs,
                   Callback<std::vector<wire::Message>> cb) override;

private:
    //! One tidings_send_batch statement; the failure kind tells a refusal from a lost connection.
    void runSendBatch(int shard, const std::vector<SendRow> &rows, qint64 nowMs,
                      std::function<void(PgFailure, Result<std::vector<StoredSend>>)> cb);

    PgPool &m_pool;
    int m_inboxDays;
};

} // namespace tidings::server
