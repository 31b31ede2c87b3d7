#pragma once
// Signed device lists (design sections 1 and 4): DeviceList{user_id, version, devices[{device_id,
// DSK, DIK}], issued_at} signed by the account identity key AIK. Clients reject unsigned lists,
// lists signed by another key, and lists older than the newest version they have seen, so a
// malicious server can neither add a ghost device nor replay a list from before a removal.
//
// Stable binary form (big-endian), the exact bytes that are signed:
//   body   = "TDL" ‖ u8 format(1) ‖ u64 user_id ‖ u64 version ‖ i64 issued_at (ms since epoch) ‖
//            u32 n ‖ n × (u64 device_id ‖ DSK(32) ‖ DIK(32)), device ids strictly increasing
//   format 2 (the list commits to a recovery signing key, account-key-lifecycle.md §2.3):
//   body   = "TDL" ‖ u8 format(2) ‖ u64 user_id ‖ u64 version ‖ i64 issued_at ‖ RSK(32) ‖
//            u32 n ‖ n × (u64 device_id ‖ DSK(32) ‖ DIK(32))
//   signed = "TidingsDeviceListv1" ‖ body
//   blob   = u32 len(body) ‖ body ‖ Ed25519 signature(64)
// A list without a recovery key is always written as format 1 (the bytes older clients read) and
// one with a key always as format 2; a format 2 body with an all-zero RSK is Malformed, so each
// list has exactly one encoding.
#include "crypto/primitives.h"
#include "crypto/x3dh.h"

#include <QList>

#include <optional>

namespace tidings::crypto {

struct DeviceEntry {
    quint64 deviceId = 0;
    QByteArray dsk;
    QByteArray dik;
    bool operator==(const DeviceEntry &o) const = default;
};

struct DeviceList {
    static constexpr int kMaxDevices = 64;

    quint64 userId = 0;
    quint64 version = 0;
    qint64 issuedAtMs = 0;
    QList<DeviceEntry> devices; //!< sorted by deviceId on encode
    //! The recovery signing key's public half (32 bytes), or empty for none (format 1).
    QByteArray recoveryKey;

    QByteArray encodeBody() const;
    static Result<DeviceList> decodeBody(const QByteArray &body);
    const DeviceEntry *find(quint64 deviceId) const;
    //! The DeviceIdentity of one listed device (for AD and bundle checks).
    std::optional<DeviceIdentity> identity(quint64 deviceId) const;
    bool operator==(const DeviceList &o) const = default;
};

//! Encodes and signs with the AIK (on the device that holds it). Empty when recoveryKey is set
//! but not a 32-byte key other than all zeros (it could not be read back).
QByteArray signDeviceList(const DeviceList &list, const Ed25519KeyPair &aik);

//! Verifies a signed blob against the pinned AIK of `expectedUserId`. `newestSeenVersion` is the
//! highest version this client accepted before (0 if none): a lower version is Rollback. An equal
//! version is accepted (a re-fetch); the caller compares it with the stored list.
Result<DeviceList> verifyDeviceList(const QByteArray &signedBlob, const QByteArray &aikPublic,
                                    quint64 expectedUserId, quint64 newestSeenVersion);

//! Identity pinning (trust on first use): a presented AIK that differs from the pinned one is
//! IdentityMismatch; the client then tells the user and, for verified contacts, blocks sending
//! until the change is acknowledged. An empty `pinned` means first contact.
Status checkPinnedIdentity(const QByteArray &pinned, const QByteArray &presented);

} // namespace tidings::crypto
