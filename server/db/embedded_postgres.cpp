#include "db/embedded_postgres.h"

#include "core/logging.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

#include <array>

#include <pwd.h>
#include <unistd.h>

namespace tidings::server {

namespace {
constexpr int kPort = 5432; // only names the socket file; no TCP listener

Error fail(const QString &what) {
    return Error{ErrorCode::Internal, what};
}
} // namespace

EmbeddedPostgres::EmbeddedPostgres(Options options)
    : m_opt(std::move(options)) {
    if (m_opt.binDir.isEmpty())
        m_opt.binDir = findBinDir();
    // initdb refuses to run as root: the cluster belongs to an unprivileged account.
    if (::geteuid() == 0)
        m_runAs = ::getpwnam("postgres") ? QStringLiteral("postgres") : QStringLiteral("nobody");
}

EmbeddedPostgres::~EmbeddedPostgres() {
    stop();
}

namespace {

bool hasInitdb(const QString &bin) {
#if defined(Q_OS_WIN)
    return QFileInfo::exists(bin + QStringLiteral("/initdb.exe"));
#else
    return QFileInfo::exists(bin + QStringLiteral("/initdb"));
#endif
}

//! The newest PREFIX<version>SUFFIX that holds initdb, e.g. /usr/lib/postgresql/15/bin or
//! /opt/homebrew/opt/postgresql@15/bin: versions compare by their leading number.
QString newestIn(const QString &dir, const QString &prefix, const QString &suffix) {
    const QDir base(dir);
    QStringList names =
        base.entryList({prefix + QLatin1Char('*')}, QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    const auto version = [&](const QString &name) { return name.mid(prefix.size()).toInt(); };
    std::sort(names.begin(), names.end(),
              [&](const QString &a, const QString &b) { return version(a) > version(b); });
    for (const QString &name : names) {
        const QString bin = base.filePath(name + suffix);
        if (hasInitdb(bin))
            return bin;
    }
    return {};
}

} // namespace

QString EmbeddedPostgres::findBinDir() {
    // An explicit choice, then binaries shipped next to tidingsd, then where packages put them.
    if (const QString env = qEnvironmentVariable("TIDINGS_PG_BINDIR"); !env.isEmpty())
        return hasInitdb(env) ? env : QString();
    if (QCoreApplication::instance()) {
        const QString shipped =
            QCoreApplication::applicationDirPath() + QStringLiteral("/postgresql/bin");
        if (hasInitdb(shipped))
            return shipped;
    }
    const QList<std::array<QString, 3>> places = {
        {"/usr/lib/postgresql", "", "/bin"},          // Debian, Ubuntu
        {"/opt/homebrew/opt", "postgresql@", "/bin"}, // Homebrew, Apple silicon
        {"/usr/local/opt", "postgresql@", "/bin"},    // Homebrew, Intel
        {"C:/Program Files/PostgreSQL", "", "/bin"},  // the EDB installer
    };
    for (const auto &[dir, prefix, suffix] : places) {
        if (const QString bin = newestIn(dir, prefix, suffix); !bin.isEmpty())
            return bin;
    }
    // Last, initdb on PATH (a GUI app on macOS gets launchd's PATH, without Homebrew's).
    if (const QString initdb = QStandardPaths::findExecutable(QStringLiteral("initdb"));
        !initdb.isEmpty())
        return QFileInfo(initdb).absolutePath();
    return {};
}

QString EmbeddedPostgres::findProgram(const QString &name, const QString &binDir) {
    const QString bin = binDir.isEmpty() ? findBinDir() : binDir;
    if (!bin.isEmpty() && QFileInfo::exists(bin + QLatin1Char('/') + name))
        return bin + QLatin1Char('/') + name;
    return QStandardPaths::findExecutable(name);
}

QString EmbeddedPostgres::socketDir() const {
    return QDir(m_opt.dir).filePath("run");
}

QString EmbeddedPostgres::conninfo() const {
    return QStringLiteral("host=%1 port=%2 dbname=tidings user=postgres")
        .arg(socketDir())
        .arg(kPort);
}

Status EmbeddedPostgres::run(const QString &program, const QStringList &args, int timeoutMs,
                             QString *output) const {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    if (m_runAs.isEmpty()) {
        p.start(program, args);
    } else {
        p.start(QStringLiteral("runuser"), QStringList{"-u", m_runAs, "--", program} + args);
    }
    if (!p.waitForStarted(5000))
        return fail(QStringLiteral("cannot start %1").arg(program));
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(2000);
        return fail(QStringLiteral("%1 timed out").arg(QFileInfo(program).fileName()));
    }
    const QString out = QString::fromLocal8Bit(p.readAll());
    if (output)
        *output = out;
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return fail(
            QStringLiteral("%1 failed: %2").arg(QFileInfo(program).fileName(), out.trimmed()));
    return {};
}

Status EmbeddedPostgres::prepareOwnership() const {
    if (m_runAs.isEmpty())
        return {};
    const passwd *pw = ::getpwnam(m_runAs.toLocal8Bit().constData());
    if (!pw)
        return fail(QStringLiteral("no account %1 to run PostgreSQL as").arg(m_runAs));
    for (const QString &sub : {QStringLiteral("pgdata"), QStringLiteral("run")}) {
        const QString path = QDir(m_opt.dir).filePath(sub);
        QDir().mkpath(path);
        if (::chown(path.toLocal8Bit().constData(), pw->pw_uid, pw->pw_gid) != 0)
            return fail(QStringLiteral("cannot hand %1 to %2").arg(path, m_runAs));
    }
    // The unprivileged account must be able to reach the directory.
    QString probe;
    if (!run(QStringLiteral("test"), {"-w", QDir(m_opt.dir).filePath("pgdata")}, 5000, &probe))
        return fail(QStringLiteral("%1 cannot reach %2: every parent directory must be "
                                   "traversable by that account (use a data dir under /var/lib "
                                   "or /var/tmp, not under /root)")
                        .arg(m_runAs, m_opt.dir));
    return {};
}

Status EmbeddedPostgres::start() {
    if (m_running)
        return {};
    if (m_opt.binDir.isEmpty())
        return fail(QStringLiteral("PostgreSQL server binaries (initdb, pg_ctl) not found: install "
                                   "PostgreSQL, set TIDINGS_PG_BINDIR, or use --database-url"));
    const QDir dir(m_opt.dir);
    if (!QDir().mkpath(dir.filePath("pgdata")) || !QDir().mkpath(dir.filePath("run")))
        return fail(QStringLiteral("cannot create %1").arg(m_opt.dir));
    QFile::setPermissions(dir.filePath("pgdata"),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    if (auto s = prepareOwnership(); !s)
        return s;
    QFile::setPermissions(dir.filePath("run"),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    const QString pgdata = dir.filePath("pgdata");
    const QString bin = m_opt.binDir;
    if (!QFileInfo::exists(pgdata + "/PG_VERSION")) {
        qCInfo(lcDb) << "initialising embedded PostgreSQL cluster in" << pgdata;
#if defined(Q_OS_MACOS)
        // macOS has no C.UTF-8 locale: C collation with a UTF-8 character type instead.
        const QStringList locale = {"--locale=C", "--lc-ctype=UTF-8"};
#else
        const QStringList locale = {"--locale=C.UTF-8"};
#endif
        if (auto s = run(bin + "/initdb",
                         QStringList{"-D", pgdata, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                     "--no-sync"} +
                             locale,
                         120000);
            !s)
            return s;
    }
    // A stale postmaster.pid from a killed server: pg_ctl handles it when the pid is gone.
    // Unix socket only, and only for its owner: with trust authentication, any local account
    // that can reach the socket would be a database superuser.
    QString opts =
        QStringLiteral("-p %1 -k %2 -c listen_addresses='' -c unix_socket_permissions=0700")
            .arg(kPort)
            .arg(socketDir());
    for (const auto &setting : m_opt.extraSettings)
        opts += QStringLiteral(" -c ") + setting;
    if (auto s = run(bin + "/pg_ctl",
                     {"-D", pgdata, "-w", "-t", "60", "-l", dir.filePath("run/postgresql.log"),
                      "-o", opts, "start"},
                     90000);
        !s) {
        // Already running (e.g. our previous process was SIGKILLed and left it up): reuse it.
        QString status;
        if (!run(bin + "/pg_ctl", {"-D", pgdata, "status"}, 10000, &status))
            return s;
    }
    m_running = true;
    QString out;
    // createdb fails harmlessly when the database exists already.
    (void)run(bin + "/createdb",
              {"-h", socketDir(), "-p", QString::number(kPort), "-U", "postgres", "tidings"}, 30000,
              &out);
    return {};
}

void EmbeddedPostgres::stop() {
    if (!m_running)
        return;
    m_running = false;
    if (auto s =
            run(m_opt.binDir + "/pg_ctl",
                {"-D", QDir(m_opt.dir).filePath("pgdata"), "-w", "-t", "60", "-m", "fast", "stop"},
                70000);
        !s)
        qCWarning(lcDb) << "stopping the embedded PostgreSQL failed:" << s.error().detail;
}

} // namespace tidings::server
