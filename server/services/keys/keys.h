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
};

struct DeviceBundle {
    quint64 userId = 0;
    quint64 deviceId = 0;
    QByteArray signingKey;
    QByteArray identityKey;
    QByteArray bindingSignature;
    SignedPreKey signedPreKey;
    std::optional<OneTimePreKey> oneTimePreKey; //!< none left: X3DH without it
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
    virtual void fetchBundles(const Caller &caller, quint64 userId,
                              const std::vector<quint64> &deviceIds, Reply<Bundles> reply) = 0;
    virtual void publishDeviceList(const Caller &caller, const QByteArray &signedList,
                                   const QByteArray &accountKey, StatusReply reply) = 0;
    virtual void deviceList(const Caller &caller, quint64 userId,
                            Reply<SignedDeviceList> reply) = 0;
    //! Relays a blob to another device of the caller's own account that is connected now.
    virtual void linkRelay(const Caller &caller, quint64 deviceId, const QByteArray &blob,
                           StatusReply reply) = 0;
};

} // namespace tidings::server
