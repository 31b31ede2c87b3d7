#include "core/sync/e2e_coordinator.h"

namespace tidings::client {

E2eCoordinator::E2eCoordinator(e2e::E2eEngine *engine, Storage *store, FrameSink *sink,
                               QObject *parent)
    : QObject(parent)
    , m_keys(engine, sink, m_me)
    , m_targets(engine, store, sink, m_me)
    , m_preparer(engine, store, m_targets, m_keys, m_me)
    , m_receiver(engine, store, m_targets, m_keys, m_me) {
    connect(&m_keys, &PeerKeyFetcher::identityChanged, this, &E2eCoordinator::identityChanged);
}

void E2eCoordinator::onAuthenticated() {
    m_preparer.onAuthenticated();
    m_keys.reset();
    m_targets.reset();
    m_receiver.reset();
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
    m_receiver.prepareOpen(messages, std::move(done));
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
