#include "core/sync/receipts.h"

#include "core/store/conversation_store.h"
#include "core/store/storage.h"

namespace tidings::client {

Receipts::Receipts(Storage *store, FrameSink *sink, const AccountSettings &me, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_sink(sink)
    , m_me(me) {}

void Receipts::apply(const wire::ReceiptPush &r) {
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

void Receipts::applyCursors(quint64 conversationId, const QList<ReceiptCursor> &cursors) {
    if (conversationId == 0 || cursors.isEmpty())
        return;
    auto effects = m_store->conversations().applyReceipts(conversationId, cursors, m_me.userId);
    if (!effects) {
        emit storageFailed(effects.error());
        return;
    }
    for (qsizetype i = 0; i < cursors.size(); ++i) {
        const ReceiptCursor &c = cursors.at(i);
        if (effects->at(i).myReadChanged)
            emit myReadChanged(conversationId, c.readSeq);
        if (effects->at(i).ticksChanged)
            emit receiptChanged(conversationId, c.userId, c.deliveredSeq, c.readSeq);
    }
}

Result<quint64> Receipts::markRead(quint64 conversationId) {
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

} // namespace tidings::client
