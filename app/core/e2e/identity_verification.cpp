#include "core/e2e/identity_verification.h"

#include "core/e2e/device_directory.h"
#include "core/e2e/own_keys.h"
#include "core/store/key_store.h"
#include "crypto/safety_number.h"

namespace tidings::client::e2e {

using namespace tidings::crypto;

namespace {
const QString kHoldOnChangeKey = QStringLiteral("hold_on_identity_change");

Error noAccountKeyKnown() {
    return Error{ErrorCode::NoKeys, QStringLiteral("no account key known for this user"), 0};
}
} // namespace

IdentityVerification::IdentityVerification(KeyStore &store, const OwnKeys &own,
                                           const DeviceDirectory &devices)
    : m_store(store)
    , m_own(own)
    , m_devices(devices) {}

Result<QString> IdentityVerification::safetyNumber(quint64 peerUserId) const {
    const Ed25519KeyPair *aik = m_own.accountKeyPair();
    if (!aik)
        return usageError(QStringLiteral("no account key on this device"));
    auto p = m_store.peer(peerUserId);
    if (!p)
        return p.error();
    if (!p->exists || p->aik.isEmpty())
        return noAccountKeyKnown();
    return formatSafetyNumber(crypto::safetyNumber(safetyStableId(m_own.userId()), aik->publicKey,
                                                   safetyStableId(peerUserId), p->aik));
}

Result<QByteArray> IdentityVerification::safetyQrPayload(quint64 peerUserId) const {
    const Ed25519KeyPair *aik = m_own.accountKeyPair();
    if (!aik)
        return usageError(QStringLiteral("no account key on this device"));
    auto p = m_store.peer(peerUserId);
    if (!p)
        return p.error();
    if (!p->exists || p->aik.isEmpty())
        return noAccountKeyKnown();
    return crypto::safetyQrPayload(safetyStableId(m_own.userId()), aik->publicKey,
                                   safetyStableId(peerUserId), p->aik);
}

Status IdentityVerification::setVerified(quint64 peerUserId, bool verified) {
    auto p = m_store.peer(peerUserId);
    if (!p)
        return p.error();
    if (!p->exists)
        return noAccountKeyKnown();
    return m_store.setVerified(peerUserId, verified);
}

bool IdentityVerification::isVerified(quint64 peerUserId) const {
    auto p = m_store.peer(peerUserId);
    return p && p->exists && !p->verifiedAik.isEmpty() &&
           constantTimeEquals(p->verifiedAik, p->aik);
}

bool IdentityVerification::identityChanged(quint64 peerUserId) const {
    auto p = m_store.peer(peerUserId);
    return p && p->exists && p->changed;
}

Status IdentityVerification::acknowledgeIdentityChange(quint64 peerUserId) {
    // The old verification no longer applies to the new key: it is dropped, not carried over.
    return m_store.acknowledgeIdentityChange(peerUserId);
}

bool IdentityVerification::sendingBlocked(quint64 peerUserId) const {
    auto p = m_store.peer(peerUserId);
    return p && p->exists && p->changed && (m_holdOnChange || !p->verifiedAik.isEmpty());
}

QSet<quint64> IdentityVerification::blockedUsers() const {
    QSet<quint64> out;
    if (auto changed = m_store.changedPeers())
        for (auto it = changed->cbegin(); it != changed->cend(); ++it)
            if (m_holdOnChange || it.value())
                out.insert(it.key());
    return out;
}

QSet<quint64> IdentityVerification::changedUsers() const {
    QSet<quint64> out;
    if (auto changed = m_store.changedPeers())
        for (auto it = changed->cbegin(); it != changed->cend(); ++it)
            out.insert(it.key());
    return out;
}

Status IdentityVerification::setHoldOnChange(bool hold) {
    if (auto s = m_store.setOwnValue(kHoldOnChangeKey, hold ? "1" : "0"); !s)
        return s;
    m_holdOnChange = hold;
    return {};
}

void IdentityVerification::loadHoldOnChange() {
    auto v = m_store.ownValue(kHoldOnChangeKey);
    m_holdOnChange = v && *v == "1";
}

QString IdentityVerification::fingerprint(DeviceAddress device) const {
    auto id = m_devices.identity(device, false);
    if (!id)
        return {};
    return QString::fromLatin1(sha256(id->dsk).left(8).toHex());
}

} // namespace tidings::client::e2e
