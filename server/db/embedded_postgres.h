#pragma once
// A private PostgreSQL cluster inside a directory: initdb on first start, unix socket only,
// stopped with its owner. Used by tidingsd without --database-url and by the integration tests.
// Start and stop block (about a second) and are only called before serving / after serving.
#include "protocol/result.h"

#include <QString>
#include <QStringList>

namespace tidings::server {

class EmbeddedPostgres {
public:
    struct Options {
        QString dir;               //!< holds pgdata/ and the socket directory run/
        QStringList extraSettings; //!< e.g. "fsync=off" for throwaway test clusters
        QString binDir;            //!< empty: found under /usr/lib/postgresql/<ver>/bin
    };

    explicit EmbeddedPostgres(Options options);
    ~EmbeddedPostgres();
    EmbeddedPostgres(const EmbeddedPostgres &) = delete;
    EmbeddedPostgres &operator=(const EmbeddedPostgres &) = delete;

    Status start();
    void stop();
    bool isRunning() const { return m_running; }

    //! libpq connection string for the database "tidings" over the unix socket.
    QString conninfo() const;
    QString socketDir() const;

    static QString findBinDir();
    //! A PostgreSQL program (pg_dump, pg_restore, ...): in `binDir` (empty: findBinDir()), else
    //! on PATH; empty when it is nowhere.
    static QString findProgram(const QString &name, const QString &binDir = {});

private:
    Status run(const QString &program, const QStringList &args, int timeoutMs,
               QString *output = nullptr) const;
    Status prepareOwnership() const;

    Options m_opt;
    QString m_runAs; //!< unprivileged account when started as root
    bool m_running = false;
};

} // namespace tidings::server
