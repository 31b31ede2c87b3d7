#pragma once
// The facade the CLI and the desktop app drive: account setup, session start, conversations,
// sending, reading. It wires Connection (socket), SyncEngine (ordering, outbox) and Storage
// (SQLite) together and owns the authentication handshake of every fresh socket.
#include "core/client_types.h"
#include "core/net/connection.h"
#include "core/store/records.h"
#include "core/sync/sync_engine.h"
#include "core/sync/typing_tracker.h"
#include "crypto/secret_bytes.h"

#include <QObject>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>

namespace tidings::client {

class Storage;
class SecretStore;
class E2eCoordinator;
namespace e2e {
class E2eEngine;
}

class Client : public QObject {
    Q_OBJECT
public:
    struct Options {
        Connection::Options connection;
        SyncEngine::Options sync;
        TypingTracker::Options typing;
    };
    using AccountHandler = std::function<void(Result<AccountSettings>)>;
    using ConversationHandler = std::function<void(Result<ConversationRecord>)>;
    using StatusHandler = std::function<void(Status)>;
    using InfoHandler = std::function<void(Result<ConversationInfo>)>;
    using ReadersHandler = std::function<void(Result<ReadersInfo>)>;
    using DevicesHandler = std::function<void(Result<QList<DeviceInfo>>)>;
    using PresenceHandler = std::function<void(Result<QList<PresenceInfo>>)>;
    using ContactsHandler = std::function<void(Result<ContactsInfo>)>;
    using ProfilesHandler = std::function<void(Result<QList<ProfileInfo>>)>;
    using SafetyHandler = std::function<void(Result<SafetyNumberInfo>)>;
    using CodeHandler = std::function<void(Result<QString>)>;

    Client(Storage *store, SecretStore *secrets, Options options, QObject *parent = nullptr);
    Client(Storage *store, SecretStore *secrets, QObject *parent = nullptr)
        : Client(store, secrets, Options{}, parent) {}
    ~Client() override;

    //! Creates the account and this device on `server`, saves the device token and the account,
    //! and leaves the socket authenticated. One attempt: a network failure is reported, not
    //! retried (a retry could race the first attempt's commit).
    void registerAccount(const QUrl &server, const QString &username, const QString &password,
                         const QString &deviceName, AccountHandler done);
    //! The same for an existing account (a new device).
    void login(const QUrl &server, const QString &username, const QString &password,
               const QString &deviceName, AccountHandler done);
    //! Connects with the saved token and keeps reconnecting until stop(). `server` overrides the
    //! saved address for this session.
    Status start(const QUrl &server = QUrl());
    void stop();

    //! Finds or creates the 1:1 conversation. Waits for a session if there is none yet and
    //! retries after reconnects; only the server's answer (or a storage error) reaches `done`.
    void openDirect(const QString &username, ConversationHandler done);
    //! Writes to the outbox first, then sends if connected. Returns the client message id.
    Result<QString> sendText(quint64 conversationId, const QString &text);
    //! Many texts in one outbox transaction, sent pipelined.
    Result<QStringList> sendTexts(quint64 conversationId, const QStringList &texts);
    //! read_ack up to the latest contiguous seq; returns it.
    Result<quint64> markRead(quint64 conversationId);
    //! Local history (works offline), oldest→newest, pending messages last.
    Result<QList<MessageRecord>> history(quint64 conversationId, int limit) const;
    //! Completes when the server answered a ping sent after everything queued so far, i.e. it
    //! has processed our acks.
    void flush(StatusHandler done, int timeoutMs = 5000);
    //! Messages of others above my read cursor (which my other devices move too).
    Result<int> unreadCount(quint64 conversationId) const;

    // Requests below wait for a session. Reads are retried after a reconnect; changes are not
    // (a retry could apply them twice), so a network failure reaches `done`.

    // --- groups -----------------------------------------------------------------------------
    //! I become its admin; `usernames` are the other initial members. Stored locally on success.
    void createGroup(const QString &name, const QStringList &usernames, InfoHandler done);
    //! `username` for add/remove/promote/demote, `name` for rename; leave needs neither.
    void changeGroup(quint64 conversationId, GroupAction action, const QString &username,
                     const QString &name, StatusHandler done);
    //! Name and members with their cursors; refreshes the local copy.
    void groupInfo(quint64 conversationId, InfoHandler done);
    //! Who has my message `seq`: "read by 3 of 5".
    void readers(quint64 conversationId, quint64 seq, ReadersHandler done);

    // --- devices ----------------------------------------------------------------------------
    void devices(DevicesHandler done);
    //! Logs one of my devices out at once (its token stops working).
    void revokeDevice(quint64 deviceId, StatusHandler done);

    // --- presence, privacy, typing ----------------------------------------------------------
    //! Replaces the subscription set (e.g. the open chats, at most 100); it is renewed after
    //! every reconnect. Changes arrive as presenceChanged.
    void subscribePresence(const QStringList &usernames, PresenceHandler done);
    void setPrivacy(Visibility lastSeen, StatusHandler done);
    //! Call with true on every keystroke (throttled to one frame per 3 s) and false when the
    //! text was sent or cleared. Nothing happens offline.
    void setTyping(quint64 conversationId, bool typing);
    TypingTracker *typing() const { return m_typing; }

    // --- contacts and blocking ----------------------------------------------------------------
    void changeContact(ContactAction action, const QString &username, StatusHandler done);
    //! My contacts and blocked users, and my last-seen privacy setting.
    void contacts(ContactsHandler done);

    // --- profile ------------------------------------------------------------------------------
    //! My display name (empty: people see my username).
    void setProfile(const QString &displayName, StatusHandler done);
    void profiles(const QStringList &usernames, ProfilesHandler done);

    // --- end-to-end encryption (client_e2e.cpp) ------------------------------------------------
    //! Turns end-to-end encryption on for this profile: every send is encrypted on this device
    //! and every message decrypted here. The keys live in the Storage's KeyStore, sealed with
    //! the master key the Storage was opened with. Call once, before
    //! start()/registerAccount()/login().
    Status enableEncryption();
    bool isEncrypted() const { return m_engine != nullptr; }
    //! False on a device that logged in but was not linked yet: it cannot read or send
    //! encrypted messages until linkDevice() with a code from one of my other devices.
    bool hasAccountKey() const;
    //! The 60-digit safety number with `username` (fetches their signed device list first).
    void safetyNumber(const QString &username, SafetyHandler done);
    //! Marks `username`'s current account key as verified (or not). A verified contact whose key
    //! changes gets no messages until acknowledgeIdentityChange().
    void setVerified(const QString &username, bool verified, StatusHandler done);
    void acknowledgeIdentityChange(const QString &username, StatusHandler done);
    //! On a linked device: a one-use code to type into the new device (`codeReady`), then waits
    //! for that device (up to 10 minutes) and hands it the account key (`linked`).
    void createLinkCode(CodeHandler codeReady, StatusHandler linked);
    //! On a new device (logged in with the password): links it using a code shown on another of
    //! my devices, which must be online. Afterwards this device publishes itself in my list.
    void linkDevice(const QString &code, StatusHandler done);
    //! Publishes my device list again (after revoking a device; done at every session start).
    void publishDeviceList(StatusHandler done);

    bool isAuthenticated() const { return m_connection->isAuthenticated(); }
    const AccountSettings &account() const { return m_account; }
    Storage *store() const { return m_store; }
    SyncEngine *sync() const { return m_sync; }
    Connection *connection() const { return m_connection; }

signals:
    void authenticated();
    void connectionStateChanged(tidings::client::Connection::State state);
    void disconnected(const tidings::Error &reason);
    //! The session cannot continue (e.g. the device token was revoked); the client stopped.
    void fatalError(const tidings::Error &error);
    void messagesReceived(quint64 conversationId,
                          const QList<tidings::client::MessageRecord> &messages);
    void messageStored(const QString &clientMessageId, quint64 conversationId, quint64 seq,
                       bool duplicate);
    void sendFailed(const QString &clientMessageId, const tidings::Error &error);
    void receiptChanged(quint64 conversationId, quint64 userId, quint64 deliveredSeq,
                        quint64 readSeq);
    //! My other device read this conversation: my read cursor (the unread count) moved.
    void myReadChanged(quint64 conversationId, quint64 readSeq);
    //! Kind, name, members or my membership of a conversation changed.
    void conversationChanged(quint64 conversationId);
    void presenceChanged(const tidings::client::PresenceInfo &presence);
    //! A peer's account key changed (a new safety number). Never silent.
    void identityChanged(quint64 userId);
    //! This device's keys are published and listed: it can send and receive encrypted messages.
    void encryptionReady();
    void typingChanged(const tidings::client::TypingEvent &event);
    void inboxDrained(int count);
    void syncIdle();
    void storageFailed(const tidings::Error &error);

private:
    struct AccountOp {
        bool registering = false;
        QString username;
        QString password;
        QString deviceName;
        AccountHandler done;
    };

    void beginAccountOp(const QUrl &server, AccountOp op);
    void onOpened();
    void onAccountResponse(Result<Frame> result);
    void onAuthResponse(Result<Frame> result);
    void onAuthenticated();
    void onClosed(const Error &reason);
    void failAccountOp(const Error &error);
    void whenAuthenticated(std::function<void()> action);
    //! Sends `frame` once a session is up; reads (`retry`) go again after a reconnect.
    void call(Frame frame, bool retry, std::function<void(Result<Frame>)> done);
    void okCall(Frame frame, StatusHandler done);
    void handlePush(const Frame &frame);
    void resubscribePresence();
    // client_e2e.cpp
    void setUpKeys();
    void uploadKeys(const wire::UploadKeysRequest &request, std::function<void(Status)> done);
    void handleKeysPush(const wire::KeysResponse &keys);
    void handleLinkRelay(const wire::LinkRelayPush &push);
    void resolveUser(const QString &username, std::function<void(Result<quint64>)> done);

    Storage *m_store;
    SecretStore *m_secrets;
    Connection *m_connection;
    SyncEngine *m_sync;
    TypingTracker *m_typing;
    AccountSettings m_account;
    QStringList m_presenceSubscription;
    std::optional<AccountOp> m_accountOp;
    QList<std::function<void()>> m_waitingForSession;
    std::unique_ptr<e2e::E2eEngine> m_engine;
    E2eCoordinator *m_e2e = nullptr;
    //! Set while this device registers: its first keys include the account key.
    bool m_registering = false;
    //! Linking in progress: the existing device waits for a hello, the new one for a grant.
    StatusHandler m_linkWaitingHello;
    quint64 m_linkPeerDevice = 0;
    StatusHandler m_linkWaitingGrant;
};

} // namespace tidings::client
