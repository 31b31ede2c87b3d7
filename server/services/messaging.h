#pragma once
// 1:1 conversations, sends, receipts (cursors), history and inbox drains.
//
// Work on a conversation always runs on the pool connection chosen by its id, and sends and acks
// use group commit there: those that arrive while that connection's previous batch is in flight
// are stored together by one statement in one transaction, so durability costs one commit per
// batch instead of one per message.
#include "protocol/codec.h"
#include "server_config.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <deque>
#include <functional>
#include <memory>

namespace tidings::server {

class PgPool;
class Membership;
class DeviceDirectory;
template <typename Item> class Batcher;
class Router;
class Session;

class MessagingService : public QObject {
    Q_OBJECT
public:
    MessagingService(const ServerConfig &config, PgPool *pool, Router *router,
                     Membership *membership, DeviceDirectory *directory, QObject *parent = nullptr);
    ~MessagingService() override;

    void openDirect(Session *session, quint64 requestId, const wire::OpenDirectRequest &req);
    void send(Session *session, quint64 requestId, const wire::SendRequest &req);
    void ack(Session *session, quint64 requestId, quint64 conversationId, quint64 delivered,
             quint64 read);
    void history(Session *session, quint64 requestId, const wire::HistoryRequest &req);
    //! Pushes everything in the device's inbox past its cursors, then InboxDrained.
    void drainInbox(Session *session);

    quint64 storedCount() const { return m_stored; }
    //! The largest number of sends stored by one statement so far.
    std::size_t largestSendBatch() const;

private:
    struct SendItem {
        QPointer<Session> session;
        quint64 requestId, userId, deviceId, conv;
        QString username;
        QByteArray clientId, payload;
        bool encrypted = false;
        //! End-to-end sends: (target device, ciphertext); checked against the current devices.
        std::vector<std::pair<quint64, QByteArray>> envelopes;
        std::vector<std::pair<quint64, quint64>> targets; //!< (user, device) per envelope
        QByteArray digest;
    };
    //! Sends of one device wait here while an encrypted send of that device is being checked,
    //! so that its sends are stored in the order they arrived.
    struct DeviceQueue {
        std::deque<SendItem> items;
        bool busy = false;
    };
    struct AckItem {
        QPointer<Session> session;
        quint64 requestId, userId, deviceId, conv, delivered, read;
    };
    void nextSend(quint64 deviceId);
    //! Checks an encrypted send against the required device set (STALE_DEVICES) and queues it
    //! for storing; `done` runs once it is queued or refused.
    void checkEncrypted(SendItem item, std::function<void()> done);
    void flushSends(int shard, std::vector<SendItem> batch, std::function<void()> done);
    void flushAcks(int shard, std::vector<AckItem> batch, std::function<void()> done);
    void fanOut(const SendItem &item, quint64 seq, qint64 at);
    void drainPage(QPointer<Session> session, quint64 afterConv, quint64 afterSeq, quint32 count);
    void pushReceipt(const wire::ReceiptPush &receipt, bool group);
    void pushAggregate(quint64 conversationId, quint64 allDelivered, quint64 allRead, qint64 atMs);

    ServerConfig m_config;
    PgPool *m_pool;
    Router *m_router;
    Membership *m_membership;
    DeviceDirectory *m_directory;
    QHash<quint64, DeviceQueue> m_checking; //!< sending device → sends behind a check
    quint64 m_stored = 0;
    std::unique_ptr<Batcher<SendItem>> m_sends;
    std::unique_ptr<Batcher<AckItem>> m_acks;
};

} // namespace tidings::server
