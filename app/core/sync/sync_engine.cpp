#include "core/sync/sync_engine.h"

#include "core/logging.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/outbox_store.h"
#include "core/store/storage.h"
#include "core/sync/payload_codec.h"
#include "core/sync/wire_convert.h"
#include "protocol/codec.h"
#include "protocol/limits.h"

#include <QDateTime>
#include <QUuid>

#include <limits>

namespace tidings::client {

namespace {
bool isRetryable(ErrorCode code) {
    return code == ErrorCode::Internal || code == ErrorCode::RateLimited;
}
bool isTransport(ErrorCode code) {
    return code == ErrorCode::Network || code == ErrorCode::Timeout;
}
} // namespace

SyncEngine::SyncEngine(Storage *store, FrameSink *sink, Options options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_sink(sink)
    , m_options(options) {
    m_gapTimer.setSingleShot(true);
    connect(&m_gapTimer, &QTimer::timeout, this, &SyncEngine::checkGaps);
    m_ackTimer.setSingleShot(true);
    m_ackTimer.setInterval(0);
    connect(&m_ackTimer, &QTimer::timeout, this, &SyncEngine::flushAcks);
}

bool SyncEngine::isBusy() const {
    return !m_drained || !m_catchUp.isEmpty() || !m_infoPending.isEmpty() ||
           m_gapTimer.isActive() || m_opening;
}

void SyncEngine::onAuthenticated() {
    flushAcks(); // what is acked must not be reloaded from the outbox and resent
    ++m_session;
    m_drained = false;
    m_inFlight.clear();
    m_catchUp.clear();
    m_infoPending.clear();
    m_deliveryAcked.clear();
    m_retriesPending = 0;
    resolveUnknownConversations();
    auto outbox = m_store->outbox().entries();
    if (!outbox) {
        emit storageFailed(outbox.error());
        m_queue.clear();
        return;
    }
    m_queue = std::move(*outbox);
    qCInfo(lcSync) << "session" << m_session << "resending" << m_queue.size() << "message(s)";
    pump();
}

void SyncEngine::onDisconnected() {
    ++m_session;
    m_drained = false;
    m_inFlight.clear();
    m_catchUp.clear();
    m_infoPending.clear();
    m_queue.clear();
    m_retriesPending = 0;
    m_gapTimer.stop();
    // Unacked messages come again in the next session.
    m_incoming.clear();
    m_opening = false;
}

void SyncEngine::resolveUnknownConversations() {
    auto all = m_store->conversations().conversations();
    if (!all) {
        emit storageFailed(all.error());
        return;
    }
    for (const ConversationRecord &c : *all) {
        if (c.kind == ConversationKind::Unknown)
            requestConversationInfo(c.id);
    }
}

void SyncEngine::requestConversationInfo(quint64 conversationId) {
    if (conversationId == 0 || m_infoPending.contains(conversationId) || !m_sink->isAuthenticated())
        return;
    m_infoPending.insert(conversationId);
    Frame f;
    f.mutable_group_info_request()->set_conversation_id(conversationId);
    const quint64 session = m_session;
    m_sink->request(std::move(f), [=, this](Result<Frame> result) {
        if (session != m_session)
            return;
        m_infoPending.remove(conversationId);
        if (result && result->body_case() == Frame::kConversationInfo) {
            ConversationInfo info = conversationInfoFromWire(result->conversation_info());
            info.id = conversationId;
            if (auto s = m_store->conversations().applyConversationInfo(info, m_me.userId); !s)
                emit storageFailed(s.error());
            else
                emit conversationChanged(conversationId);
        } else if (!result && result.error().code == ErrorCode::NotAGroup) {
            // A 1:1 someone else opened: the peer is the sender of its messages.
            if (auto s = m_store->conversations().setConversationKind(conversationId,
                                                                      ConversationKind::Direct);
                !s)
                emit storageFailed(s.error());
            else
                emit conversationChanged(conversationId);
        } else if (!result) {
            // NOT_MEMBER (I was removed) or a transport error: it stays unknown until the next
            // session or message asks again.
            qCInfo(lcSync) << "conversation" << conversationId
                           << "info unavailable:" << result.error().toString();
            emit conversationChanged(conversationId);
        }
        maybeIdle();
    });
}

Result<QStringList> SyncEngine::enqueueTexts(quint64 conversationId, const QStringList &texts) {
    if (conversationId == 0)
        return Error{ErrorCode::Usage, QStringLiteral("no conversation")};
    QList<OutgoingDraft> drafts;
    QStringList ids;
    drafts.reserve(texts.size());
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const QString &text : texts) {
        OutgoingDraft d;
        d.clientMessageId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        d.conversationId = conversationId;
        d.text = text;
        d.sentAtMs = now;
        d.payload = encodePayload(MessageContent{text, now});
        if (size_t(d.payload.size()) > limits::kMaxPayloadBytes)
            return Error{ErrorCode::TooLarge, QStringLiteral("message larger than 64 KiB")};
        ids.append(d.clientMessageId);
        drafts.append(std::move(d));
    }
    if (auto s = m_store->messages().enqueueOutgoing(drafts, m_me); !s)
        return s.error();
    // Only a live session keeps an in-memory queue; otherwise onAuthenticated() loads the outbox.
    if (m_sink->isAuthenticated()) {
        const qint64 created = QDateTime::currentMSecsSinceEpoch();
        for (const auto &d : drafts)
            m_queue.append(OutboxEntry{d.clientMessageId, d.conversationId, d.payload, created});
        pump();
    }
    return ids;
}

void SyncEngine::pump() {
    if (!m_sink->isAuthenticated())
        return;
    while (m_inFlight.size() < m_options.maxInFlight && !m_queue.isEmpty()) {
        OutboxEntry entry = m_queue.takeFirst();
        if (m_inFlight.contains(entry.clientMessageId))
            continue;
        m_inFlight.insert(entry.clientMessageId);
        if (m_crypto)
            sendEncrypted(entry, 0);
        else
            sendPlain(entry);
    }
}

void SyncEngine::sendPlain(const OutboxEntry &entry) {
    Frame f;
    auto *req = f.mutable_send_request();
    req->set_conversation_id(entry.conversationId);
    req->set_client_message_id(entry.clientMessageId.toStdString());
    req->set_payload(protocol::bytesToStd(entry.payload));
    const quint64 session = m_session;
    m_sink->request(std::move(f), [this, entry, session](Result<Frame> result) {
        onSendResult(entry, session, std::move(result));
    });
}

void SyncEngine::onSendResult(const OutboxEntry &entry, quint64 session, Result<Frame> result) {
    if (session != m_session)
        return; // a previous socket's answer; that session's outbox was reloaded since
    m_inFlight.remove(entry.clientMessageId);
    if (result && result->body_case() == Frame::kSendAck) {
        const auto &ack = result->send_ack();
        m_acks.append(SendAckRecord{entry.clientMessageId, entry.conversationId, ack.seq(),
                                    ack.server_time_ms(), ack.duplicate()});
        if (!m_ackTimer.isActive())
            m_ackTimer.start();
    } else if (result) {
        qCWarning(lcSync) << "unexpected answer to a send:" << int(result->body_case());
    } else if (isTransport(result.error().code)) {
        // Stays in the outbox; the next session resends it with the same id.
    } else if (isRetryable(result.error().code)) {
        const int delay = result.error().retryAfterMs > 0 ? int(result.error().retryAfterMs)
                                                          : m_options.retryDelayMs;
        qCInfo(lcSync) << "send will be retried in" << delay << "ms:" << result.error().toString();
        retryLater(entry, session, delay);
    } else {
        qCWarning(lcSync) << "send refused:" << result.error().toString();
        if (auto s = m_store->messages().markFailed(entry.clientMessageId); !s)
            emit storageFailed(s.error());
        emit sendFailed(entry.clientMessageId, result.error());
    }
    pump();
}

void SyncEngine::retryLater(const OutboxEntry &entry, quint64 session, int delayMs) {
    ++m_retriesPending;
    QTimer::singleShot(delayMs, this, [this, entry, session] {
        if (session != m_session)
            return;
        --m_retriesPending;
        m_queue.prepend(entry);
        pump();
    });
}

void SyncEngine::flushAcks() {
    // Acks stay valid across a reconnect (the server committed them), so no session check.
    const auto acks = std::exchange(m_acks, {});
    if (acks.isEmpty())
        return;
    auto advances = m_store->messages().applySendAcks(acks);
    if (!advances) {
        emit storageFailed(advances.error());
        return;
    }
    for (const auto &a : acks)
        emit messageStored(a.clientMessageId, a.conversationId, a.seq, a.duplicate);
    for (const auto &adv : *advances)
        afterAdvance(adv, false);
}

void SyncEngine::handlePush(const Frame &frame) {
    switch (frame.body_case()) {
    case Frame::kMessagePush:
        receive(frame.message_push().messages(), {});
        break;
    case Frame::kInboxDrained: {
        // After the drain's messages are stored (they may still wait for device lists).
        const int count = int(frame.inbox_drained().count());
        receive({}, [this, count] {
            qCInfo(lcSync) << "inbox drained:" << count << "message(s)";
            m_drained = true;
            emit inboxDrained(count);
            checkGaps();
        });
        break;
    }
    case Frame::kReceiptPush:
        applyReceipt(frame.receipt_push());
        break;
    default:
        qCDebug(lcSync) << "ignoring push of type" << int(frame.body_case());
        break;
    }
}

void SyncEngine::receive(const Messages &messages, std::function<void()> after) {
    if (!m_crypto) {
        handleMessages(messages);
        if (after)
            after();
        return;
    }
    m_incoming.push_back(IncomingBatch{messages, std::move(after)});
    if (!m_opening)
        openNext();
}

void SyncEngine::openNext() {
    if (m_incoming.empty()) {
        m_opening = false;
        maybeIdle();
        return;
    }
    m_opening = true;
    const quint64 session = m_session;
    m_crypto->prepareOpen(m_incoming.front().messages, [this, session](bool proceed) {
        if (session != m_session || m_incoming.empty())
            return; // disconnected meanwhile: the queue was dropped
        if (!proceed) {
            // The connection failed under us: nothing of this is stored or acked, the server
            // sends it again in the next session.
            m_incoming.clear();
            m_opening = false;
            return;
        }
        IncomingBatch batch = std::move(m_incoming.front());
        m_incoming.pop_front();
        handleMessages(batch.messages);
        if (batch.after)
            batch.after();
        openNext();
    });
}

void SyncEngine::handleMessages(const Messages &messages) {
    QList<IncomingMessage> batch;
    batch.reserve(messages.size());
    for (const auto &m : messages) {
        IncomingMessage in;
        in.conversationId = m.conversation_id();
        in.seq = m.seq();
        in.senderUserId = m.sender_user_id();
        in.senderDeviceId = m.sender_device_id();
        in.senderUsername = protocol::fromStd(m.sender_username());
        in.clientMessageId = protocol::fromStd(m.client_message_id());
        in.serverTimeMs = m.server_time_ms();
        if (m.has_system_event()) {
            in.event = systemEventFromWire(m.system_event());
            batch.append(std::move(in));
            continue;
        }
        if (m_crypto) {
            // Each encrypted message commits its session state with its own row (decrypt on a
            // copy, commit together), so it is stored on its own.
            if (!storeBatch(std::exchange(batch, {}), {}))
                return;
            auto commit = m_crypto->open(m, in);
            if (!storeBatch({in}, std::move(commit)))
                return;
            m_crypto->afterStored(m, in);
            continue;
        }
        auto content = decodePayload(protocol::bytesFromStd(m.payload()));
        if (content) {
            in.text = content->text;
            in.sentAtMs = content->sentAtMs;
        } else {
            // Keep the seq so ordering moves on; the content is lost either way.
            qCWarning(lcSync) << "undecodable payload in conversation" << in.conversationId << "seq"
                              << in.seq;
        }
        batch.append(std::move(in));
    }
    storeBatch(batch, {});
}

bool SyncEngine::storeBatch(const QList<IncomingMessage> &batch,
                            std::function<Status()> inTransaction) {
    if (batch.isEmpty())
        return true;
    auto advances = m_store->messages().storeIncoming(batch, QDateTime::currentMSecsSinceEpoch(),
                                                      m_me, std::move(inTransaction));
    if (!advances) {
        // Not acked, so the server delivers these again.
        emit storageFailed(advances.error());
        return false;
    }
    for (const auto &adv : *advances)
        afterAdvance(adv, true);
    return true;
}

void SyncEngine::afterAdvance(const ConversationAdvance &adv, bool ackIfAdvanced) {
    for (const auto &[clientId, seq] : adv.confirmedOwn) {
        m_queue.removeIf(
            [&id = clientId](const OutboxEntry &e) { return e.clientMessageId == id; });
        emit messageStored(clientId, adv.conversationId, seq, true);
    }
    if (adv.unknownKind)
        requestConversationInfo(adv.conversationId);
    if (adv.groupChanged)
        emit conversationChanged(adv.conversationId);
    if (!adv.released.isEmpty())
        emit messagesReceived(adv.conversationId, adv.released);
    // Ack only after the commit above. Re-ack duplicates: the server sent them again because our
    // earlier ack was lost.
    const quint64 last = adv.lastContiguousSeq;
    const bool advanced = last > m_deliveryAcked.value(adv.conversationId, 0);
    if (last > 0 &&
        (!adv.released.isEmpty() || (ackIfAdvanced && (advanced || adv.duplicates > 0))))
        sendDeliveryAck(adv.conversationId, last);
    if (adv.hasHeld && m_drained)
        scheduleGapCheck();
}

void SyncEngine::sendDeliveryAck(quint64 conversationId, quint64 seq) {
    Frame f;
    f.mutable_delivery_ack()->set_conversation_id(conversationId);
    f.mutable_delivery_ack()->set_seq(seq);
    if (m_sink->post(f))
        m_deliveryAcked[conversationId] = std::max(m_deliveryAcked.value(conversationId), seq);
}

void SyncEngine::applyReceipt(const wire::ReceiptPush &r) {
    if (r.conversation_id() == 0)
        return;
    // About me: my other device read (mirror its cursor). About others: the peer's cursors in a
    // 1:1; in a group the all-member minimum drives the ticks.
    auto effect = m_store->conversations().applyReceipt(
        r.conversation_id(), r.user_id(), r.delivered_seq(), r.read_seq(), r.all_delivered_seq(),
        r.all_read_seq(), m_me.userId);
    if (!effect) {
        emit storageFailed(effect.error());
        return;
    }
    // Message info ("read by bob at 14:02"): live pushes say when the cursors moved.
    if (r.server_time_ms() != 0 && r.user_id() != 0 && r.user_id() != m_me.userId) {
        if (auto s = m_store->conversations().recordReceiptTime(r.conversation_id(), r.user_id(),
                                                                r.delivered_seq(), r.read_seq(),
                                                                r.server_time_ms());
            !s)
            emit storageFailed(s.error());
    }
    if (effect->myReadChanged)
        emit myReadChanged(r.conversation_id(), r.read_seq());
    if (effect->ticksChanged)
        emit receiptChanged(r.conversation_id(), r.user_id(), r.delivered_seq(), r.read_seq());
}

Result<quint64> SyncEngine::markRead(quint64 conversationId) {
    auto conv = m_store->conversations().conversation(conversationId);
    if (!conv)
        return conv.error();
    if (!conv->has_value())
        return Error{ErrorCode::NoSuchConversation, QStringLiteral("unknown conversation")};
    const quint64 seq = (*conv)->lastContiguousSeq;
    if (seq == 0)
        return quint64(0);
    Frame f;
    f.mutable_read_ack()->set_conversation_id(conversationId);
    f.mutable_read_ack()->set_seq(seq);
    if (!m_sink->post(f))
        return Error{ErrorCode::Network, QStringLiteral("not connected")};
    if (auto s = m_store->conversations().updateMyReadSeq(conversationId, seq); !s)
        return s.error();
    return seq;
}

void SyncEngine::scheduleGapCheck() {
    if (!m_gapTimer.isActive())
        m_gapTimer.start(m_options.gapGraceMs);
}

void SyncEngine::checkGaps() {
    m_gapTimer.stop();
    if (!m_sink->isAuthenticated())
        return;
    auto holes = m_store->messages().holes();
    if (!holes) {
        emit storageFailed(holes.error());
        return;
    }
    for (const Hole &h : *holes) {
        if (!m_catchUp.contains(h.conversationId))
            requestHistory(h.conversationId, h.afterSeq, h.untilSeq);
    }
    maybeIdle();
}

void SyncEngine::refreshConversation(quint64 conversationId) {
    if (m_catchUp.contains(conversationId))
        return;
    auto conv = m_store->conversations().conversation(conversationId);
    if (!conv) {
        emit storageFailed(conv.error());
        return;
    }
    requestHistory(conversationId, conv->has_value() ? (*conv)->lastContiguousSeq : 0, 0);
}

void SyncEngine::requestHistory(quint64 conversationId, quint64 afterSeq, quint64 untilSeq) {
    qCInfo(lcSync) << "catch-up of conversation" << conversationId << "after" << afterSeq << "until"
                   << untilSeq;
    m_catchUp.insert(conversationId);
    Frame f;
    auto *h = f.mutable_history_request();
    h->set_conversation_id(conversationId);
    h->set_after_seq(afterSeq);
    h->set_until_seq(untilSeq);
    h->set_limit(m_options.historyPageLimit);
    const quint64 session = m_session;
    m_sink->request(std::move(f), [=, this](Result<Frame> result) {
        if (session != m_session)
            return;
        m_catchUp.remove(conversationId);
        if (!result) {
            qCWarning(lcSync) << "catch-up failed:" << result.error().toString();
            if (isRetryable(result.error().code))
                scheduleGapCheck();
            if (result.error().code == ErrorCode::NotMember && untilSeq != 0) {
                // I left or was removed: what I hold is all I will get, so ordering moves past
                // the missing range (e.g. the seqs before I joined) instead of holding forever.
                auto adv = m_store->messages().fillGap(conversationId, untilSeq);
                if (!adv)
                    emit storageFailed(adv.error());
                else
                    afterAdvance(*adv, true);
            }
            maybeIdle();
            return;
        }
        if (result->body_case() != Frame::kHistoryResponse) {
            maybeIdle();
            return;
        }
        onHistory(conversationId, afterSeq, untilSeq, result->history_response());
    });
}

void SyncEngine::onHistory(quint64 conversationId, quint64 afterSeq, quint64 untilSeq,
                           const wire::HistoryResponse &response) {
    // The gap is filled only after the page's messages are stored (with encryption they may wait
    // for the senders' device lists first); a disconnect in between drops both.
    const quint64 session = m_session;
    receive(response.messages(), [=, this] {
        if (session == m_session)
            onHistoryStored(conversationId, afterSeq, untilSeq, response);
    });
}

void SyncEngine::onHistoryStored(quint64 conversationId, quint64 afterSeq, quint64 untilSeq,
                                 const wire::HistoryResponse &response) {
    quint64 maxSeq = afterSeq;
    for (const auto &m : response.messages()) {
        if (m.conversation_id() == conversationId)
            maxSeq = std::max<quint64>(maxSeq, m.seq());
    }
    bool anyAll = false;
    quint64 minDelivered = std::numeric_limits<quint64>::max();
    quint64 minRead = std::numeric_limits<quint64>::max();
    for (const auto &c : response.cursors()) {
        applyReceipt(c);
        anyAll = anyAll || c.all_delivered_seq() != 0 || c.all_read_seq() != 0;
        minDelivered = std::min<quint64>(minDelivered, std::max(c.delivered_seq(), c.read_seq()));
        minRead = std::min<quint64>(minRead, c.read_seq());
    }
    if (!anyAll && response.cursors_size() > 1) {
        // A server that fills only per-user cursors: a group's minimum is computed here.
        auto conv = m_store->conversations().conversation(conversationId);
        if (conv && conv->has_value() && (*conv)->isGroup()) {
            wire::ReceiptPush all;
            all.set_conversation_id(conversationId);
            all.set_all_delivered_seq(minDelivered);
            all.set_all_read_seq(minRead);
            applyReceipt(all);
        }
    }
    // The page proves (after, covered] complete for this device: missing seqs there are not
    // available to it, so ordering moves past them instead of waiting forever.
    quint64 covered = maxSeq;
    if (!response.has_more() && untilSeq != 0)
        covered = std::max(covered, untilSeq);
    if (untilSeq != 0)
        covered = std::min(covered, untilSeq);
    // A page that makes no progress must not loop: treat the requested range as done.
    if (untilSeq != 0 && covered <= afterSeq)
        covered = untilSeq;
    if (covered > afterSeq) {
        auto adv = m_store->messages().fillGap(conversationId, covered);
        if (!adv) {
            emit storageFailed(adv.error());
            return;
        }
        afterAdvance(*adv, true);
    }
    if (response.has_more() && covered > afterSeq) {
        requestHistory(conversationId, covered, untilSeq);
        return;
    }
    checkGaps();
}

void SyncEngine::maybeIdle() {
    if (!isBusy() && m_retriesPending == 0)
        emit idle();
}

} // namespace tidings::client
