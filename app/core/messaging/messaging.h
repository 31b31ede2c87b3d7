#pragma once
// Conversations and messages: opening a 1:1, sending (outbox first), local history, read marks,
// unread counts and the flush round trip. The message path itself (ordering, de-duplication,
// acks, catch-up, encryption) is SyncEngine's; this module is its face to the app and relays
// its events.
#include "core/net/requester.h"
#include "core/store/records.h"

#include <QObject>

namespace tidings::client {

class Account;
class Storage;
class SyncEngine;

class Messaging : public QObject {
    Q_OBJECT
public:
    using ConversationHandler = std::function<void(Result<ConversationRecord>)>;
    using StatusHandler = std::function<void(Status)>;

    Messaging(Storage *store, SyncEngine *sync, Requester *requests, const Account *account,
              QObject *parent = nullptr);

    //! Finds or creates the 1:1 conversation. Waits for a session if there is none yet and
    //! retries after reconnects; only the server's answer (or a storage error) reaches `done`.
    void openDirect(const QString &username, ConversationHandler done);
    //! Writes to the outbox first, then sends if connected. Returns the client message id.
    Result<QString> sendText(quint64 conversationId, const QString &text);
    //! Many texts in one outbox transaction, sent pipelined.
    Result<QStringList> sendTexts(quint64 conversationId, const QStringList &texts);
    //! read_ack up to the latest contiguous seq; returns it.
    Result<quint64> markRead(quint64 conversationId);
    //! Local history (works offline), oldest→newest, pending messages last.
    Result<QList<MessageRecord>> history(quint64 conversationId, int limit) const;
    //! Completes when the server answered a ping sent after everything queued so far, i.e. it
    //! has processed our acks.
    void flush(StatusHandler done, int timeoutMs = 5000);
    //! Messages of others above my read cursor (which my other devices move too).
    Result<int> unreadCount(quint64 conversationId) const;
    //! Messages written but not yet stored by the server.
    Result<int> outboxSize() const;

    //! Fetches everything after the local contiguous seq, plus every member's cursors.
    void refreshConversation(quint64 conversationId);
    //! True until the inbox drained and no catch-up or retry is pending.
    bool isBusy() const;
    bool isDrained() const;
    //! Conversations first seen in a push whose info is being fetched.
    int infoPendingCount() const;

    //! message_push, inbox_drained and receipt_push frames.
    void handlePush(const Frame &frame);

signals:
    //! Messages of others, released in seq order, each exactly once per device.
    void messagesReceived(quint64 conversationId,
                          const QList<tidings::client::MessageRecord> &messages);
    void messageStored(const QString &clientMessageId, quint64 conversationId, quint64 seq,
                       bool duplicate);
    void sendFailed(const QString &clientMessageId, const tidings::Error &error);
    void receiptChanged(quint64 conversationId, quint64 userId, quint64 deliveredSeq,
                        quint64 readSeq);
    //! My other device read this conversation: my read cursor (the unread count) moved.
    void myReadChanged(quint64 conversationId, quint64 readSeq);
    //! Kind, name, members or my membership of a conversation changed (system events, info).
    void conversationChanged(quint64 conversationId);
    void inboxDrained(int count);
    //! Drained and no catch-up in flight: the local cache is as fresh as this session gets.
    void syncIdle();
    void storageFailed(const tidings::Error &error);

private:
    Storage *m_store;
    SyncEngine *m_sync;
    Requester *m_requests;
    const Account *m_account;
};

} // namespace tidings::client
