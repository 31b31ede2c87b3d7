#pragma once
// The seam between the sync engine (ordering, outbox, acks) and end-to-end encryption. SyncEngine
// only ever sees plaintext Content in its outbox and asks a MessageCrypto to turn an entry into
// the frames that leave the device, and every received message into what is stored. Without one
// (unit tests of the sync logic) payloads travel as encoded Content.
#include "core/e2e/e2e_types.h"
#include "core/store/records.h"
#include "proto/tidings.pb.h"
#include "protocol/result.h"

#include <QList>

#include <functional>

namespace tidings::client {

//! What one outbox entry becomes on the wire.
struct PreparedSend {
    //! Envelope-only sends that must be stored before the message (sender-key distributions to
    //! members that lack the current key). Their client ids derive from the entry's.
    QList<wire::SendRequest> before;
    wire::SendRequest message;
    //! The devices the message was encrypted for (kept: only they may ask for it again).
    QList<e2e::DeviceAddress> recipients;
};

class MessageCrypto {
public:
    virtual ~MessageCrypto() = default;

    using PrepareDone = std::function<void(Result<PreparedSend>)>;
    //! entry.payload is the encoded Content. May fetch device lists and bundles first; calls
    //! `done` exactly once. The advanced sending chains are persisted before `done` runs.
    virtual void prepareSend(const OutboxEntry &entry, PrepareDone done) = 0;

    //! The server refused a send with STALE_DEVICES: learn the current device set (verified
    //! against signed device lists). `done(ok)` means prepareSend may be tried again.
    virtual void reconcile(quint64 conversationId, const wire::StaleDevices &stale,
                           std::function<void(Status)> done) = 0;

    //! Before received messages are opened: learn what is needed to verify their senders (the
    //! signed device list of a sender device not seen before). Calls `done` exactly once:
    //! done(false) when the connection failed meanwhile (the batch is dropped unacked and comes
    //! again), done(true) otherwise (a sender that still cannot be verified is undecryptable).
    virtual void prepareOpen(const google::protobuf::RepeatedPtrField<wire::Message> &messages,
                             std::function<void(bool proceed)> done) = 0;

    //! Fills `in` from an encrypted message: text and times, or `hidden` (control messages),
    //! or `undecryptable`. The returned function (may be empty) writes the advanced session state;
    //! the sync engine runs it inside the transaction that stores the message.
    virtual std::function<Status()> open(const wire::Message &message, IncomingMessage &in) = 0;

    //! A group system event: sets in.event->check (and refusal) from the group's signed state;
    //! the returned function (may be empty) records what the event changes, inside the
    //! transaction that stores it. Without signed state every event stays Unsigned.
    virtual std::function<Status()> openEvent(const wire::Message &message, IncomingMessage &in) {
        (void)message;
        (void)in;
        return {};
    }

    //! After `message` was committed: answer resend requests, ask for undecryptable messages
    //! again, note group membership changes.
    virtual void afterStored(const wire::Message &message, const IncomingMessage &in) = 0;
};

} // namespace tidings::client
