#pragma once
// Read and delivery cursors: applies receipt pushes and the cursors of history pages to the store
// (my other device read: mirror my cursor; others: the ticks of my messages, per peer in a 1:1
// and by the all-member minimum in a group, with the time for message info), and sends my own
// read_ack.
#include "core/net/frame_sink.h"
#include "core/store/records.h"

#include <QObject>

namespace tidings::client {

class Storage;

class Receipts : public QObject {
    Q_OBJECT
public:
    //! `me` must outlive this object.
    Receipts(Storage *store, FrameSink *sink, const AccountSettings &me, QObject *parent = nullptr);

    void apply(const wire::ReceiptPush &receipt);
    //! A history page's cursors of one conversation (one per member), in one store transaction.
    void applyCursors(quint64 conversationId, const QList<ReceiptCursor> &cursors);
    //! read_ack up to the highest contiguous seq of the conversation; returns that seq (0: none).
    Result<quint64> markRead(quint64 conversationId);

signals:
    void receiptChanged(quint64 conversationId, quint64 userId, quint64 deliveredSeq,
                        quint64 readSeq);
    void myReadChanged(quint64 conversationId, quint64 readSeq);
    void storageFailed(const tidings::Error &error);

private:
    Storage *m_store;
    FrameSink *m_sink;
    const AccountSettings &m_me;
};

} // namespace tidings::client
