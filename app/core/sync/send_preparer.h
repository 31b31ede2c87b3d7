#pragma once
// Turns outbox entries into the encrypted frames that leave the device, one entry at a time in
// outbox order (a message waiting for keys holds back the ones behind it): fetches missing device
// lists and sessions, encrypts pairwise (1:1) or with Sender Keys (groups, distributions that do
// not fit going ahead as control sends), and keeps the result in the outbox so a resend after a
// reconnect or restart repeats the same bytes. After STALE_DEVICES it records the server's device
// set, throws away what was prepared for the old one and re-queues unconfirmed distributions.
#include "core/e2e/e2e_engine.h"
#include "core/store/records.h"
#include "core/sync/message_crypto.h"

#include <QHash>
#include <QSet>

#include <deque>
#include <functional>
#include <optional>

namespace tidings::client {

class Storage;
class SendTargets;
class PeerKeyFetcher;
class GroupStateSync;

class SendPreparer {
public:
    //! All must outlive this object.
    SendPreparer(e2e::E2eEngine *engine, Storage *store, SendTargets &targets, PeerKeyFetcher &keys,
                 GroupStateSync &groupSync, const AccountSettings &me);

    //! See MessageCrypto::prepareSend().
    void prepareSend(const OutboxEntry &entry, MessageCrypto::PrepareDone done);
    //! See MessageCrypto::reconcile().
    void reconcile(quint64 conversationId, const wire::StaleDevices &stale,
                   std::function<void(Status)> done);

    //! A new socket: answers to the previous one's requests are ignored.
    void onAuthenticated() { ++m_session; }
    //! Pending prepares fail as network errors: their entries stay in the outbox.
    void onDisconnected();

    //! What an outbox entry was encrypted into, as kept in the outbox (OutboxStore).
    static QByteArray encodePrepared(const PreparedSend &prepared);
    static std::optional<PreparedSend> decodePrepared(const QByteArray &bytes);

private:
    struct PendingPrepare {
        OutboxEntry entry;
        MessageCrypto::PrepareDone done;
        bool infoFetched = false;
        bool stateSynced = false;
    };

    void processNext();
    void finishPrepare(Result<PreparedSend> result);
    Result<PreparedSend> encrypt(const OutboxEntry &entry, const QList<quint64> &users);
    void applyStale(quint64 conversationId, const wire::StaleDevices &stale,
                    std::function<void(Status)> done);

    e2e::E2eEngine *m_engine;
    Storage *m_store;
    SendTargets &m_targets;
    PeerKeyFetcher &m_keys;
    GroupStateSync &m_groupSync;
    const AccountSettings &m_me;
    quint64 m_session = 0;
    std::deque<PendingPrepare> m_prepares;
    bool m_preparing = false;
    //! Devices that got a sender-key distribution in a send not yet known to be stored, per group.
    QHash<quint64, QSet<e2e::DeviceAddress>> m_unconfirmedDistributions;
};

} // namespace tidings::client
