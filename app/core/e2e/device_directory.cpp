#include "core/e2e/device_directory.h"
#include "core/e2e/e2e_support.h"

#include "core/e2e/own_keys.h"
#include "core/store/key_store.h"
#include "crypto/device_list.h"

#include <QLoggingCategory>
#include <QSet>

#include <algorithm>

Q_LOGGING_CATEGORY(lcE2e, "tidings.e2e")

namespace tidings::client::e2e {

using namespace tidings::crypto;

DeviceDirectory::DeviceDirectory(KeyStore &store, const OwnKeys &own, const Clock &clock)
    : m_store(store)
    , m_own(own)
    , m_clock(clock) {}

std::optional<DeviceIdentity> DeviceDirectory::identity(DeviceAddress a, bool listedOnly) const {
    if (m_own.hasDeviceKeys() && m_own.isMe(a) && !listedOnly)
        return m_own.deviceKeys().identity();
    auto known = m_store.device(a.userId, a.deviceId);
    if (!known || !known->has_value())
        return std::nullopt;
    if (listedOnly && !(*known)->listed)
        return std::nullopt;
    return DeviceIdentity{a.userId, a.deviceId, (*known)->dsk, (*known)->dik};
}

Status DeviceDirectory::rememberIdentity(const DeviceIdentity &id) const {
    return m_store.rememberDevice(id.userId, id.deviceId, id.dsk, id.dik);
}

QList<DeviceAddress> DeviceDirectory::currentDevices(quint64 userId) const {
    QList<DeviceAddress> out;
    auto ids = m_store.listedDevices(userId);
    if (!ids)
        return out;
    for (quint64 id : *ids)
        out.append(DeviceAddress{userId, id});
    return out;
}

Result<wire::PublishDeviceListRequest>
DeviceDirectory::signDeviceList(const QList<DeviceAddress> &devices) {
    if (auto s = m_own.requireKeys(); !s)
        return s.error();
    const Ed25519KeyPair *aik = m_own.accountKeyPair();
    if (!aik)
        return usageError(QStringLiteral("no account key on this device"));
    if (devices.isEmpty() || devices.size() > DeviceList::kMaxDevices)
        return usageError(QStringLiteral("1..64 devices per list"));
    const quint64 me = m_own.userId();
    auto mine = m_store.peer(me);
    if (!mine)
        return mine.error();
    DeviceList list;
    list.userId = me;
    list.version = mine->listVersion + 1;
    list.issuedAtMs = m_clock.nowMs();
    QSet<quint64> seen;
    for (const DeviceAddress &a : devices) {
        if (a.userId != me)
            return usageError(QStringLiteral("a device of another user"));
        if (seen.contains(a.deviceId))
            continue;
        seen.insert(a.deviceId);
        auto id = identity(a, false);
        if (!id)
            return makeError(CryptoError::MissingPreKey,
                             QStringLiteral("unknown keys of device %1").arg(a.deviceId));
        list.devices.append(DeviceEntry{a.deviceId, id->dsk, id->dik});
    }
    std::sort(list.devices.begin(), list.devices.end(),
              [](const DeviceEntry &a, const DeviceEntry &b) { return a.deviceId < b.deviceId; });
    const QByteArray blob = crypto::signDeviceList(list, *aik);
    wire::DeviceListResponse asResponse;
    asResponse.set_user_id(me);
    asResponse.set_signed_list(std_(blob));
    asResponse.set_account_key(std_(aik->publicKey));
    // Record it as my accepted list, so currentDevices(me) and the next version are right.
    if (auto r = acceptDeviceList(asResponse); !r)
        return r.error();
    wire::PublishDeviceListRequest req;
    req.set_signed_list(std_(blob));
    req.set_account_key(std_(aik->publicKey));
    return req;
}

Result<DeviceListUpdate>
DeviceDirectory::acceptDeviceList(const wire::DeviceListResponse &response) {
    if (auto s = m_own.requireOpen(); !s)
        return s.error();
    const quint64 user = response.user_id();
    const QByteArray blob = qba(response.signed_list());
    const QByteArray presented = qba(response.account_key());
    if (blob.isEmpty() || presented.isEmpty())
        return Error{ErrorCode::NoKeys,
                     QStringLiteral("user %1 has published no device list").arg(user), 0};
    auto p = m_store.peer(user);
    if (!p)
        return p.error();
    DeviceListUpdate update;
    const bool aikChanged =
        p->exists && !p->aik.isEmpty() && !constantTimeEquals(p->aik, presented);
    if (aikChanged && user == m_own.userId() && m_own.hasAccountKey())
        return makeError(CryptoError::IdentityMismatch,
                         QStringLiteral("a device list for me signed by another account key"));
    // A new AIK starts its own version sequence; the old one's versions do not apply.
    const quint64 newestSeen = aikChanged ? 0 : p->listVersion;
    auto list = verifyDeviceList(blob, presented, user, newestSeen);
    if (!list)
        return list.error();
    if (!aikChanged && p->exists && list->version == p->listVersion && !p->listBlob.isEmpty() &&
        blob != p->listBlob) {
        // Same version, different content: the server (or the key holder) equivocates.
        auto old = verifyDeviceList(p->listBlob, presented, user, 0);
        if (!old || !(*old == *list))
            return makeError(
                CryptoError::Rollback,
                QStringLiteral("two different lists with version %1").arg(list->version));
    }
    update.identityChanged = aikChanged;

    QList<DeviceAddress> before = currentDevices(user);
    Status st = m_store.transaction([&]() -> Status {
        if (auto s = m_store.storeDeviceList(user, presented, list->version, blob, aikChanged); !s)
            return s;
        if (auto s = m_store.unlistDevices(user); !s)
            return s;
        for (const DeviceEntry &e : list->devices) {
            // Same device id, other keys (a reinstall): everything tied to the old keys goes,
            // and the device gets the current sender keys again.
            const auto known = identity(DeviceAddress{user, e.deviceId}, false);
            if (known && (known->dsk != e.dsk || known->dik != e.dik))
                if (auto s = m_store.forgetDevice(user, e.deviceId); !s)
                    return s;
            if (auto s = m_store.listDevice(user, e.deviceId, e.dsk, e.dik); !s)
                return s;
        }
        // Sessions with devices that left the list (or whose keys changed) are dropped: a
        // removed device receives nothing more.
        return m_store.dropUnlistedSessions(user);
    });
    if (!st)
        return st.error();
    const QList<DeviceAddress> after = currentDevices(user);
    for (const DeviceAddress &a : after)
        if (!before.contains(a))
            update.added.append(a);
    for (const DeviceAddress &a : before)
        if (!after.contains(a))
            update.removed.append(a);
    if (aikChanged)
        qCWarning(lcE2e) << "account identity key of user" << user << "changed";
    return update;
}

QByteArray DeviceDirectory::encodeSet(QList<DeviceAddress> devices) {
    std::sort(devices.begin(), devices.end());
    devices.erase(std::unique(devices.begin(), devices.end()), devices.end());
    QByteArray buf;
    buf.reserve(devices.size() * 16);
    for (const DeviceAddress &a : devices) {
        appendU64(buf, a.userId);
        appendU64(buf, a.deviceId);
    }
    return buf;
}

QByteArray DeviceDirectory::digest(QList<DeviceAddress> devices) {
    return sha256(encodeSet(std::move(devices)));
}

} // namespace tidings::client::e2e

namespace tidings::client::e2e {

QByteArray DeviceDirectory::pinnedAccountKey(quint64 userId) const {
    if (userId == m_own.userId() && m_own.hasAccountKey())
        return m_own.accountPublicKey();
    auto peer = m_store.peer(userId);
    return peer && peer->exists ? peer->aik : QByteArray();
}

QHash<quint64, QByteArray> DeviceDirectory::pinnedAccountKeys(const QList<quint64> &userIds) const {
    auto keys = m_store.accountKeys(userIds);
    QHash<quint64, QByteArray> out = keys ? *keys : QHash<quint64, QByteArray>();
    if (m_own.hasAccountKey() && userIds.contains(m_own.userId()))
        out.insert(m_own.userId(), m_own.accountPublicKey());
    return out;
}

} // namespace tidings::client::e2e
