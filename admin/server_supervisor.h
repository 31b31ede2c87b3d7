#pragma once
// Runs tidingsd for the tray app (issue 13): starts it on the admin's config, reads its ready line
// (address, certificate fingerprint), keeps the last lines of its output for the log viewer, and
// restarts it with backoff when it exits without being asked to (1 s, doubling to 60 s; back to
// 1 s once it ran a minute). A server run by systemd is not ours to supervise: the tray app only
// talks to it through the admin API.
#include <QElapsedTimer>
#include <QObject>
#include <QProcess>
#include <QStringList>

#include <deque>

class QTimer;

namespace tidings::admin {

class ServerSupervisor : public QObject {
    Q_OBJECT
public:
    enum class State {
        Stopped,    //!< not running, not asked to
        Starting,   //!< started, waiting for its ready line
        Running,    //!< serving
        Restarting, //!< it exited on its own; started again after the backoff
        Stopping,
    };
    Q_ENUM(State)

    struct Options {
        QString program;       //!< tidingsd
        QStringList arguments; //!< e.g. --config FILE
        int firstBackoffMs = 1000;
        int maxBackoffMs = 60000;
        int stableMs = 60000;      //!< a run this long resets the backoff
        int stopTimeoutMs = 15000; //!< SIGTERM, then SIGKILL after this
        int maxLogLines = 5000;
    };

    explicit ServerSupervisor(Options options, QObject *parent = nullptr);
    ~ServerSupervisor() override;

    void start();
    //! SIGTERM (the server closes its connections and its database), SIGKILL if it lingers.
    void stop();
    void restart();

    State state() const { return m_state; }
    //! What the ready line said: "wss://0.0.0.0:7700"; empty until it said it.
    QString listenUrl() const { return m_url; }
    QString certificateSha256() const { return m_fingerprint; }
    int crashes() const { return m_crashes; }
    qint64 pid() const;
    //! While Restarting: the delay before this next start.
    int restartInMs() const { return m_restartInMs; }
    //! The last lines tidingsd wrote (stdout and stderr), oldest first.
    QStringList log() const { return QStringList(m_log.begin(), m_log.end()); }

signals:
    void stateChanged(tidings::admin::ServerSupervisor::State state);
    void logLine(const QString &line);
    //! It exited without being asked to; it is started again in `restartInMs`.
    void crashed(int exitCode, const QString &lastLine, int restartInMs);

private:
    void launch();
    void onOutput();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void setState(State s);
    void addLine(const QString &line);

    Options m_options;
    QProcess *m_process = nullptr;
    QTimer *m_restartTimer;
    QTimer *m_killTimer;
    State m_state = State::Stopped;
    QString m_url;
    QString m_fingerprint;
    int m_backoffMs;
    int m_crashes = 0;
    int m_restartInMs = 0;
    bool m_startWhenStopped = false; //!< restart(), or start() while still stopping
    QElapsedTimer m_runTime;
    std::deque<QString> m_log;
    QByteArray m_partial;
};

} // namespace tidings::admin
