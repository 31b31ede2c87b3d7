#pragma once
// AccountStore on PostgreSQL.
#include "services/accounts/account_store.h"

namespace tidings::server {

class PgPool;

class PgAccountStore final : public AccountStore {
public:
    explicit PgAccountStore(PgPool &pool)
        : m_pool(pool) {}

    void usernameTaken(const QString &username, Callback<bool> cb) override;
    void createAccount(const QString &username, const QString &displayName,
                       const QByteArray &passwordHash, const QString &deviceName,
                       const QByteArray &tokenHash, qint64 nowMs, qint64 tokenExpiresMs,
                       Callback<std::optional<NewDevice>> cb) override;
    void password(const QString &username, Callback<std::optional<StoredPassword>> cb) override;
    void createDevice(quint64 userId, const QString &deviceName, const QByteArray &tokenHash,
                      qint64 nowMs, qint64 tokenExpiresMs, Callback<quint64> cb) override;
    void deviceOfToken(const QByteArray &tokenHash, const TokenRenewal &renewal,
                       Callback<std::optional<Login>> cb) override;
    void devices(quint64 userId, Callback<std::vector<DeviceRow>> cb) override;
    void revokeDevice(quint64 userId, quint64 callerDevice, quint64 deviceId,
                      Callback<RevokeStatus> cb) override;
    void mayActForAccount(quint64 userId, quint64 deviceId, Callback<bool> cb) override;
    void changePassword(quint64 userId, quint64 callerDevice, const QByteArray &passwordHash,
                        Callback<std::optional<std::vector<quint64>>> cb) override;
    void consumeInvite(const QByteArray &codeHash, qint64 nowMs, Callback<bool> cb) override;
    void refundInvite(const QByteArray &codeHash) override;

private:
    PgPool &m_pool;
};

} // namespace tidings::server
