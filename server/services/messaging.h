#pragma once
// 1:1 conversations, sends, receipts (cursors), history and inbox drains.
//
// Work on a conversation always runs on the pool connection chosen by its id, and sends/acks use
// group commit there: statements queued while a group is in flight are committed together, so
// durability costs one commit per group instead of one per message.
#include "protocol/codec.h"
#include "server_config.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <functional>

namespace tidings::server {

class PgPool;
class Router;
class Session;

class MessagingService : public QObject {
    Q_OBJECT
public:
    MessagingService(const ServerConfig &config, PgPool *pool, Router *router,
                     QObject *parent = nullptr);

    void openDirect(Session *session, quint64 requestId, const wire::OpenDirectRequest &req);
    void send(Session *session, quint64 requestId, const wire::SendRequest &req);
    void ack(Session *session, quint64 requestId, quint64 conversationId, quint64 delivered,
             quint64 read);
    void history(Session *session, quint64 requestId, const wire::HistoryRequest &req);
    //! Pushes everything in the device's inbox past its cursors, then InboxDrained.
    void drainInbox(Session *session);
    void sessionClosed(Session *session);

    quint64 storedCount() const { return m_stored; }

private:
    using Members = QList<quint64>;
    void withMembers(quint64 conversationId, std::function<void(Result<Members>)> cb);
    void drainPage(QPointer<Session> session, quint64 afterConv, quint64 afterSeq, quint32 count);
    void pushReceipt(quint64 conversationId, quint64 userId, quint64 delivered, quint64 read,
                     quint64 exceptDevice);
    qint64 now() const;

    ServerConfig m_config;
    PgPool *m_pool;
    Router *m_router;
    QHash<quint64, Members> m_members; //!< conversation → member user ids (1:1: never changes)
    quint64 m_stored = 0;
};

} // namespace tidings::server
