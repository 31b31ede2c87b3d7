#pragma once
// What accounts need from storage. Tokens are stored as SHA-256 hashes only.
#include "services/accounts/accounts.h"

#include <functional>
#include <optional>

namespace tidings::server {

struct NewDevice {
    quint64 userId = 0;
    quint64 deviceId = 0;
};

struct StoredPassword {
    quint64 userId = 0;
    QByteArray hash;       //!< Argon2id string
    bool disabled = false; //!< the admin disabled the account
};

struct DeviceRow {
    quint64 deviceId = 0;
    QString name;
    qint64 createdMs = 0;
    qint64 lastSeenMs = 0;
};

//! What a token lookup may renew (AccountPolicy applied): a presented token older than
//! `renewAfterMs` gets `newTokenHash` as its successor, valid for `lifetimeMs`, and itself
//! expires `graceMs` from now at the latest.
struct TokenRenewal {
    QByteArray newTokenHash;
    qint64 nowMs = 0;
    qint64 lifetimeMs = 0;
    qint64 renewAfterMs = 0;
    qint64 graceMs = 0;
};

class AccountStore {
public:
    template <typename T> using Callback = std::function<void(Result<T>)>;

    virtual ~AccountStore() = default;

    virtual void usernameTaken(const QString &username, Callback<bool> cb) = 0;
    //! The user, its first device and that device's token, in one statement. Nothing: the name
    //! was taken meanwhile.
    virtual void createAccount(const QString &username, const QString &displayName,
                               const QByteArray &passwordHash, const QString &deviceName,
                               const QByteArray &tokenHash, qint64 nowMs, qint64 tokenExpiresMs,
                               Callback<std::optional<NewDevice>> cb) = 0;
    //! Nothing: no such user.
    virtual void password(const QString &username, Callback<std::optional<StoredPassword>> cb) = 0;
    virtual void createDevice(quint64 userId, const QString &deviceName,
                              const QByteArray &tokenHash, qint64 nowMs, qint64 tokenExpiresMs,
                              Callback<quint64> cb) = 0;
    //! The device a token belongs to (not revoked), marking it seen now, with the token renewed
    //! as `renewal` says (Login::tokenRenewed, Login::tokenExpiresMs). Nothing: unknown, expired
    //! or revoked token.
    virtual void deviceOfToken(const QByteArray &tokenHash, const TokenRenewal &renewal,
                               Callback<std::optional<Login>> cb) = 0;
    virtual void devices(quint64 userId, Callback<std::vector<DeviceRow>> cb) = 0;
    enum class RevokeStatus { Revoked, NoSuchDevice, NotLinked };
    //! Revokes the device, deletes its token and one-time prekeys, as `callerDevice` asked.
    //! NoSuchDevice: not a non-revoked device of that user. NotLinked: the user has a device
    //! list and `callerDevice` (not the revoked one) is not in it; nothing changed.
    virtual void revokeDevice(quint64 userId, quint64 callerDevice, quint64 deviceId,
                              Callback<RevokeStatus> cb) = 0;
    //! Whether `deviceId` may act for the whole account (revoke others, change the password):
    //! it is in the user's signed device list, or the user has none yet. A cheap first check;
    //! revokeDevice and changePassword check again under the user's lock.
    virtual void mayActForAccount(quint64 userId, quint64 deviceId, Callback<bool> cb) = 0;
    //! Sets the password hash and revokes every other device of the user, as `callerDevice`
    //! asked: the devices logged out. Nothing: the user has a device list and `callerDevice` is
    //! not in it; nothing changed.
    virtual void changePassword(quint64 userId, quint64 callerDevice,
                                const QByteArray &passwordHash,
                                Callback<std::optional<std::vector<quint64>>> cb) = 0;
    //! Spends one use of the invite code whose SHA-256 is `codeHash`, if it has one left and has
    //! not expired at `nowMs`: true. False: unknown, used up or expired (nothing changed).
    virtual void consumeInvite(const QByteArray &codeHash, qint64 nowMs, Callback<bool> cb) = 0;
    //! Gives a use back (the registration it was spent on did not happen).
    virtual void refundInvite(const QByteArray &codeHash) = 0;
};

} // namespace tidings::server
