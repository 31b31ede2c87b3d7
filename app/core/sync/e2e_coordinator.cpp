#include "core/sync/e2e_coordinator.h"

#include "core/logging.h"
#include "core/store/group_state_store.h"
#include "core/store/storage.h"

#include <memory>

namespace tidings::client {

E2eCoordinator::E2eCoordinator(e2e::E2eEngine *engine, Storage *store, FrameSink *sink,
                               QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_keys(engine, sink, m_me)
    , m_verifier(
          store, [engine](quint64 userId) { return engine->pinnedAccountKey(userId); },
          [this] { return m_me.userId; })
    , m_groupSync(m_verifier, sink, m_keys)
    , m_targets(engine, store, sink, m_me)
    , m_preparer(engine, store, m_targets, m_keys, m_groupSync, m_me)
    , m_receiver(engine, store, m_targets, m_keys, m_verifier, m_groupSync, m_me) {
    connect(&m_keys, &PeerKeyFetcher::identityChanged, this, &E2eCoordinator::identityChanged);
}

void E2eCoordinator::onAuthenticated() {
    m_preparer.onAuthenticated();
    m_keys.reset();
    m_targets.reset();
    m_receiver.reset();
    m_groupSync.reset();
    // Changes that wait for earlier ones: the server may relay them now (every connection asks
    // again; a server that withholds them keeps these groups at their verified head).
    if (auto waiting = m_store->groupStates().groupsWithPending(); waiting) {
        for (quint64 conv : *waiting) {
            m_groupSync.sync(conv, [conv](Status s) {
                if (!s)
                    qCInfo(lcSync) << "group" << conv << "log not synced:" << s.error().toString();
            });
        }
    }
}

void E2eCoordinator::onDisconnected() {
    m_preparer.onDisconnected();
}

void E2eCoordinator::prepareSend(const OutboxEntry &entry, PrepareDone done) {
    m_preparer.prepareSend(entry, std::move(done));
}

void E2eCoordinator::reconcile(quint64 conversationId, const wire::StaleDevices &stale,
                               std::function<void(Status)> done) {
    m_preparer.reconcile(conversationId, stale, std::move(done));
}

void E2eCoordinator::prepareOpen(const google::protobuf::RepeatedPtrField<wire::Message> &messages,
                                 std::function<void(bool proceed)> done) {
    if (!GroupStateSync::needed(messages)) {
        m_receiver.prepareOpen(messages, std::move(done));
        return;
    }
    // Signed group changes first (the keys and earlier changes they need), then the senders'
    // device lists. The batch is copied: it waits for the network twice.
    auto batch = std::make_shared<google::protobuf::RepeatedPtrField<wire::Message>>(messages);
    m_groupSync.prepare(*batch, [this, batch, done = std::move(done)](Status s) {
        if (!s) {
            done(false); // a lost connection: the batch comes again
            return;
        }
        m_receiver.prepareOpen(*batch, done);
    });
}

std::function<Status()> E2eCoordinator::openEvent(const wire::Message &message,
                                                  IncomingMessage &in) {
    return m_receiver.openEvent(message, in);
}

void E2eCoordinator::syncGroupState(quint64 conversationId, std::function<void(Status)> done) {
    m_groupSync.sync(conversationId, std::move(done));
}

std::function<Status()> E2eCoordinator::open(const wire::Message &message, IncomingMessage &in) {
    return m_receiver.open(message, in);
}

void E2eCoordinator::afterStored(const wire::Message &message, const IncomingMessage &in) {
    m_receiver.afterStored(message, in);
}

void E2eCoordinator::ensureSessions(const QList<quint64> &userIds,
                                    std::function<void(Status)> done) {
    m_keys.ensureSessions(userIds, std::move(done));
}

void E2eCoordinator::refreshDeviceList(quint64 userId, std::function<void(Status)> done) {
    m_keys.refreshDeviceList(userId, std::move(done));
}

} // namespace tidings::client
