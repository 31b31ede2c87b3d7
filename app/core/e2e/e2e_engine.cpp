// E2eEngine: the facade over the engine's parts. It builds them in dependency order and forwards
// each call to the part whose job it is; the parts hold the state.
#include "core/e2e/e2e_engine.h"

#include "core/e2e/account_key_lifecycle.h"
#include "core/e2e/device_directory.h"
#include "core/e2e/device_linking.h"
#include "core/e2e/e2e_support.h"
#include "core/e2e/group_sender_keys.h"
#include "core/e2e/identity_verification.h"
#include "core/e2e/message_opener.h"
#include "core/e2e/own_keys.h"
#include "core/e2e/pairwise_sessions.h"
#include "core/store/key_store.h"
#include "crypto/crypto_error.h"

namespace tidings::client::e2e {

E2eEngine::E2eEngine(KeyStore &keys)
    : m_clock(std::make_unique<Clock>())
    , m_own(std::make_unique<OwnKeys>(keys, *m_clock))
    , m_devices(std::make_unique<DeviceDirectory>(keys, *m_own, *m_clock))
    , m_verification(std::make_unique<IdentityVerification>(keys, *m_own, *m_devices))
    , m_pairwise(std::make_unique<PairwiseSessions>(keys, *m_own, *m_devices, *m_verification))
    , m_groups(std::make_unique<GroupSenderKeys>(keys, *m_own, *m_pairwise))
    , m_opener(std::make_unique<MessageOpener>(keys, *m_clock, *m_own, *m_devices, *m_pairwise,
                                               *m_groups))
    , m_linking(std::make_unique<DeviceLinking>(*m_own, *m_devices, *m_clock))
    , m_lifecycle(std::make_unique<AccountKeyLifecycle>(keys, *m_own, *m_devices, *m_clock))
    , m_store(keys) {}

E2eEngine::~E2eEngine() = default;

void E2eEngine::setClockForTest(std::function<qint64()> nowMs) {
    m_clock->set(std::move(nowMs));
}

Status E2eEngine::open() {
    if (auto s = m_own->open(); !s)
        return s;
    m_verification->loadHoldOnChange();
    return {};
}

// --- own identity ----------------------------------------------------------------------------

bool E2eEngine::hasAccountKey() const {
    return m_own->hasAccountKey();
}

bool E2eEngine::hasDeviceKeys() const {
    return m_own->hasDeviceKeys();
}

quint64 E2eEngine::myUserId() const {
    return m_own->userId();
}

quint64 E2eEngine::myDeviceId() const {
    return m_own->deviceId();
}

QByteArray E2eEngine::accountKey() const {
    return m_own->accountPublicKey();
}

Result<QByteArray> E2eEngine::signGroupChange(crypto::GroupStateChange &change) const {
    const crypto::Ed25519KeyPair *aik = m_own->accountKeyPair();
    if (!aik)
        return Error{ErrorCode::Forbidden,
                     QStringLiteral("this device holds no account key: link it first")};
    change.actorUserId = m_own->userId();
    change.actorDeviceId = m_own->deviceId();
    return crypto::signGroupChange(change, *aik);
}

QByteArray E2eEngine::pinnedAccountKey(quint64 userId) const {
    return m_devices->pinnedAccountKey(userId);
}

QHash<quint64, QByteArray> E2eEngine::pinnedAccountKeys(const QList<quint64> &userIds) const {
    return m_devices->pinnedAccountKeys(userIds);
}

Result<wire::UploadKeysRequest> E2eEngine::ensureDeviceKeys(quint64 myUserId, quint64 myDeviceId,
                                                            bool createAccountKey) {
    return m_own->ensureDeviceKeys(myUserId, myDeviceId, createAccountKey);
}

Result<wire::UploadKeysRequest> E2eEngine::refillPrekeys(int count) {
    return m_own->refillPrekeys(count);
}

Result<std::optional<wire::UploadKeysRequest>> E2eEngine::rotateSignedPrekeyIfDue(qint64 nowMs) {
    return m_own->rotateSignedPrekeyIfDue(nowMs);
}

int E2eEngine::oneTimePrekeyCount() const {
    return m_own->oneTimePrekeyCount();
}

Result<wire::PublishDeviceListRequest>
E2eEngine::signDeviceList(const QList<DeviceAddress> &devices) {
    return m_devices->signDeviceList(devices);
}

// --- peers -----------------------------------------------------------------------------------

Result<DeviceListUpdate> E2eEngine::acceptDeviceList(const wire::DeviceListResponse &list) {
    return m_devices->acceptDeviceList(list);
}

Result<bool> E2eEngine::learnChain(quint64 userId, const QByteArray &from,
                                   const wire::DeviceListResponse &response) {
    return m_devices->learnChain(userId, from, response);
}

QList<DeviceAddress> E2eEngine::currentDevices(quint64 userId) const {
    return m_devices->currentDevices(userId);
}

bool E2eEngine::hasSession(DeviceAddress device) const {
    return m_pairwise->hasSession(device);
}

Status E2eEngine::acceptBundles(const wire::BundlesResponse &bundles) {
    return m_pairwise->acceptBundles(bundles);
}

QByteArray E2eEngine::deviceDigest(QList<DeviceAddress> devices) {
    return DeviceDirectory::digest(std::move(devices));
}

// --- sending and receiving -------------------------------------------------------------------

Result<QList<wire::Envelope>> E2eEngine::encryptPairwise(const QList<DeviceAddress> &targets,
                                                         const wire::E2eBody &body) {
    return m_pairwise->encryptPairwise(targets, body);
}

Result<GroupSend> E2eEngine::encryptGroup(quint64 groupId,
                                          const QList<DeviceAddress> &memberDevices,
                                          const wire::E2eBody &body) {
    // A member whose key change holds my messages gets none of the group's either, also when
    // their devices already hold the sender key (no pairwise envelope would be made for them).
    // One query for the whole group, not one per member device: this runs for every message.
    const QSet<quint64> blocked = m_verification->blockedUsers();
    for (const DeviceAddress &d : memberDevices)
        if (blocked.contains(d.userId))
            return crypto::makeError(
                crypto::CryptoError::IdentityHeld,
                QStringLiteral("the security code of user %1 changed: acknowledge "
                               "first")
                    .arg(d.userId));
    return m_groups->encryptGroup(groupId, memberDevices, body);
}

Status E2eEngine::markRotationNeeded(quint64 groupId) {
    return m_groups->markRotationNeeded(groupId);
}

Status E2eEngine::resendDistribution(quint64 groupId, DeviceAddress device) {
    return m_groups->resendDistribution(groupId, device);
}

Result<Decrypted> E2eEngine::decrypt(const wire::Message &message, quint64 myUserId,
                                     quint64 myDeviceId) {
    return m_opener->decrypt(message, myUserId, myDeviceId);
}

// --- verification ----------------------------------------------------------------------------

Result<QString> E2eEngine::safetyNumber(quint64 peerUserId) const {
    return m_verification->safetyNumber(peerUserId);
}

Result<QByteArray> E2eEngine::safetyQrPayload(quint64 peerUserId) const {
    return m_verification->safetyQrPayload(peerUserId);
}

Status E2eEngine::setVerified(quint64 peerUserId, bool verified) {
    return m_verification->setVerified(peerUserId, verified);
}

bool E2eEngine::isVerified(quint64 peerUserId) const {
    return m_verification->isVerified(peerUserId);
}

bool E2eEngine::identityChanged(quint64 peerUserId) const {
    return m_verification->identityChanged(peerUserId);
}

QSet<quint64> E2eEngine::changedIdentities() const {
    return m_verification->changedUsers();
}

bool E2eEngine::holdOnIdentityChange() const {
    return m_verification->holdOnChange();
}

Status E2eEngine::setHoldOnIdentityChange(bool hold) {
    return m_verification->setHoldOnChange(hold);
}

Status E2eEngine::acknowledgeIdentityChange(quint64 peerUserId) {
    return m_verification->acknowledgeIdentityChange(peerUserId);
}

QString E2eEngine::fingerprint(DeviceAddress device) const {
    return m_verification->fingerprint(device);
}

QString E2eEngine::myFingerprint() const {
    if (!m_own->hasDeviceKeys())
        return {};
    return m_verification->fingerprint(DeviceAddress{m_own->userId(), m_own->deviceId()});
}

// --- device linking --------------------------------------------------------------------------

Result<QString> E2eEngine::createLinkCode(quint64 myDeviceId) {
    return m_linking->createLinkCode(myDeviceId);
}

Result<std::pair<quint64, QByteArray>> E2eEngine::linkHello(const QString &code, quint64 myUserId,
                                                            quint64 myDeviceId) {
    return m_linking->linkHello(code, myUserId, myDeviceId);
}

Result<LinkGrant> E2eEngine::answerLinkHello(quint64 fromDevice, const QByteArray &blob) {
    return m_linking->answerLinkHello(fromDevice, blob);
}

Status E2eEngine::acceptLinkGrant(const QByteArray &blob) {
    return m_linking->acceptLinkGrant(blob);
}

// --- account-key lifecycle -------------------------------------------------------------------

Result<wire::PublishDeviceListRequest>
E2eEngine::beginRotation(const QList<DeviceAddress> &remaining) {
    return m_lifecycle->beginRotation(remaining);
}

Status E2eEngine::finishRotation() {
    return m_lifecycle->finishRotation();
}

Status E2eEngine::abandonRotation() {
    return m_lifecycle->abandonRotation();
}

Result<std::optional<wire::PublishDeviceListRequest>> E2eEngine::pendingRotation() const {
    return m_lifecycle->pendingRotation();
}

QByteArray E2eEngine::pendingAccountKey() const {
    return m_lifecycle->pendingAccountKey();
}

Result<bool> E2eEngine::adoptHandoff(const wire::AccountKeyPush &push) {
    return m_lifecycle->adoptHandoff(push);
}

Result<std::pair<QString, wire::PublishDeviceListRequest>> E2eEngine::createRecoveryKey() {
    return m_lifecycle->createRecoveryKey();
}

Status E2eEngine::finishRecoveryKey(const wire::PublishDeviceListRequest &published) {
    return m_lifecycle->finishRecoveryKey(published);
}

bool E2eEngine::hasRecoveryKey() const {
    auto rsk = m_devices->recoveryKeyOf(m_own->userId());
    return rsk && !rsk->isEmpty();
}

Result<wire::RecoverAccountRequest> E2eEngine::beginRecovery(const QString &recoveryKey,
                                                             const wire::DeviceListResponse &mine) {
    return m_lifecycle->beginRecovery(recoveryKey, mine);
}

Status E2eEngine::finishRecovery() {
    return m_lifecycle->finishRecovery();
}

bool E2eEngine::succeeds(quint64 userId, const QByteArray &recorded,
                         const QByteArray &current) const {
    if (recorded.isEmpty() || current.isEmpty())
        return false;
    if (recorded == current)
        return true;
    auto reaches = m_store.chainReaches(userId, recorded, current);
    return reaches && *reaches;
}

} // namespace tidings::client::e2e
