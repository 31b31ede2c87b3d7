#include "core/sync/message_receiver.h"

#include "core/logging.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"
#include "core/sync/payload_codec.h"
#include "core/sync/wire_convert.h"
#include "protocol/codec.h"

#include <QDateTime>
#include <QTimer>

namespace tidings::client {

MessageReceiver::MessageReceiver(Storage *store, FrameSink *sink, const AccountSettings &me,
                                 Hooks hooks, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_sink(sink)
    , m_me(me)
    , m_hooks(std::move(hooks)) {}

void MessageReceiver::onAuthenticated() {
    ++m_session;
    m_deliveryAcked.clear();
    m_groupAcksDue.clear();
}

void MessageReceiver::onDisconnected() {
    ++m_session;
    // Not acked: the server delivers them again in the next session (stored, so de-duplicated).
    m_groupAcksDue.clear();
    // Unacked messages come again in the next session.
    m_incoming.clear();
    m_opening = false;
}

void MessageReceiver::receive(const Messages &messages, std::function<void()> after) {
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

void MessageReceiver::openNext() {
    if (m_incoming.empty()) {
        m_opening = false;
        m_hooks.queueEmpty();
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

void MessageReceiver::handleMessages(const Messages &messages) {
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
            if (!m_crypto) {
                batch.append(std::move(in));
                continue;
            }
            // Checked against the group's signed state, and stored with what it changes there.
            if (!store(std::exchange(batch, {}), {}))
                return;
            auto commit = m_crypto->openEvent(m, in);
            if (!store({in}, std::move(commit)))
                return;
            m_crypto->afterStored(m, in);
            continue;
        }
        if (m_crypto) {
            // Each encrypted message commits its session state with its own row (decrypt on a
            // copy, commit together), so it is stored on its own.
            if (!store(std::exchange(batch, {}), {}))
                return;
            auto commit = m_crypto->open(m, in);
            if (!store({in}, std::move(commit)))
                return;
            m_crypto->afterStored(m, in);
            continue;
        }
        auto content = decodePayload(protocol::bytesFromStd(m.payload()));
        if (content) {
            in.text = content->text;
            in.sentAtMs = content->sentAtMs;
            in.attachments = content->attachments;
            in.invalidAttachments = content->invalidAttachments;
        } else {
            // Keep the seq so ordering moves on; the content is lost either way.
            qCWarning(lcSync) << "undecodable payload in conversation" << in.conversationId << "seq"
                              << in.seq;
        }
        batch.append(std::move(in));
    }
    store(batch, {});
}

bool MessageReceiver::store(const QList<IncomingMessage> &batch,
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
        m_hooks.advanced(adv);
    return true;
}

void MessageReceiver::ackDelivery(const ConversationAdvance &adv, bool ackIfAdvanced) {
    // Ack only after the commit. Re-ack duplicates: the server sent them again because our
    // earlier ack was lost.
    const quint64 last = adv.lastContiguousSeq;
    const bool advanced = last > m_deliveryAcked.value(adv.conversationId, 0);
    if (last == 0 ||
        (adv.released.isEmpty() && !(ackIfAdvanced && (advanced || adv.duplicates > 0))))
        return;
    if (!isGroup(adv.conversationId)) {
        postDeliveryAck(adv.conversationId, last);
        return;
    }
    quint64 &due = m_groupAcksDue[adv.conversationId];
    due = std::max(due, last);
    if (m_groupAckTimer)
        return;
    m_groupAckTimer = true;
    QTimer::singleShot(kGroupAckDelayMs, this, [this, session = m_session] {
        m_groupAckTimer = false;
        flushGroupAcks(session);
    });
}

void MessageReceiver::flushGroupAcks(quint64 session) {
    if (session != m_session)
        return; // a new session: what was due is delivered (and acked) again
    const auto due = std::exchange(m_groupAcksDue, {});
    for (auto it = due.cbegin(); it != due.cend(); ++it)
        postDeliveryAck(it.key(), it.value());
}

void MessageReceiver::postDeliveryAck(quint64 conversationId, quint64 seq) {
    Frame f;
    f.mutable_delivery_ack()->set_conversation_id(conversationId);
    f.mutable_delivery_ack()->set_seq(seq);
    if (m_sink->post(f))
        m_deliveryAcked[conversationId] = std::max(m_deliveryAcked.value(conversationId), seq);
}

bool MessageReceiver::isGroup(quint64 conversationId) {
    if (const auto it = m_isGroup.constFind(conversationId); it != m_isGroup.cend())
        return *it;
    const auto conv = m_store->conversations().conversation(conversationId);
    if (!conv || !conv->has_value() || (*conv)->kind == ConversationKind::Unknown)
        return false; // not known yet: ack at once (and ask again next time)
    const bool group = (*conv)->isGroup();
    m_isGroup.insert(conversationId, group); // a conversation's kind never changes
    return group;
}

} // namespace tidings::client
