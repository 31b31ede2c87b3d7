#include "services/messaging/messaging_service.h"

#include "core/clock.h"
#include "core/logging.h"
#include "protocol/limits.h"
#include "routing/delivery.h"
#include "services/common/device_directory.h"
#include "services/common/errors.h"
#include "services/common/membership.h"
#include "services/common/revoked_devices.h"
#include "services/messaging/device_check.h"

#include <QTimer>

#include <algorithm>
#include <chrono>

namespace tidings::server {

namespace {

qint64 monotonicUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

Error sendRefusal(SendStatus status) {
    switch (status) {
    case SendStatus::NotMember:
        return notMemberError();
    case SendStatus::Blocked:
        // Deliberately vague: the sender learns no more than that this send is not accepted.
        return Error{ErrorCode::Forbidden,
                     QStringLiteral("this user does not accept your messages")};
    case SendStatus::NoSuchBlob:
        // The blob was collected (or never finished) before the message could reference it:
        // the client uploads the file again and resends.
        return Error{ErrorCode::NoSuchBlob,
                     QStringLiteral("an attachment of this message is no longer on the server; "
                                    "upload it again")};
    case SendStatus::Refused:
        return Error{ErrorCode::BadFrame,
                     QStringLiteral("the server cannot store this message (the database refused "
                                    "it); it will not be accepted as it is")};
    case SendStatus::NoConversation:
    case SendStatus::Stored:
        break;
    }
    return Error{ErrorCode::NoSuchConversation, QStringLiteral("no such conversation")};
}

//! A blob named twice by one message is one reference.
std::vector<QByteArray> distinct(std::vector<QByteArray> ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

} // namespace

MessagingService::MessagingService(MessageStore &store, Membership &membership,
                                   DeviceDirectory &directory, Delivery &delivery,
                                   const RevokedDevices &revoked, const Clock &clock)
    : m_store(store)
    , m_membership(membership)
    , m_directory(directory)
    , m_delivery(delivery)
    , m_revoked(revoked)
    , m_clock(clock)
    , m_timers(std::make_unique<QObject>())
    , m_sendLanes([this](quint64 conv) { return laneFor(conv); })
    , m_ackLanes([this](quint64 conv) { return laneFor(conv); })
    , m_sends(store.shardCount(), kMaxSendBatch,
              [this](int shard, std::vector<PendingSend> batch, std::function<void()> done) {
                  flushSends(shard, std::move(batch), std::move(done));
              })
    , m_acks(store.shardCount(), kMaxAckBatch,
             [this](int shard, std::vector<PendingAck> batch, std::function<void()> done) {
                 flushAcks(shard, std::move(batch), std::move(done));
             }) {
    // Acks are cumulative: while a batch is in flight, a device's acks of one conversation merge
    // into one row (the highest cursors; every reply is answered). A 500-member group flat out
    // sent ~32,000 acks/s that otherwise queued behind each other in batches of 512; the 1:1
    // messages beside it waited for that work (p50 30 ms against 1.4 with the members' acks
    // left out, docs/PERFORMANCE.md).
    m_acks.setCoalesce(
        [](const PendingAck &a) { return std::make_pair(a.row.deviceId, a.row.conversationId); },
        [](PendingAck &into, PendingAck &&from) {
            into.row.delivered = std::max(into.row.delivered, from.row.delivered);
            into.row.read = std::max(into.row.read, from.row.read);
            into.lanes += from.lanes;
            if (!from.reply)
                return;
            if (!into.reply) {
                into.reply = std::move(from.reply);
                return;
            }
            into.reply = [a = std::move(into.reply), b = std::move(from.reply)](Status s) {
                a(s);
                b(std::move(s));
            };
        });
    if (const int bulk = store.bulkShard(); bulk >= 0) {
        // Every member acks every message of a big group: 500 row updates per message on the
        // bulk connection. A pause between its ack batches lets each device's acks of several
        // messages merge into one update (acks are cumulative); the group's "delivered to all"
        // tick comes up to that much later.
        m_acks.setPace(bulk, [this](std::function<void()> next) {
            QTimer::singleShot(kBulkAckPaceMs, m_timers.get(), std::move(next));
        });
        // Big groups' sends wait while 1:1 sends are slowed down by them (BulkYield).
        // TIDINGS_BULK_YIELD=0 turns it off: how the comparison in docs/PERFORMANCE.md was made.
        if (qEnvironmentVariable("TIDINGS_BULK_YIELD") != QLatin1String("0"))
            m_sends.setPace(bulk, [this, bulk](std::function<void()> next) {
                const qint64 now = monotonicUs();
                const qint64 pause = m_yield.nextPauseUs(now);
                // While yielding, one message per batch: a batch's fan-out is one burst of work
                // that the 1:1 messages arriving meanwhile wait behind (4 messages of a
                // 500-member group: 2,000 deliveries, ~40 ms of tidingsd).
                m_sends.setMaxBatch(bulk, pause > 0 ? 1 : kMaxSendBatch);
                if (pause <= 0)
                    return next();
                ++m_bulkPauses;
                m_bulkPausedUs += pause;
                if (now - m_yieldReportUs >= kYieldReportUs) {
                    qCInfo(lcMessaging).nospace()
                        << "big groups yielded to 1:1 traffic: " << m_bulkPauses << " pauses, "
                        << m_bulkPausedUs / 1000 << " ms in all (1:1 stored in "
                        << m_yield.smoothedUs() << " us, " << m_yield.floorUs() << " us at best)";
                    m_yieldReportUs = now;
                }
                QTimer::singleShot(int((pause + 999) / 1000), Qt::PreciseTimer, m_timers.get(),
                                   std::move(next));
            });
    }
}

MessagingService::~MessagingService() = default;

void MessagingService::send(const Caller &caller, OutgoingMessage message, Reply<SendAck> reply) {
    // The server only ever stores ciphertext. It cannot tell ciphertext from plain bytes, but it
    // refuses every send that does not even claim end-to-end encryption, so a client bug or an
    // old client that falls back to plain sends fails loudly instead of leaking.
    if (m_refuseUnencrypted && !message.encrypted())
        return reply(Error{ErrorCode::NotEncrypted,
                           QStringLiteral("this server stores only end-to-end encrypted "
                                          "messages")});
    PendingSend item{SendRow{caller.userId,
                             caller.deviceId,
                             message.conversationId,
                             std::move(message.clientMessageId),
                             std::move(message.payload),
                             message.encrypted(),
                             {},
                             distinct(std::move(message.attachmentBlobIds))},
                     caller.username,
                     {},
                     std::move(message.deviceDigest),
                     std::move(reply)};
    item.row.envelopes.reserve(message.envelopes.size());
    item.targets.reserve(message.envelopes.size());
    for (auto &e : message.envelopes) {
        item.row.envelopes.emplace_back(e.deviceId, std::move(e.payload));
        item.targets.emplace_back(e.userId, e.deviceId);
    }
    const quint64 device = caller.deviceId;
    auto it = m_checking.find(device);
    if (it == m_checking.end() && !item.row.encrypted) {
        // The common case: nothing of this device waits for a check.
        queueSend(std::move(item));
        return;
    }
    if (it == m_checking.end())
        it = m_checking.insert(device, DeviceQueue{});
    it->items.push_back(std::move(item));
    if (!it->busy)
        nextSend(device);
}

void MessagingService::nextSend(quint64 deviceId) {
    auto it = m_checking.find(deviceId);
    while (it != m_checking.end() && !it->busy && !it->items.empty()) {
        PendingSend item = std::move(it->items.front());
        it->items.pop_front();
        if (!item.row.encrypted) {
            queueSend(std::move(item));
            continue;
        }
        it->busy = true;
        // The check may answer synchronously (everything cached): re-find afterwards.
        checkEncrypted(std::move(item), [this, deviceId] {
            auto q = m_checking.find(deviceId);
            if (q == m_checking.end())
                return;
            q->busy = false;
            nextSend(deviceId);
        });
        it = m_checking.find(deviceId);
    }
    if (it != m_checking.end() && !it->busy && it->items.empty())
        m_checking.erase(it);
}

void MessagingService::checkEncrypted(PendingSend item, std::function<void()> done) {
    const quint64 conv = item.row.conversationId;
    auto shared = std::make_shared<PendingSend>(std::move(item));
    m_membership.withMembers(conv, [this, shared, done](Result<Membership::Members> members) {
        PendingSend &it = *shared;
        if (!members) {
            it.reply(members.error());
            return done();
        }
        if (!members->contains(it.row.userId)) {
            // Refused by the storing statement with the usual not-a-member answer.
            queueSend(std::move(it));
            return done();
        }
        m_directory.withCurrentDevices(*members, [this, shared,
                                                  done](Result<QList<DeviceRef>> devices) {
            PendingSend &it = *shared;
            if (!devices) {
                it.reply(devices.error());
                return done();
            }
            if (auto refusal = checkDeviceSet(*devices, it.row.deviceId, it.targets, it.digest)) {
                qCDebug(lcMessaging) << "stale devices: conversation" << it.row.conversationId
                                     << "device" << it.row.deviceId;
                it.reply(*refusal);
                return done();
            }
            queueSend(std::move(it));
            done();
        });
    });
}

int MessagingService::laneFor(quint64 conversationId) {
    const int bulk = m_store.bulkShard();
    if (bulk >= 0) {
        // As far as the cache knows: every send's fan-out loads the members, so a big group is
        // known as one from its first message on.
        if (const auto n = m_membership.cachedSize(conversationId); n && *n > kBulkMembers)
            return bulk;
    }
    return m_store.shardOf(conversationId);
}

void MessagingService::queueSend(PendingSend item) {
    const int shard = m_sendLanes.acquire(item.row.conversationId);
    item.queuedUs = monotonicUs();
    m_sends.add(shard, std::move(item));
}

void MessagingService::flushSends(int shard, std::vector<PendingSend> batch,
                                  std::function<void()> done) {
    // A send may have waited (a batch, a paced bulk shard) while its device was revoked: the
    // revocation is the line, so it is refused rather than stored.
    const auto revokedEnd =
        std::stable_partition(batch.begin(), batch.end(), [this](const auto &it) {
            return !m_revoked.contains(it.row.deviceId);
        });
    for (auto it = revokedEnd; it != batch.end(); ++it) {
        it->reply(Error{ErrorCode::BadToken, QStringLiteral("this device was logged out")});
        m_sendLanes.release(it->row.conversationId);
    }
    batch.erase(revokedEnd, batch.end());
    if (batch.empty())
        return done();
    std::vector<SendRow> rows;
    rows.reserve(batch.size());
    for (const auto &it : batch)
        rows.push_back(it.row); // implicitly shared payloads: no deep copies
    qint64 oldestUs = batch.front().queuedUs;
    for (const auto &it : batch)
        oldestUs = std::min(oldestUs, it.queuedUs);
    auto items = std::make_shared<std::vector<PendingSend>>(std::move(batch));
    const bool interactive = shard != m_store.bulkShard();
    m_store.storeSends(
        shard, rows, m_clock.nowMs(),
        [this, items, done, interactive, oldestUs](Result<std::vector<StoredSend>> r) {
            if (interactive && r) {
                const qint64 now = monotonicUs();
                m_yield.interactiveStored(now, now - oldestUs);
            }
            if (!r || r->size() != items->size()) {
                const Error err =
                    r ? Error{ErrorCode::Internal, QStringLiteral("database error, try again")}
                      : r.error();
                for (const auto &it : *items) {
                    it.reply(err);
                    m_sendLanes.release(it.row.conversationId);
                }
                done();
                return;
            }
            for (std::size_t i = 0; i < items->size(); ++i) {
                const PendingSend &it = (*items)[i];
                const StoredSend &s = (*r)[i];
                m_sendLanes.release(it.row.conversationId);
                if (s.status != SendStatus::Stored) {
                    it.reply(sendRefusal(s.status));
                    continue;
                }
                it.reply(SendAck{it.row.conversationId, it.row.clientMessageId, s.seq, s.createdMs,
                                 s.duplicate});
                // A duplicate was fanned out when it was
                // first stored.
                if (!s.duplicate)
                    fanOut(it, s.seq, s.createdMs);
            }
            done();
        });
}

void MessagingService::fanOut(const PendingSend &item, quint64 seq, qint64 at) {
    ++m_stored;
    Push push{std::in_place_type<wire::Message>};
    auto &msg = std::get<wire::Message>(push);
    msg.set_conversation_id(item.row.conversationId);
    msg.set_seq(seq);
    msg.set_sender_user_id(item.row.userId);
    msg.set_sender_device_id(item.row.deviceId);
    msg.set_sender_username(item.username.toStdString());
    msg.set_client_message_id(item.row.clientMessageId.toStdString());
    msg.set_server_time_ms(at);
    msg.set_payload(item.row.payload.toStdString());
    msg.set_encrypted(item.row.encrypted);
    const quint64 from = item.row.deviceId;
    QHash<quint64, QByteArray> envelopes;
    for (const auto &[device, payload] : item.row.envelopes)
        envelopes.insert(device, payload);
    // Shared, not copied, by the per-member step: a big group's steps outlive this call
    // (pushToMembers), and a copy would duplicate the payload of every message.
    auto out = std::make_shared<const std::pair<Push, QHash<quint64, QByteArray>>>(
        std::move(push), std::move(envelopes));
    // Offline devices get it at their next drain; the live push waits out a database outage.
    m_membership.withMembersEventually(
        item.row.conversationId, [this, out, from](const Membership::Members &members) {
            pushToMembers(members, [this, out, from](quint64 user) {
                const auto &[push, envelopes] = *out;
                const auto &msg = std::get<wire::Message>(push);
                if (envelopes.isEmpty()) {
                    if (!msg.payload().empty())
                        m_delivery.toUser(user, push, from);
                    return;
                }
                for (quint64 device : m_delivery.connectedDevices(user)) {
                    if (device == from)
                        continue;
                    const auto env = envelopes.constFind(device);
                    if (env == envelopes.cend()) {
                        // Not addressed: an envelope-only send (a sender-key distribution, a
                        // resend) still goes out as a stub without any ciphertext. Its seq would
                        // otherwise be a hole that this device waits out (the client's gap
                        // grace) and then fetches: a 500-member group's first message is
                        // preceded by three or four such sends, each addressed to a part of the
                        // members. Offline devices get no inbox row for it (their catch-up after
                        // the drain moves past the seq, which history leaves out for them).
                        m_delivery.toDevice(device, push);
                        continue;
                    }
                    wire::Message own = msg;
                    own.set_envelope(env->toStdString());
                    m_delivery.toDevice(device, Push{std::move(own)});
                }
            });
        });
}

void MessagingService::pushToMembers(const QList<quint64> &members,
                                     std::function<void(quint64)> each) {
    if (members.size() <= kBulkMembers) {
        for (quint64 user : members)
            each(user);
        return;
    }
    // A big group's pushes (its messages and its lowest cursors) go out kSliceMembers members
    // per event-loop pass, in the order they were queued: 500 members at once are ~10 ms of this
    // thread, which every 1:1 message arriving meanwhile waited for (docs/PERFORMANCE.md).
    m_sliced.push_back({members, 0, std::move(each)});
    scheduleSlice();
}

void MessagingService::scheduleSlice() {
    if (m_sliceScheduled || m_sliced.empty())
        return;
    m_sliceScheduled = true;
    QTimer::singleShot(0, m_timers.get(), [this] {
        m_sliceScheduled = false;
        qsizetype budget = kSliceMembers;
        while (budget > 0 && !m_sliced.empty()) {
            auto &job = m_sliced.front();
            while (budget > 0 && job.next < job.members.size()) {
                job.each(job.members.at(job.next++));
                --budget;
            }
            if (job.next >= job.members.size())
                m_sliced.pop_front();
        }
        scheduleSlice();
    });
}

void MessagingService::ack(const Caller &caller, quint64 conv, quint64 delivered, quint64 read,
                           StatusReply reply) {
    m_acks.add(m_ackLanes.acquire(conv),
               PendingAck{AckRow{caller.userId, caller.deviceId, conv, delivered, read},
                          std::move(reply), 1});
}

void MessagingService::flushAcks(int shard, std::vector<PendingAck> batch,
                                 std::function<void()> done) {
    std::vector<AckRow> rows;
    rows.reserve(batch.size());
    for (const auto &it : batch)
        rows.push_back(it.row);
    auto items = std::make_shared<std::vector<PendingAck>>(std::move(batch));
    m_store.storeAcks(shard, rows, [this, items, done](Result<AckOutcome> r) {
        for (const auto &it : *items)
            m_ackLanes.release(it.row.conversationId, it.lanes);
        if (!r) {
            for (const auto &it : *items)
                it.reply(r.error());
            done();
            return;
        }
        std::vector<bool> refused(items->size(), false);
        for (std::size_t i : r->refused) {
            if (i >= items->size())
                continue;
            refused[i] = true;
            (*items)[i].reply(notMemberError());
        }
        // When the cursors moved: the ack batch just committed.
        const qint64 now = m_clock.nowMs();
        QHash<quint64, std::pair<quint64, quint64>> aggregates;
        for (const CursorMove &m : r->moved) {
            wire::ReceiptPush p;
            p.set_conversation_id(m.cursor.conversationId);
            p.set_user_id(m.cursor.userId);
            p.set_delivered_seq(m.cursor.deliveredSeq);
            p.set_read_seq(m.cursor.readSeq);
            p.set_all_delivered_seq(m.allDelivered);
            p.set_all_read_seq(m.allRead);
            p.set_server_time_ms(now);
            pushReceipt(p, m.group);
            // Every row of a conversation carries the same lowest cursors: collect them and
            // tell the whole group once.
            if (m.group && m.allChanged)
                aggregates.insert(p.conversation_id(), {m.allDelivered, m.allRead});
        }
        for (auto it = aggregates.cbegin(); it != aggregates.cend(); ++it)
            pushAggregate(it.key(), it->first, it->second, now);
        for (std::size_t i = 0; i < items->size(); ++i)
            if (!refused[i])
                (*items)[i].reply(Status{});
        done();
    });
}

void MessagingService::pushReceipt(const wire::ReceiptPush &receipt, bool group) {
    // Groups: one user's cursor matters only to that user's other devices; everyone else gets
    // the lowest cursors (pushAggregate), once per batch, not once per reader.
    if (group) {
        m_delivery.toUser(receipt.user_id(), Push{receipt});
        return;
    }
    // 1:1: both members, the reader's other devices included (read elsewhere).
    m_membership.withMembersEventually(
        receipt.conversation_id(),
        [this, push = Push{receipt}](const Membership::Members &members) {
            for (quint64 user : members)
                m_delivery.toUser(user, push);
        });
}

void MessagingService::pushAggregate(quint64 conv, quint64 allDelivered, quint64 allRead,
                                     qint64 atMs) {
    wire::ReceiptPush a;
    a.set_conversation_id(conv);
    a.set_all_delivered_seq(allDelivered);
    a.set_all_read_seq(allRead);
    a.set_server_time_ms(atMs);
    m_membership.withMembersEventually(
        conv, [this, push = Push{std::move(a)}](const Membership::Members &members) {
            pushToMembers(members, [this, push](quint64 user) { m_delivery.toUser(user, push); });
        });
}

void MessagingService::history(const Caller &caller, const HistoryQuery &query,
                               Reply<HistoryPage> reply) {
    const quint64 conv = query.conversationId;
    const quint32 limit = query.limit ? query.limit : limits::kDefaultHistoryLimit;
    const quint64 until = query.untilSeq ? query.untilSeq : quint64(INT64_MAX);
    m_membership.withMembers(conv, [=, this](Result<Membership::Members> members) {
        if (!members)
            return reply(members.error());
        if (!members->contains(caller.userId))
            return reply(notMemberError());
        // One more than asked: whether there is more.
        m_store.history(caller.userId, caller.deviceId, conv, query.afterSeq, until,
                        qint64(limit) + 1, [reply, limit](Result<HistoryRows> rows) {
                            if (!rows)
                                return reply(rows.error());
                            HistoryPage page;
                            auto &messages = rows->messages;
                            const std::size_t n = std::min(messages.size(), std::size_t(limit));
                            std::size_t bytes = 0;
                            std::size_t taken = 0;
                            // Cut by bytes as well as by count: the rest is the next page.
                            for (; taken < n && bytes < limits::kMaxPushPayloadBytes; ++taken)
                                bytes += messages[taken].payload().size() +
                                         messages[taken].envelope().size();
                            page.hasMore = messages.size() > taken;
                            messages.resize(taken);
                            page.messages = std::move(messages);
                            page.cursors = std::move(rows->cursors);
                            reply(std::move(page));
                        });
    });
}

void MessagingService::drainInbox(const Caller &caller, InboxSink sink) {
    drainPage(caller.deviceId, 0, 0, 0, std::move(sink));
}

void MessagingService::drainPage(quint64 deviceId, quint64 afterConv, quint64 afterSeq,
                                 quint32 count, InboxSink sink) {
    m_store.inboxPage(deviceId, afterConv, afterSeq, kInboxPage, m_clock.nowMs(),
                      [this, deviceId, count, sink](Result<std::vector<wire::Message>> r) {
                          if (!r)
                              return sink(r.error(), {});
                          InboxPage page;
                          page.total = count + quint32(r->size());
                          page.last = int(r->size()) < kInboxPage;
                          std::function<void()> more;
                          if (!page.last) {
                              const quint64 conv = r->back().conversation_id();
                              const quint64 seq = r->back().seq();
                              more = [this, deviceId, conv, seq, total = page.total, sink] {
                                  drainPage(deviceId, conv, seq, total, sink);
                              };
                          }
                          page.messages = std::move(*r);
                          sink(std::move(page), std::move(more));
                      });
}

} // namespace tidings::server
