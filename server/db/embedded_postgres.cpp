#include "db/embedded_postgres.h"

#include "core/logging.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>

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

QString EmbeddedPostgres::findBinDir() {
    QDir base(QStringLiteral("/usr/lib/postgresql"));
    auto versions = base.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    std::sort(versions.begin(), versions.end(),
              [](const QString &a, const QString &b) { return a.toInt() > b.toInt(); });
    for (const auto &v : versions) {
        const QString bin = base.filePath(v + QStringLiteral("/bin"));
        if (QFileInfo::exists(bin + QStringLiteral("/initdb")))
            return bin;
    }
    return {};
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
        return fail(QStringLiteral("PostgreSQL server binaries not found under "
                                   "/usr/lib/postgresql (install the postgresql package)"));
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
        if (auto s = run(bin + "/initdb",
                         {"-D", pgdata, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                          "--locale=C.UTF-8", "--no-sync"},
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
