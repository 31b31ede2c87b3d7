#pragma once
// My devices: the list (with each device's key fingerprint from my verified device list), logging
// one out, linking a new device (the existing one shows a code, the new one types it and gets the
// account key), and publishing my signed device list, which says which devices are mine.
#include "core/client_types.h"
#include "core/e2e/e2e_types.h"
#include "core/net/requester.h"

#include <QObject>

namespace tidings::client {

class Account;
class Keys;

class Devices : public QObject {
    Q_OBJECT
public:
    using DevicesHandler = std::function<void(Result<QList<DeviceInfo>>)>;
    using StatusHandler = std::function<void(Status)>;
    using CodeHandler = std::function<void(Result<QString>)>;

    Devices(Requester *requests, const Account *account, Keys *keys, QObject *parent = nullptr);

    //! Waits for a session; retried after a reconnect.
    void list(DevicesHandler done);
    //! Logs one of my devices out at once (its token stops working) and drops it from my
    //! published list.
    void revoke(quint64 deviceId, StatusHandler done);
    //! Changes my account's password (needs the current one; only a linked device may). The
    //! server logs every other device of mine out; they leave my published list too.
    void changePassword(const QString &current, const QString &replacement, StatusHandler done);
    //! Publishes my device list again when it differs from the published one (after revoking a
    //! device; done at every session start). A list that drops a device that was in it hands
    //! the account key on to a new one (the dropped device held the old key); a list another
    //! of my devices signed under a new key is taken up first (its handoff).
    void publishDeviceList(StatusHandler done);

    //! A new recovery key for my account: the text to show the user once (`done`), after the
    //! server took my list naming it. Needs my password and a linked device.
    void createRecoveryKey(const QString &password, CodeHandler done);
    //! On a device logged in with the password whose account's linked devices are all lost:
    //! takes the account's keys back with the recovery key. Every other device of mine is
    //! logged out; this one can send and receive encrypted messages again (encryptionReady).
    void recoverAccount(const QString &recoveryKey, StatusHandler done);
    //! Whether my published list names a recovery key.
    bool hasRecoveryKey() const;
    //! account_key_push: another of my devices handed the account key on.
    void handleAccountKeyPush(const wire::AccountKeyPush &push);

    //! On a linked device: a one-use code to type into the new device (`codeReady`), then waits
    //! for that device (up to 10 minutes) and hands it the account key (`linked`).
    void createLinkCode(CodeHandler codeReady, StatusHandler linked);
    //! On a new device (logged in with the password): links it using a code shown on another of
    //! my devices, which must be online. Afterwards this device publishes itself in my list.
    void linkDevice(const QString &code, StatusHandler done);
    //! link_relay_push: a hello for my code, or the grant for my link request.
    void handleLinkRelay(const wire::LinkRelayPush &push);

signals:
    //! This device's keys are on the server and it is in my published device list: it can send
    //! and receive encrypted messages.
    void encryptionReady();
    //! This device holds a new account key (it handed the key on, took up a handed-on key, or
    //! recovered the account) and its keys are bound to it.
    void accountKeyChanged();

private:
    //! Sends a change the server answers with Ok (not retried); once done, republishes my
    //! device list without the devices it logged out.
    void callThenRepublish(Frame frame, StatusHandler done);
    //! After the session's key upload: lists this device (encryptionReady on success).
    void listThisDevice();
    //! The new device got the account key: its keys and its place in my list.
    void finishLinking(StatusHandler done);

    // key_rotation.cpp
    //! Publishes `wanted` under a new account key (a device left my list).
    void rotate(const QList<e2e::DeviceAddress> &wanted, StatusHandler done);
    //! Sends a begun rotation and finishes or abandons it by the answer.
    void sendRotation(const wire::PublishDeviceListRequest &request, StatusHandler done);
    //! A rotation or recovery begun before a crash or a lost answer: finished when the server
    //! has it, sent again when not, abandoned when another key won.
    void resumeRotation(StatusHandler done);
    //! Asks for my handoff and takes the new account key up (done(true): taken up).
    void takeUpAccountKey(std::function<void(Result<bool>)> done);
    //! My keys bound to my (new) account key on the server.
    void rebindKeys(StatusHandler done);
    //! publishDeviceList once no rotation is pending.
    void publishSettled(StatusHandler done);
    //! The list step of publishDeviceList (after my list was fetched and accepted).
    void publishWanted(StatusHandler done);
    //! One recovery: my list read, signed from, sent; again on IDENTITY_MISMATCH.
    void recoverAttempt(const QString &recoveryKey, int attemptsLeft, StatusHandler done);
    static constexpr int kRecoveryAttempts = 3;

    Requester *m_requests;
    const Account *m_account;
    Keys *m_keys;
    //! Linking in progress: the existing device waits for a hello, the new one for a grant.
    StatusHandler m_linkWaitingHello;
    quint64 m_linkPeerDevice = 0;
    StatusHandler m_linkWaitingGrant;
    bool m_tookUpKey = false; //!< publishDeviceList took up a new key once in this call chain
};

} // namespace tidings::client
