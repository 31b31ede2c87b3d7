#pragma once
// Which devices each user has, as vouched for by that user's signed device list: verifies a list
// (signature, rollback, equivocation), pins the account identity key (AIK) on first sight and
// records a changed one as an identity change, keeps every device's DSK/DIK, and signs this
// account's own list. Accepting a list drops what was tied to devices that left it or changed
// keys (sessions, sender-key marks). The other parts ask it "who is this device?".
#include "core/e2e/e2e_support.h"
#include "core/e2e/e2e_types.h"
#include "crypto/key_succession.h"
#include "crypto/x3dh.h"

#include <optional>

namespace tidings::client {
class KeyStore;
}

namespace tidings::client::e2e {

class OwnKeys;

class DeviceDirectory {
public:
    //! All three must outlive this object.
    DeviceDirectory(KeyStore &store, const OwnKeys &own, const Clock &clock);

    //! See E2eEngine::acceptDeviceList(). Own transaction.
    Result<DeviceListUpdate> acceptDeviceList(const wire::DeviceListResponse &list);
    //! See E2eEngine::learnChain(). Own transaction.
    Result<bool> learnChain(quint64 user, const QByteArray &from,
                            const wire::DeviceListResponse &response);
    //! See E2eEngine::signDeviceList(). Own transaction.
    Result<wire::PublishDeviceListRequest> signDeviceList(const QList<DeviceAddress> &devices);
    //! My list naming `devices`, signed by `aik` with `version` and `recoveryKey` (empty: none);
    //! nothing recorded.
    Result<wire::PublishDeviceListRequest> signOwnList(const QList<DeviceAddress> &devices,
                                                       const crypto::Ed25519KeyPair &aik,
                                                       quint64 version,
                                                       const QByteArray &recoveryKey) const;
    //! Records a list this device signed (and the server took) as my accepted one.
    Status storeOwnList(const wire::PublishDeviceListRequest &published);
    //! The recovery signing key the user's accepted list names (empty: none or no list).
    Result<QByteArray> recoveryKeyOf(quint64 userId) const;
    //! From the last accepted list.
    QList<DeviceAddress> currentDevices(quint64 userId) const;
    //! The device's keys: my own, or as learned from lists, bundles or linking. listedOnly: only
    //! when the user's current accepted list names it (the only devices we accept messages from).
    std::optional<crypto::DeviceIdentity> identity(DeviceAddress a, bool listedOnly) const;
    //! The account key pinned for `userId` (mine: my own); empty when none is known yet.
    QByteArray pinnedAccountKey(quint64 userId) const;
    //! pinnedAccountKey() for many users at once (those without a pin are absent).
    QHash<quint64, QByteArray> pinnedAccountKeys(const QList<quint64> &userIds) const;
    //! Keys of a device not (yet) in a list, e.g. a device being linked.
    Status rememberIdentity(const crypto::DeviceIdentity &id) const;

    //! SHA-256 over the sorted, de-duplicated (user_id, device_id) pairs, each two big-endian u64.
    static QByteArray digest(QList<DeviceAddress> devices);
    //! What digest() hashes: the set's (user, device) pairs sorted and deduplicated, each as two
    //! big-endian u64 (16 bytes per device). RecipientStore keeps sets in this form.
    static QByteArray encodeSet(QList<DeviceAddress> devices);

private:
    //! A list under another key than the pinned one (`pinnedAik`, last accepted version
    //! `listVersion`): Superseded when that key was replaced before; otherwise how it changed,
    //! with the verified successions from the pinned key to it (none: Replaced).
    Result<std::pair<KeyChange, QList<crypto::KeySuccession>>>
    walkChain(quint64 user, const QByteArray &pinnedAik, quint64 listVersion,
              const QByteArray &presented, const wire::DeviceListResponse &response) const;

    KeyStore &m_store;
    const OwnKeys &m_own;
    const Clock &m_clock;
};

} // namespace tidings::client::e2e
