#pragma once
// Catch-up of seq holes: after the inbox drain (and a short grace, since a missing seq is often my
// own message whose ack is on its way) it asks for the history of every conversation with a hole,
// page by page; each page's messages are stored through the MessageReceiver and its cursors
// applied through Receipts before the range it proves complete is closed, so ordering moves on
// instead of waiting forever for seqs this device will never get.
#include "core/net/frame_sink.h"
#include "core/store/records.h"

#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>

namespace tidings::client {

class Storage;
class MessageReceiver;
class Receipts;

class CatchUp : public QObject {
    Q_OBJECT
public:
    struct Hooks {
        //! A gap was closed (or a page stored): the conversation advanced.
        std::function<void(const ConversationAdvance &)> advanced;
        //! A request finished: maybe nothing is pending any more.
        std::function<void()> settled;
    };

    //! `receiver` and `receipts` must outlive this object.
    CatchUp(Storage *store, FrameSink *sink, MessageReceiver &receiver, Receipts &receipts,
            int gapGraceMs, quint32 historyPageLimit, Hooks hooks, QObject *parent = nullptr);

    //! Asks for every hole now (no grace).
    void checkGaps();
    //! Asks for the holes after the grace period (once per period).
    void scheduleGapCheck();
    //! Fetches everything after the local contiguous seq, plus every member's cursors.
    void refreshConversation(quint64 conversationId);

    //! A catch-up is in flight or a gap check is scheduled.
    bool isBusy() const { return !m_catchUp.isEmpty() || m_gapTimer.isActive(); }
    void onAuthenticated();
    void onDisconnected();

signals:
    void storageFailed(const tidings::Error &error);

private:
    void requestHistory(quint64 conversationId, quint64 afterSeq, quint64 untilSeq);
    void onHistory(quint64 conversationId, quint64 afterSeq, quint64 untilSeq,
                   const wire::HistoryResponse &response);
    void onHistoryStored(quint64 conversationId, quint64 afterSeq, quint64 untilSeq,
                         const wire::HistoryResponse &response);

    Storage *m_store;
    FrameSink *m_sink;
    MessageReceiver &m_receiver;
    Receipts &m_receipts;
    int m_gapGraceMs;
    quint32 m_historyPageLimit;
    Hooks m_hooks;
    quint64 m_session = 0;
    QSet<quint64> m_catchUp;
    QTimer m_gapTimer;
};

} // namespace tidings::client
