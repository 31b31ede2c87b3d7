#include "services/messaging/pg_message_store.h"

#include "core/logging.h"
#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "services/common/errors.h"
#include "services/common/message_rows.h"

#include <memory>

namespace tidings::server {

namespace {

SendStatus sendStatus(qint64 code) {
    switch (code) {
    case 0:
        return SendStatus::Stored;
    case 1:
        return SendStatus::NotMember;
    case 3:
        return SendStatus::Blocked;
    case 4:
        return SendStatus::NoSuchBlob;
    default:
        return SendStatus::NoConversation;
    }
}

} // namespace

int PgMessageStore::shardCount() const {
    return m_pool.size() + (m_pool.bulkShard() >= 0 ? 1 : 0);
}

int PgMessageStore::bulkShard() const {
    return m_pool.bulkShard();
}

int PgMessageStore::shardOf(quint64 conversationId) const {
    return m_pool.shardOf(conversationId);
}

void PgMessageStore::storeSends(int shard, const std::vector<SendRow> &rows, qint64 nowMs,
                                Callback<std::vector<StoredSend>> cb) {
    runSendBatch(
        shard, rows, nowMs,
        [this, shard, rows, nowMs, cb](PgFailure failure, Result<std::vector<StoredSend>> r) {
            if (r || failure != PgFailure::Statement)
                return cb(std::move(r));
            if (rows.size() == 1) {
                // PostgreSQL refused this one item itself: it fails alone, and for good.
                return cb(std::vector<StoredSend>{StoredSend{SendStatus::Refused, 0, 0, false}});
            }
            // One item PostgreSQL refuses makes it refuse the whole statement (a transaction): run
            // the halves one after the other (order kept) until the bad item stands alone, so the
            // other users' messages in the batch are stored as if it had not been there.
            const auto mid = rows.begin() + qsizetype(rows.size() / 2);
            const std::vector<SendRow> first(rows.begin(), mid);
            auto second = std::make_shared<const std::vector<SendRow>>(mid, rows.end());
            storeSends(shard, first, nowMs,
                       [this, shard, second, nowMs, cb](Result<std::vector<StoredSend>> a) {
                           if (!a)
                               return cb(std::move(a));
                           storeSends(
                               shard, *second, nowMs,
                               [a = std::move(*a), cb](Result<std::vector<StoredSend>> b) mutable {
                                   if (!b)
                                       return cb(std::move(b));
                                   a.insert(a.end(), b->begin(), b->end());
                                   cb(std::move(a));
                               });
                       });
        });
}

void PgMessageStore::runSendBatch(
    int shard, const std::vector<SendRow> &rows, qint64 nowMs,
    std::function<void(PgFailure, Result<std::vector<StoredSend>>)> cb) {
    std::vector<quint64> users, devices, convs, envIdx, envDevices, attIdx;
    std::vector<QByteArray> ids, payloads, envPayloads, encrypted, attBlobs;
    users.reserve(rows.size());
    devices.reserve(rows.size());
    convs.reserve(rows.size());
    ids.reserve(rows.size());
    payloads.reserve(rows.size());
    encrypted.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto &it = rows[i];
        users.push_back(it.userId);
        devices.push_back(it.deviceId);
        convs.push_back(it.conversationId);
        ids.push_back(it.clientMessageId);
        payloads.push_back(it.payload);
        encrypted.push_back(it.encrypted ? "t" : "f");
        for (const auto &[device, payload] : it.envelopes) {
            envIdx.push_back(i + 1);
            envDevices.push_back(device);
            envPayloads.push_back(payload);
        }
        for (const auto &blob : it.attachments) {
            attIdx.push_back(i + 1);
            attBlobs.push_back(blob);
        }
    }
    // Batches that name no blob use the plain function: text messages pay nothing for media.
    const bool media = !attIdx.empty();
    PgQuery query{media
                      ? "SELECT idx, status, seq, (extract(epoch FROM created_at) * 1000)::bigint "
                        "AS created_ms, duplicate FROM tidings_send_batch_media($1, $2, $3, $4, "
                        "$5, $6::boolean[], $7::bigint[], $8::bigint[], $9::bytea[], "
                        "$10::bigint[], $11::text[], to_timestamp($12::double precision / 1000))"
                      : "SELECT idx, status, seq, (extract(epoch FROM created_at) * 1000)::bigint "
                        "AS created_ms, duplicate FROM tidings_send_batch($1, $2, $3, $4, $5, "
                        "$6::boolean[], $7::bigint[], $8::bigint[], $9::bytea[], "
                        "to_timestamp($10::double precision / 1000))",
                  {},
                  {}};
    query.arg(pgarray::ints(users))
        .arg(pgarray::ints(devices))
        .arg(pgarray::ints(convs))
        .arg(pgarray::texts(ids))
        .arg(pgarray::byteas(payloads))
        .arg(pgarray::texts(encrypted))
        .arg(pgarray::ints(envIdx))
        .arg(pgarray::ints(envDevices))
        .arg(pgarray::byteas(envPayloads));
    if (media)
        query.arg(pgarray::ints(attIdx)).arg(pgarray::texts(attBlobs));
    query.arg(nowMs);
    const std::size_t count = rows.size();
    m_pool.at(shard)->exec(std::move(query), [cb, count](PgResult r) {
        if (!r.ok() || r.rows() != int(count))
            return cb(r.failureKind(), databaseError(r, lcMessaging()));
        const int cIdx = r.column("idx"), cStatus = r.column("status"), cSeq = r.column("seq"),
                  cAt = r.column("created_ms"), cDup = r.column("duplicate");
        std::vector<StoredSend> out(count);
        for (int row = 0; row < r.rows(); ++row) {
            const qint64 idx = r.int64(row, cIdx);
            if (idx < 1 || idx > qint64(count))
                return cb(PgFailure::None, databaseError(r, lcMessaging()));
            out[std::size_t(idx - 1)] =
                StoredSend{sendStatus(r.int64(row, cStatus)), quint64(r.int64(row, cSeq)),
                           r.int64(row, cAt), r.boolean(row, cDup)};
        }
        cb(PgFailure::None, std::move(out));
    });
}

void PgMessageStore::storeAcks(int shard, const std::vector<AckRow> &rows,
                               Callback<AckOutcome> cb) {
    std::vector<quint64> users, devices, convs, delivered, read;
    for (const auto &it : rows) {
        users.push_back(it.userId);
        devices.push_back(it.deviceId);
        convs.push_back(it.conversationId);
        delivered.push_back(it.delivered);
        read.push_back(it.read);
    }
    m_pool.at(shard)->exec(
        PgQuery{"SELECT kind, idx, conversation_id, user_id, delivered_seq, read_seq, conv_kind, "
                "all_delivered, all_read, all_changed FROM tidings_ack_batch($1, $2, $3, $4, $5)",
                {},
                {}}
            .arg(pgarray::ints(users))
            .arg(pgarray::ints(devices))
            .arg(pgarray::ints(convs))
            .arg(pgarray::ints(delivered))
            .arg(pgarray::ints(read)),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcMessaging()));
            const int cKind = r.column("kind"), cIdx = r.column("idx"),
                      cConv = r.column("conversation_id"), cUser = r.column("user_id"),
                      cDelivered = r.column("delivered_seq"), cRead = r.column("read_seq"),
                      cConvKind = r.column("conv_kind"), cAllDelivered = r.column("all_delivered"),
                      cAllRead = r.column("all_read"), cAllChanged = r.column("all_changed");
            AckOutcome out;
            for (int row = 0; row < r.rows(); ++row) {
                // 'x': a refused item (not a member); 'c': a user's cursors that moved.
                if (r.text(row, cKind) == "x") {
                    out.refused.push_back(std::size_t(r.int64(row, cIdx) - 1));
                    continue;
                }
                out.moved.push_back(CursorMove{
                    Cursor{quint64(r.int64(row, cConv)), quint64(r.int64(row, cUser)),
                           quint64(r.int64(row, cDelivered)), quint64(r.int64(row, cRead))},
                    r.int64(row, cConvKind) == 2, quint64(r.int64(row, cAllDelivered)),
                    quint64(r.int64(row, cAllRead)), r.boolean(row, cAllChanged)});
            }
            cb(std::move(out));
        });
}

void PgMessageStore::history(quint64 userId, quint64 deviceId, quint64 conv, quint64 afterSeq,
                             quint64 untilSeq, qint64 limit, Callback<HistoryRows> cb) {
    // A reader connection: a page shows what is committed (a send is acked only once it is), so it
    // needs no ordering with the conversation's shard, and it must not wait behind its batches.
    auto *db = m_pool.reader();
    auto out = std::make_shared<Result<HistoryRows>>(HistoryRows{});
    // Both statements go out at once on that connection; results arrive in order.
    db->exec(PgQuery{QByteArray("SELECT ") + kMessageColumns + e2eColumns(5) + " FROM messages m" +
                         kMessageJoins +
                         "WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq <= $3 "
                         // Envelope-only sends to other devices are not this device's (its own
                         // sends it sees, for their seq and client id).
                         " AND (octet_length(m.payload) > 0 OR m.event_kind IS NOT NULL "
                         "  OR m.sender_device_id = $5 "
                         "  OR EXISTS (SELECT 1 FROM envelopes e WHERE "
                         "  e.conversation_id = m.conversation_id AND e.seq = m.seq AND "
                         "  e.created_at = m.created_at AND e.device_id = $5)) "
                         // A device sees what was sent since it was added (as its inbox does):
                         // older ciphertexts were never encrypted to it. A group member sees
                         // what was sent since it joined.
                         " AND m.created_at >= (SELECT created_at FROM devices WHERE id = $5) "
                         " AND m.seq > COALESCE((SELECT joined_seq FROM members WHERE "
                         "  conversation_id = $1 AND user_id = $6), 0) "
                         "ORDER BY m.seq LIMIT $4",
                     {},
                     {}}
                 .arg(conv)
                 .arg(afterSeq)
                 .arg(untilSeq)
                 .arg(limit)
                 .arg(deviceId)
                 .arg(userId),
             [out](PgResult r) {
                 if (!r.ok()) {
                     *out = databaseError(r, lcMessaging());
                     return;
                 }
                 const MessageReader reader(r);
                 auto &messages = (*out)->messages;
                 messages.resize(std::size_t(r.rows()));
                 for (int i = 0; i < r.rows(); ++i)
                     reader.read(i, &messages[std::size_t(i)]);
             });
    db->exec(PgQuery{"SELECT user_id, delivered_seq, read_seq FROM members "
                     "WHERE conversation_id = $1",
                     {},
                     {}}
                 .arg(conv),
             [out, cb, conv](PgResult c) {
                 if (!*out)
                     return cb(std::move(*out));
                 if (!c.ok())
                     return cb(databaseError(c, lcMessaging()));
                 const int cUser = c.column("user_id"), cDelivered = c.column("delivered_seq"),
                           cRead = c.column("read_seq");
                 auto &cursors = (*out)->cursors;
                 for (int i = 0; i < c.rows(); ++i)
                     cursors.push_back(Cursor{conv, quint64(c.int64(i, cUser)),
                                              quint64(c.int64(i, cDelivered)),
                                              quint64(c.int64(i, cRead))});
                 cb(std::move(*out));
             });
}

void PgMessageStore::inboxPage(quint64 deviceId, quint64 afterConv, quint64 afterSeq, int limit,
                               qint64 nowMs, Callback<std::vector<wire::Message>> cb) {
    // The device's 1:1 inbox rows and its groups past its cursors (fan-out on read), merged: see
    // db/functions/tidings_inbox_page.sql.
    const qint64 notBeforeMs = nowMs - qint64(m_inboxDays) * 24 * 3600 * 1000;
    m_pool.reader()->exec(PgQuery{"SELECT * FROM tidings_inbox_page($1, $2, $3, $4, "
                                  "to_timestamp($5::double precision / 1000))",
                                  {},
                                  {}}
                              .arg(deviceId)
                              .arg(afterConv)
                              .arg(afterSeq)
                              .arg(limit)
                              .arg(notBeforeMs),
                          [cb](PgResult r) {
                              if (!r.ok())
                                  return cb(databaseError(r, lcMessaging()));
                              const MessageReader reader(r);
                              std::vector<wire::Message> out(std::size_t(r.rows()));
                              for (int i = 0; i < r.rows(); ++i)
                                  reader.read(i, &out[std::size_t(i)]);
                              cb(std::move(out));
                          });
}

} // namespace tidings::server
