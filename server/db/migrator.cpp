#include "db/migrator.h"

#include "db/pg_connection.h"
#include "server_logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace tidings::server {

namespace {
constexpr const char *kLockId = "74110"; // arbitrary, fixed: "tidings migrations"

int versionOf(const QString &file) {
    return QFileInfo(file).fileName().section('_', 0, 0).toInt();
}
} // namespace

Migrator::Migrator(PgConnection *conn, QObject *parent)
    : QObject(parent)
    , m_conn(conn) {}

QStringList Migrator::migrationFiles() {
    QStringList files;
    const auto names =
        QDir(QStringLiteral(":/migrations")).entryList({"*.sql"}, QDir::Files, QDir::Name);
    for (const auto &n : names)
        files << QStringLiteral(":/migrations/") + n;
    return files;
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
                     for (int i = 0; i < r.rows(); ++i)
                         m_have << int(r.int64(i, 0));
                     for (const auto &f : migrationFiles())
                         if (!m_have.contains(versionOf(f)))
                             m_todo << f;
                     applyNext();
                 });
}

void Migrator::applyNext() {
    if (m_todo.isEmpty()) {
        finish(m_applied);
        return;
    }
    const QString file = m_todo.takeFirst();
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) {
        finish(Error{ErrorCode::Internal, QStringLiteral("cannot read %1").arg(file)});
        return;
    }
    const int version = versionOf(file);
    const QString name = QFileInfo(file).fileName();
    QByteArray sql = "BEGIN;\n" + f.readAll() +
                     "\nINSERT INTO schema_migrations (version, name) VALUES (" +
                     QByteArray::number(version) + ", '" + name.toUtf8() + "');\nCOMMIT;";
    m_conn->exec(PgQuery{sql, {}, {}}, [this, version, name](PgResult r) {
        if (!r.ok()) {
            const Error err{ErrorCode::Internal,
                            QStringLiteral("migration %1 failed: %2").arg(name, r.error().detail)};
            m_conn->exec(PgQuery{"ROLLBACK", {}, {}}, [this, err](PgResult) { finish(err); });
            return;
        }
        qCInfo(lcDb) << "applied migration" << name;
        m_applied << version;
        applyNext();
    });
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
