#include "pg_fixture.h"

#include <algorithm>

#include <QFile>

#include <libpq-fe.h>

namespace tidings::test {

PgFixture::PgFixture()
    : m_dir(QStringLiteral("/tmp/tidings-test-XXXXXX")) {
    // The cluster runs as an unprivileged account when tests run as root: it must reach the dir.
    QFile::setPermissions(m_dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                            QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                                            QFile::ExeOther);
}

PgFixture::~PgFixture() {
    if (m_pg)
        m_pg->stop();
}

QString PgFixture::start() {
    m_pg = std::make_unique<server::EmbeddedPostgres>(server::EmbeddedPostgres::Options{
        m_dir.filePath("pg"), {"fsync=off", "full_page_writes=off", "max_connections=200"}, {}});
    auto s = m_pg->start();
    return s ? QString() : s.error().detail;
}

QString PgFixture::restart() {
    m_pg->stop();
    auto s = m_pg->start();
    return s ? QString() : s.error().detail;
}

QString PgFixture::createDatabase() {
    const QString name = QStringLiteral("t%1").arg(++m_next);
    query(m_pg->conninfo(), QStringLiteral("CREATE DATABASE %1").arg(name));
    QString info = m_pg->conninfo();
    info.replace(QStringLiteral("dbname=tidings"), QStringLiteral("dbname=") + name);
    return info;
}

namespace {
QStringList runSql(const QString &conninfo, const QString &sql, bool allColumns) {
    QStringList out;
    PGconn *c = PQconnectdb(conninfo.toUtf8().constData());
    if (PQstatus(c) != CONNECTION_OK) {
        out << QStringLiteral("ERROR: ") + QString::fromUtf8(PQerrorMessage(c));
        PQfinish(c);
        return out;
    }
    PGresult *r = PQexec(c, sql.toUtf8().constData());
    const auto st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        out << QStringLiteral("ERROR: ") + QString::fromUtf8(PQresultErrorMessage(r));
    } else {
        const int columns = allColumns ? PQnfields(r) : std::min(1, PQnfields(r));
        for (int i = 0; i < PQntuples(r); ++i) {
            QStringList cols;
            for (int j = 0; j < columns; ++j)
                cols << QString::fromUtf8(PQgetvalue(r, i, j));
            out << cols.join(QLatin1Char('|'));
        }
    }
    PQclear(r);
    PQfinish(c);
    return out;
}
} // namespace

QStringList PgFixture::query(const QString &conninfo, const QString &sql) {
    return runSql(conninfo, sql, false);
}

QStringList PgFixture::rows(const QString &conninfo, const QString &sql) {
    return runSql(conninfo, sql, true);
}

} // namespace tidings::test
