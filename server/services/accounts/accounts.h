#pragma once
// Accounts and devices, as the gateway calls them: register, log in, authenticate a connection
// with a device token, list and revoke the caller's devices.
#include "core/caller.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace tidings::server {

//! Who a connection is once authenticated.
struct Login {
    quint64 userId = 0;
    quint64 deviceId = 0;
    QString username;
    QString displayName;
    QByteArray token; //!< set for register/login (a new device); empty for token auth
    //! Token auth: the presented token was due and renewed into `renewedToken` (the store sets
    //! the flag, the service the token). When the token to present next expires.
    bool tokenRenewed = false;
    QByteArray renewedToken = {};
    qint64 tokenExpiresMs = 0;
    //! Token auth: the admin disabled the account (the connection is refused).
    bool disabled = false;
};

struct NewAccount {
    QString username;
    QByteArray password;
    QString deviceName;
    QString displayName;
    QString inviteCode = {}; //!< needed when registration is by invitation
};

struct Credentials {
    QString username;
    QByteArray password;
    QString deviceName;
};

struct DeviceInfo {
    quint64 deviceId = 0;
    QString name;
    qint64 createdMs = 0;
    qint64 lastSeenMs = 0;
    bool current = false; //!< the device asking
    bool online = false;
};

class Accounts {
public:
    virtual ~Accounts() = default;

    //! `peer`: the client's address, for the per-address failure budget.
    virtual void registerAccount(const NewAccount &account, const QString &peer,
                                 Reply<Login> reply) = 0;
    virtual void login(const Credentials &credentials, const QString &peer, Reply<Login> reply) = 0;
    virtual void authenticate(const QByteArray &deviceToken, const QString &peer,
                              Reply<Login> reply) = 0;
    //! The caller's devices (not revoked), with which are online now.
    virtual void listDevices(const Caller &caller, Reply<std::vector<DeviceInfo>> reply) = 0;
    //! Logs out one of the caller's devices: token gone, connection closed at once.
    virtual void revokeDevice(const Caller &caller, quint64 deviceId, StatusReply reply) = 0;
    //! Needs the current password and a linked caller; logs out every other device.
    virtual void changePassword(const Caller &caller, const QByteArray &oldPassword,
                                const QByteArray &newPassword, const QString &peer,
                                StatusReply reply) = 0;
    //! Ok when `password` is the caller's account password (BAD_CREDENTIALS otherwise); counted
    //! and limited like logins.
    virtual void verifyPassword(const Caller &caller, const QByteArray &password,
                                const QString &peer, StatusReply reply) = 0;
};

} // namespace tidings::server
