#pragma once
// A throwaway PostgreSQL for one test executable: a private cluster in a temporary directory
// (fsync off: the tests kill servers, not the machine), one fresh database per call of
// createDatabase() so tests do not see each other's rows.
#include "db/embedded_postgres.h"

#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace tidings::test {

class PgFixture {
public:
    PgFixture();
    ~PgFixture();

    //! Starts the cluster; returns an error text or an empty string.
    QString start();
    //! Stops and starts the cluster (the database "goes away" under a running server).
    QString restart();
    //! Creates an empty database and returns its conninfo.
    QString createDatabase();
    //! Runs one SQL command (blocking; tests only) on a database and returns the first column
    //! of every row, or an error text prefixed with "ERROR:".
    static QStringList query(const QString &conninfo, const QString &sql);
    //! The same with every column of a row, joined by '|'.
    static QStringList rows(const QString &conninfo, const QString &sql);

    QString dir() const { return m_dir.path(); }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<server::EmbeddedPostgres> m_pg;
    int m_next = 0;
};

} // namespace tidings::test
