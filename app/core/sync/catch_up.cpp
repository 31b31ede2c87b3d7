#include "core/sync/catch_up.h"

#include "core/logging.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"
#include "core/sync/message_receiver.h"
#include "core/sync/receipts.h"

#include <limits>

namespace tidings::client {

CatchUp::CatchUp(Storage *store, FrameSink *sink, MessageReceiver &receiver, Receipts &receipts,
                 int gapGraceMs, quint32 historyPageLimit, Hooks hooks, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_sink(sink)
    , m_receiver(receiver)
    , m_receipts(receipts)
    , m_gapGraceMs(gapGraceMs)
    , m_historyPageLimit(historyPageLimit)
    , m_hooks(std::move(hooks)) {
    m_gapTimer.setSingleShot(true);
    connect(&m_gapTimer, &QTimer::timeout, this, &CatchUp::checkGaps);
}

void CatchUp::onAuthenticated() {
    ++m_session;
    m_catchUp.clear();
}

void CatchUp::onDisconnected() {
    ++m_session;
    m_catchUp.clear();
    m_gapTimer.stop();
}

void CatchUp::scheduleGapCheck() {
    if (!m_gapTimer.isActive())
        m_gapTimer.start(m_gapGraceMs);
}

void CatchUp::checkGaps() {
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
    m_hooks.settled();
}

void CatchUp::refreshConversation(quint64 conversationId) {
    if (m_catchUp.contains(conversationId))
        return;
    auto conv = m_store->conversations().conversation(conversationId);
    if (!conv) {
        emit storageFailed(conv.error());
        return;
    }
    requestHistory(conversationId, conv->has_value() ? (*conv)->lastContiguousSeq : 0, 0);
}

void CatchUp::requestHistory(quint64 conversationId, quint64 afterSeq, quint64 untilSeq) {
    qCInfo(lcSync) << "catch-up of conversation" << conversationId << "after" << afterSeq << "until"
                   << untilSeq;
    m_catchUp.insert(conversationId);
    Frame f;
    auto *h = f.mutable_history_request();
    h->set_conversation_id(conversationId);
    h->set_after_seq(afterSeq);
    h->set_until_seq(untilSeq);
    h->set_limit(m_historyPageLimit);
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
                    m_hooks.advanced(*adv);
            }
            m_hooks.settled();
            return;
        }
        if (result->body_case() != Frame::kHistoryResponse) {
            m_hooks.settled();
            return;
        }
        onHistory(conversationId, afterSeq, untilSeq, result->history_response());
    });
}

void CatchUp::onHistory(quint64 conversationId, quint64 afterSeq, quint64 untilSeq,
                        const wire::HistoryResponse &response) {
    // The gap is filled only after the page's messages are stored (with encryption they may wait
    // for the senders' device lists first); a disconnect in between drops both.
    const quint64 session = m_session;
    m_receiver.receive(response.messages(), [=, this] {
        if (session == m_session)
            onHistoryStored(conversationId, afterSeq, untilSeq, response);
    });
}

void CatchUp::onHistoryStored(quint64 conversationId, quint64 afterSeq, quint64 untilSeq,
                              const wire::HistoryResponse &response) {
    quint64 maxSeq = afterSeq;
    for (const auto &m : response.messages()) {
        if (m.conversation_id() == conversationId)
            maxSeq = std::max<quint64>(maxSeq, m.seq());
    }
    bool anyAll = false;
    quint64 minDelivered = std::numeric_limits<quint64>::max();
    quint64 minRead = std::numeric_limits<quint64>::max();
    QList<ReceiptCursor> page; // this conversation's, applied in one transaction below
    page.reserve(response.cursors_size());
    for (const auto &c : response.cursors()) {
        if (c.conversation_id() == conversationId && c.server_time_ms() == 0) {
            page.append(ReceiptCursor{c.user_id(), c.delivered_seq(), c.read_seq(),
                                      c.all_delivered_seq(), c.all_read_seq()});
        } else {
            m_receipts.apply(c); // another conversation's, or one whose time is recorded
        }
        anyAll = anyAll || c.all_delivered_seq() != 0 || c.all_read_seq() != 0;
        minDelivered = std::min<quint64>(minDelivered, std::max(c.delivered_seq(), c.read_seq()));
        minRead = std::min<quint64>(minRead, c.read_seq());
    }
    m_receipts.applyCursors(conversationId, page);
    if (!anyAll && response.cursors_size() > 1) {
        // A server that fills only per-user cursors: a group's minimum is computed here.
        auto conv = m_store->conversations().conversation(conversationId);
        if (conv && conv->has_value() && (*conv)->isGroup()) {
            wire::ReceiptPush all;
            all.set_conversation_id(conversationId);
            all.set_all_delivered_seq(minDelivered);
            all.set_all_read_seq(minRead);
            m_receipts.apply(all);
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
        m_hooks.advanced(*adv);
    }
    if (response.has_more() && covered > afterSeq) {
        requestHistory(conversationId, covered, untilSeq);
        return;
    }
    checkGaps();
}

} // namespace tidings::client
