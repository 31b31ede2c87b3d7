#pragma once
// The facade the CLI and the desktop app drive: account setup, session start, conversations,
// sending, reading. It wires Connection (socket), SyncEngine (ordering, outbox) and LocalStore
// (SQLite) together and owns the authentication handshake of every fresh socket.
#include "core/net/connection.h"
#include "core/store/records.h"
#include "core/sync/sync_engine.h"

#include <QObject>
#include <QUrl>

#include <functional>
#include <optional>

namespace tidings::client {

class LocalStore;
class SecretStore;

class Client : public QObject {
    Q_OBJECT
public:
    struct Options {
        Connection::Options connection;
        SyncEngine::Options sync;
    };
    using AccountHandler = std::function<void(Result<AccountSettings>)>;
    using ConversationHandler = std::function<void(Result<ConversationRecord>)>;
    using StatusHandler = std::function<void(Status)>;

    Client(LocalStore *store, SecretStore *secrets, Options options, QObject *parent = nullptr);
    Client(LocalStore *store, SecretStore *secrets, QObject *parent = nullptr)
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

    bool isAuthenticated() const { return m_connection->isAuthenticated(); }
    const AccountSettings &account() const { return m_account; }
    LocalStore *store() const { return m_store; }
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

    LocalStore *m_store;
    SecretStore *m_secrets;
    Connection *m_connection;
    SyncEngine *m_sync;
    AccountSettings m_account;
    std::optional<AccountOp> m_accountOp;
    QList<std::function<void()>> m_waitingForSession;
};

} // namespace tidings::client
