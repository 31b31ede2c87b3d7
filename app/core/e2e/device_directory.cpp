#include "core/e2e/device_directory.h"
#include "core/e2e/e2e_support.h"

#include "core/e2e/own_keys.h"
#include "core/store/key_store.h"
#include "crypto/device_list.h"
#include "crypto/key_succession.h"

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

Result<QByteArray> DeviceDirectory::recoveryKeyOf(quint64 userId) const {
    auto p = m_store.peer(userId);
    if (!p)
        return p.error();
    if (!p->exists || p->listBlob.isEmpty())
        return QByteArray();
    auto list = verifyDeviceList(p->listBlob, p->aik, userId, 0);
    if (!list) {
        // The stored list is under a key the pin replaced (a reinstall, or a key taken up whose
        // list was not fetched yet): no recovery key is known under the pinned one. A list
        // signed without it is refused by the server unless the password comes with it, so
        // nothing is dropped silently.
        if (crypto::cryptoErrorOf(list.error()) == CryptoError::BadSignature)
            return QByteArray();
        return list.error();
    }
    return list->recoveryKey;
}

Result<wire::PublishDeviceListRequest>
DeviceDirectory::signDeviceList(const QList<DeviceAddress> &devices) {
    const Ed25519KeyPair *aik = m_own.accountKeyPair();
    if (!aik)
        return usageError(QStringLiteral("no account key on this device"));
    auto mine = m_store.peer(m_own.userId());
    if (!mine)
        return mine.error();
    // The recovery key stays what my accepted list names (changing it needs the password).
    auto rsk = recoveryKeyOf(m_own.userId());
    if (!rsk)
        return rsk.error();
    auto req = signOwnList(devices, *aik, mine->listVersion + 1, *rsk);
    if (!req)
        return req.error();
    // Record it as my accepted list, so currentDevices(me) and the next version are right.
    if (auto r = storeOwnList(*req); !r)
        return r.error();
    return req;
}

Status DeviceDirectory::storeOwnList(const wire::PublishDeviceListRequest &published) {
    wire::DeviceListResponse asResponse;
    asResponse.set_user_id(m_own.userId());
    asResponse.set_signed_list(published.signed_list());
    asResponse.set_account_key(published.account_key());
    auto r = acceptDeviceList(asResponse);
    if (!r)
        return r.error();
    return {};
}

Result<wire::PublishDeviceListRequest>
DeviceDirectory::signOwnList(const QList<DeviceAddress> &devices, const Ed25519KeyPair &aik,
                             quint64 version, const QByteArray &recoveryKey) const {
    if (auto s = m_own.requireKeys(); !s)
        return s.error();
    if (devices.isEmpty() || devices.size() > DeviceList::kMaxDevices)
        return usageError(QStringLiteral("1..64 devices per list"));
    const quint64 me = m_own.userId();
    DeviceList list;
    list.userId = me;
    list.version = version;
    list.issuedAtMs = m_clock.nowMs();
    list.recoveryKey = recoveryKey;
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
    const QByteArray blob = crypto::signDeviceList(list, aik);
    if (blob.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("signing the device list"));
    wire::PublishDeviceListRequest req;
    req.set_signed_list(std_(blob));
    req.set_account_key(std_(aik.publicKey));
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
    quint64 newestSeen = p->listVersion;
    QList<KeySuccession> links;
    if (aikChanged) {
        auto chained = walkChain(user, p->aik, p->listVersion, presented, response);
        if (!chained)
            return chained.error();
        update.change = chained->first;
        links = chained->second;
        // The counter continues in every kind: past the last list the old key signed along a
        // chain, and past the last list accepted from the old key without one (a replaced key
        // cannot bring back a list from before a removal).
        newestSeen = links.isEmpty() ? p->listVersion + 1
                                     : std::max(p->listVersion + 1, links.last().lastVersion + 1);
    }
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
        for (const KeySuccession &l : links)
            if (auto s = m_store.addChainLink(user, l.oldKey, l.newKey, int(l.authority)); !s)
                return s;
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

Result<bool> DeviceDirectory::learnChain(quint64 user, const QByteArray &from,
                                         const wire::DeviceListResponse &response) {
    if (auto s = m_own.requireOpen(); !s)
        return s.error();
    const QByteArray pinned = pinnedAccountKey(user);
    if (pinned.isEmpty() || from.isEmpty())
        return false;
    if (constantTimeEquals(from, pinned))
        return true;
    // Every link is signed by both its keys; the chain must end at the key this device pinned
    // (from the user's own signed list), so a fork from an old key (a stolen device's, served
    // by a helpful server) reaches nothing here.
    QList<KeySuccession> links;
    QByteArray at = from;
    for (const std::string &raw : response.successions()) {
        auto s = verifySuccession(qba(raw), user);
        if (!s || !constantTimeEquals(s->oldKey, at))
            return false;
        if (!links.isEmpty() && s->lastVersion <= links.last().lastVersion)
            return false;
        at = s->newKey;
        links.append(*s);
        if (constantTimeEquals(at, pinned))
            break;
    }
    if (links.isEmpty() || !constantTimeEquals(at, pinned))
        return false;
    const Status st = m_store.transaction([&]() -> Status {
        for (const KeySuccession &l : links)
            if (auto s = m_store.addChainLink(user, l.oldKey, l.newKey, int(l.authority)); !s)
                return s;
        return {};
    });
    if (!st)
        return st.error();
    return true;
}

Result<std::pair<KeyChange, QList<KeySuccession>>>
DeviceDirectory::walkChain(quint64 user, const QByteArray &pinnedAik, quint64 listVersion,
                           const QByteArray &presented,
                           const wire::DeviceListResponse &response) const {
    // A key this device saw replaced never counts again, whoever signs with it (a stolen
    // device after its owner rotated, or a server replaying the old lists).
    auto superseded = m_store.isSuperseded(user, presented);
    if (!superseded)
        return superseded.error();
    if (*superseded)
        return makeError(
            CryptoError::Superseded,
            QStringLiteral("a list signed by a replaced account key of user %1").arg(user));
    QList<KeySuccession> links;
    QByteArray at = pinnedAik;
    bool recovered = false;
    for (const std::string &raw : response.successions()) {
        auto s = verifySuccession(qba(raw), user);
        if (!s || !constantTimeEquals(s->oldKey, at))
            break; // not a chain from the pinned key: the change is a replacement
        if (links.isEmpty() && s->lastVersion < listVersion)
            // The old key handed on before a list this device accepted from it: two histories.
            return makeError(CryptoError::Rollback,
                             QStringLiteral("a succession of user %1 from before version %2")
                                 .arg(user)
                                 .arg(listVersion));
        if (!links.isEmpty() && s->lastVersion <= links.last().lastVersion)
            break;
        recovered = recovered || s->authority == SuccessionAuthority::RecoveryKey;
        at = s->newKey;
        links.append(*s);
        if (constantTimeEquals(at, presented))
            return std::pair{recovered ? KeyChange::Recovered : KeyChange::Succeeded, links};
    }
    return std::pair{KeyChange::Replaced, QList<KeySuccession>{}};
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
