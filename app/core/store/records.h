#pragma once
// Plain values the local store hands out. No Qt Sql types leak past LocalStore.
#include <QList>
#include <QString>

#include <utility>

namespace tidings::client {

struct AccountSettings {
    QString serverUrl;
    quint64 userId = 0;
    quint64 deviceId = 0;
    QString username;
};

struct ConversationRecord {
    quint64 id = 0;
    quint64 peerUserId = 0;
    QString peerUsername;
    //! Every seq <= this is either stored here or known to be unavailable to this device.
    quint64 lastContiguousSeq = 0;
    quint64 peerDeliveredSeq = 0;
    quint64 peerReadSeq = 0;
    quint64 myReadSeq = 0;
};

enum class MessageState { Pending, Stored, Delivered, Read, Received, Failed };
const char *messageStateName(MessageState state);

struct MessageRecord {
    qint64 rowId = 0;
    QString clientMessageId;
    quint64 conversationId = 0;
    quint64 seq = 0; //!< 0 while pending (NULL in SQLite)
    quint64 senderUserId = 0;
    quint64 senderDeviceId = 0;
    QString senderUsername;
    QString text;
    qint64 sentAtMs = 0;
    qint64 serverTimeMs = 0;
    qint64 receivedAtMs = 0;
    bool outgoing = false; //!< sent from this device
    bool failed = false;   //!< the server refused it for good
};

//! My messages: pending → stored → delivered → read by comparing seq with the peer's cursors.
//! Everyone else's messages are Received.
MessageState deriveState(const MessageRecord &message, const ConversationRecord &conversation,
                         quint64 myUserId);

//! A message composed on this device, written to messages + outbox in one transaction.
struct OutgoingDraft {
    QString clientMessageId;
    quint64 conversationId = 0;
    QString text;
    qint64 sentAtMs = 0;
    QByteArray payload; //!< what goes on the wire (encoded by payload_codec)
};

struct OutboxEntry {
    QString clientMessageId;
    quint64 conversationId = 0;
    QByteArray payload;
    qint64 createdAtMs = 0;
};

struct SendAckRecord {
    QString clientMessageId;
    quint64 conversationId = 0;
    quint64 seq = 0;
    qint64 serverTimeMs = 0;
    bool duplicate = false;
};

//! A message from the server (push or history), payload already decoded.
struct IncomingMessage {
    quint64 conversationId = 0;
    quint64 seq = 0;
    quint64 senderUserId = 0;
    quint64 senderDeviceId = 0;
    QString senderUsername;
    QString clientMessageId;
    qint64 serverTimeMs = 0;
    QString text;
    qint64 sentAtMs = 0;
};

//! What one storing transaction changed in one conversation.
struct ConversationAdvance {
    quint64 conversationId = 0;
    quint64 previousContiguousSeq = 0;
    quint64 lastContiguousSeq = 0;
    int inserted = 0;     //!< new rows (held or contiguous)
    int duplicates = 0;   //!< already stored (seq <= last or same (conversation, seq))
    bool hasHeld = false; //!< rows above lastContiguousSeq remain: there is a hole
    //! Messages of others that became contiguous, in seq order: deliver these to the app.
    QList<MessageRecord> released;
    //! Client ids of my pending messages that this batch proved stored (seen in a push/history).
    QList<std::pair<QString, quint64>> confirmedOwn; //!< (client message id, seq)
};

//! A gap below held messages: seqs in (afterSeq, untilSeq] are missing.
struct Hole {
    quint64 conversationId = 0;
    quint64 afterSeq = 0;
    quint64 untilSeq = 0;
};

} // namespace tidings::client
