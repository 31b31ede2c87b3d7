#pragma once
// The outbox and the way out: writes new messages to the store before anything touches the
// network, keeps up to maxInFlight sends in flight in outbox order, sends them as plain Content
// or through the MessageCrypto (control sends first, then the message; STALE_DEVICES reconciled
// and the same entry prepared again with the same client id), retries INTERNAL/RATE_LIMITED,
// marks refused messages failed, and commits the acks of one event-loop pass in one
// transaction. A new socket session resends the whole outbox with the same client ids.
#include "core/net/frame_sink.h"
#include "core/store/records.h"
#include "core/sync/message_crypto.h"

#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>
#include <memory>

namespace tidings::client {

class Storage;

class OutboxSender : public QObject {
    Q_OBJECT
public:
    struct Hooks {
        //! My sends' acks were committed: these conversations advanced.
        std::function<void(const ConversationAdvance &)> acksApplied;
        //! Stores my own control sends (hidden) as received messages are stored, so their seq
        //! leaves no hole; false when storing failed.
        std::function<bool(const QList<IncomingMessage> &)> storeOwnHidden;
        //! The server refused a message with NO_SUCH_BLOB: true when someone took it back to
        //! upload its files again (it left the outbox then); false: it fails like any refusal.
        std::function<bool(const QString &clientMessageId)> blobsGone;
    };

    //! `me` must outlive this object.
    OutboxSender(Storage *store, FrameSink *sink, const AccountSettings &me, int maxInFlight,
                 int retryDelayMs, Hooks hooks, QObject *parent = nullptr);

    //! Null: payloads travel as encoded Content.
    void setCrypto(MessageCrypto *crypto) { m_crypto = crypto; }

    //! See SyncEngine::enqueueTexts(), enqueueWithAttachments() and releaseHeld().
    Result<QStringList> enqueueTexts(quint64 conversationId, const QStringList &texts);
    Result<qint64> enqueueWithAttachments(const OutgoingDraft &draft,
                                          const QList<media::AttachmentDescriptor> &attachments,
                                          bool held);
    Status releaseHeld(const OutgoingDraft &draft);
    //! See SyncEngine::sendControl().
    void sendControl(const wire::SendRequest &request);

    //! Commits the acks collected so far (before a reconnect: what is acked must not be resent).
    void flushAcks();
    //! The socket changed: nothing is in flight or queued any more, answers to earlier requests
    //! are ignored.
    void reset();
    //! A socket finished its handshake: the whole outbox is queued again, in order, and sent.
    void resendOutbox();
    //! My message was seen stored (e.g. in a history page): it no longer waits in the queue.
    void confirmed(const QString &clientMessageId);
    //! A key change was acknowledged (or holding was turned off): the messages held for one
    //! (IdentityHeld) are queued again, in their order, ahead of what is queued.
    void releaseIdentityHolds();
    int identityHeldCount() const { return int(m_identityHeld.size()); }

    int inFlightCount() const { return int(m_inFlight.size()); }
    int queuedCount() const { return int(m_queue.size()); }
    int retriesPending() const { return m_retriesPending; }

signals:
    void messageStored(const QString &clientMessageId, quint64 conversationId, quint64 seq,
                       bool duplicate);
    void sendFailed(const QString &clientMessageId, const tidings::Error &error);
    //! The message waits (pending) until a contact's key change is acknowledged.
    void sendHeld(const QString &clientMessageId, quint64 conversationId);
    void storageFailed(const tidings::Error &error);

private:
    void queueStored(const OutgoingDraft &draft);
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

    Storage *m_store;
    FrameSink *m_sink;
    const AccountSettings &m_me;
    MessageCrypto *m_crypto = nullptr;
    int m_maxInFlight;
    int m_retryDelayMs;
    Hooks m_hooks;
    quint64 m_session = 0;
    QList<OutboxEntry> m_queue;
    QSet<QString> m_inFlight;
    QList<OutboxEntry> m_identityHeld; //!< waiting for a key change to be acknowledged
    int m_retriesPending = 0;
    //! Acks that arrived in one event-loop pass are committed in one transaction.
    QList<SendAckRecord> m_acks;
    QTimer m_ackTimer;
};

} // namespace tidings::client
