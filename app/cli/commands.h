#pragma once
// Each CLI command is a small asynchronous routine over Client: start() kicks it off and
// finished(exitCode) ends it. main.cpp only parses global options and wires.
#include "cli/cli_app.h"

#include <QElapsedTimer>
#include <QObject>
#include <QSet>
#include <QTimer>

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
    client::LocalStore *store() const { return m_profile->store(); }
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
    AccountCommand(Profile *p, GlobalOptions g, bool registering, QString username);
    void start() override;

private:
    bool m_registering;
    QString m_username;
};

class SendCommand : public Command {
    Q_OBJECT
public:
    //! count < 0: one message with `text`; else texts "prefix-1" … "prefix-count".
    SendCommand(Profile *p, GlobalOptions g, QString username, QString text, int count,
                QString prefix, int timeoutMs);
    void start() override;

private:
    void enqueue(quint64 conversationId);
    void onStored(const QString &id, quint64 conversationId, quint64 seq, bool duplicate);
    void onFailed(const QString &id, const Error &error);
    void complete(bool timedOut);
    bool bulk() const { return m_count >= 0; }

    QString m_username;
    QString m_text;
    int m_count;
    QString m_prefix;
    int m_timeoutMs;
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
    ReceiveCommand(Profile *p, GlobalOptions g, int untilCount, int waitMs);
    void start() override;

private:
    void printAvailable();
    void onIdleTimeout();
    void complete();

    int m_untilCount;
    int m_waitMs;
    int m_printed = 0;
    int m_extensions = 0;
    bool m_everAuthenticated = false;
    QTimer m_idle;
};

class ReadCommand : public Command {
    Q_OBJECT
public:
    ReadCommand(Profile *p, GlobalOptions g, QString username, int timeoutMs);
    void start() override;

private:
    void readWhenIdle();
    QString m_username;
    quint64 m_conversationId = 0;
    QTimer m_timeout;
};

class HistoryCommand : public Command {
    Q_OBJECT
public:
    HistoryCommand(Profile *p, GlobalOptions g, QString username, int limit, int waitMs);
    void start() override;

private:
    void printLocal();
    QString m_username;
    int m_limit;
    int m_waitMs;
    quint64 m_conversationId = 0;
    bool m_refreshing = false;
    QTimer m_deadline;
};

} // namespace tidings::cli
