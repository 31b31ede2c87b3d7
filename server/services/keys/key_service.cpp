#include "services/keys/key_service.h"

#include "core/clock.h"
#include "crypto/crypto_error.h"
#include "crypto/device_list.h"
#include "crypto/key_succession.h"
#include "crypto/x3dh.h"
#include "protocol/limits.h"
#include "routing/delivery.h"
#include "services/common/device_directory.h"
#include "services/common/errors.h"

namespace tidings::server {

namespace {

Error badFrame(const char *detail) {
    return Error{ErrorCode::BadFrame, QString::fromLatin1(detail)};
}

Error identityMismatch(const char *detail) {
    return Error{ErrorCode::IdentityMismatch, QString::fromLatin1(detail)};
}

} // namespace

KeyService::KeyService(KeyStore &store, DeviceDirectory &directory, Delivery &delivery,
                       const Clock &clock)
    : m_store(store)
    , m_directory(directory)
    , m_delivery(delivery)
    , m_clock(clock) {}

void KeyService::uploadKeys(const Caller &caller, const KeyUpload &upload, Reply<KeyStock> reply) {
    // The binding names this connection's user and device: a device can publish keys for
    // itself only, and nobody can re-bind someone else's DSK/DIK to another account key.
    const crypto::DeviceIdentity identity{caller.userId, caller.deviceId, upload.signingKey,
                                          upload.identityKey};
    if (!crypto::verifyBinding(identity, upload.accountKey, upload.bindingSignature))
        return reply(badFrame("binding signature does not verify"));
    if (const auto &spk = upload.signedPreKey;
        spk &&
        !crypto::verifySignedPreKey(upload.signingKey, spk->keyId, spk->publicKey, spk->signature))
        return reply(badFrame("signed prekey signature does not verify"));
    m_store.uploadKeys(
        caller.userId, caller.deviceId, upload, limits::kMaxStoredOneTimePrekeys,
        [reply](Result<UploadOutcome> r) {
            if (!r)
                return reply(r.error());
            switch (r->status) {
            case UploadStatus::IdentityChanged:
                return reply(identityMismatch("this device published other keys before"));
            case UploadStatus::AccountKeyMismatch:
                return reply(identityMismatch("account key differs from the pinned one"));
            case UploadStatus::NeedsSignedPreKey:
                return reply(badFrame("the first upload needs a signed prekey"));
            case UploadStatus::Stored:
                break;
            }
            reply(KeyStock{quint32(r->stock), r->stock < limits::kPrekeyRefillThreshold});
        });
}

std::optional<Error> KeyService::takeFetchBudget(quint64 deviceId) {
    const qint64 now = m_clock.nowMs();
    auto &times = m_fetches[deviceId];
    while (!times.empty() && times.front() <= now - kFetchWindowMs)
        times.pop_front();
    if (int(times.size()) >= limits::kMaxBundleFetchesPerMinute) {
        Error e{ErrorCode::RateLimited, QStringLiteral("too many bundle fetches, slow down")};
        e.retryAfterMs = quint32(std::max<qint64>(1, times.front() + kFetchWindowMs - now));
        return e;
    }
    times.push_back(now);
    return std::nullopt;
}

void KeyService::pruneRateLimits() {
    const qint64 now = m_clock.nowMs();
    for (auto it = m_fetches.begin(); it != m_fetches.end();) {
        if (it->empty() || it->back() <= now - kFetchWindowMs)
            it = m_fetches.erase(it);
        else
            ++it;
    }
    for (auto it = m_publishes.begin(); it != m_publishes.end();) {
        if (it->empty() || it->back() <= now - kFetchWindowMs)
            it = m_publishes.erase(it);
        else
            ++it;
    }
    for (auto it = m_failedRecoveries.begin(); it != m_failedRecoveries.end();) {
        if (it->empty() || it->back() <= now - kRecoveryWindowMs)
            it = m_failedRecoveries.erase(it);
        else
            ++it;
    }
}

std::optional<Error> KeyService::recoveryLimited(quint64 deviceId) {
    const qint64 now = m_clock.nowMs();
    auto it = m_failedRecoveries.find(deviceId);
    if (it == m_failedRecoveries.end())
        return std::nullopt;
    while (!it->empty() && it->front() <= now - kRecoveryWindowMs)
        it->pop_front();
    if (int(it->size()) < kMaxFailedRecoveriesPerHour)
        return std::nullopt;
    Error e{ErrorCode::RateLimited, QStringLiteral("too many failed recoveries, try again later")};
    e.retryAfterMs = quint32(std::max<qint64>(1, it->front() + kRecoveryWindowMs - now));
    return e;
}

void KeyService::recoveryFailed(quint64 deviceId) {
    m_failedRecoveries[deviceId].push_back(m_clock.nowMs());
}

std::optional<Error> KeyService::takePublishBudget(quint64 deviceId) {
    const qint64 now = m_clock.nowMs();
    auto &times = m_publishes[deviceId];
    while (!times.empty() && times.front() <= now - kFetchWindowMs)
        times.pop_front();
    if (int(times.size()) >= kMaxPublishesPerMinute) {
        Error e{ErrorCode::RateLimited, QStringLiteral("too many device lists, slow down")};
        e.retryAfterMs = quint32(std::max<qint64>(1, times.front() + kFetchWindowMs - now));
        return e;
    }
    times.push_back(now);
    return std::nullopt;
}

void KeyService::fetchBundles(const Caller &caller, quint64 target,
                              const std::vector<quint64> &deviceIds,
                              const QByteArray &knownAccountKey, Reply<Bundles> reply) {
    if (auto limited = takeFetchBudget(caller.deviceId))
        return reply(*limited);
    m_store.fetchBundles(
        target, deviceIds, knownAccountKey, [this, reply](Result<FetchedBundles> r) {
            // The one-time prekeys are gone either way: a client that went away in the meantime
            // simply fetches again (the keys are never handed out twice).
            if (!r)
                return reply(r.error());
            Bundles out;
            out.deviceList = r->deviceList;
            for (auto &b : r->bundles) {
                if (b.taken && b.stock < limits::kPrekeyRefillThreshold) {
                    // The device whose prekey was taken is asked to upload more.
                    wire::KeysResponse refill;
                    refill.set_one_time_prekeys(quint32(b.stock));
                    refill.set_refill(true);
                    m_delivery.toDevice(b.bundle.deviceId, Push{std::move(refill)});
                }
                out.bundles.push_back(std::move(b.bundle));
            }
            if (!r->userKnown)
                return reply(noSuchUserError());
            if (out.bundles.empty())
                return reply(Error{ErrorCode::NoKeys,
                                   QStringLiteral("no published keys for those devices")});
            reply(std::move(out));
        });
}

void KeyService::publishDeviceList(const Caller &caller, const ListPublication &pub,
                                   StatusReply reply) {
    const quint64 userId = caller.userId;
    // A device republishing without end would keep a recovery from matching the stored list.
    if (auto limited = takePublishBudget(caller.deviceId))
        return reply(*limited);
    const QByteArray &blob = pub.signedList;
    const QByteArray &aik = pub.accountKey;
    auto list = crypto::verifyDeviceList(blob, aik, userId, 0);
    if (!list) {
        const auto why = crypto::cryptoErrorOf(list.error());
        if (why == crypto::CryptoError::IdentityMismatch)
            return reply(Error{ErrorCode::Forbidden,
                               QStringLiteral("a device list must name your own account")});
        return reply(badFrame(why == crypto::CryptoError::BadSignature
                                  ? "device list signature does not verify under account_key"
                                  : "malformed device list"));
    }
    if (list->devices.size() > limits::kMaxDevicesPerUser)
        return reply(Error{ErrorCode::TooLarge, QStringLiteral("more than 16 devices listed")});
    VerifiedDeviceList verified;
    verified.version = list->version;
    verified.blob = blob;
    verified.accountKey = aik;
    verified.recoveryKey = list->recoveryKey;
    verified.callerDevice = caller.deviceId;
    verified.passwordVerified = pub.passwordVerified;
    for (const auto &d : list->devices)
        verified.devices.push_back({d.deviceId, d.dsk, d.dik});
    if (!pub.succession.isEmpty()) {
        // Checked here, before the store: the store only compares it with what is pinned.
        auto s = crypto::verifySuccession(pub.succession, userId);
        if (!s)
            return reply(badFrame("key succession does not verify"));
        if (s->authority != crypto::SuccessionAuthority::PreviousKey)
            return reply(badFrame("a recovery goes through RecoverAccountRequest"));
        if (s->newKey != aik)
            return reply(badFrame("the key succession names another new key"));
        verified.succession = pub.succession;
        verified.oldKey = s->oldKey;
        verified.lastVersion = s->lastVersion;
        for (const auto &[device, handoff] : pub.handoffs)
            if (list->find(device) && device != caller.deviceId)
                verified.handoffs.emplace_back(device, handoff);
    } else if (!pub.handoffs.empty()) {
        return reply(badFrame("key handoffs without a key succession"));
    }
    m_store.publishDeviceList(
        userId, verified, [this, userId, verified, reply](Result<PublishStatus> r) {
            if (!r)
                return reply(r.error());
            switch (*r) {
            case PublishStatus::Stored:
                m_directory.invalidateUser(userId);
                reply(Status{});
                // The remaining devices online now take up the new key at once; the others ask
                // for their handoff at their next session (AccountKeyRequest).
                for (const auto &[device, handoff] : verified.handoffs) {
                    wire::AccountKeyPush push;
                    push.add_successions(verified.succession.toStdString());
                    push.set_handoff(handoff.toStdString());
                    m_delivery.toDevice(device, Push{std::move(push)});
                }
                return;
            case PublishStatus::AccountKeyMismatch:
                return reply(identityMismatch("account key differs from the pinned one"));
            case PublishStatus::NotSuccessor:
                return reply(identityMismatch("the account key was handed on already"));
            case PublishStatus::LastVersionMismatch:
                return reply(
                    identityMismatch("the key succession does not follow the stored list"));
            case PublishStatus::NotLinked:
                return reply(
                    Error{ErrorCode::Forbidden,
                          QStringLiteral("only a device in your device list may hand on the "
                                         "account key")});
            case PublishStatus::TooManySuccessions:
                return reply(Error{ErrorCode::RateLimited,
                                   QStringLiteral("the account key changed too often today")});
            case PublishStatus::PasswordRequired:
                return reply(
                    Error{ErrorCode::Forbidden,
                          QStringLiteral("changing the recovery key needs your password")});
            case PublishStatus::StaleVersion:
                return reply(Error{ErrorCode::Forbidden, QStringLiteral("stale version")});
            case PublishStatus::ForeignDevice:
                return reply(
                    badFrame("a listed device is not yours, is revoked or has published no keys"));
            case PublishStatus::KeysDiffer:
                break;
            }
            reply(identityMismatch("a listed device published other keys"));
        });
}

void KeyService::deviceList(const Caller &, quint64 target, const QByteArray &knownAccountKey,
                            Reply<SignedDeviceList> reply) {
    m_store.deviceList(target, knownAccountKey, [reply](Result<std::optional<SignedDeviceList>> r) {
        if (!r)
            return reply(r.error());
        if (!*r)
            return reply(noSuchUserError());
        reply(**r);
    });
}

void KeyService::accountKeyHandoff(const Caller &caller, Reply<AccountKeyHandoff> reply) {
    m_store.accountKeyHandoff(caller.deviceId, std::move(reply));
}

void KeyService::recoverAccount(const Caller &caller, const AccountRecovery &rec,
                                Reply<std::vector<quint64>> reply) {
    const quint64 userId = caller.userId;
    // Counted per device, not per user: a thief holding one of the user's devices must not be
    // able to use up the owner's attempts (the owner recovers from a device of her own).
    if (auto limited = recoveryLimited(caller.deviceId))
        return reply(*limited);
    auto s = crypto::verifySuccession(rec.succession, userId);
    if (!s || s->authority != crypto::SuccessionAuthority::RecoveryKey) {
        recoveryFailed(caller.deviceId);
        return reply(Error{ErrorCode::BadRecoveryKey,
                           QStringLiteral("the recovery is not signed by the account's recovery "
                                          "key")});
    }
    if (s->newKey != rec.accountKey || rec.keys.accountKey != rec.accountKey)
        return reply(badFrame("the recovery names another new account key"));
    auto list = crypto::verifyDeviceList(rec.signedList, rec.accountKey, userId, 0);
    if (!list)
        return reply(badFrame("the new device list does not verify"));
    const auto *mine = list->find(caller.deviceId);
    if (list->devices.size() != 1 || !mine || mine->dsk != rec.keys.signingKey ||
        mine->dik != rec.keys.identityKey)
        return reply(badFrame("the new device list must name this device alone"));
    const crypto::DeviceIdentity identity{userId, caller.deviceId, rec.keys.signingKey,
                                          rec.keys.identityKey};
    if (!crypto::verifyBinding(identity, rec.accountKey, rec.keys.bindingSignature))
        return reply(badFrame("binding signature does not verify"));
    const auto &spk = rec.keys.signedPreKey;
    if (!spk || !crypto::verifySignedPreKey(rec.keys.signingKey, spk->keyId, spk->publicKey,
                                            spk->signature))
        return reply(badFrame("signed prekey signature does not verify"));
    VerifiedRecovery verified;
    verified.oldKey = s->oldKey;
    verified.lastVersion = s->lastVersion;
    verified.embeddedList = s->embeddedList;
    verified.accountKey = rec.accountKey;
    verified.succession = rec.succession;
    verified.version = list->version;
    verified.signedList = rec.signedList;
    verified.recoveryKey = list->recoveryKey;
    verified.keys = rec.keys;
    m_store.recoverAccount(
        userId, caller.deviceId, verified, limits::kMaxStoredOneTimePrekeys,
        [this, userId, reply](Result<RecoveryOutcome> r) {
            if (!r)
                return reply(r.error());
            switch (r->status) {
            case RecoveryStatus::Recovered:
                m_directory.invalidateUser(userId);
                reply(r->loggedOut);
                if (m_cutOff && !r->loggedOut.empty())
                    m_cutOff(userId, r->loggedOut);
                return;
            case RecoveryStatus::NotCurrent:
                return reply(identityMismatch("the account's device list changed; try again"));
            case RecoveryStatus::BadVersion:
                return reply(identityMismatch("the new list does not follow the stored one"));
            case RecoveryStatus::TooMany:
                return reply(Error{ErrorCode::RateLimited,
                                   QStringLiteral("three recoveries today already")});
            case RecoveryStatus::BadKeys:
                break;
            }
            reply(identityMismatch("this device published other keys before"));
        });
}

void KeyService::linkRelay(const Caller &caller, quint64 deviceId, const QByteArray &blob,
                           StatusReply reply) {
    // Only between the caller's own devices, and only live: the blob is never stored.
    if (deviceId == caller.deviceId ||
        !m_delivery.connectedDevices(caller.userId).contains(deviceId))
        return reply(
            Error{ErrorCode::NoSuchDevice, QStringLiteral("no such device of yours online")});
    wire::LinkRelayPush push;
    push.set_from_device_id(caller.deviceId);
    push.set_blob(blob.toStdString());
    m_delivery.toDevice(deviceId, Push{std::move(push)});
    reply(Status{});
}

void KeyService::deviceRevoked(quint64 userId, quint64) {
    m_directory.invalidateUser(userId);
}

} // namespace tidings::server
