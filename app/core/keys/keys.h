#pragma once
// End-to-end keys: turning encryption on for a profile (the E2E engine and the message-path
// coordinator), this device's keys on the server (upload at every session start, prekey refill
// when the server asks, signed prekey rotation), and other people's keys: safety numbers,
// verification and identity changes. Linking and my signed device list are the devices module's.
#include "core/client_types.h"
#include "core/net/requester.h"

#include <QObject>
#include <QSet>

#include <memory>

namespace tidings::client {

class Account;
class E2eCoordinator;
class Messaging;
class Storage;
class SyncEngine;
namespace e2e {
class E2eEngine;
}

class Keys : public QObject {
    Q_OBJECT
public:
    using StatusHandler = std::function<void(Status)>;
    using SafetyHandler = std::function<void(Result<SafetyNumberInfo>)>;

    Keys(Storage *store, SyncEngine *sync, Requester *requests, const Account *account,
         Messaging *messaging, QObject *parent = nullptr);
    ~Keys() override;

    //! Turns end-to-end encryption on for this profile: every send is encrypted on this device
    //! and every message decrypted here. The keys live in the Storage's KeyStore, sealed with the
    //! master key the Storage was opened with. Call once, before the first session.
    Status enable();
    bool isEnabled() const { return m_engine != nullptr; }
    //! False on a device that logged in but was not linked yet: it cannot read or send
    //! encrypted messages until it is linked with a code from one of my other devices.
    bool hasAccountKey() const;
    //! Null until enable().
    e2e::E2eEngine *engine() const { return m_engine.get(); }
    //! The message path's end-to-end part (device lists, sessions, group state); null until
    //! enable().
    E2eCoordinator *coordinator() const { return m_e2e; }

    //! Account hook: a device that registered or logged in gets its device keys (the one that
    //! creates the account also its account key; a device logging in gets that only by linking).
    Status createDeviceKeys(const AccountSettings &account, bool registering);
    //! The account changed (register/login): the message path encrypts as the new device.
    void onAccountChanged();
    //! A session starts, before the message path resends: device lists may be stale.
    void onSessionStarting();
    //! After the message path started: publishes this device's keys (keysUploaded follows).
    void setUpKeys();
    void onDisconnected();

    //! Uploads keys (the answer may ask for more prekeys: refilled at once).
    void uploadKeys(const wire::UploadKeysRequest &request, StatusHandler done);
    //! keys_response pushed by the server: below its threshold, one-time prekeys are refilled.
    void handleKeysPush(const wire::KeysResponse &keys);
    //! A member left my group: my next message there gets a new sender key.
    void rotateSenderKey(quint64 conversationId);

    //! The 60-digit safety number with `username` (fetches their signed device list first).
    void safetyNumber(const QString &username, SafetyHandler done);
    //! Marks `username`'s current account key as verified (or not). A verified contact whose key
    //! changes gets no messages until acknowledgeIdentityChange().
    void setVerified(const QString &username, bool verified, StatusHandler done);
    void acknowledgeIdentityChange(const QString &username, StatusHandler done);
    //! Resend requests this device answers per requesting device a minute (before enable()).
    void setResendsPerMinute(int perMinute) { m_resendsPerMinute = perMinute; }
    //! The same by user id (the conversation view knows it): messages held for the change go out.
    Status acknowledgeIdentityChange(quint64 userId);
    //! `userId`'s key changed and the change was not acknowledged yet (kept across restarts).
    bool identityChangePending(quint64 userId) const;
    //! Every user identityChangePending() is true for (one query; a whole group at once).
    QSet<quint64> pendingIdentityChanges() const;
    //! Hold messages to anyone whose key changed until I acknowledge it (not only to verified
    //! contacts). Saved with the keys.
    bool holdsOnIdentityChange() const;
    Status setHoldOnIdentityChange(bool hold);

signals:
    //! This device's keys are on the server (session start): the device list comes next.
    void keysUploaded();
    //! A peer's account key changed (a new safety number). Never silent: a notice was stored in
    //! every conversation with them first (securityNoticesAdded).
    void identityChanged(quint64 userId);
    //! A device without the account key has a recovery in progress (settle it).
    void accountKeyPending();
    //! The server refused this device's keys under its account key: another device handed it
    //! on (take the new one up).
    void accountKeyOutdated();
    //! "Security code changed" notices were added to these conversations.
    void securityNoticesAdded(const QList<quint64> &conversationIds);
    //! The change was acknowledged (held messages are being sent).
    void identityAcknowledged(quint64 userId);

private:
    void resolveUser(const QString &username, std::function<void(Result<quint64>)> done);
    //! `change`: e2e::KeyChange.
    void recordIdentityChange(quint64 userId, int change);
    //! A change was acknowledged or its new code verified: tell, and send what waited for it.
    void identitySettled(quint64 userId);

    Storage *m_store;
    SyncEngine *m_sync;
    Requester *m_requests;
    const Account *m_account;
    Messaging *m_messaging;
    std::unique_ptr<e2e::E2eEngine> m_engine;
    E2eCoordinator *m_e2e = nullptr;
    int m_resendsPerMinute = 60;
};

//! The error of E2E operations on a profile without encryption.
Error encryptionNotEnabled();

} // namespace tidings::client
