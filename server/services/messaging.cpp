#include "services/messaging.h"

#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "gateway/session.h"
#include "protocol/limits.h"
#include "routing/router.h"
#include "server_logging.h"
#include "services/batcher.h"
#include "services/device_directory.h"
#include "services/membership.h"
#include "services/message_rows.h"
#include "services/replies.h"

#include <QDateTime>

namespace tidings::server {

namespace {

Error sendRefusal(int status) {
    switch (status) {
    case 1:
        return notMemberError();
    case 3:
        // Deliberately vague: the sender learns no more than that this send is not accepted.
        return Error{ErrorCode::Forbidden,
                     QStringLiteral("this user does not accept your messages")};
    default:
        return Error{ErrorCode::NoSuchConversation, QStringLiteral("no such conversation")};
    }
}

} // namespace

MessagingService::MessagingService(const ServerConfig &config, PgPool *pool, Router *router,
                                   Membership *membership, DeviceDirectory *directory,
                                   QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_pool(pool)
    , m_router(router)
    , m_membership(membership)
    , m_directory(directory) {
    // Bounded so that one batch stays a reasonable statement (payloads travel hex-encoded).
    m_sends = std::make_unique<Batcher<SendItem>>(
        pool->size(), 128,
        [this](int shard, std::vector<SendItem> batch, std::function<void()> done) {
            flushSends(shard, std::move(batch), std::move(done));
        });
    m_acks = std::make_unique<Batcher<AckItem>>(
        pool->size(), 512,
        [this](int shard, std::vector<AckItem> batch, std::function<void()> done) {
            flushAcks(shard, std::move(batch), std::move(done));
        });
}

MessagingService::~MessagingService() = default;

std::size_t MessagingService::largestSendBatch() const {
    return m_sends->largestBatch();
}

void MessagingService::openDirect(Session *session, quint64 requestId,
                                  const wire::OpenDirectRequest &req) {
    const QString peerName = protocol::normalizeUsername(QString::fromStdString(req.username()));
    const quint64 me = session->userId();
    QPointer<Session> guard(session);
    m_pool->any()->exec(
        PgQuery{"SELECT id, username, display_name FROM users WHERE username = $1", {}, {}}.arg(
            peerName),
        [this, guard, requestId, me](PgResult r) {
            if (!guard)
                return;
            if (!r.ok())
                return guard->sendError(requestId, databaseError(r, lcMessaging()));
            if (r.rows() == 0)
                return guard->sendError(
                    requestId, Error{ErrorCode::NoSuchUser, QStringLiteral("no such user")});
            const quint64 peer = quint64(r.int64(0, 0));
            const QString peerUsername = r.string(0, 1);
            const QString peerDisplayName = r.string(0, 2);
            const QByteArray key = QByteArray::number(std::min(me, peer)) + ':' +
                                   QByteArray::number(std::max(me, peer));
            // Insert-or-find in one statement; a concurrent creator can leave both parts empty
            // for the loser (its snapshot predates the winner's commit), so it retries once.
            auto query =
                PgQuery{"WITH c AS (INSERT INTO conversations (kind, direct_key) "
                        "VALUES (1, $1) ON CONFLICT (direct_key) DO NOTHING RETURNING id), "
                        "m AS (INSERT INTO members (conversation_id, user_id) "
                        "SELECT c.id, u FROM c, (SELECT DISTINCT unnest(ARRAY[$2, "
                        "$3]::bigint[]) AS u) us RETURNING conversation_id) "
                        "SELECT id, 0::bigint FROM c UNION ALL "
                        "SELECT id, last_seq FROM conversations WHERE direct_key = $1",
                        {},
                        {}}
                    .arg(key)
                    .arg(me)
                    .arg(peer);
            auto reply = std::make_shared<std::function<void(PgResult, int)>>();
            *reply = [this, guard, requestId, peer, peerUsername, peerDisplayName, query,
                      reply](PgResult r, int attempt) {
                if (!guard)
                    return;
                if (!r.ok())
                    return guard->sendError(requestId, databaseError(r, lcMessaging()));
                if (r.rows() == 0 && attempt == 0) {
                    m_pool->any()->exec(query,
                                        [reply](PgResult r2) { (*reply)(std::move(r2), 1); });
                    return;
                }
                if (r.rows() == 0)
                    return guard->sendError(
                        requestId, Error{ErrorCode::Internal, QStringLiteral("try again")});
                protocol::Frame out;
                out.set_request_id(requestId);
                auto *info = out.mutable_conversation_info();
                info->set_conversation_id(quint64(r.int64(0, 0)));
                info->set_peer_user_id(peer);
                info->set_peer_username(peerUsername.toStdString());
                info->set_peer_display_name(peerDisplayName.toStdString());
                info->set_last_seq(quint64(r.int64(0, 1)));
                guard->send(out);
                *reply = nullptr; // break the self-reference
            };
            m_pool->any()->exec(query, [reply](PgResult r2) {
                if (*reply)
                    (*reply)(std::move(r2), 0);
            });
        });
}

void MessagingService::flushSends(int shard, std::vector<SendItem> batch,
                                  std::function<void()> done) {
    std::vector<quint64> users, devices, convs, envIdx, envDevices;
    std::vector<QByteArray> ids, payloads, envPayloads, encrypted;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto &it = batch[i];
        users.push_back(it.userId);
        devices.push_back(it.deviceId);
        convs.push_back(it.conv);
        ids.push_back(it.clientId);
        payloads.push_back(it.payload);
        encrypted.push_back(it.encrypted ? "t" : "f");
        for (const auto &[device, payload] : it.envelopes) {
            envIdx.push_back(i + 1);
            envDevices.push_back(device);
            envPayloads.push_back(payload);
        }
    }
    auto items = std::make_shared<std::vector<SendItem>>(std::move(batch));
    m_pool->at(shard)->exec(
        PgQuery{"SELECT idx, status, seq, (extract(epoch FROM created_at) * 1000)::bigint, "
                "duplicate FROM tidings_send_batch($1, $2, $3, $4, $5, $6::boolean[], "
                "$7::bigint[], $8::bigint[], $9::bytea[], "
                "to_timestamp($10::double precision / 1000))",
                {},
                {}}
            .arg(pgarray::ints(users))
            .arg(pgarray::ints(devices))
            .arg(pgarray::ints(convs))
            .arg(pgarray::texts(ids))
            .arg(pgarray::byteas(payloads))
            .arg(pgarray::texts(encrypted))
            .arg(pgarray::ints(envIdx))
            .arg(pgarray::ints(envDevices))
            .arg(pgarray::byteas(envPayloads))
            .arg(m_config.nowMs()),
        [this, items, done](PgResult r) {
            if (!r.ok() || r.rows() != int(items->size())) {
                const Error err = databaseError(r, lcMessaging());
                for (const auto &it : *items)
                    if (it.session)
                        it.session->sendError(it.requestId, err);
                done();
                return;
            }
            for (int row = 0; row < r.rows(); ++row) {
                const auto &it = (*items)[std::size_t(r.int64(row, 0) - 1)];
                const int status = int(r.int64(row, 1));
                if (status != 0) {
                    if (it.session)
                        it.session->sendError(it.requestId, sendRefusal(status));
                    continue;
                }
                const quint64 seq = quint64(r.int64(row, 2));
                const qint64 at = r.int64(row, 3);
                const bool duplicate = r.boolean(row, 4);
                if (it.session) {
                    protocol::Frame ack;
                    ack.set_request_id(it.requestId);
                    auto *a = ack.mutable_send_ack();
                    a->set_conversation_id(it.conv);
                    a->set_client_message_id(it.clientId.toStdString());
                    a->set_seq(seq);
                    a->set_server_time_ms(at);
                    a->set_duplicate(duplicate);
                    it.session->send(ack);
                }
                // A duplicate was fanned out (and queued in inboxes) when it was first stored.
                if (!duplicate)
                    fanOut(it, seq, at);
            }
            done();
        });
}

void MessagingService::fanOut(const SendItem &item, quint64 seq, qint64 at) {
    ++m_stored;
    wire::Message msg;
    msg.set_conversation_id(item.conv);
    msg.set_seq(seq);
    msg.set_sender_user_id(item.userId);
    msg.set_sender_device_id(item.deviceId);
    msg.set_sender_username(item.username.toStdString());
    msg.set_client_message_id(item.clientId.toStdString());
    msg.set_server_time_ms(at);
    msg.set_payload(item.payload.toStdString());
    msg.set_encrypted(item.encrypted);
    const quint64 from = item.deviceId;
    QHash<quint64, QByteArray> envelopes;
    for (const auto &[device, payload] : item.envelopes)
        envelopes.insert(device, payload);
    m_membership->withMembers(
        item.conv, [this, msg, from, envelopes](Result<Membership::Members> members) {
            if (!members)
                return; // offline copies are in the inboxes; live push is best effort
            for (quint64 user : *members)
                for (Session *s : m_router->sessionsOfUser(user)) {
                    if (s->deviceId() == from)
                        continue;
                    const auto env = envelopes.constFind(s->deviceId());
                    if (env == envelopes.cend()) {
                        // An envelope-only send is for its addressees only (as in the inbox).
                        if (!msg.payload().empty())
                            s->queueMessage(msg);
                        continue;
                    }
                    wire::Message own = msg;
                    own.set_envelope(env->toStdString());
                    s->queueMessage(own);
                }
        });
}

void MessagingService::ack(Session *session, quint64 requestId, quint64 conv, quint64 delivered,
                           quint64 read) {
    m_acks->add(m_pool->shardOf(conv), AckItem{session, requestId, session->userId(),
                                               session->deviceId(), conv, delivered, read});
}

void MessagingService::flushAcks(int shard, std::vector<AckItem> batch,
                                 std::function<void()> done) {
    std::vector<quint64> users, devices, convs, delivered, read;
    for (const auto &it : batch) {
        users.push_back(it.userId);
        devices.push_back(it.deviceId);
        convs.push_back(it.conv);
        delivered.push_back(it.delivered);
        read.push_back(it.read);
    }
    auto items = std::make_shared<std::vector<AckItem>>(std::move(batch));
    m_pool->at(shard)->exec(
        PgQuery{"SELECT kind, idx, conversation_id, user_id, delivered_seq, read_seq, conv_kind, "
                "all_delivered, all_read, all_changed FROM tidings_ack_batch($1, $2, $3, $4, $5)",
                {},
                {}}
            .arg(pgarray::ints(users))
            .arg(pgarray::ints(devices))
            .arg(pgarray::ints(convs))
            .arg(pgarray::ints(delivered))
            .arg(pgarray::ints(read)),
        [this, items, done](PgResult r) {
            if (!r.ok()) {
                const Error err = databaseError(r, lcMessaging());
                for (const auto &it : *items)
                    if (it.session && it.requestId)
                        it.session->sendError(it.requestId, err);
                done();
                return;
            }
            std::vector<bool> refused(items->size(), false);
            // When the cursors moved: the ack batch just committed.
            const qint64 now = m_config.nowMs();
            QHash<quint64, std::pair<quint64, quint64>> aggregates;
            for (int row = 0; row < r.rows(); ++row) {
                if (r.text(row, 0) == "x") {
                    const std::size_t i = std::size_t(r.int64(row, 1) - 1);
                    refused[i] = true;
                    if ((*items)[i].session)
                        (*items)[i].session->sendError((*items)[i].requestId, notMemberError());
                    continue;
                }
                wire::ReceiptPush p;
                p.set_conversation_id(quint64(r.int64(row, 2)));
                p.set_user_id(quint64(r.int64(row, 3)));
                p.set_delivered_seq(quint64(r.int64(row, 4)));
                p.set_read_seq(quint64(r.int64(row, 5)));
                p.set_all_delivered_seq(quint64(r.int64(row, 7)));
                p.set_all_read_seq(quint64(r.int64(row, 8)));
                p.set_server_time_ms(now);
                const bool group = r.int64(row, 6) == 2;
                pushReceipt(p, group);
                // Every row of a conversation carries the same lowest cursors: collect them and
                // tell the whole group once.
                if (group && r.boolean(row, 9))
                    aggregates.insert(p.conversation_id(),
                                      {p.all_delivered_seq(), p.all_read_seq()});
            }
            for (auto it = aggregates.cbegin(); it != aggregates.cend(); ++it)
                pushAggregate(it.key(), it->first, it->second, now);
            for (std::size_t i = 0; i < items->size(); ++i) {
                const auto &it = (*items)[i];
                if (!refused[i])
                    sendOk(it.session, it.requestId);
            }
            done();
        });
}

void MessagingService::pushReceipt(const wire::ReceiptPush &receipt, bool group) {
    const quint64 conv = receipt.conversation_id();
    m_membership->withMembers(conv, [=, this](Result<Membership::Members> members) {
        if (!members)
            return;
        protocol::Frame f;
        *f.mutable_receipt_push() = receipt;
        // 1:1: both members, the reader's other devices included (read elsewhere). Groups: one
        // user's cursor matters only to that user's other devices; everyone else gets the
        // lowest cursors (pushAggregate), once per batch, not once per reader.
        const QList<quint64> users = group ? QList<quint64>{receipt.user_id()} : *members;
        for (quint64 user : users)
            for (Session *s : m_router->sessionsOfUser(user)) {
                s->flushPushes(); // receipts must not overtake the messages they refer to
                s->send(f);
            }
    });
}

void MessagingService::pushAggregate(quint64 conv, quint64 allDelivered, quint64 allRead,
                                     qint64 atMs) {
    m_membership->withMembers(conv, [=, this](Result<Membership::Members> members) {
        if (!members)
            return;
        protocol::Frame f;
        auto *a = f.mutable_receipt_push();
        a->set_conversation_id(conv);
        a->set_all_delivered_seq(allDelivered);
        a->set_all_read_seq(allRead);
        a->set_server_time_ms(atMs);
        for (quint64 user : *members)
            for (Session *s : m_router->sessionsOfUser(user)) {
                s->flushPushes();
                s->send(f);
            }
    });
}

void MessagingService::history(Session *session, quint64 requestId,
                               const wire::HistoryRequest &req) {
    const quint64 conv = req.conversation_id();
    const quint64 userId = session->userId();
    const quint64 deviceId = session->deviceId();
    const quint32 limit = req.limit() ? req.limit() : limits::kDefaultHistoryLimit;
    const quint64 until = req.until_seq() ? req.until_seq() : quint64(INT64_MAX);
    const quint64 after = req.after_seq();
    QPointer<Session> guard(session);
    m_membership->withMembers(conv, [=, this](Result<Membership::Members> members) {
        if (!guard)
            return;
        if (!members)
            return guard->sendError(requestId, members.error());
        if (!members->contains(userId))
            return guard->sendError(requestId, notMemberError());
        auto *db = m_pool->forKey(conv);
        db->exec(PgQuery{QByteArray("SELECT ") + kMessageColumns + e2eColumns(5) +
                             " FROM messages m" + kMessageJoins +
                             "WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq <= $3 "
                             // Envelope-only sends to other devices are not this device's
                             // (its own sends it sees, for their seq and client id).
                             " AND (octet_length(m.payload) > 0 OR m.event_kind IS NOT NULL "
                             "  OR m.sender_device_id = $5 "
                             "  OR EXISTS (SELECT 1 FROM envelopes e WHERE "
                             "  e.conversation_id = m.conversation_id AND e.seq = m.seq AND "
                             "  e.created_at = m.created_at AND e.device_id = $5)) "
                             // A device sees what was sent since it was added (as its inbox
                             // does): older ciphertexts were never encrypted to it. A group
                             // member sees what was sent since it joined.
                             " AND m.created_at >= (SELECT created_at FROM devices WHERE id = $5) "
                             " AND m.seq > COALESCE((SELECT joined_seq FROM members WHERE "
                             "  conversation_id = $1 AND user_id = $6), 0) "
                             "ORDER BY m.seq LIMIT $4",
                         {},
                         {}}
                     .arg(conv)
                     .arg(after)
                     .arg(until)
                     .arg(qint64(limit) + 1)
                     .arg(deviceId)
                     .arg(userId),
                 [=](PgResult r) {
                     if (!guard)
                         return;
                     if (!r.ok())
                         return guard->sendError(requestId, databaseError(r, lcMessaging()));
                     auto out = std::make_shared<protocol::Frame>();
                     out->set_request_id(requestId);
                     auto *h = out->mutable_history_response();
                     const int n = std::min(r.rows(), int(limit));
                     std::size_t bytes = 0;
                     int taken = 0;
                     for (; taken < n && bytes < limits::kMaxPushPayloadBytes; ++taken) {
                         readMessage(r, taken, h->add_messages());
                         bytes += h->messages(taken).payload().size() +
                                  h->messages(taken).envelope().size();
                     }
                     // Cut by bytes as well as by count: the rest is the next page.
                     h->set_has_more(r.rows() > taken);
                     db->exec(PgQuery{"SELECT user_id, delivered_seq, read_seq FROM members "
                                      "WHERE conversation_id = $1",
                                      {},
                                      {}}
                                  .arg(conv),
                              [=](PgResult c) {
                                  if (!guard)
                                      return;
                                  if (!c.ok())
                                      return guard->sendError(requestId,
                                                              databaseError(c, lcMessaging()));
                                  auto *hh = out->mutable_history_response();
                                  for (int i = 0; i < c.rows(); ++i) {
                                      auto *cur = hh->add_cursors();
                                      cur->set_conversation_id(conv);
                                      cur->set_user_id(quint64(c.int64(i, 0)));
                                      cur->set_delivered_seq(quint64(c.int64(i, 1)));
                                      cur->set_read_seq(quint64(c.int64(i, 2)));
                                  }
                                  guard->send(*out);
                              });
                 });
    });
}

void MessagingService::drainInbox(Session *session) {
    drainPage(session, 0, 0, 0);
}

void MessagingService::drainPage(QPointer<Session> session, quint64 afterConv, quint64 afterSeq,
                                 quint32 count) {
    if (!session)
        return;
    const int page = limits::kMaxMessagesPerPush;
    m_pool->any()->exec(
        PgQuery{QByteArray("SELECT ") + kMessageColumns + e2eColumns(1) +
                    " FROM inbox i "
                    "JOIN messages m ON m.conversation_id = i.conversation_id AND m.seq = i.seq "
                    " AND m.created_at = i.created_at " +
                    kMessageJoins +
                    "LEFT JOIN receipts r ON r.conversation_id = i.conversation_id "
                    " AND r.device_id = i.device_id "
                    "WHERE i.device_id = $1 AND i.seq > COALESCE(r.delivered_seq, 0) "
                    " AND (i.conversation_id, i.seq) > ($2, $3) "
                    "ORDER BY i.conversation_id, i.seq LIMIT $4",
                {},
                {}}
            .arg(session->deviceId())
            .arg(afterConv)
            .arg(afterSeq)
            .arg(page),
        [this, session, count](PgResult r) {
            if (!session)
                return;
            if (!r.ok()) {
                session->sendError(0, databaseError(r, lcMessaging()));
                session->close(QStringLiteral("inbox unavailable"));
                return;
            }
            const int n = r.rows();
            protocol::Frame f;
            std::size_t bytes = 0;
            for (int i = 0; i < n; ++i) {
                auto *m = f.mutable_message_push()->add_messages();
                readMessage(r, i, m);
                bytes += m->payload().size() + m->envelope().size();
                if (bytes >= limits::kMaxPushPayloadBytes || i == n - 1) {
                    session->send(f); // frames stay under the client's frame limit
                    f.Clear();
                    bytes = 0;
                }
            }
            if (n == page) {
                drainPage(session, quint64(r.int64(n - 1, 0)), quint64(r.int64(n - 1, 1)),
                          count + quint32(n));
                return;
            }
            protocol::Frame done;
            done.mutable_inbox_drained()->set_count(count + quint32(n));
            session->send(done);
        });
}

} // namespace tidings::server
