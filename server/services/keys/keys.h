#pragma once
// The end-to-end key directory, as the gateway calls it: device identities and prekeys, signed
// device lists, and the device-linking relay. The server only stores and hands out public keys.
#include "core/caller.h"

#include <QByteArray>

#include <optional>
#include <vector>

namespace tidings::server {

struct SignedPreKey {
    quint32 keyId = 0;
    QByteArray publicKey;
    QByteArray signature;
};

struct OneTimePreKey {
    quint32 keyId = 0;
    QByteArray publicKey;
};

struct KeyUpload {
    QByteArray signingKey;       //!< DSK
    QByteArray identityKey;      //!< DIK
    QByteArray accountKey;       //!< AIK
    QByteArray bindingSignature; //!< DSK over (user, device, DIK, AIK)
    std::optional<SignedPreKey> signedPreKey;
    std::vector<OneTimePreKey> oneTimePreKeys;
};

//! The device's one-time prekeys after an upload; `refill`: upload more.
struct KeyStock {
    quint32 oneTimePreKeys = 0;
    bool refill = false;
};

struct SignedDeviceList {
    quint64 userId = 0;
    QByteArray signedList; //!< empty: the user has published none
    QByteArray accountKey;
    //! From the account key the asker knows to accountKey, oldest first (at most 32).
    std::vector<QByteArray> successions;
};

//! A device list to publish; under a new account key with its succession statement and the new
//! key sealed to each other listed device.
struct ListPublication {
    QByteArray signedList;
    QByteArray accountKey;
    QByteArray succession; //!< empty: the pinned key signs
    std::vector<std::pair<quint64, QByteArray>> handoffs;
    bool passwordVerified = false; //!< the gateway checked the account's password before
};

//! What a device needs to take up its user's current account key.
struct AccountKeyHandoff {
    std::vector<QByteArray> successions; //!< from the key its keys are bound to
    QByteArray blob;                     //!< empty: none for this device
};

//! Account recovery: a statement by the recovery key, the new list and the caller's keys.
struct AccountRecovery {
    KeyUpload keys;
    QByteArray succession;
    QByteArray signedList;
    QByteArray accountKey;
};

struct DeviceBundle {
    quint64 userId = 0;
    quint64 deviceId = 0;
    QByteArray signingKey;
    QByteArray identityKey;
    QByteArray bindingSignature;
    SignedPreKey signedPreKey;
    std::optional<OneTimePreKey> oneTimePreKey; //!< none left: X3DH without it
    QByteArray accountKey;                      //!< the key the binding is over
};

struct Bundles {
    std::vector<DeviceBundle> bundles;
    SignedDeviceList deviceList;
};

class Keys {
public:
    virtual ~Keys() = default;

    virtual void uploadKeys(const Caller &caller, const KeyUpload &upload,
                            Reply<KeyStock> reply) = 0;
    //! Hands out each one-time prekey once; rate-limited per requesting device. No device ids:
    //! every current device of the user.
    //! `knownAccountKey`: the key the caller pinned for that user (the list then carries the
    //! successions from it).
    virtual void fetchBundles(const Caller &caller, quint64 userId,
                              const std::vector<quint64> &deviceIds,
                              const QByteArray &knownAccountKey, Reply<Bundles> reply) = 0;
    virtual void publishDeviceList(const Caller &caller, const ListPublication &list,
                                   StatusReply reply) = 0;
    virtual void deviceList(const Caller &caller, quint64 userId, const QByteArray &knownAccountKey,
                            Reply<SignedDeviceList> reply) = 0;
    virtual void accountKeyHandoff(const Caller &caller, Reply<AccountKeyHandoff> reply) = 0;
    //! Answers the devices it logged out (they are cut off at once).
    virtual void recoverAccount(const Caller &caller, const AccountRecovery &recovery,
                                Reply<std::vector<quint64>> reply) = 0;
    //! Relays a blob to another device of the caller's own account that is connected now.
    virtual void linkRelay(const Caller &caller, quint64 deviceId, const QByteArray &blob,
                           StatusReply reply) = 0;
};

} // namespace tidings::server
