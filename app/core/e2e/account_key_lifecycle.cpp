#include "core/e2e/account_key_lifecycle.h"

#include "core/e2e/device_directory.h"
#include "core/e2e/own_keys.h"
#include "core/store/key_store.h"
#include "crypto/device_list.h"
#include "crypto/key_succession.h"
#include "crypto/recovery_key.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcE2e)

namespace tidings::client::e2e {

using namespace tidings::crypto;

namespace {
const QString kNextKey = QStringLiteral("aik_next");
const QString kRequest = QStringLiteral("rotation_request");
//! What "none" is stored as (e2e_own.v is NOT NULL; a null QByteArray binds as NULL).
const QByteArray kNone("", 0);

Error badRecoveryKey(const QString &why) {
    return Error{ErrorCode::BadRecoveryKey, why, 0};
}
} // namespace

AccountKeyLifecycle::AccountKeyLifecycle(KeyStore &store, OwnKeys &own, DeviceDirectory &devices,
                                         const Clock &clock)
    : m_store(store)
    , m_own(own)
    , m_devices(devices)
    , m_clock(clock) {}

Result<wire::PublishDeviceListRequest>
AccountKeyLifecycle::beginRotation(const QList<DeviceAddress> &remaining) {
    if (auto s = m_own.requireKeys(); !s)
        return s.error();
    const Ed25519KeyPair *old = m_own.accountKeyPair();
    if (!old)
        return usageError(QStringLiteral("no account key on this device"));
    if (auto s = requireNonePending(); !s)
        return s.error();
    const quint64 me = m_own.userId();
    auto mine = m_store.peer(me);
    if (!mine)
        return mine.error();
    auto rsk = m_devices.recoveryKeyOf(me);
    if (!rsk)
        return rsk.error();
    Ed25519KeyPair next = Ed25519KeyPair::generate();
    KeySuccession s;
    s.authority = SuccessionAuthority::PreviousKey;
    s.userId = me;
    s.oldKey = old->publicKey;
    s.newKey = next.publicKey;
    s.lastVersion = mine->listVersion;
    s.issuedAtMs = m_clock.nowMs();
    const QByteArray statement = signSuccession(s, *old, next);
    if (statement.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("signing the key succession"));
    auto req = m_devices.signOwnList(remaining, next, mine->listVersion + 1, *rsk);
    if (!req)
        return req.error();
    req->set_succession(std_(statement));
    for (const DeviceAddress &d : remaining) {
        if (m_own.isMe(d))
            continue;
        auto id = m_devices.identity(d, false);
        if (!id)
            return makeError(CryptoError::MissingPreKey,
                             QStringLiteral("unknown keys of device %1").arg(d.deviceId));
        const QByteArray sealed = sealHandoff(me, d.deviceId, id->dik, next, statement);
        if (sealed.isEmpty())
            return makeError(CryptoError::Internal, QStringLiteral("sealing the key handoff"));
        auto *h = req->add_handoffs();
        h->set_device_id(d.deviceId);
        h->set_blob(std_(sealed));
    }
    Status st = m_store.transaction([&]() -> Status {
        if (auto w = m_store.setOwnSecret(kNextKey, next.secretKey); !w)
            return w;
        return m_store.setOwnValue(kRequest, qba(req->SerializeAsString()));
    });
    if (!st)
        return st.error();
    return req;
}

Status AccountKeyLifecycle::requireNonePending() const {
    // One handover at a time: a second would overwrite the key the server may have pinned.
    auto pending = pendingRotation();
    if (!pending)
        return pending.error();
    if (*pending)
        return usageError(QStringLiteral("an account key handover is still being settled"));
    return {};
}

Result<Ed25519KeyPair> AccountKeyLifecycle::loadPending() const {
    auto secret = m_store.ownSecret(kNextKey);
    if (!secret)
        return secret.error();
    if (secret->size() != kSignSecretSize)
        return usageError(QStringLiteral("no account key handover in progress"));
    return Ed25519KeyPair::fromSeed(SecretBytes::fromRaw(secret->data(), kKeySize));
}

QByteArray AccountKeyLifecycle::pendingAccountKey() const {
    auto next = loadPending();
    return next ? next->publicKey : QByteArray();
}

Result<std::optional<wire::PublishDeviceListRequest>> AccountKeyLifecycle::pendingRotation() const {
    auto raw = m_store.ownValue(kRequest);
    if (!raw)
        return raw.error();
    if (raw->isEmpty())
        return std::optional<wire::PublishDeviceListRequest>{};
    wire::PublishDeviceListRequest req;
    if (!req.ParseFromArray(raw->constData(), int(raw->size())))
        return storageError(QStringLiteral("stored rotation request unreadable"));
    return std::optional<wire::PublishDeviceListRequest>{std::move(req)};
}

Status AccountKeyLifecycle::adopt(Ed25519KeyPair next, const QByteArray &previous, int authority,
                                  const wire::PublishDeviceListRequest &published) {
    const QByteArray nextPublic = next.publicKey;
    return m_store.transaction([&]() -> Status {
        // The chain first: my own list under the new key is then a continuation, not a change.
        if (auto s = m_store.addChainLink(m_own.userId(), previous, nextPublic, authority); !s)
            return s;
        if (auto s = m_own.adoptAccountKey(std::move(next)); !s)
            return s;
        if (!published.signed_list().empty())
            if (auto s = m_devices.storeOwnList(published); !s)
                return s;
        if (auto s = m_store.setOwnSecret(kNextKey, SecretBytes()); !s)
            return s;
        return m_store.setOwnValue(kRequest, kNone);
    });
}

Status AccountKeyLifecycle::finishRotation() {
    auto req = pendingRotation();
    if (!req)
        return req.error();
    if (!*req)
        return usageError(QStringLiteral("no rotation in progress"));
    auto next = loadPending();
    if (!next)
        return next.error();
    auto s = verifySuccession(qba((*req)->succession()), m_own.userId());
    if (!s)
        return s.error();
    if (auto st = adopt(std::move(*next), s->oldKey, int(s->authority), **req); !st)
        return st;
    qCInfo(lcE2e) << "account key handed on";
    return {};
}

Status AccountKeyLifecycle::finishRecovery() {
    return finishRotation();
}

Status AccountKeyLifecycle::abandonRotation() {
    return m_store.transaction([&]() -> Status {
        if (auto s = m_store.setOwnSecret(kNextKey, SecretBytes()); !s)
            return s;
        return m_store.setOwnValue(kRequest, kNone);
    });
}

Result<bool> AccountKeyLifecycle::adoptHandoff(const wire::AccountKeyPush &push) {
    if (auto s = m_own.requireKeys(); !s)
        return s.error();
    if (push.handoff().empty() || push.successions().empty())
        return false;
    const quint64 me = m_own.userId();
    // From the key this device holds: only a chain that starts there proves the new key is
    // mine; the relay (the server) is trusted for nothing.
    QByteArray at = m_own.accountPublicKey();
    if (at.isEmpty())
        return false;
    auto mine = m_store.peer(me);
    if (!mine)
        return mine.error();
    QList<KeySuccession> links;
    for (const std::string &raw : push.successions()) {
        auto s = verifySuccession(qba(raw), me);
        if (!s)
            return s.error();
        // A recovery never hands a key to other devices (it logs them all out).
        if (s->authority != SuccessionAuthority::PreviousKey)
            return makeError(CryptoError::Malformed, QStringLiteral("a recovery in a handoff"));
        if (links.isEmpty() && !constantTimeEquals(s->oldKey, at)) {
            // Links this device took up already (it adopted a key and had not rebound its keys
            // to it when the next rotation came) are skipped; anything else is not my chain.
            auto known = m_store.chainReaches(me, s->oldKey, at);
            if (!known)
                return known.error();
            if (*known)
                continue;
            qCInfo(lcE2e) << "account key handoff does not start at my key";
            return false;
        }
        if (links.isEmpty() && s->lastVersion < mine->listVersion)
            // The old key handed on before a list this device accepted from it: two histories.
            return makeError(CryptoError::Rollback,
                             QStringLiteral("a handoff from before my last device list"));
        if (!links.isEmpty() && !constantTimeEquals(s->oldKey, links.last().newKey))
            return makeError(CryptoError::Malformed, QStringLiteral("broken key succession"));
        links.append(*s);
    }
    if (links.isEmpty())
        return false;
    const QByteArray lastStatement = qba(push.successions().at(push.successions_size() - 1));
    auto next = openHandoff(qba(push.handoff()), me, m_own.deviceId(), m_own.deviceKeys().dik,
                            links.last().newKey, lastStatement);
    if (!next)
        return next.error();
    Status st = m_store.transaction([&]() -> Status {
        for (const KeySuccession &l : links)
            if (auto s = m_store.addChainLink(me, l.oldKey, l.newKey, int(l.authority)); !s)
                return s;
        return m_own.adoptAccountKey(std::move(*next));
    });
    if (!st)
        return st.error();
    qCInfo(lcE2e) << "took up the account key another device handed on";
    return true;
}

Result<std::pair<QString, wire::PublishDeviceListRequest>>
AccountKeyLifecycle::createRecoveryKey() {
    const Ed25519KeyPair *aik = m_own.accountKeyPair();
    if (!aik)
        return usageError(QStringLiteral("only a linked device can set up a recovery key"));
    const quint64 me = m_own.userId();
    auto mine = m_store.peer(me);
    if (!mine)
        return mine.error();
    SecretBytes secret = newRecoverySecret();
    auto rsk = recoverySigningKey(secret);
    if (!rsk)
        return rsk.error();
    auto req = m_devices.signOwnList(m_devices.currentDevices(me), *aik, mine->listVersion + 1,
                                     rsk->publicKey);
    if (!req)
        return req.error();
    return std::pair{encodeRecoveryKey(secret), std::move(*req)};
}

Status AccountKeyLifecycle::finishRecoveryKey(const wire::PublishDeviceListRequest &published) {
    return m_devices.storeOwnList(published);
}

Result<wire::RecoverAccountRequest>
AccountKeyLifecycle::beginRecovery(const QString &text, const wire::DeviceListResponse &mine) {
    if (auto s = m_own.requireKeys(); !s)
        return s.error();
    if (m_own.hasAccountKey())
        return usageError(QStringLiteral("this device holds the account key: nothing to recover"));
    if (auto s = requireNonePending(); !s)
        return s.error();
    const quint64 me = m_own.userId();
    auto secret = decodeRecoveryKey(text);
    if (!secret)
        return badRecoveryKey(QStringLiteral("this is not a recovery key (check the letters)"));
    const QByteArray oldKey = qba(mine.account_key());
    const QByteArray embedded = qba(mine.signed_list());
    auto list = verifyDeviceList(embedded, oldKey, me, 0);
    if (!list)
        return list.error();
    if (list->recoveryKey.isEmpty())
        return Error{ErrorCode::NoKeys, QStringLiteral("this account has no recovery key"), 0};
    auto rsk = recoverySigningKey(*secret);
    if (!rsk)
        return rsk.error();
    if (!constantTimeEquals(rsk->publicKey, list->recoveryKey))
        return badRecoveryKey(QStringLiteral("this recovery key is not the account's"));
    Ed25519KeyPair next = Ed25519KeyPair::generate();
    KeySuccession s;
    s.authority = SuccessionAuthority::RecoveryKey;
    s.userId = me;
    s.oldKey = oldKey;
    s.newKey = next.publicKey;
    s.lastVersion = list->version;
    s.issuedAtMs = m_clock.nowMs();
    s.embeddedList = embedded;
    const QByteArray statement = signRecoverySuccession(s, *rsk, next);
    if (statement.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("signing the recovery"));
    auto published = m_devices.signOwnList({DeviceAddress{me, m_own.deviceId()}}, next,
                                           list->version + 1, list->recoveryKey);
    if (!published)
        return published.error();
    published->set_succession(std_(statement));
    // This device's keys as a first upload: its signed prekey and fresh one-time prekeys (an
    // unlinked device never published any), bound to the new key.
    auto upload = m_own.ensureDeviceKeys(me, m_own.deviceId(), false);
    if (!upload)
        return upload.error();
    auto opks = m_own.refillPrekeys(100);
    if (!opks)
        return opks.error();
    wire::RecoverAccountRequest req;
    auto *keys = req.mutable_keys();
    *keys = *upload;
    keys->clear_one_time_prekeys();
    for (const auto &k : opks->one_time_prekeys())
        *keys->add_one_time_prekeys() = k;
    keys->set_account_key(std_(next.publicKey));
    keys->set_binding_signature(std_(signBinding(m_own.deviceKeys(), next.publicKey)));
    req.set_succession(std_(statement));
    req.set_signed_list(published->signed_list());
    req.set_account_key(std_(next.publicKey));
    Status st = m_store.transaction([&]() -> Status {
        if (auto w = m_store.setOwnSecret(kNextKey, next.secretKey); !w)
            return w;
        return m_store.setOwnValue(kRequest, qba(published->SerializeAsString()));
    });
    if (!st)
        return st.error();
    return req;
}

} // namespace tidings::client::e2e
