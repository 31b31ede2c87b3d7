#pragma once
// The sync engine: outbox resend, ordered de-duplicated delivery, delivery acks, receipts and
// catch-up of seq holes. It talks to the server only through FrameSink and is driven by the Client
// (onAuthenticated/onDisconnected/handlePush), so unit tests run it without a socket.
//
// SyncEngine is the facade: it routes pushes, runs the session lifecycle, fans out what follows a
// commit (ConversationAdvance) and says when it is idle. The jobs are its parts: OutboxSender (the
// way out), MessageReceiver (the way in, delivery acks), CatchUp (holes and history pages),
// Receipts (cursors, read acks) and ConversationResolver (group_info for unknown conversations).
#include "core/net/frame_sink.h"
#include "core/store/records.h"
#include "core/sync/message_crypto.h"

#include <QList>
#include <QObject>

#include <functional>
#include <memory>

namespace tidings::client {

class Storage;
class MessageCrypto;
class OutboxSender;
class MessageReceiver;
class CatchUp;
class Receipts;
class ConversationResolver;

class SyncEngine : public QObject {
    Q_OBJECT
public:
    struct Options {
        //! Sends kept in flight at once (pipelining); the rest wait in the outbox. Below the
        //! server's per-connection bound (256, ServerConfig::maxRequestsInFlight), so a burst
        //! never waits there: at 1 ms a round trip this is still 128k messages a second.
        int maxInFlight = 128;
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
    ~SyncEngine() override;

    void setAccount(const AccountSettings &me) { m_me = me; }
    //! End-to-end encryption for every send and every received message (not owned). Null: the
    //! payload is the encoded Content (unit tests of the sync logic, tools).
    void setCrypto(MessageCrypto *crypto);
    MessageCrypto *crypto() const { return m_crypto; }
    //! Sends an already encrypted control message (resend request or answer) once, best effort:
    //! nothing is persisted before it leaves; a copy is kept hidden once the server stored it.
    void sendControl(const wire::SendRequest &request);
    //! Messages held for an unacknowledged key change go out again (OutboxSender).
    void releaseIdentityHolds();
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
    //! A message with attachments (draft.payload carries the caption and the pointers); returns
    //! its row. `held`: its files upload first and releaseHeld() sends it (it takes its place in
    //! the outbox then: later texts do not wait behind a long upload); otherwise (a forward of
    //! blobs the server has) it is queued now.
    Result<qint64> enqueueWithAttachments(const OutgoingDraft &draft,
                                          const QList<media::AttachmentDescriptor> &attachments,
                                          bool held);
    //! The uploads of a held message finished: draft.payload (with the blob ids) goes to the
    //! outbox and out, as a new entry at the end of the queue.
    Status releaseHeld(const OutgoingDraft &draft);
    //! A send refused with NO_SUCH_BLOB (a file it points to is no longer on the server) goes to
    //! `handler` first (the media module): it returns true when it took the message back (it
    //! left the outbox, held until its files are uploaded again: no sendFailed); otherwise the
    //! message fails like any refused send.
    void setBlobsGoneHandler(std::function<bool(const QString &clientMessageId)> handler) {
        m_blobsGone = std::move(handler);
    }
    //! read_ack up to the highest contiguous seq of the conversation; returns that seq (0: none).
    Result<quint64> markRead(quint64 conversationId);
    //! Fetches everything after the local contiguous seq, plus every member's cursors.
    void refreshConversation(quint64 conversationId);
    //! Asks the server what a conversation is (kind, name, members): group_info_request. Done by
    //! itself for conversations first seen in a push; at most one request in flight per id.
    void requestConversationInfo(quint64 conversationId);
    bool isInfoPending(quint64 conversationId) const;
    int infoPendingCount() const;

    bool isDrained() const { return m_drained; }
    //! True until the drain finished and no catch-up or retry is pending.
    bool isBusy() const;
    int inFlightCount() const;
    int queuedCount() const;

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
    //! What follows a commit: my sends confirmed, unknown conversations asked about, signals,
    //! the delivery ack, a gap check. ackIfAdvanced: false for my own send acks.
    void afterAdvance(const ConversationAdvance &adv, bool ackIfAdvanced);
    void maybeIdle();

    MessageCrypto *m_crypto = nullptr;
    Options m_options;
    std::function<bool(const QString &)> m_blobsGone;
    //! Shared by reference with the parts.
    AccountSettings m_me;
    bool m_drained = false;
    std::unique_ptr<Receipts> m_receipts;
    std::unique_ptr<ConversationResolver> m_resolver;
    std::unique_ptr<MessageReceiver> m_receiver;
    std::unique_ptr<OutboxSender> m_sender;
    std::unique_ptr<CatchUp> m_catchUp;
};

} // namespace tidings::client
