#pragma once
// Each CLI command is a small asynchronous routine over Client: start() kicks it off and
// finished(exitCode) ends it. main.cpp only parses global options and wires.
#include "cli/cli_app.h"
#include "cli/output.h"

#include <QElapsedTimer>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>
#include <memory>

namespace tidings::cli {

class Command : public QObject {
    Q_OBJECT
public:
    Command(Profile *profile, GlobalOptions global);
    virtual void start() = 0;

signals:
    void finished(int exitCode);

protected:
    client::Client *client() const { return m_profile->client(); }
    client::Storage *store() const { return m_profile->store(); }
    //! Connects with the saved token; fatal session errors end the command.
    Status startSession();
    //! Prints the error and ends with its exit code.
    void fail(const Error &error);
    //! Ends with `code` after the server confirmed our acks (a ping round trip), if connected.
    void finishAfterFlush(int code, std::optional<Error> error = std::nullopt);
    void finishNow(int code);
    bool isFinished() const { return m_finished; }

    Profile *m_profile;
    GlobalOptions m_global;

private:
    bool m_finished = false;
};

//! Builds the command from argv after the global options (args[0] is the command name).
Result<std::unique_ptr<Command>> makeCommand(const QStringList &args, Profile *profile,
                                             const GlobalOptions &global);
QString usageText();

class AccountCommand : public Command {
    Q_OBJECT
public:
    AccountCommand(Profile *p, GlobalOptions g, bool registering, QString username,
                   QString inviteCode = {});
    void start() override;

private:
    bool m_registering;
    QString m_username;
    QString m_inviteCode;
};

class SendCommand : public Command {
    Q_OBJECT
public:
    //! count < 0: one message with `text`; else texts "prefix-1" … "prefix-count".
    //! groupId != 0: to that group instead of the 1:1 with `username`.
    //! intervalMs > 0 (with count): one message at a time, the first at once, the others every
    //! intervalMs once the first was stored (lone messages on a live session: latency runs).
    SendCommand(Profile *p, GlobalOptions g, QString username, QString text, int count,
                QString prefix, int timeoutMs, quint64 groupId = 0, int intervalMs = 0);
    void start() override;

private:
    void enqueue(quint64 conversationId);
    //! Paced mode: sends "prefix-N" for the next N.
    void sendNext();
    bool allSent() const { return m_intervalMs <= 0 || m_next > m_count; }
    void onStored(const QString &id, quint64 conversationId, quint64 seq, bool duplicate);
    void onFailed(const QString &id, const Error &error);
    void complete(bool timedOut);
    bool bulk() const { return m_count >= 0; }

    QString m_username;
    quint64 m_groupId = 0;
    QString m_text;
    int m_count;
    QString m_prefix;
    int m_timeoutMs;
    int m_intervalMs;
    int m_next = 1; //!< paced mode: the number of the next message
    QTimer m_pace;
    QTimer m_timeout;
    QElapsedTimer m_elapsed;
    quint64 m_conversationId = 0;
    QSet<QString> m_pending;
    int m_sent = 0;
    int m_acked = 0;
    int m_duplicates = 0;
    int m_failed = 0;
    quint64 m_lastSeq = 0;
    QString m_lastId;
    std::optional<Error> m_lastError;
};

class ReceiveCommand : public Command {
    Q_OBJECT
public:
    //! withTyping: typing pushes are printed too (not counted by untilCount).
    ReceiveCommand(Profile *p, GlobalOptions g, int untilCount, int waitMs, bool withTyping);
    void start() override;

private:
    void printAvailable();
    void printTyping(const client::TypingEvent &event);
    void onIdleTimeout();
    void complete();

    int m_untilCount;
    int m_waitMs;
    bool m_withTyping = false;
    int m_printed = 0;
    int m_extensions = 0;
    bool m_everAuthenticated = false;
    QTimer m_idle;
};

class ReadCommand : public Command {
    Q_OBJECT
public:
    ReadCommand(Profile *p, GlobalOptions g, QString username, int timeoutMs, quint64 groupId = 0);
    void start() override;

private:
    void readWhenIdle();
    QString m_username;
    quint64 m_groupId = 0;
    quint64 m_conversationId = 0;
    QTimer m_timeout;
};

class HistoryCommand : public Command {
    Q_OBJECT
public:
    HistoryCommand(Profile *p, GlobalOptions g, QString username, int limit, int waitMs,
                   quint64 groupId = 0);
    void start() override;

private:
    void printLocal();
    QString m_username;
    quint64 m_groupId = 0;
    int m_limit;
    int m_waitMs;
    quint64 m_conversationId = 0;
    bool m_refreshing = false;
    QTimer m_deadline;
};

//! A message or system event as the receive/history JSON line.
JsonLine messageLine(const client::MessageRecord &m,
                     const client::ConversationRecord *conversation);

//! The commands that ask the server one thing (groups, devices, presence, contacts...): the
//! action runs once a session is up and ends the command through done()/error(); a deadline
//! guards against a server that never answers.
class OneShotCommand : public Command {
    Q_OBJECT
public:
    using Action = std::function<void(OneShotCommand &)>;
    OneShotCommand(Profile *p, GlobalOptions g, int timeoutMs, Action action);
    void start() override;

    client::Client *cl() const { return client(); }
    client::Storage *localStore() const { return store(); }
    //! Ends with kExitOk after a ping round trip (the server has processed what we posted).
    void done() { finishAfterFlush(kExitOk); }
    void error(const Error &e) { fail(e); }
    //! The conversation of a GROUP id (as is) or a USERNAME (open_direct).
    void resolve(quint64 groupId, const QString &username, std::function<void(quint64)> next);

private:
    int m_timeoutMs;
    bool m_started = false;
    Action m_action;
    QTimer m_timeout;
};

//! Builds the group/devices/presence/typing/contacts/privacy/readers/conversations commands;
//! nullptr when `args[0]` is none of them.
Result<std::unique_ptr<Command>> makeSocialCommand(const QStringList &args, Profile *profile,
                                                   const GlobalOptions &global);
//! safety-number, verify, link-code, link and profile; nullptr for other names.
Result<std::unique_ptr<Command>> makeE2eCommand(const QStringList &args, Profile *profile,
                                                const GlobalOptions &global);

} // namespace tidings::cli
