#pragma once
// Online backups (issue 13; docs/OPERATIONS.md, "Backups"): the admin API's backup.create and the
// daily schedule start one here. A backup is one consistent snapshot of the database, taken by
// PostgreSQL's own pg_dump (custom format), plus the media store's blobs and the data
// directory's config and TLS files, written as one archive (backup_archive.h) into DATA/backups.
//
// Consistency: the dump is a single snapshot, and blobs are immutable once stored, so every blob
// the snapshot refers to is in the archive as long as none is deleted before it is copied. Only
// the media collection deletes blobs: it is paused from before the dump starts (after a running
// one has finished) until the last blob is copied. Blobs stored after the snapshot may be in the
// archive too; nothing refers to them there, and the restored server's collection removes them.
//
// Nothing blocks the event loop: pg_dump is an asynchronous QProcess, and the archive is written
// by a thread of its own (not the shared pool, whose threads hash passwords and finish uploads).
#include "protocol/result.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

class QProcess;
class QTimer;

namespace tidings::server {

struct BackupOptions {
    QString dataDir;       //!< backups go to DATA/backups
    QString conninfo;      //!< the database pg_dump reads
    QString pgBinDir;      //!< where pg_dump is; empty: found like the embedded PostgreSQL's
    QString serverVersion; //!< written into the manifest
    int schemaVersion = 0; //!< the newest migration this server knows
    int scheduleCheckMs = 60 * 1000;
};

class Backups : public QObject {
    Q_OBJECT
public:
    static constexpr int kDefaultKeep = 7;
    static constexpr int kMaxKeep = 365;

    explicit Backups(BackupOptions options, QObject *parent = nullptr);
    ~Backups() override;

    //! Until the media collection is idle, it must not start; `ready` runs once it is (the
    //! server's maintenance asks running() before each collection).
    void setMediaQuiesce(std::function<void(std::function<void()> ready)> quiesce);

    //! Starts a backup; an error when one is running or the folder cannot be made.
    Status start(bool scheduled = false);
    bool running() const { return m_running; }
    //! The running or the last backup: stage, path, bytes, blobs, times, error.
    QJsonObject status() const;
    //! The archives in DATA/backups, newest first: name, path, bytes, created_at.
    QJsonArray list() const;
    QString folder() const;

    //! Daily at `hour` local time (-1: never), keeping the newest `keep` archives.
    void setSchedule(int hour, int keep);
    int scheduleHour() const { return m_hour; }
    int keep() const { return m_keep; }

signals:
    void finished(bool ok);

private:
    struct Worker;

    void dump();
    void archive();
    void done(Status result);
    void checkSchedule();
    void prune();

    BackupOptions m_options;
    std::function<void(std::function<void()>)> m_quiesce;
    bool m_running = false;
    bool m_scheduled = false;
    QString m_stage;
    QString m_path;     //!< the archive being written or last written
    QString m_dumpPath; //!< pg_dump's output until it is in the archive
    QString m_pgDump;   //!< the pg_dump program, found when the backup starts
    QString m_error;
    QDateTime m_started, m_finished;
    quint64 m_databaseBytes = 0;
    QProcess *m_dump = nullptr;
    QByteArray m_dumpOutput;
    std::shared_ptr<Worker> m_worker;
    std::thread m_thread;
    QTimer *m_schedule;
    int m_hour = -1;
    int m_keep = kDefaultKeep;
    //! The day of the last scheduled attempt: a failed one (e.g. a full disk) is not retried
    //! every minute; the next is tomorrow's, or a backup by hand.
    QDate m_lastScheduledDay;
};

} // namespace tidings::server
