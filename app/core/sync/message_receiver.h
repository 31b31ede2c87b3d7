#pragma once
// Received messages into the local store: batches are taken in arrival order, each waits for the
// MessageCrypto's prepareOpen() (sender device lists) before it is opened; plain messages of a
// batch are stored together, each encrypted one with its own session commit in the same
// transaction. Delivery acks go out only after the commit (and again for duplicates: the server
// resent them because an earlier ack was lost). A disconnect drops what waits: unacked, it
// comes again.
#include "core/net/frame_sink.h"
#include "core/store/records.h"
#include "core/sync/message_crypto.h"

#include <QHash>
#include <QObject>

#include <deque>
#include <functional>

namespace tidings::client {

class Storage;

class MessageReceiver : public QObject {
    Q_OBJECT
public:
    using Messages = google::protobuf::RepeatedPtrField<wire::Message>;
    struct Hooks {
        //! A commit advanced a conversation (released messages, filled gaps, my own sends seen).
        std::function<void(const ConversationAdvance &)> advanced;
        //! The last waiting batch was handled.
        std::function<void()> queueEmpty;
    };

    //! `me` must outlive this object.
    MessageReceiver(Storage *store, FrameSink *sink, const AccountSettings &me, Hooks hooks,
                    QObject *parent = nullptr);

    //! Null: payloads are decoded as plain Content.
    void setCrypto(MessageCrypto *crypto) { m_crypto = crypto; }

    //! Stores `messages` (after the batches before them), then runs `after` (may be empty).
    void receive(const Messages &messages, std::function<void()> after);
    //! Commits `batch` (with `inTransaction` inside the same transaction); false when storing
    //! failed (nothing is acked then, so the server delivers it again).
    bool store(const QList<IncomingMessage> &batch, std::function<Status()> inTransaction);
    //! Sends delivery_ack after a commit when it says something new (ackIfAdvanced: false for my
    //! own send acks, where nothing arrived for this device). In a group the ack waits up to
    //! kGroupAckDelayMs and carries everything stored meanwhile: a busy 500-member group made
    //! every member ack every message (tens of thousands of frames a second for the server), and
    //! nobody sees a group's "delivered" a quarter second later. A 1:1 ack goes at once.
    void ackDelivery(const ConversationAdvance &adv, bool ackIfAdvanced);
    static constexpr int kGroupAckDelayMs = 250;

    //! A batch waits for prepareOpen().
    bool isOpening() const { return m_opening; }
    void onAuthenticated();
    void onDisconnected();

signals:
    void storageFailed(const tidings::Error &error);

private:
    void openNext();
    void handleMessages(const Messages &messages);

    Storage *m_store;
    FrameSink *m_sink;
    const AccountSettings &m_me;
    MessageCrypto *m_crypto = nullptr;
    Hooks m_hooks;
    quint64 m_session = 0;
    QHash<quint64, quint64> m_deliveryAcked;
    QHash<quint64, quint64> m_groupAcksDue; //!< conversation → seq to ack when the timer fires
    QHash<quint64, bool> m_isGroup;         //!< conversation kinds looked up so far
    bool m_groupAckTimer = false;
    bool isGroup(quint64 conversationId);
    void postDeliveryAck(quint64 conversationId, quint64 seq);
    void flushGroupAcks(quint64 session);
    struct IncomingBatch {
        Messages messages;
        std::function<void()> after;
    };
    std::deque<IncomingBatch> m_incoming;
    bool m_opening = false;
};

} // namespace tidings::client
