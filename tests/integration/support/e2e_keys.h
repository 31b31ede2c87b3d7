#pragma once
// Real end-to-end keys for server tests: a device's DSK/DIK with its prekey store, an account
// key AIK, and the wire frames that publish them (UploadKeys, PublishDeviceList) built with
// shared/crypto exactly as a client does.
#include "crypto/device_list.h"
#include "crypto/session.h"
#include "protocol/codec.h"

#include <QList>

namespace tidings::test {

struct TestDevice {
    crypto::DeviceKeys keys;
    crypto::PreKeyStore store;

    TestDevice(quint64 userId, quint64 deviceId);
    //! UploadKeys with the current SPK (made on first use) and `opks` new one-time prekeys.
    protocol::Frame upload(const QByteArray &aikPublic, int opks, bool withSpk = true);
    crypto::DeviceIdentity identity() const { return keys.identity(); }
};

//! A signed device list frame for `devices` (all of one user).
protocol::Frame publishList(const crypto::Ed25519KeyPair &aik, quint64 userId, quint64 version,
                            const QList<crypto::DeviceIdentity> &devices);

//! A PreKeyBundle from the wire (to run X3DH against what the server handed out).
crypto::PreKeyBundle bundleFromWire(const wire::DeviceBundle &b);

//! SendRequest.device_digest over (user, device) pairs (sorted here).
QByteArray deviceDigest(QList<std::pair<quint64, quint64>> devices);

} // namespace tidings::test
