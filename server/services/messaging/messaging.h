#pragma once
// Messages: sends, receipts (cursors), history and inbox drains, as the gateway calls them.
// Domain values in, Result<T> out; nothing here knows a connection or a frame.
#include "core/caller.h"
#include "proto/tidings.pb.h"

#include <QByteArray>

#include <functional>
#include <vector>

namespace tidings::server {

//! One device's ciphertext of an end-to-end send.
struct Envelope {
    quint64 userId = 0;
    quint64 deviceId = 0;
    QByteArray payload;
};

struct OutgoingMessage {
    quint64 conversationId = 0;
    QByteArray clientMessageId;
    QByteArray payload; //!< for every member (groups, unencrypted sends); may be empty
    std::vector<Envelope> envelopes;
    //! SHA-256 over the devices the sender encrypted for; empty: an unencrypted send (unchecked).
    QByteArray deviceDigest;

    bool encrypted() const { return !deviceDigest.isEmpty(); }
};

//! "Stored": given only after the storing transaction committed.
struct SendAck {
    quint64 conversationId = 0;
    QByteArray clientMessageId;
    quint64 seq = 0;
    qint64 serverTimeMs = 0;
    bool duplicate = false; //!< stored before: seq and time are the original ones
};

struct HistoryQuery {
    quint64 conversationId = 0;
    quint64 afterSeq = 0;
    quint64 untilSeq = 0; //!< 0: the latest
    quint32 limit = 0;    //!< 0: the default
};

//! One member's receipt cursors (the highest over its devices).
struct Cursor {
    quint64 conversationId = 0;
    quint64 userId = 0;
    quint64 deliveredSeq = 0;
    quint64 readSeq = 0;
};

struct HistoryPage {
    std::vector<wire::Message> messages;
    bool hasMore = false;
    std::vector<Cursor> cursors; //!< every member's, so ticks can be rebuilt
};

struct InboxPage {
    std::vector<wire::Message> messages;
    bool last = false; //!< the drain is complete after this page
    quint32 total = 0; //!< messages drained so far, this page included
};

//! Receives the inbox drain page by page. `more` asks for the next page: the receiver calls it
//! when it is ready (a connection whose reader is behind waits), or never (it went away).
using InboxSink = std::function<void(Result<InboxPage>, std::function<void()> more)>;

class Messaging {
public:
    virtual ~Messaging() = default;

    //! Sends of one device are stored in the order they were made.
    virtual void send(const Caller &caller, OutgoingMessage message, Reply<SendAck> reply) = 0;
    //! Cumulative cursors: everything up to `delivered` arrived on this device, everything up
    //! to `read` was read by the user (0: unchanged).
    virtual void ack(const Caller &caller, quint64 conversationId, quint64 delivered, quint64 read,
                     StatusReply reply) = 0;
    virtual void history(const Caller &caller, const HistoryQuery &query,
                         Reply<HistoryPage> reply) = 0;
    //! Everything in the caller's device inbox past its cursors, in (conversation, seq) order.
    virtual void drainInbox(const Caller &caller, InboxSink sink) = 0;
};

} // namespace tidings::server
