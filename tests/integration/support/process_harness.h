#pragma once
// Real processes for end-to-end tests: tidingsd on a PgFixture database and tidings-cli runs
// (the binaries come from TIDINGSD_BIN / TIDINGS_CLI_BIN, set by CTest).
#include <QByteArray>
#include <QJsonObject>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace tidings::test {

class ProcessHarness {
public:
    //! `databaseConninfo`: from PgFixture::createDatabase(); `serverArgs` go to every tidingsd
    //! start after the data directory, address and database (e.g. --media-max-bytes N).
    explicit ProcessHarness(QString databaseConninfo, QStringList serverArgs = {});
    ~ProcessHarness();

    static bool binariesKnown();
    bool startServer();
    void killServer(); //!< SIGKILL
    void stopServer(); //!< SIGTERM
    //! ws://, or wss:// when the server args name --tls-cert.
    QString url() const;
    //! With TLS: the fingerprint tidingsd printed after its ready line (empty otherwise).
    QString certificateFingerprint() const;
    quint16 port() const { return m_port; }
    //! The running tidingsd's process id (0 when none), e.g. for /proc/PID/status.
    qint64 serverPid() const;
    //! tidingsd's --data-dir (its media store is in DATA/media).
    QString dataDir() const { return m_tmp.filePath(QStringLiteral("server")); }

    struct Run {
        int exitCode = -1;
        QByteArray out;
        QByteArray err;
        //! Each non-empty stdout line parsed as JSON.
        QList<QJsonObject> lines() const;
    };
    //! Runs tidings-cli with --profile DIR/<profile> to completion.
    Run cli(const QString &profile, const QStringList &args, const QByteArray &stdinData = {},
            int timeoutMs = 120000);
    //! Starts tidings-cli without waiting (the caller owns the process). `logRules` (as in
    //! QT_LOGGING_RULES) turns on the client's log lines on stderr, e.g. to wait for
    //! "tidings.app.net.info=true"'s "connection lost".
    std::unique_ptr<QProcess> startCli(const QString &profile, const QStringList &args,
                                       const QString &logRules = {});

    QString path(const QString &name) const { return m_tmp.filePath(name); }
    const QString &conninfo() const { return m_db; }

private:
    QString m_db;
    QStringList m_serverArgs;
    QTemporaryDir m_tmp;
    quint16 m_port = 0;
    std::unique_ptr<QProcess> m_server;
};

} // namespace tidings::test
