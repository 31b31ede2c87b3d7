#include "db/migrator.h"

#include "core/logging.h"
#include "db/pg_connection.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

// The SQL files are compiled into this (static) library: register them before the first use,
// whoever the caller is (Q_INIT_RESOURCE must be called outside a namespace; twice is harmless).
static void initSqlResources() {
    Q_INIT_RESOURCE(migrations);
}

namespace tidings::server {

namespace {
const QByteArray kLockId = QByteArray::number(Migrator::kLockKey);

int versionOf(const QString &file) {
    return QFileInfo(file).fileName().section('_', 0, 0).toInt();
}

QStringList sqlFiles(const QString &dir) {
    initSqlResources();
    QStringList files;
    for (const auto &n : QDir(dir).entryList({"*.sql"}, QDir::Files, QDir::Name))
        files << dir + QLatin1Char('/') + n;
    return files;
}
} // namespace

Migrator::Migrator(PgConnection *conn, QObject *parent)
    : Migrator(conn, Options{}, parent) {}

Migrator::Migrator(PgConnection *conn, Options options, QObject *parent)
    : QObject(parent)
    , m_conn(conn)
    , m_options(options) {}

QStringList Migrator::migrationFiles() {
    return sqlFiles(QStringLiteral(":/migrations"));
}

int Migrator::latestVersion() {
    const QStringList files = migrationFiles();
    return files.isEmpty() ? 0 : versionOf(files.last());
}

QStringList Migrator::functionFiles() {
    return sqlFiles(QStringLiteral(":/functions"));
}

void Migrator::run(std::function<void(Result<QList<int>>)> done) {
    m_done = std::move(done);
    m_conn->exec(PgQuery{QByteArray("SELECT pg_advisory_lock(") + kLockId +
                             ");"
                             "CREATE TABLE IF NOT EXISTS schema_migrations ("
                             " version int PRIMARY KEY, name text NOT NULL,"
                             " applied_at timestamptz NOT NULL DEFAULT now());"
                             "SELECT version FROM schema_migrations ORDER BY version",
                         {},
                         {}},
                 [this](PgResult r) {
                     if (!r.ok()) {
                         finish(r.error());
                         return;
                     }
                     const int version = r.column("version");
                     for (int i = 0; i < r.rows(); ++i)
                         m_have << int(r.int64(i, version));
                     const int stop = m_options.stopAfterVersion;
                     for (const auto &f : migrationFiles()) {
                         const int v = versionOf(f);
                         if (!m_have.contains(v) && (stop == 0 || v <= stop))
                             m_todo << Step{f, v};
                     }
                     if (stop == 0)
                         for (const auto &f : functionFiles())
                             m_todo << Step{f, 0};
                     if (m_todo.isEmpty()) {
                         finish(QList<int>{});
                         return;
                     }
                     begin();
                 });
}

void Migrator::begin() {
    m_conn->exec(PgQuery{"BEGIN", {}, {}}, [this](PgResult r) {
        if (!r.ok()) {
            finish(r.error());
            return;
        }
        applyNext();
    });
}

void Migrator::applyNext() {
    if (m_todo.isEmpty()) {
        commit();
        return;
    }
    const Step step = m_todo.takeFirst();
    const QString name = QFileInfo(step.file).fileName();
    QFile f(step.file);
    if (!f.open(QIODevice::ReadOnly)) {
        rollback(Error{ErrorCode::Internal, QStringLiteral("cannot read %1").arg(step.file)});
        return;
    }
    QByteArray sql = f.readAll();
    if (step.version > 0) {
        // The empty statement ends a file whose last statement lacks its semicolon.
        sql += "\n;\nINSERT INTO schema_migrations (version, name) VALUES (" +
               QByteArray::number(step.version) + ", '" + name.toUtf8() + "')";
    }
    m_conn->exec(PgQuery{sql, {}, {}}, [this, step, name](PgResult r) {
        if (!r.ok()) {
            const QString what = step.version > 0 ? QStringLiteral("migration %1 failed: %2")
                                                  : QStringLiteral("function file %1 failed: %2");
            rollback(Error{ErrorCode::Internal, what.arg(name, r.error().detail)});
            return;
        }
        if (step.version > 0)
            m_applied << step.version;
        applyNext();
    });
}

void Migrator::commit() {
    m_conn->exec(PgQuery{"COMMIT", {}, {}}, [this](PgResult r) {
        if (!r.ok()) {
            finish(Error{ErrorCode::Internal,
                         QStringLiteral("migrations failed at commit: %1").arg(r.error().detail)});
            return;
        }
        for (int v : m_applied)
            qCInfo(lcDb) << "applied migration" << v;
        if (m_options.stopAfterVersion == 0)
            qCDebug(lcDb) << "re-created the functions of" << functionFiles().size() << "files";
        finish(m_applied);
    });
}

void Migrator::rollback(const Error &error) {
    m_conn->exec(PgQuery{"ROLLBACK", {}, {}}, [this, error](PgResult) { finish(error); });
}

void Migrator::finish(Result<QList<int>> result) {
    auto done = std::move(m_done);
    m_conn->exec(PgQuery{QByteArray("SELECT pg_advisory_unlock(") + kLockId + ")", {}, {}},
                 [done, result](PgResult) {
                     if (done)
                         done(result);
                 });
}

} // namespace tidings::server
