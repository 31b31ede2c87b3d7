#pragma once
// Restore of a backup archive (backup_archive.h) into an empty data directory: `tidingsd
// --restore FILE --data-dir DIR [--database-url URL]`, and `tidings-admin restore`, which runs
// it. Blocking: it runs instead of serving.
//
// Nothing is kept unless the whole archive is good: the members are written into DIR while they
// are read, the chain in end.json is checked at the end, and only then does pg_restore run.
// On any failure DIR is emptied again (it was empty before), with an error that says why.
// The database goes into the embedded PostgreSQL in DIR/db, or into the empty database of
// --database-url. Then every counter (message sequence numbers, ids) moves on by a million, so
// nothing a client saw after the backup is handed out again under the same number.
#include "protocol/result.h"

#include <QString>
#include <QStringList>

#include <functional>

namespace tidings::server {

struct RestoreOptions {
    QString archive;
    QString dataDir;
    QString databaseUrl;          //!< empty: a new embedded PostgreSQL in DATA/db
    QString pgBinDir;             //!< empty: found under /usr/lib/postgresql, else on PATH
    int schemaVersion = 0;        //!< the newest migration this server knows
    QStringList embeddedSettings; //!< extra PostgreSQL settings (tests: fsync=off)
    std::function<void(const QString &)> progress;
};

struct RestoreSummary {
    QString createdAt;
    QString serverVersion;
    int schemaVersion = 0;
    quint64 mediaBlobs = 0;
    quint64 databaseBytes = 0;
    quint64 archiveBytes = 0;
};

Result<RestoreSummary> restoreBackup(const RestoreOptions &options);

} // namespace tidings::server
