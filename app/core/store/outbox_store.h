#pragma once
// Sends waiting for the server's ack: one entry per message written on this device, in the order
// it was written, with its sealed payload and the frames it was encrypted into (kept until the
// entry leaves, so a resend after a reconnect or restart repeats the same bytes). The message
// rows themselves are MessageStore's, which adds and removes entries in its transactions.
#include "core/store/records.h"
#include "protocol/result.h"

namespace tidings::client {

class Database;

class OutboxStore {
public:
    explicit OutboxStore(Database &db)
        : m_db(db) {}

    //! The outbox in insertion order, payloads opened.
    Result<QList<OutboxEntry>> entries() const;
    Result<int> size() const;
    //! The frames an outbox entry was encrypted into (empty: none yet).
    Result<QByteArray> prepared(const QString &clientMessageId) const;
    Status setPrepared(const QString &clientMessageId, const QByteArray &prepared);
    //! Forgets the prepared frames of every outbox entry of a conversation (its device set
    //! changed: they must be encrypted again).
    Status clearPrepared(quint64 conversationId);

private:
    // MessageStore writes a pending message and its entry, and removes the entry when the
    // message is stored or refused, in one transaction.
    friend class MessageStore;
    Status add(const OutgoingDraft &draft, qint64 createdAtMs);
    Status remove(const QString &clientMessageId);

    Database &m_db;
};

} // namespace tidings::client
