#include "services/keys/key_service.h"

#include "core/clock.h"
#include "crypto/crypto_error.h"
#include "crypto/device_list.h"
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
}

void KeyService::fetchBundles(const Caller &caller, quint64 target,
                              const std::vector<quint64> &deviceIds, Reply<Bundles> reply) {
    if (auto limited = takeFetchBudget(caller.deviceId))
        return reply(*limited);
    m_store.fetchBundles(target, deviceIds, [this, reply](Result<FetchedBundles> r) {
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
            return reply(
                Error{ErrorCode::NoKeys, QStringLiteral("no published keys for those devices")});
        reply(std::move(out));
    });
}

void KeyService::publishDeviceList(const Caller &caller, const QByteArray &blob,
                                   const QByteArray &aik, StatusReply reply) {
    const quint64 userId = caller.userId;
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
    VerifiedDeviceList verified{list->version, blob, aik, {}};
    for (const auto &d : list->devices)
        verified.devices.push_back({d.deviceId, d.dsk, d.dik});
    m_store.publishDeviceList(userId, verified, [this, userId, reply](Result<PublishStatus> r) {
        if (!r)
            return reply(r.error());
        switch (*r) {
        case PublishStatus::Stored:
            m_directory.invalidateUser(userId);
            return reply(Status{});
        case PublishStatus::AccountKeyMismatch:
            return reply(identityMismatch("account key differs from the pinned one"));
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

void KeyService::deviceList(const Caller &, quint64 target, Reply<SignedDeviceList> reply) {
    m_store.deviceList(target, [reply](Result<std::optional<SignedDeviceList>> r) {
        if (!r)
            return reply(r.error());
        if (!*r)
            return reply(noSuchUserError());
        reply(**r);
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
