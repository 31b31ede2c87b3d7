#include "core/e2e/e2e_engine.h"

// Temporary stub so the lead can code against the header; replaced by the implementation.
namespace tidings::client::e2e {

namespace {
Error notYet() {
    return Error{ErrorCode::Internal, QStringLiteral("e2e: not implemented yet"), 0};
}
} // namespace

struct E2eEngine::Impl {};

E2eEngine::E2eEngine(QString, SecretBytes)
    : d(std::make_unique<Impl>()) {}
E2eEngine::~E2eEngine() = default;
Status E2eEngine::open() {
    return notYet();
}
bool E2eEngine::hasAccountKey() const {
    return false;
}
bool E2eEngine::hasDeviceKeys() const {
    return false;
}
quint64 E2eEngine::myUserId() const {
    return 0;
}
quint64 E2eEngine::myDeviceId() const {
    return 0;
}
Result<wire::UploadKeysRequest> E2eEngine::ensureDeviceKeys(quint64, quint64, bool) {
    return notYet();
}
Result<wire::UploadKeysRequest> E2eEngine::refillPrekeys(int) {
    return notYet();
}
Result<std::optional<wire::UploadKeysRequest>> E2eEngine::rotateSignedPrekeyIfDue(qint64) {
    return notYet();
}
int E2eEngine::oneTimePrekeyCount() const {
    return 0;
}
Result<wire::PublishDeviceListRequest> E2eEngine::signDeviceList(const QList<DeviceAddress> &) {
    return notYet();
}
QByteArray E2eEngine::accountKey() const {
    return {};
}
Result<DeviceListUpdate> E2eEngine::acceptDeviceList(const wire::DeviceListResponse &) {
    return notYet();
}
QList<DeviceAddress> E2eEngine::currentDevices(quint64) const {
    return {};
}
bool E2eEngine::hasSession(DeviceAddress) const {
    return false;
}
Status E2eEngine::acceptBundles(const wire::BundlesResponse &) {
    return notYet();
}
QByteArray E2eEngine::deviceDigest(QList<DeviceAddress>) {
    return {};
}
Result<QList<wire::Envelope>> E2eEngine::encryptPairwise(const QList<DeviceAddress> &,
                                                         const wire::E2eBody &) {
    return notYet();
}
Result<GroupSend> E2eEngine::encryptGroup(quint64, const QList<DeviceAddress> &,
                                          const wire::E2eBody &) {
    return notYet();
}
Status E2eEngine::markRotationNeeded(quint64) {
    return notYet();
}
Result<E2eEngine::Decrypted> E2eEngine::decrypt(const wire::Message &, quint64, quint64) {
    return notYet();
}
Result<QString> E2eEngine::safetyNumber(quint64) const {
    return notYet();
}
Result<QByteArray> E2eEngine::safetyQrPayload(quint64) const {
    return notYet();
}
Status E2eEngine::setVerified(quint64, bool) {
    return notYet();
}
bool E2eEngine::isVerified(quint64) const {
    return false;
}
bool E2eEngine::identityChanged(quint64) const {
    return false;
}
Status E2eEngine::acknowledgeIdentityChange(quint64) {
    return notYet();
}
QString E2eEngine::fingerprint(DeviceAddress) const {
    return {};
}
QString E2eEngine::myFingerprint() const {
    return {};
}
Result<QString> E2eEngine::createLinkCode(quint64) {
    return notYet();
}
Result<std::pair<quint64, QByteArray>> E2eEngine::linkHello(const QString &, quint64, quint64) {
    return notYet();
}
Result<LinkGrant> E2eEngine::answerLinkHello(quint64, const QByteArray &) {
    return notYet();
}
Status E2eEngine::acceptLinkGrant(const QByteArray &) {
    return notYet();
}
void E2eEngine::setClockForTest(std::function<qint64()>) {}

} // namespace tidings::client::e2e
