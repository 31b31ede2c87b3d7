#pragma once
// The sync engine: outbox resend, ordered de-duplicated delivery, delivery acks, receipts and
// catch-up of seq holes. It talks to the server only through FrameSink and is driven by the Client
// (onAuthenticated/onDisconnected/handlePush), so unit tests run it without a socket.
#include "core/net/frame_sink.h"
#include "core/store/records.h"
#include "core/sync/message_crypto.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>

namespace tidings::client {

class Storage;
class MessageCrypto;

class SyncEngine : public QObject {
    Q_OBJECT
public:
    struct Options {
        //! Sends kept in flight at once (pipelining); the rest wait in the outbox.
        int maxInFlight = 1000;
        //! A hole seen after the inbox drain waits this long before catch-up: the missing seq is
        //! often my own message whose ack is still on its way.
        int gapGraceMs = 1000;
        //! Retry delay after INTERNAL (RATE_LIMITED uses the server's retry_after_ms).
        int retryDelayMs = 1000;
        quint32 historyPageLimit = 500;
    };

    SyncEngine(Storage *store, FrameSink *sink, Options options, QObject *parent = nullptr);
    SyncEngine(Storage *store, FrameSink *sink, QObject *parent = nullptr)
        : SyncEngine(store, sink, Options{}, parent) {}

    void setAccount(const AccountSettings &me) { m_me = me; }
    //! End-to-end encryption for every send and every received message (not owned). Null: the
    //! payload is the encoded Content (unit tests of the sync logic, tools).
    void setCrypto(MessageCrypto *crypto) { m_crypto = crypto; }
    MessageCrypto *crypto() const { return m_crypto; }
    //! Sends an already encrypted control message (resend request or answer) once, best effort:
    //! nothing is persisted before it leaves; a copy is kept hidden once the server stored it.
    void sendControl(const wire::SendRequest &request);
    const AccountSettings &account() const { return m_me; }

    //! A socket finished its handshake: resend the whole outbox (same client ids, in order).
    void onAuthenticated();
    //! The socket is gone: everything in flight stays in the outbox for the next session.
    void onDisconnected();
    //! message_push, inbox_drained and receipt_push frames.
    void handlePush(const Frame &frame);

    //! Writes the texts to the outbox in one transaction (before anything touches the network),
    //! then sends them if authenticated. Returns the new client message ids in order.
    Result<QStringList> enqueueTexts(quint64 conversationId, const QStringList &texts);
    //! read_ack up to the highest contiguous seq of the conversation; returns that seq (0: none).
    Result<quint64> markRead(quint64 conversationId);
    //! Fetches everything after the local contiguous seq, plus every member's cursors.
    void refreshConversation(quint64 conversationId);
    //! Asks the server what a conversation is (kind, name, members): group_info_request. Done by
    //! itself for conversations first seen in a push; at most one request in flight per id.
    void requestConversationInfo(quint64 conversationId);
    bool isInfoPending(quint64 conversationId) const {
        return m_infoPending.contains(conversationId);
    }
    int infoPendingCount() const { return int(m_infoPending.size()); }

    bool isDrained() const { return m_drained; }
    //! True until the drain finished and no catch-up or retry is pending.
    bool isBusy() const;
    int inFlightCount() const { return int(m_inFlight.size()); }
    int queuedCount() const { return int(m_queue.size()); }

signals:
    //! Messages of others, released in seq order, each exactly once per device.
    void messagesReceived(quint64 conversationId,
                          const QList<tidings::client::MessageRecord> &messages);
    void messageStored(const QString &clientMessageId, quint64 conversationId, quint64 seq,
                       bool duplicate);
    void sendFailed(const QString &clientMessageId, const tidings::Error &error);
    //! The cursors behind my messages' ticks moved (the peer's in a 1:1, all members' in a
    //! group); userId is who acked (0 for a history page's cursors).
    void receiptChanged(quint64 conversationId, quint64 userId, quint64 deliveredSeq,
                        quint64 readSeq);
    //! My read cursor moved because another of my devices read: the unread count changed.
    void myReadChanged(quint64 conversationId, quint64 readSeq);
    //! Kind, name, members or my membership changed (group_info answer or system events).
    void conversationChanged(quint64 conversationId);
    void inboxDrained(int count);
    //! Drained and no catch-up in flight: the local cache is as fresh as this session gets.
    void idle();
    void storageFailed(const tidings::Error &error);

private:
    void pump();
    void sendPlain(const OutboxEntry &entry);
    void sendEncrypted(const OutboxEntry &entry, int attempt);
    //! Sends the control sends of a prepared message one after the other, then the message.
    void sendPrepared(const OutboxEntry &entry, int attempt, quint64 session,
                      std::shared_ptr<PreparedSend> prepared, int next);
    void onEncryptedFailure(const OutboxEntry &entry, int attempt, quint64 session,
                            const Error &error);
    //! A control send was stored: keep my own copy (hidden) so its seq leaves no hole.
    void storeOwnControl(quint64 conversationId, const wire::SendRequest &req,
                         const wire::SendAck &ack);
    void onSendResult(const OutboxEntry &entry, quint64 session, Result<Frame> result);
    void retryLater(const OutboxEntry &entry, quint64 session, int delayMs);
    bool storeBatch(const QList<IncomingMessage> &batch, std::function<Status()> inTransaction);
    void flushAcks();
    using Messages = google::protobuf::RepeatedPtrField<wire::Message>;
    //! Received messages in arrival order: with encryption each batch waits for prepareOpen()
    //! (sender device lists), then is stored, then `after` runs (e.g. the rest of a history page).
    void receive(const Messages &messages, std::function<void()> after);
    void openNext();
    void handleMessages(const Messages &messages);
    //! ackIfAdvanced: false for my own send acks (nothing new arrived for this device).
    void afterAdvance(const ConversationAdvance &adv, bool ackIfAdvanced);
    void applyReceipt(const wire::ReceiptPush &receipt);
    void resolveUnknownConversations();
    void checkGaps();
    void scheduleGapCheck();
    void requestHistory(quint64 conversationId, quint64 afterSeq, quint64 untilSeq);
    void onHistory(quint64 conversationId, quint64 afterSeq, quint64 untilSeq,
                   const wire::HistoryResponse &response);
    void onHistoryStored(quint64 conversationId, quint64 afterSeq, quint64 untilSeq,
                         const wire::HistoryResponse &response);
    void maybeIdle();
    void sendDeliveryAck(quint64 conversationId, quint64 seq);

    Storage *m_store;
    FrameSink *m_sink;
    MessageCrypto *m_crypto = nullptr;
    Options m_options;
    AccountSettings m_me;
    quint64 m_session = 0;
    bool m_drained = false;
    QList<OutboxEntry> m_queue;
    QSet<QString> m_inFlight;
    int m_retriesPending = 0;
    QHash<quint64, quint64> m_deliveryAcked;
    QSet<quint64> m_catchUp;
    QSet<quint64> m_infoPending;
    QTimer m_gapTimer;
    //! Acks that arrived in one event-loop pass are committed in one transaction.
    QList<SendAckRecord> m_acks;
    QTimer m_ackTimer;
    struct IncomingBatch {
        Messages messages;
        std::function<void()> after;
    };
    std::deque<IncomingBatch> m_incoming;
    bool m_opening = false;
};

} // namespace tidings::client
