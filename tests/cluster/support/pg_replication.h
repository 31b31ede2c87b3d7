#pragma once
// A PostgreSQL primary with a synchronous streaming replica (initdb, pg_basebackup -R), both
// started and stopped by the test, for the failover tests (test_pg_failover). As root the
// clusters run as `postgres` (or `nobody`), as EmbeddedPostgres does.
#include "db/embedded_postgres.h"
#include "support/pg_fixture.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <pwd.h>
#include <unistd.h>

#include <csignal>
#include <memory>

namespace tidings::test {

//! The clusters' superuser password (the URLs tidingsd and the replica use carry it).
inline const QString kReplicationPassword = QStringLiteral("failover-test-password");

inline quint16 failoverFreePort() {
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

//! The unprivileged account PostgreSQL runs as when the test runs as root (as EmbeddedPostgres).
inline QString runAsAccount() {
    if (::geteuid() != 0)
        return {};
    return ::getpwnam("postgres") ? QStringLiteral("postgres") : QStringLiteral("nobody");
}

//! One PostgreSQL cluster of the pair: its data directory, socket directory and TCP port.
class PgNode {
public:
    PgNode(const QString &dir, QString binDir)
        : m_dir(dir)
        , m_bin(std::move(binDir))
        , m_runAs(runAsAccount())
        , m_port(failoverFreePort()) {}
    ~PgNode() { stop(QStringLiteral("immediate")); }
    PgNode(const PgNode &) = delete;
    PgNode &operator=(const PgNode &) = delete;

    QString pgdata() const { return m_dir + QStringLiteral("/pgdata"); }
    QString socketDir() const { return m_dir + QStringLiteral("/run"); }
    quint16 port() const { return m_port; }
    //! A superuser connection over the node's unix socket (trust).
    QString conninfo(const QString &db = QStringLiteral("tidings")) const {
        return QStringLiteral("host=%1 port=%2 dbname=%3 user=postgres")
            .arg(socketDir())
            .arg(m_port)
            .arg(db);
    }

    //! The directories, handed to the unprivileged account.
    QString prepare() {
        if (!QDir().mkpath(socketDir()))
            return QStringLiteral("cannot create ") + socketDir();
        QFile::setPermissions(m_dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QFile::setPermissions(socketDir(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        if (m_runAs.isEmpty())
            return {};
        const passwd *pw = ::getpwnam(m_runAs.toLocal8Bit().constData());
        if (!pw)
            return QStringLiteral("no account ") + m_runAs;
        for (const QString &path : {m_dir, socketDir()})
            if (::chown(path.toLocal8Bit().constData(), pw->pw_uid, pw->pw_gid) != 0)
                return QStringLiteral("cannot hand %1 to %2").arg(path, m_runAs);
        return {};
    }

    QString initdb() {
        const QString pwfile = m_dir + QStringLiteral("/pwfile");
        QFile f(pwfile);
        if (!f.open(QIODevice::WriteOnly))
            return QStringLiteral("cannot write ") + pwfile;
        f.write(kReplicationPassword.toUtf8() + '\n');
        f.close();
        if (!m_runAs.isEmpty()) {
            const passwd *pw = ::getpwnam(m_runAs.toLocal8Bit().constData());
            if (::chown(pwfile.toLocal8Bit().constData(), pw->pw_uid, pw->pw_gid) != 0)
                return QStringLiteral("cannot hand the password file over");
        }
        // Unix socket: trust (the socket is 0700). Loopback TCP, which tidingsd uses in the URL
        // form: a password, so that no other local account is a superuser meanwhile.
        return run(QStringLiteral("initdb"),
                   {"-D", pgdata(), "-U", "postgres", "--auth-local=trust",
                    "--auth-host=scram-sha-256", "--pwfile", pwfile, "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync"},
                   120000);
    }

    //! A standby of `primary`: pg_basebackup -R writes standby.signal and primary_conninfo.
    QString basebackupFrom(const PgNode &primary) {
        return run(QStringLiteral("pg_basebackup"),
                   {"-h", primary.socketDir(), "-p", QString::number(primary.port()), "-U",
                    "postgres", "-D", pgdata(), "-R", "-X", "stream", "-c", "fast", "--no-sync"},
                   120000);
    }

    QString start() {
        // fsync off: the test kills processes, never the machine, so the page cache keeps every
        // write; what the test exercises is replication and failover, not the disk.
        const QString opts =
            QStringLiteral("-p %1 -k %2 -c listen_addresses=127.0.0.1 "
                           "-c unix_socket_permissions=0700 -c fsync=off -c wal_level=replica "
                           "-c max_wal_senders=4 -c max_connections=60 -c synchronous_commit=on")
                .arg(m_port)
                .arg(socketDir());
        QString err = run(QStringLiteral("pg_ctl"),
                          {"-D", pgdata(), "-w", "-t", "60", "-l",
                           m_dir + QStringLiteral("/postgresql.log"), "-o", opts, "start"},
                          90000);
        if (err.isEmpty())
            m_running = true;
        return err;
    }

    //! `mode`: immediate (a crash, as a dead machine would look), fast.
    QString stop(const QString &mode) {
        if (!m_running)
            return {};
        m_running = false;
        return run(QStringLiteral("pg_ctl"), {"-D", pgdata(), "-w", "-t", "60", "-m", mode, "stop"},
                   70000);
    }

    //! A crash with commits whose replies never left: the backends stopped in their wait for
    //! the synchronous standby (`frozen`, SIGSTOPped) are killed with the rest, so their
    //! transactions committed (here and on the standby) but tidingsd never hears so.
    QString crashWithFrozen(const QList<qint64> &frozen) {
        if (!m_running)
            return {};
        m_running = false;
        // No wait: the frozen backends would hold the shutdown. Once the postmaster is shutting
        // down it restarts nothing, so killing them cannot bring it back as a primary.
        if (QString e = run(QStringLiteral("pg_ctl"),
                            {"-D", pgdata(), "-W", "-m", "immediate", "stop"}, 70000);
            !e.isEmpty())
            return e;
        for (qint64 pid : frozen)
            ::kill(pid_t(pid), SIGKILL);
        const QString pidFile = pgdata() + QStringLiteral("/postmaster.pid");
        return QTest::qWaitFor([&] { return !QFile::exists(pidFile); }, 30000)
                   ? QString()
                   : QStringLiteral("the primary did not stop");
    }

    QString promote() {
        return run(QStringLiteral("pg_ctl"), {"-D", pgdata(), "-w", "-t", "60", "promote"}, 70000);
    }

    QString log() const {
        QFile f(m_dir + QStringLiteral("/postgresql.log"));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

private:
    QString run(const QString &name, const QStringList &args, int timeoutMs) const {
        const QString program = server::EmbeddedPostgres::findProgram(name, m_bin);
        if (program.isEmpty())
            return name + QStringLiteral(" not found");
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        if (m_runAs.isEmpty())
            p.start(program, args);
        else
            p.start(QStringLiteral("runuser"), QStringList{"-u", m_runAs, "--", program} + args);
        if (!p.waitForStarted(5000))
            return QStringLiteral("cannot start ") + name;
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished(2000);
            return name + QStringLiteral(" timed out");
        }
        if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
            return QStringLiteral("%1 failed: %2").arg(name, QString::fromLocal8Bit(p.readAll()));
        return {};
    }

    QString m_dir;
    QString m_bin;
    QString m_runAs;
    quint16 m_port;
    bool m_running = false;
};

//! A primary and its synchronous streaming replica, both running.
struct Pair {
    QTemporaryDir tmp{QStringLiteral("/tmp/tidings-failover-XXXXXX")};
    std::unique_ptr<PgNode> primary;
    std::unique_ptr<PgNode> replica;

    QString start(const QString &binDir) {
        if (!tmp.isValid())
            return QStringLiteral("no temporary directory");
        // The unprivileged account must traverse it to reach the data directories.
        QFile::setPermissions(tmp.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                              QFile::ReadGroup | QFile::ExeGroup |
                                              QFile::ReadOther | QFile::ExeOther);
        primary = std::make_unique<PgNode>(tmp.filePath("primary"), binDir);
        replica = std::make_unique<PgNode>(tmp.filePath("replica"), binDir);
        for (auto step : {&PgNode::prepare, &PgNode::initdb, &PgNode::start})
            if (QString e = (primary.get()->*step)(); !e.isEmpty())
                return QStringLiteral("primary: ") + e;
        // Created before synchronous replication is on: with no standby yet it would wait.
        if (const auto r =
                PgFixture::query(primary->conninfo("postgres"), "CREATE DATABASE tidings");
            r.value(0).startsWith("ERROR"))
            return r.value(0);
        if (QString e = replica->prepare(); !e.isEmpty())
            return QStringLiteral("replica: ") + e;
        if (QString e = replica->basebackupFrom(*primary); !e.isEmpty())
            return QStringLiteral("replica: ") + e;
        if (QString e = replica->start(); !e.isEmpty())
            return QStringLiteral("replica: ") + e;
        // Only now, and only on the primary (ALTER SYSTEM after the base backup is not copied):
        // a promoted replica that still named a synchronous standby would wait for one forever.
        for (const char *sql :
             {"ALTER SYSTEM SET synchronous_standby_names = '*'", "SELECT pg_reload_conf()"})
            if (const auto r = PgFixture::query(primary->conninfo(), sql);
                r.value(0).startsWith("ERROR"))
                return r.value(0);
        const bool sync = QTest::qWaitFor(
            [&] {
                return PgFixture::query(
                           primary->conninfo(),
                           "SELECT sync_state FROM pg_stat_replication WHERE state = 'streaming'")
                           .value(0) == QLatin1String("sync");
            },
            30000);
        return sync ? QString() : QStringLiteral("the replica never became a synchronous standby");
    }
};

} // namespace tidings::test
