// E2eEngine: opening, own keys and prekeys, device lists and bundles. Messaging is in
// e2e_messaging.cpp, verification and linking in e2e_link.cpp.
#include "core/e2e/e2e_engine_p.h"

#include <QSet>

#include <algorithm>

namespace tidings::client::e2e {

using namespace tidings::crypto;

namespace {
std::string std_(const QByteArray &b) {
    return std::string(b.constData(), size_t(b.size()));
}
QByteArray qba(const std::string &s) {
    return QByteArray(s.data(), qsizetype(s.size()));
}

void addSignedPrekey(wire::UploadKeysRequest &r, const SignedPreKey &spk) {
    auto *w = r.mutable_signed_prekey();
    w->set_key_id(spk.id);
    w->set_public_key(std_(spk.key.publicKey));
    w->set_signature(std_(spk.signature));
}

void addOneTimePrekeys(wire::UploadKeysRequest &r,
                       const QList<std::pair<quint32, QByteArray>> &opks) {
    for (const auto &[id, pub] : opks) {
        auto *o = r.add_one_time_prekeys();
        o->set_key_id(id);
        o->set_public_key(std_(pub));
    }
}
} // namespace

E2eEngine::E2eEngine(KeyStore &keys)
    : d(std::make_unique<Impl>(keys)) {}

E2eEngine::~E2eEngine() = default;

void E2eEngine::setClockForTest(std::function<qint64()> nowMs) {
    d->clock = std::move(nowMs);
}

Status E2eEngine::open() {
    if (!ensureSodium())
        return makeError(CryptoError::Internal, QStringLiteral("libsodium init"));
    if (!d->store.valid())
        return Error{ErrorCode::Usage, QStringLiteral("e2e: master key missing or too short"), 0};
    if (auto s = d->loadOwn(); !s)
        return s;
    d->opened = true;
    return {};
}

bool E2eEngine::hasAccountKey() const {
    return d->aik.has_value();
}

bool E2eEngine::hasDeviceKeys() const {
    return d->keys.has_value();
}

quint64 E2eEngine::myUserId() const {
    return d->userId;
}

quint64 E2eEngine::myDeviceId() const {
    return d->deviceId;
}

QByteArray E2eEngine::accountKey() const {
    return d->aik ? d->aik->publicKey : QByteArray();
}

Result<wire::UploadKeysRequest> E2eEngine::ensureDeviceKeys(quint64 myUserId, quint64 myDeviceId,
                                                            bool createAccountKey) {
    if (auto s = d->requireOpen(); !s)
        return s.error();
    if (d->keys && (d->userId != myUserId || d->deviceId != myDeviceId))
        return Error{ErrorCode::Usage,
                     QStringLiteral("e2e: this store holds keys of another device"), 0};
    wire::UploadKeysRequest out;
    Status st = d->store.transaction([&]() -> Status {
        const bool fresh = !d->keys;
        if (fresh) {
            d->userId = myUserId;
            d->deviceId = myDeviceId;
            d->keys = DeviceKeys::generate(myUserId, myDeviceId);
            if (auto s = d->saveDeviceKeys(); !s)
                return s;
        }
        if (createAccountKey && !d->aik) {
            d->aik = Ed25519KeyPair::generate();
            if (auto s = d->saveAik(); !s)
                return s;
        }
        auto pk = d->loadPrekeys();
        if (!pk)
            return pk.error();
        out = d->identityUpload();
        if (!pk->currentSignedPreKey())
            pk->rotateSignedPreKey(d->keys->dsk, d->nowMs() / 1000);
        // OPKs only on creation: they were uploaded with the first request, and the server asks
        // for more (KeysResponse.refill) when it runs low.
        if (fresh)
            addOneTimePrekeys(out, pk->generateOneTimePreKeys(PreKeyStore::kOpkUploadCount));
        addSignedPrekey(out, *pk->currentSignedPreKey());
        return d->savePrekeys(*pk);
    });
    if (!st) {
        // Nothing was stored: forget what we generated in memory too.
        (void)d->loadOwn();
        return st.error();
    }
    return out;
}

Result<wire::UploadKeysRequest> E2eEngine::refillPrekeys(int count) {
    if (auto s = d->requireKeys(); !s)
        return s.error();
    if (count <= 0 || count > PreKeyStore::kOpkUploadCount)
        return Error{ErrorCode::Usage, QStringLiteral("e2e: refill 1..100 prekeys"), 0};
    wire::UploadKeysRequest out;
    Status st = d->store.transaction([&]() -> Status {
        auto pk = d->loadPrekeys();
        if (!pk)
            return pk.error();
        out = d->identityUpload();
        addOneTimePrekeys(out, pk->generateOneTimePreKeys(count));
        return d->savePrekeys(*pk);
    });
    if (!st)
        return st.error();
    return out;
}

Result<std::optional<wire::UploadKeysRequest>> E2eEngine::rotateSignedPrekeyIfDue(qint64 nowMs) {
    if (auto s = d->requireKeys(); !s)
        return s.error();
    std::optional<wire::UploadKeysRequest> out;
    Status st = d->store.transaction([&]() -> Status {
        auto pk = d->loadPrekeys();
        if (!pk)
            return pk.error();
        const qint64 nowSecs = nowMs / 1000;
        pk->expire(nowSecs);
        if (pk->needsRotation(nowSecs)) {
            out = d->identityUpload();
            addSignedPrekey(*out, pk->rotateSignedPreKey(d->keys->dsk, nowSecs));
        }
        return d->savePrekeys(*pk);
    });
    if (!st)
        return st.error();
    return out;
}

int E2eEngine::oneTimePrekeyCount() const {
    if (!d->keys)
        return 0;
    auto pk = d->loadPrekeys();
    return pk ? pk->oneTimePreKeyCount() : 0;
}

Result<wire::PublishDeviceListRequest>
E2eEngine::signDeviceList(const QList<DeviceAddress> &devices) {
    if (auto s = d->requireKeys(); !s)
        return s.error();
    if (!d->aik)
        return Error{ErrorCode::Usage, QStringLiteral("e2e: no account key on this device"), 0};
    if (devices.isEmpty() || devices.size() > DeviceList::kMaxDevices)
        return Error{ErrorCode::Usage, QStringLiteral("e2e: 1..64 devices per list"), 0};
    auto me = d->peer(d->userId);
    if (!me)
        return me.error();
    DeviceList list;
    list.userId = d->userId;
    list.version = me->listVersion + 1;
    list.issuedAtMs = d->nowMs();
    QSet<quint64> seen;
    for (const DeviceAddress &a : devices) {
        if (a.userId != d->userId)
            return Error{ErrorCode::Usage, QStringLiteral("e2e: a device of another user"), 0};
        if (seen.contains(a.deviceId))
            continue;
        seen.insert(a.deviceId);
        auto id = d->identity(a, false);
        if (!id)
            return makeError(CryptoError::MissingPreKey,
                             QStringLiteral("unknown keys of device %1").arg(a.deviceId));
        list.devices.append(DeviceEntry{a.deviceId, id->dsk, id->dik});
    }
    std::sort(list.devices.begin(), list.devices.end(),
              [](const DeviceEntry &a, const DeviceEntry &b) { return a.deviceId < b.deviceId; });
    const QByteArray blob = crypto::signDeviceList(list, *d->aik);
    wire::DeviceListResponse asResponse;
    asResponse.set_user_id(d->userId);
    asResponse.set_signed_list(std_(blob));
    asResponse.set_account_key(std_(d->aik->publicKey));
    // Record it as my accepted list, so currentDevices(me) and the next version are right.
    if (auto r = acceptDeviceList(asResponse); !r)
        return r.error();
    wire::PublishDeviceListRequest req;
    req.set_signed_list(std_(blob));
    req.set_account_key(std_(d->aik->publicKey));
    return req;
}

Result<DeviceListUpdate> E2eEngine::acceptDeviceList(const wire::DeviceListResponse &response) {
    if (auto s = d->requireOpen(); !s)
        return s.error();
    const quint64 user = response.user_id();
    const QByteArray blob = qba(response.signed_list());
    const QByteArray presented = qba(response.account_key());
    if (blob.isEmpty() || presented.isEmpty())
        return Error{ErrorCode::NoKeys,
                     QStringLiteral("user %1 has published no device list").arg(user), 0};
    auto p = d->peer(user);
    if (!p)
        return p.error();
    DeviceListUpdate update;
    const bool aikChanged =
        p->exists && !p->aik.isEmpty() && !constantTimeEquals(p->aik, presented);
    if (aikChanged && user == d->userId && d->aik)
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
    Status st = d->store.transaction([&]() -> Status {
        if (auto s = d->store.storeDeviceList(user, presented, list->version, blob, aikChanged); !s)
            return s;
        if (auto s = d->store.unlistDevices(user); !s)
            return s;
        for (const DeviceEntry &e : list->devices) {
            // Same device id, other keys (a reinstall): everything tied to the old keys goes,
            // and the device gets the current sender keys again.
            const auto known = d->identity(DeviceAddress{user, e.deviceId}, false);
            if (known && (known->dsk != e.dsk || known->dik != e.dik))
                if (auto s = d->forgetDevice(DeviceAddress{user, e.deviceId}); !s)
                    return s;
            if (auto s = d->store.listDevice(user, e.deviceId, e.dsk, e.dik); !s)
                return s;
        }
        // Sessions with devices that left the list (or whose keys changed) are dropped: a
        // removed device receives nothing more.
        return d->store.dropUnlistedSessions(user);
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

QList<DeviceAddress> E2eEngine::currentDevices(quint64 userId) const {
    QList<DeviceAddress> out;
    auto ids = d->store.listedDevices(userId);
    if (!ids)
        return out;
    for (quint64 id : *ids)
        out.append(DeviceAddress{userId, id});
    return out;
}

bool E2eEngine::hasSession(DeviceAddress device) const {
    auto has = d->store.hasSession(device.userId, device.deviceId);
    return has && *has;
}

Status E2eEngine::acceptBundles(const wire::BundlesResponse &bundles) {
    if (auto s = d->requireKeys(); !s)
        return s;
    if (bundles.has_device_list() && !bundles.device_list().signed_list().empty())
        if (auto r = acceptDeviceList(bundles.device_list()); !r)
            return r.error();
    return d->store.transaction([&]() -> Status {
        for (const wire::DeviceBundle &b : bundles.bundles()) {
            const DeviceAddress a{b.user_id(), b.device_id()};
            if (a.userId == d->userId && a.deviceId == d->deviceId)
                continue;
            auto listed = d->identity(a, true);
            if (!listed)
                return makeError(CryptoError::IdentityMismatch,
                                 QStringLiteral("device %1:%2 is not in the verified list")
                                     .arg(a.userId)
                                     .arg(a.deviceId));
            auto p = d->peer(a.userId);
            if (!p)
                return p.error();
            PreKeyBundle bundle;
            bundle.identity =
                DeviceIdentity{a.userId, a.deviceId, qba(b.signing_key()), qba(b.identity_key())};
            if (!(bundle.identity == *listed))
                return makeError(CryptoError::IdentityMismatch,
                                 QStringLiteral("bundle keys of %1:%2 differ from the list")
                                     .arg(a.userId)
                                     .arg(a.deviceId));
            bundle.bindingSignature = qba(b.binding_signature());
            bundle.spkId = b.signed_prekey().key_id();
            bundle.spk = qba(b.signed_prekey().public_key());
            bundle.spkSignature = qba(b.signed_prekey().signature());
            if (b.has_one_time_prekey() && !b.one_time_prekey().public_key().empty()) {
                bundle.opkId = b.one_time_prekey().key_id();
                bundle.opk = qba(b.one_time_prekey().public_key());
            }
            auto x = x3dhInitiate(*d->keys, bundle, p->aik);
            if (!x)
                return x.error();
            auto session = RatchetSession::initInitiator(x->sharedKey, x->associatedData,
                                                         x->responderRatchetKey);
            if (!session)
                return session.error();
            QByteArray pending;
            appendU32(pending, x->spkId);
            pending.append(char(x->opkId ? 1 : 0));
            appendU32(pending, x->opkId.value_or(0));
            pending.append(x->ephemeralPublic);
            if (auto s = d->saveSession(a, randomPublicBytes(16), *session, pending, {}, true); !s)
                return s;
        }
        return {};
    });
}

QByteArray E2eEngine::deviceDigest(QList<DeviceAddress> devices) {
    std::sort(devices.begin(), devices.end());
    devices.erase(std::unique(devices.begin(), devices.end()), devices.end());
    QByteArray buf;
    buf.reserve(devices.size() * 16);
    for (const DeviceAddress &a : devices) {
        appendU64(buf, a.userId);
        appendU64(buf, a.deviceId);
    }
    return sha256(buf);
}

} // namespace tidings::client::e2e
