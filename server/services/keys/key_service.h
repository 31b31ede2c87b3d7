#pragma once
// The logic of the key directory: it checks what it can check without trusting anyone
// (signatures, that a device publishes keys for itself, pinned account keys, list versions),
// limits bundle fetches per requesting device, asks a device to refill its one-time prekeys when
// a fetch leaves it with few, and relays device-linking blobs between a user's own devices.
#include "services/keys/key_store.h"
#include "services/keys/keys.h"

#include <QHash>

#include <deque>

namespace tidings::server {

class Clock;
class Delivery;
class DeviceDirectory;

class KeyService final : public Keys {
public:
    static constexpr qint64 kFetchWindowMs = 60'000;
    static constexpr qint64 kRecoveryWindowMs = 3'600'000;

    KeyService(KeyStore &store, DeviceDirectory &directory, Delivery &delivery, const Clock &clock);

    void uploadKeys(const Caller &caller, const KeyUpload &upload, Reply<KeyStock> reply) override;
    void fetchBundles(const Caller &caller, quint64 userId, const std::vector<quint64> &deviceIds,
                      const QByteArray &knownAccountKey, Reply<Bundles> reply) override;
    void publishDeviceList(const Caller &caller, const ListPublication &list,
                           StatusReply reply) override;
    void deviceList(const Caller &caller, quint64 userId, const QByteArray &knownAccountKey,
                    Reply<SignedDeviceList> reply) override;
    void accountKeyHandoff(const Caller &caller, Reply<AccountKeyHandoff> reply) override;
    void recoverAccount(const Caller &caller, const AccountRecovery &recovery,
                        Reply<std::vector<quint64>> reply) override;

    //! Logs devices out at once (AccountService::cutOff): set by the server after both exist.
    using CutOff = std::function<void(quint64 userId, const std::vector<quint64> &devices)>;
    void setCutOff(CutOff cutOff) { m_cutOff = std::move(cutOff); }
    static constexpr int kMaxFailedRecoveriesPerHour = 5;
    static constexpr int kMaxPublishesPerMinute = 20;
    void linkRelay(const Caller &caller, quint64 deviceId, const QByteArray &blob,
                   StatusReply reply) override;

    //! A device was revoked (its prekeys are deleted with it): it is no longer current.
    void deviceRevoked(quint64 userId, quint64 deviceId);
    //! Drops rate-limit windows that are over.
    void pruneRateLimits();
    int trackedFetchers() const { return int(m_fetches.size()); }

private:
    //! Counts one bundle fetch of `deviceId`; the refusal when over the per-minute budget.
    std::optional<Error> takeFetchBudget(quint64 deviceId);
    //! The refusal when `deviceId` failed kMaxFailedRecoveriesPerHour recoveries in the last
    //! hour.
    std::optional<Error> recoveryLimited(quint64 deviceId);
    void recoveryFailed(quint64 deviceId);
    //! Counts one list publication of `deviceId` (kMaxPublishesPerMinute a minute).
    std::optional<Error> takePublishBudget(quint64 deviceId);

    KeyStore &m_store;
    DeviceDirectory &m_directory;
    Delivery &m_delivery;
    const Clock &m_clock;
    QHash<quint64, std::deque<qint64>> m_fetches; //!< requesting device → fetch times (ms)
    QHash<quint64, std::deque<qint64>> m_failedRecoveries; //!< device → failure times (ms)
    QHash<quint64, std::deque<qint64>> m_publishes;        //!< device → list publications (ms)
    CutOff m_cutOff;
};

} // namespace tidings::server
