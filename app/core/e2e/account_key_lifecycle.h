#pragma once
// The account key's lifecycle on this device (docs/design/account-key-lifecycle.md): handing my
// account identity key (AIK) on to a new one when a device leaves my list (rotation), taking up a
// key another of my devices handed on (handoff), setting up a recovery key, and recovering the
// account with it on a fresh device when every linked device is lost.
//
// Each step that talks to the server is split in two: begin* signs and stores what it sends (the
// new key sealed as own secret "aik_next", the request as own value "rotation_request"), and
// finish*/abandon* run once the server answered. A crash or a lost answer between the two leaves
// the stored request, which is sent again unchanged (pendingRotation()).
#include "core/e2e/e2e_support.h"
#include "core/e2e/e2e_types.h"
#include "crypto/primitives.h"

#include <optional>

namespace tidings::client {
class KeyStore;
}

namespace tidings::client::e2e {

class DeviceDirectory;
class OwnKeys;

class AccountKeyLifecycle {
public:
    AccountKeyLifecycle(KeyStore &store, OwnKeys &own, DeviceDirectory &devices,
                        const Clock &clock);

    //! A new AIK for my account: the succession from my AIK (signed by both), my next list
    //! naming `remaining` under the new key, and the new key sealed to each other remaining
    //! device. Stores the new key and the request until finishRotation()/abandonRotation().
    //! Own transaction.
    Result<wire::PublishDeviceListRequest> beginRotation(const QList<DeviceAddress> &remaining);
    //! The server took the rotation: the new key becomes mine (pinned, chained, my list
    //! recorded). Own transaction.
    Status finishRotation();
    //! The server refused it (another device handed the key on first): forget the new key.
    Status abandonRotation();
    //! The request of a rotation begun and not finished (nothing when none).
    Result<std::optional<wire::PublishDeviceListRequest>> pendingRotation() const;
    //! The new AIK of an unfinished rotation or recovery (empty when none).
    QByteArray pendingAccountKey() const;

    //! Takes up the key another of my devices handed on: every succession from my AIK (or, on
    //! a device whose keys are bound to an older one, from that) must verify, and the handoff
    //! must open with my DIK to the last one's new key. Returns false when there is nothing to
    //! take up (no handoff, or a chain not from my key); a forged push changes nothing.
    //! Own transaction.
    Result<bool> adoptHandoff(const wire::AccountKeyPush &push);

    //! A new recovery key: the text to show the user once, and my next list (same devices)
    //! naming its signing key. Nothing is recorded until the server took the list
    //! (finishRecoveryKey()). Needs my AIK.
    Result<std::pair<QString, wire::PublishDeviceListRequest>> createRecoveryKey();
    Status finishRecoveryKey(const wire::PublishDeviceListRequest &published);

    //! On a device without the AIK (logged in with the password): the recovery of my account
    //! from the recovery key the user typed and my published list (`mine`). BadRecoveryKey when
    //! the text is malformed or not the key the list names; NoKeys when the list names none.
    //! Stores the new key until finishRecovery()/abandonRotation(). Own transaction.
    Result<wire::RecoverAccountRequest> beginRecovery(const QString &recoveryKey,
                                                      const wire::DeviceListResponse &mine);
    Status finishRecovery();

private:
    Result<crypto::Ed25519KeyPair> loadPending() const;
    //! Usage error while a rotation or recovery is unsettled.
    Status requireNonePending() const;
    //! Adopts `next` as my AIK, pins it, chains it to `previous` and records `published` as my
    //! accepted list.
    Status adopt(crypto::Ed25519KeyPair next, const QByteArray &previous, int authority,
                 const wire::PublishDeviceListRequest &published);

    KeyStore &m_store;
    OwnKeys &m_own;
    DeviceDirectory &m_devices;
    const Clock &m_clock;
};

} // namespace tidings::client::e2e
