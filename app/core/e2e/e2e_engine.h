#pragma once
// The client's end-to-end engine: own keys, peers' verified device lists, pairwise sessions
// (X3DH + Double Ratchet), group Sender Keys, safety numbers and device linking, all persisted in
// the KeyStore (tables e2e_* of the client's database). No network and no UI: the caller moves
// the frames. Every secret row is sealed with XChaCha20-Poly1305 under HKDF(masterKey,
// "TidingsLocalE2ev1") with AD = table ‖ row key, so the raw file holds no private key bytes.
//
// E2eEngine is the facade the app uses; each job is its own class in this folder: OwnKeys (device
// keys, AIK, prekeys), DeviceDirectory (signed device lists), IdentityVerification (safety
// numbers, verified marks, identity changes), PairwiseSessions (X3DH + ratchet), GroupSenderKeys
// (Sender Keys), MessageOpener (decrypt on copies, compare-and-swap commit) and DeviceLinking.
//
// Transactions: methods documented "own transaction" run in one level of the Database's
// transaction manager (a transaction of its own, or a savepoint nested in one the caller has
// open: then they commit with the caller's). Everything else
// only reads or writes without opening one. decrypt() never writes: it returns a commit function
// that the caller runs inside the transaction storing the message.
#include "core/e2e/e2e_types.h"
#include "crypto/group_state.h"
#include "crypto/secret_bytes.h"

#include <QSet>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <utility>

namespace tidings::client {
class KeyStore;
}

namespace tidings::client::e2e {

using crypto::SecretBytes;

class Clock;
class OwnKeys;
class DeviceDirectory;
class IdentityVerification;
class PairwiseSessions;
class GroupSenderKeys;
class MessageOpener;
class DeviceLinking;
class AccountKeyLifecycle;

class E2eEngine {
public:
    //! Keeps its state in `keys`, which must outlive the engine.
    explicit E2eEngine(KeyStore &keys);
    ~E2eEngine();
    E2eEngine(const E2eEngine &) = delete;
    E2eEngine &operator=(const E2eEngine &) = delete;

    //! Loads own keys (if any).
    Status open();

    // --- own identity -------------------------------------------------------------------------
    bool hasAccountKey() const;
    //! True once ensureDeviceKeys() succeeded (now or in an earlier run).
    bool hasDeviceKeys() const;
    quint64 myUserId() const;
    quint64 myDeviceId() const;
    //! Creates DSK, DIK, SPK and 100 OPKs if missing (and the AIK when createAccountKey and none
    //! is held) and returns the UploadKeysRequest to send, with the current SPK and every unused
    //! OPK. The first device of an account passes createAccountKey = true; a device being linked
    //! passes false and gets the AIK from acceptLinkGrant() (the request then carries an empty
    //! account_key and binding_signature until that happened: upload again afterwards).
    //! Own transaction.
    Result<wire::UploadKeysRequest> ensureDeviceKeys(quint64 myUserId, quint64 myDeviceId,
                                                     bool createAccountKey);
    //! `count` new OPKs (identity fields filled, no SPK). Own transaction.
    Result<wire::UploadKeysRequest> refillPrekeys(int count);
    //! Weekly SPK rotation: a request with the new SPK when due, std::nullopt when not.
    //! Also deletes SPKs retired more than 30 days ago. Own transaction.
    Result<std::optional<wire::UploadKeysRequest>> rotateSignedPrekeyIfDue(qint64 nowMs);
    int oneTimePrekeyCount() const;
    //! Signs a new device-list version with the AIK (needs hasAccountKey) listing `devices`
    //! (each with the DSK/DIK known from bundles, lists, linking or my own). Also records it as
    //! my own accepted list. Returns the publish request. Own transaction.
    Result<wire::PublishDeviceListRequest> signDeviceList(const QList<DeviceAddress> &devices);
    //! My AIK public key (empty without one).
    QByteArray accountKey() const;
    //! Signs a group state change with my AIK (needs hasAccountKey): sets the actor to this
    //! device, fills change.body/signature and returns the blob (crypto/group_state.h).
    Result<QByteArray> signGroupChange(crypto::GroupStateChange &change) const;

    // --- peers --------------------------------------------------------------------------------
    //! Verifies a DeviceListResponse (signature, rollback → error), pins the AIK on first sight.
    //! A changed AIK is recorded as an identity change — never silent.
    Result<DeviceListUpdate> acceptDeviceList(const wire::DeviceListResponse &list);
    //! Records the successions `response` carries from `from` (an older key of the user, e.g. the
    //! one a group recorded) to the key pinned for the user, when they form one verified chain
    //! ending there: then succeeds(user, from, pinned). False when they do not reach it (nothing
    //! is recorded). The pin itself never moves here (acceptDeviceList does that).
    Result<bool> learnChain(quint64 userId, const QByteArray &from,
                            const wire::DeviceListResponse &response);
    //! From the last accepted list (my own user too).
    QList<DeviceAddress> currentDevices(quint64 userId) const;
    //! The account key pinned for a user (mine: my own); empty when none is known yet.
    QByteArray pinnedAccountKey(quint64 userId) const;
    //! pinnedAccountKey() for many users in one query (those without a pin are absent).
    QHash<quint64, QByteArray> pinnedAccountKeys(const QList<quint64> &userIds) const;
    bool hasSession(DeviceAddress device) const;
    //! Verifies each bundle against the accepted device list (it accepts bundles.device_list
    //! first when set), checks its signatures, runs X3DH and stores a new active session.
    //! Own transaction.
    Status acceptBundles(const wire::BundlesResponse &bundles);
    //! SHA-256 over the sorted, de-duplicated (user_id, device_id) pairs, each two big-endian u64.
    static QByteArray deviceDigest(QList<DeviceAddress> devices);

    // --- sending ------------------------------------------------------------------------------
    //! One envelope per target (each must have a session): PreKeyMessage while unacknowledged,
    //! ratchet message afterwards. Persists the advanced sending chains before returning (own
    //! transaction): call it right before the frame leaves. Refused (IdentityMismatch) for a
    //! verified peer whose identity changed until acknowledgeIdentityChange().
    Result<QList<wire::Envelope>> encryptPairwise(const QList<DeviceAddress> &targets,
                                                  const wire::E2eBody &body);
    //! The sender key for groupId (rotated first if markRotationNeeded was called) encrypts
    //! `body` once; targets that have not yet received the current distribution get a pairwise
    //! envelope carrying it. Remembers who got which dist_id. Own transaction.
    Result<GroupSend> encryptGroup(quint64 groupId, const QList<DeviceAddress> &memberDevices,
                                   const wire::E2eBody &body);
    //! After a member was removed or left (persisted). encryptGroup() also rotates by itself
    //! when a device that holds the current key is missing from memberDevices.
    Status markRotationNeeded(quint64 groupId);
    //! The next encryptGroup() sends `device` the current distribution again (it asked for a
    //! resend of a group message it could not decrypt, e.g. the distribution was lost).
    Status resendDistribution(quint64 groupId, DeviceAddress device);

    // --- receiving ----------------------------------------------------------------------------
    using Decrypted = e2e::Decrypted;
    //! Decrypts Message.envelope (pairwise) and/or Message.payload (group, when the message
    //! is encrypted) on copies of the state, pairwise first (it may carry the distribution the
    //! payload needs; the engine consumes it and clears sender_key_distribution in the returned
    //! body). Errors: Forbidden (sender device not in its user's accepted list — fetch the list
    //! and retry —, bad signature, identity) or BadFrame (no session, bad MAC, replay, unknown
    //! sender key), with a crypto/<Name> detail (crypto::cryptoErrorOf() recovers the name).
    Result<Decrypted> decrypt(const wire::Message &message, quint64 myUserId, quint64 myDeviceId);

    // --- verification -------------------------------------------------------------------------
    //! 60 digits in groups of five ("12345 67890 ...").
    Result<QString> safetyNumber(quint64 peerUserId) const;
    Result<QByteArray> safetyQrPayload(quint64 peerUserId) const;
    //! Pins the current AIK as verified (or clears the mark).
    Status setVerified(quint64 peerUserId, bool verified);
    bool isVerified(quint64 peerUserId) const;
    //! Identity changed since last acknowledged; for a verified peer sending stops until
    //! acknowledgeIdentityChange().
    bool identityChanged(quint64 peerUserId) const;
    Status acknowledgeIdentityChange(quint64 peerUserId);
    //! identityChanged() for every peer at once (one query).
    QSet<quint64> changedIdentities() const;
    //! Hold messages to anyone whose key changed (not only verified contacts) until acknowledged.
    bool holdOnIdentityChange() const;
    Status setHoldOnIdentityChange(bool hold);
    //! Short hex of the device's DSK (empty when unknown).
    QString fingerprint(DeviceAddress device) const;
    QString myFingerprint() const;

    // --- device linking -----------------------------------------------------------------------
    //! On the existing device (has AIK): "<device_id>-<base32 secret>" to display. One use,
    //! expires after 10 minutes; kept in memory only.
    Result<QString> createLinkCode(quint64 myDeviceId);
    //! On the new device (after ensureDeviceKeys(.., false)): the first relay blob to the
    //! device in the code, proving knowledge of the secret and carrying this DSK/DIK.
    Result<std::pair<quint64, QByteArray>> linkHello(const QString &code, quint64 myUserId,
                                                     quint64 myDeviceId);
    //! On the existing device: verifies the hello for the outstanding code and returns the
    //! grant (AIK sealed under a key derived from the secret) for the new device.
    Result<LinkGrant> answerLinkHello(quint64 fromDevice, const QByteArray &blob);
    //! On the new device: opens the grant and stores the AIK. Own transaction.
    Status acceptLinkGrant(const QByteArray &blob);

    // --- account-key lifecycle (account_key_lifecycle.h) ---------------------------------------
    //! Hands my AIK on to a new one, for my next list naming `remaining` (a device left it).
    Result<wire::PublishDeviceListRequest> beginRotation(const QList<DeviceAddress> &remaining);
    Status finishRotation();
    Status abandonRotation();
    Result<std::optional<wire::PublishDeviceListRequest>> pendingRotation() const;
    //! The new AIK of an unfinished rotation or recovery (empty when none).
    QByteArray pendingAccountKey() const;
    //! Takes up the AIK another of my devices handed on (false: nothing to take up).
    Result<bool> adoptHandoff(const wire::AccountKeyPush &push);
    //! A new recovery key (the text to show once) and the list naming it, to publish with the
    //! password; finishRecoveryKey() once the server took it.
    Result<std::pair<QString, wire::PublishDeviceListRequest>> createRecoveryKey();
    Status finishRecoveryKey(const wire::PublishDeviceListRequest &published);
    //! Whether my accepted list names a recovery key.
    bool hasRecoveryKey() const;
    //! On a device without the AIK: recovers the account with the recovery key.
    Result<wire::RecoverAccountRequest> beginRecovery(const QString &recoveryKey,
                                                      const wire::DeviceListResponse &mine);
    Status finishRecovery();
    //! Whether `current` is `recorded` or a verified successor of it for that user (a key a
    //! group's admins recorded vouches for the keys it handed on to).
    bool succeeds(quint64 userId, const QByteArray &recorded, const QByteArray &current) const;

    //! Test hook: the clock in ms (defaults to the system clock).
    void setClockForTest(std::function<qint64()> nowMs);

private:
    friend struct E2eEngineTestAccess; //!< tests only: reads private state to grep the file
    std::unique_ptr<Clock> m_clock;
    std::unique_ptr<OwnKeys> m_own;
    std::unique_ptr<DeviceDirectory> m_devices;
    std::unique_ptr<IdentityVerification> m_verification;
    std::unique_ptr<PairwiseSessions> m_pairwise;
    std::unique_ptr<GroupSenderKeys> m_groups;
    std::unique_ptr<MessageOpener> m_opener;
    std::unique_ptr<DeviceLinking> m_linking;
    std::unique_ptr<AccountKeyLifecycle> m_lifecycle;
    KeyStore &m_store;
};

} // namespace tidings::client::e2e
