#pragma once
// Brings the database schema up to date at start, in two steps:
//  1. the numbered migrations under :/migrations (db/migrations/NNNN_name.sql: DDL and data
//     changes only) that schema_migrations does not record yet, in version order, each recorded
//     there;
//  2. every file under :/functions (db/functions/*.sql: the repeatable CREATE OR REPLACE
//     FUNCTION definitions), on every start.
// Both steps run in ONE transaction: other servers on the same database switch from the old
// schema and functions to the new ones at once, and a failure anywhere leaves the database as it
// was. A session-level advisory lock around the whole run serializes servers starting at the
// same time (the second finds nothing left to migrate and re-creates the same functions).
// A migration must not call the repeatable functions: on a fresh database they are created
// only after the last migration (inline what it needs).
#include "protocol/result.h"

#include <QObject>
#include <QStringList>

#include <functional>

namespace tidings::server {

class PgConnection;

class Migrator : public QObject {
    Q_OBJECT
public:
    //! The session-level advisory lock key held for the whole run ("tidings migrations").
    static constexpr qint64 kLockKey = 74110;

    struct Options {
        //! 0: the latest schema, then the functions. Otherwise the migrations up to this version
        //! only and no functions: tests build an old schema with it to upgrade from.
        int stopAfterVersion = 0;
    };

    //! `conn` must be a non-pipeline connection (migrations are multi-statement SQL).
    Migrator(PgConnection *conn, QObject *parent = nullptr);
    Migrator(PgConnection *conn, Options options, QObject *parent = nullptr);

    //! Runs asynchronously; `done` gets the versions applied by this run, or the error.
    void run(std::function<void(Result<QList<int>>)> done);

    static QStringList migrationFiles();
    static QStringList functionFiles();
    //! The newest schema version this server knows (backups record it).
    static int latestVersion();

private:
    void begin();
    void applyNext();
    void commit();
    void rollback(const Error &error);
    void finish(Result<QList<int>> result);

    PgConnection *m_conn;
    Options m_options;
    std::function<void(Result<QList<int>>)> m_done;
    QList<int> m_have;
    QList<int> m_applied;
    //! What is left to apply in the transaction, in order; `version` 0 marks a function file.
    struct Step {
        QString file;
        int version = 0;
    };
    QList<Step> m_todo;
};

} // namespace tidings::server
