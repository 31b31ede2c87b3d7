#pragma once
// KeyStore on PostgreSQL: tidings_upload_keys, tidings_fetch_bundles and
// tidings_publish_device_list on the user's pool connection.
#include "services/keys/key_store.h"

namespace tidings::server {

class PgPool;

class PgKeyStore final : public KeyStore {
public:
    explicit PgKeyStore(PgPool &pool)
        : m_pool(pool) {}

    void uploadKeys(quint64 userId, quint64 deviceId, const KeyUpload &upload,
                    int maxStoredOneTimePreKeys, Callback<UploadOutcome> cb) override;
    void fetchBundles(quint64 userId, const std::vector<quint64> &deviceIds,
                      const QByteArray &knownAccountKey, Callback<FetchedBundles> cb) override;
    void publishDeviceList(quint64 userId, const VerifiedDeviceList &list,
                           Callback<PublishStatus> cb) override;
    void deviceList(quint64 userId, const QByteArray &knownAccountKey,
                    Callback<std::optional<SignedDeviceList>> cb) override;
    void accountKeyHandoff(quint64 deviceId, Callback<AccountKeyHandoff> cb) override;
    void recoverAccount(quint64 userId, quint64 deviceId, const VerifiedRecovery &recovery,
                        int maxStoredOneTimePreKeys, Callback<RecoveryOutcome> cb) override;
    void currentDevices(const std::vector<quint64> &userIds,
                        Callback<QHash<quint64, QList<quint64>>> cb) override;

private:
    PgPool &m_pool;
};

} // namespace tidings::server
