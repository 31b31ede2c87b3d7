#pragma once
// Applies the numbered SQL files under :/migrations in order, each in its own transaction,
// recorded in schema_migrations. A session-level advisory lock keeps two servers starting at the
// same time from applying the same migration twice.
#include "protocol/result.h"

#include <QObject>
#include <QStringList>

#include <functional>

namespace tidings::server {

class PgConnection;

class Migrator : public QObject {
    Q_OBJECT
public:
    //! `conn` must be a non-pipeline connection (migrations are multi-statement SQL).
    Migrator(PgConnection *conn, QObject *parent = nullptr);

    //! Runs asynchronously; `done` gets the versions applied by this run, or the error.
    void run(std::function<void(Result<QList<int>>)> done);

    static QStringList migrationFiles();

private:
    void applyNext();
    void finish(Result<QList<int>> result);

    PgConnection *m_conn;
    std::function<void(Result<QList<int>>)> m_done;
    QList<int> m_have;
    QList<int> m_applied;
    QStringList m_todo;
};

} // namespace tidings::server
