#pragma once
// End-to-end encryption on the client's message path (MessageCrypto): which devices a send is for,
// fetching signed device lists and bundles when a device has no session yet, pairwise envelopes
// for 1:1 conversations and Sender Keys for groups, reconciling after STALE_DEVICES, opening
// received messages, and the resend protocol for messages that could not be decrypted.
//
// The device set of a send is the verified one: for each member, the devices of the signed list
// the E2eEngine accepted, narrowed to what the server last called current (a revoked device drops
// out at once). A device the server names but no signed list contains is never encrypted for.
#include "core/e2e/e2e_engine.h"
#include "core/net/frame_sink.h"
#include "core/store/records.h"
#include "core/sync/message_crypto.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>

#include <deque>
#include <functional>
#include <optional>

namespace tidings::client {

class Storage;

class E2eCoordinator : public QObject, public MessageCrypto {
    Q_OBJECT
public:
    //! Sends a control message (envelopes only, e.g. a resend request) through the sync engine,
    //! which keeps a hidden copy of it once stored.
    using ControlSender = std::function<void(const wire::SendRequest &)>;

    E2eCoordinator(e2e::E2eEngine *engine, Storage *store, FrameSink *sink,
                   QObject *parent = nullptr);

    void setAccount(const AccountSettings &me) { m_me = me; }
    void setControlSender(ControlSender sender) { m_sendControl = std::move(sender); }
    //! A new socket: device lists fetched in earlier sessions may be stale.
    void onAuthenticated();
    void onDisconnected();

    //! What an outbox entry was encrypted into, as kept in the outbox (OutboxStore).
    static QByteArray encodePrepared(const PreparedSend &prepared);
    static std::optional<PreparedSend> decodePrepared(const QByteArray &bytes);

    void prepareSend(const OutboxEntry &entry, PrepareDone done) override;
    void reconcile(quint64 conversationId, const wire::StaleDevices &stale,
                   std::function<void(Status)> done) override;
    void prepareOpen(const google::protobuf::RepeatedPtrField<wire::Message> &messages,
                     std::function<void(bool proceed)> done) override;
    std::function<Status()> open(const wire::Message &message, IncomingMessage &in) override;
    void afterStored(const wire::Message &message, const IncomingMessage &in) override;

    //! Makes sure every current device of `userIds` has a session (fetching lists and bundles as
    //! needed), then calls done. Used before sends and by safety-number checks.
    void ensureSessions(const QList<quint64> &userIds, std::function<void(Status)> done);
    //! Fetches and verifies a user's signed device list (always asks the server).
    void refreshDeviceList(quint64 userId, std::function<void(Status)> done);

signals:
    //! A peer's account key changed (never silent); the UI shows it in the chat.
    void identityChanged(quint64 userId);

private:
    struct PendingPrepare {
        OutboxEntry entry;
        PrepareDone done;
        bool infoFetched = false;
    };

    void processNext();
    void finishPrepare(Result<PreparedSend> result);
    Result<QList<quint64>> memberUsers(quint64 conversationId) const;
    //! The devices a send in this conversation is for (all but mine), from verified lists.
    //! The verified current devices of `users`, narrowed to what the server last called current
    //! for `conversationId` (0: not narrowed).
    QList<e2e::DeviceAddress> targetsFor(quint64 conversationId, const QList<quint64> &users) const;
    Result<PreparedSend> encryptFor(const OutboxEntry &entry, const QList<quint64> &users);
    //! group_info for a conversation this device does not know yet; stores the answer.
    void fetchConversation(quint64 conversationId, std::function<void(Status)> done);
    void fetchMissingLists(QList<quint64> users, std::function<void(Status)> done);
    void fetchMissingSessions(QList<quint64> users, std::function<void(Status)> done);
    void applyStale(quint64 conversationId, const wire::StaleDevices &stale,
                    std::function<void(Status)> done);
    void requestResend(const wire::Message &message);
    void answerResend(const wire::Message &message, const wire::E2eBody &request);
    //! Encrypts `body` for one device of the conversation and hands it to the control sender.
    void sendControlTo(quint64 conversationId, e2e::DeviceAddress device, wire::E2eBody body,
                       bool infoFetched = false);

    e2e::E2eEngine *m_engine;
    Storage *m_store;
    FrameSink *m_sink;
    AccountSettings m_me;
    ControlSender m_sendControl;
    quint64 m_session = 0;
    std::deque<PendingPrepare> m_prepares;
    bool m_preparing = false;
    //! Users whose device list was fetched in this session, and when (ms since epoch).
    QHash<quint64, qint64> m_listFetched;
    //! What the server last called current per conversation and user (from STALE_DEVICES
    //! answers). Per conversation: a group's answer leaves out a member it no longer has, which
    //! says nothing about that user's devices in my 1:1 with them.
    QHash<quint64, QHash<quint64, QSet<quint64>>> m_serverCurrent;
    //! (conversation, seq) already asked for again in this session.
    QSet<QPair<quint64, quint64>> m_resendAsked;
    //! Devices that got a sender-key distribution in a send not yet known to be stored, per group.
    QHash<quint64, QSet<e2e::DeviceAddress>> m_unconfirmedDistributions;
    //! Resend requests opened but not yet answered (answered once their seq is committed).
    QHash<QPair<quint64, quint64>, wire::E2eBody> m_resendRequests;
};

} // namespace tidings::client
