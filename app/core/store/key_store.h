#pragma once
// Keys and sessions of the end-to-end engine: the e2e_* tables, with every secret column sealed
// (XChaCha20-Poly1305) under HKDF(masterKey, "TidingsLocalE2ev1"). The AD names the table and the
// row, so a sealed blob moved to another row or table does not open. Writes join the Database's
// transactions, so the engine's state commits together with the messages it decrypted.
//
// The store holds bytes: the engine serializes its crypto states (ratchet sessions, sender keys,
// prekeys) and decides what they mean; the store seals, finds and keeps them.
#include "crypto/secret_bytes.h"
#include "protocol/result.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace tidings::client {

class Database;

class KeyStore {
public:
    //! What is pinned about a user (me included): the account key, the last accepted signed
    //! device list, the key I verified (if any) and whether the key changed since.
    struct Peer {
        bool exists = false;
        QByteArray aik;
        quint64 listVersion = 0;
        QByteArray listBlob;
        QByteArray verifiedAik;
        bool changed = false;
    };
    //! A device's identity keys; listed = in its user's last accepted device list.
    struct Device {
        QByteArray dsk;
        QByteArray dik;
        bool listed = false;
    };
    //! A pairwise session with one device; the highest rank is the active one.
    struct Session {
        QByteArray sid;
        qint64 rank = 0;
        crypto::SecretBytes state; //!< opened
        QByteArray pending;        //!< X3DH parameters while our first message is unanswered
        QByteArray inbound;        //!< (spk id, EK) of a session a peer's PreKeyMessage created
        QByteArray sealed;         //!< the stored value, for compare-and-swap commits
    };
    //! My sender key in a group, and whether it must rotate before the next message.
    struct SenderKey {
        crypto::SecretBytes state;
        bool rotate = false;
    };
    //! A member device's sender key (one distribution), as received.
    struct ReceiverKey {
        quint64 groupId = 0;
        crypto::SecretBytes state;
        QByteArray sealed; //!< the stored value, for compare-and-swap commits
    };

    KeyStore(Database &db, const crypto::SecretBytes &masterKey);

    //! False when the master key was too short to derive the sealing key.
    bool valid() const { return !m_key.isEmpty(); }
    //! Runs `work` in one transaction level of the Database (nested in the caller's, if open).
    Status transaction(const std::function<Status()> &work) const;

    // --- own identity (e2e_own: small values, sealed secrets) ---------------------------------
    Result<QByteArray> ownValue(const QString &key) const; //!< empty when missing
    Status setOwnValue(const QString &key, const QByteArray &value) const;
    Result<crypto::SecretBytes> ownSecret(const QString &key) const; //!< empty when missing
    Status setOwnSecret(const QString &key, const crypto::SecretBytes &value) const;

    // --- peers --------------------------------------------------------------------------------
    Result<Peer> peer(quint64 userId) const;
    //! The pinned account keys of those of `userIds` that have one (one query).
    Result<QHash<quint64, QByteArray>> accountKeys(const QList<quint64> &userIds) const;
    //! Peers whose account key changed and was not acknowledged, with whether the changed one
    //! replaced a verified key (one query: the few there are, for a whole group at once).
    Result<QHash<quint64, bool>> changedPeers() const;
    //! Pins `aik` for the user (replacing a pinned one).
    Status pinAccountKey(quint64 userId, const QByteArray &aik) const;
    //! Stores an accepted signed device list; `aikChanged` marks the identity change (it stays
    //! marked until acknowledged).
    Status storeDeviceList(quint64 userId, const QByteArray &aik, quint64 version,
                           const QByteArray &blob, bool aikChanged) const;
    //! Verified: the current key becomes the verified one and the change mark goes. Not
    //! verified: the verified key is forgotten.
    Status setVerified(quint64 userId, bool verified) const;
    //! The change is acknowledged; a verification of the old key no longer applies.
    Status acknowledgeIdentityChange(quint64 userId) const;
    //! A verified succession of `userId`'s account key (kept for good).
    Status addChainLink(quint64 userId, const QByteArray &oldAik, const QByteArray &newAik,
                        int authority) const;
    //! Whether a verified succession replaced `aik` (a list or statement it signs is refused).
    Result<bool> isSuperseded(quint64 userId, const QByteArray &aik) const;
    //! Whether `to` is `from` or follows it in the user's verified chain (at most 32 links).
    Result<bool> chainReaches(quint64 userId, const QByteArray &from, const QByteArray &to) const;

    // --- devices ------------------------------------------------------------------------------
    Result<std::optional<Device>> device(quint64 userId, quint64 deviceId) const;
    //! Remembers a device's keys; other keys than the known ones take it off the list.
    Status rememberDevice(quint64 userId, quint64 deviceId, const QByteArray &dsk,
                          const QByteArray &dik) const;
    //! Whether the device has sent a body bound to its message (BodyContext): from then on an
    //! unbound body from it is refused (MessageOpener).
    Result<bool> bindsContext(quint64 userId, quint64 deviceId) const;
    Status setBindsContext(quint64 userId, quint64 deviceId) const;
    //! The devices of the user's last accepted list, by id.
    Result<QList<quint64>> listedDevices(quint64 userId) const;
    //! A new list: every device of the user leaves it, then listDevice() puts back the current
    //! ones and dropUnlistedSessions() ends the sessions with the others.
    Status unlistDevices(quint64 userId) const;
    Status listDevice(quint64 userId, quint64 deviceId, const QByteArray &dsk,
                      const QByteArray &dik) const;
    Status dropUnlistedSessions(quint64 userId) const;
    //! Drops the sessions, received sender keys and distribution marks of one device.
    Status forgetDevice(quint64 userId, quint64 deviceId) const;

    // --- pairwise sessions --------------------------------------------------------------------
    //! Highest rank (active) first; with activeOnly only that one.
    Result<std::vector<Session>> sessions(quint64 userId, quint64 deviceId,
                                          bool activeOnly = false) const;
    //! The stored (sealed) state, empty when the session does not exist.
    Result<QByteArray> sealedSession(quint64 userId, quint64 deviceId, const QByteArray &sid) const;
    Result<bool> hasSession(quint64 userId, quint64 deviceId) const;
    //! Inserts or updates a session. makeActive gives it the highest rank and keeps only the
    //! `keep` highest sessions of the device.
    Status saveSession(quint64 userId, quint64 deviceId, const QByteArray &sid,
                       const crypto::SecretBytes &state, const QByteArray &pending,
                       const QByteArray &inbound, bool makeActive, int keep) const;

    // --- group sender keys --------------------------------------------------------------------
    Result<std::optional<SenderKey>> senderKey(quint64 groupId) const;
    //! Stores my sender key for the group (no rotation pending any more).
    Status saveSenderKey(quint64 groupId, const crypto::SecretBytes &state) const;
    Status markRotationNeeded(quint64 groupId) const;
    //! The devices that were sent distribution `distId` of my key.
    Result<QList<std::pair<quint64, quint64>>> distributionHolders(quint64 groupId,
                                                                   const QByteArray &distId) const;
    Status markDistributed(quint64 groupId, const QByteArray &distId, quint64 userId,
                           quint64 deviceId) const;
    //! Forgets who holds my key: all devices (a rotation), or one (it asked again).
    Status clearDistributions(quint64 groupId) const;
    Status clearDistribution(quint64 groupId, quint64 userId, quint64 deviceId) const;

    Result<bool> hasReceiverKey(quint64 userId, quint64 deviceId, const QByteArray &distId) const;
    Result<std::optional<ReceiverKey>> receiverKey(quint64 userId, quint64 deviceId,
                                                   const QByteArray &distId) const;
    //! The stored (sealed) state, empty when missing.
    Result<QByteArray> sealedReceiverKey(quint64 userId, quint64 deviceId,
                                         const QByteArray &distId) const;
    Status saveReceiverKey(quint64 userId, quint64 deviceId, const QByteArray &distId,
                           quint64 groupId, const crypto::SecretBytes &state) const;

private:
    //! nonce ‖ ciphertext ‖ tag; empty on failure.
    QByteArray seal(const char *table, const QByteArray &rowKey,
                    const crypto::SecretBytes &plaintext) const;
    Result<crypto::SecretBytes> unseal(const char *table, const QByteArray &rowKey,
                                       const QByteArray &sealed) const;

    Database &m_db;
    crypto::SecretBytes m_key;
};

} // namespace tidings::client
