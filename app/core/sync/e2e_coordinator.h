#pragma once
// End-to-end encryption on the client's message path: the MessageCrypto the SyncEngine sees, and
// the E2E entry points the Keys module uses. It composes four parts and forwards to them:
// PeerKeyFetcher (device lists and bundles from the server), SendTargets (which devices a send is
// for), SendPreparer (outbox entry → encrypted frames, STALE_DEVICES reconciliation) and
// E2eReceiver (opening received messages, the resend protocol).
//
// The device set of a send is the verified one: for each member, the devices of the signed list
// the E2eEngine accepted, narrowed to what the server last called current (a revoked device drops
// out at once). A device the server names but no signed list contains is never encrypted for.
#include "core/e2e/e2e_engine.h"
#include "core/groups/group_state_verifier.h"
#include "core/net/frame_sink.h"
#include "core/store/records.h"
#include "core/sync/e2e_receiver.h"
#include "core/sync/group_state_sync.h"
#include "core/sync/message_crypto.h"
#include "core/sync/peer_key_fetcher.h"
#include "core/sync/send_preparer.h"
#include "core/sync/send_targets.h"

#include <QObject>

#include <functional>

namespace tidings::client {

class Storage;

class E2eCoordinator : public QObject, public MessageCrypto {
    Q_OBJECT
public:
    //! Sends a control message (envelopes only, e.g. a resend request) through the sync engine,
    //! which keeps a hidden copy of it once stored.
    using ControlSender = E2eReceiver::ControlSender;

    E2eCoordinator(e2e::E2eEngine *engine, Storage *store, FrameSink *sink,
                   QObject *parent = nullptr);

    void setAccount(const AccountSettings &me) { m_me = me; }
    void setControlSender(ControlSender sender) { m_receiver.setControlSender(std::move(sender)); }
    //! See E2eReceiver::setResendsPerMinute.
    void setResendsPerMinute(int perMinute) { m_receiver.setResendsPerMinute(perMinute); }
    //! A new socket: device lists fetched in earlier sessions may be stale.
    void onAuthenticated();
    void onDisconnected();

    void prepareSend(const OutboxEntry &entry, PrepareDone done) override;
    void reconcile(quint64 conversationId, const wire::StaleDevices &stale,
                   std::function<void(Status)> done) override;
    void prepareOpen(const google::protobuf::RepeatedPtrField<wire::Message> &messages,
                     std::function<void(bool proceed)> done) override;
    std::function<Status()> open(const wire::Message &message, IncomingMessage &in) override;
    std::function<Status()> openEvent(const wire::Message &message, IncomingMessage &in) override;
    void afterStored(const wire::Message &message, const IncomingMessage &in) override;

    //! Makes sure every current device of `userIds` has a session (fetching lists and bundles as
    //! needed), then calls done. Used before sends and by safety-number checks.
    void ensureSessions(const QList<quint64> &userIds, std::function<void(Status)> done);
    //! Fetches and verifies a user's signed device list (always asks the server).
    void refreshDeviceList(quint64 userId, std::function<void(Status)> done);
    //! Fetches and verifies the group's signed log after this device's head.
    void syncGroupState(quint64 conversationId, std::function<void(Status)> done);

signals:
    //! A peer's account key changed (never silent); the UI shows it in the chat.
    void identityChanged(quint64 userId, int change);

private:
    Storage *m_store;
    //! Shared by reference with the parts below (declared first: built first).
    AccountSettings m_me;
    PeerKeyFetcher m_keys;
    GroupStateVerifier m_verifier;
    GroupStateSync m_groupSync;
    SendTargets m_targets;
    SendPreparer m_preparer;
    E2eReceiver m_receiver;
};

} // namespace tidings::client
