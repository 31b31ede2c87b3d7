#include "admin/backups.h"

#include "admin/backup_archive.h"
#include "core/logging.h"
#include "db/embedded_postgres.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QPointer>
#include <QProcess>
#include <QTimer>

#include <fcntl.h>
#include <unistd.h>

namespace tidings::server {

namespace {

constexpr qint64 kMaxDumpOutput = 16 * 1024;
const QString kBackupPattern = QStringLiteral("tidings-backup-*.tar");

Error backupFailed(const QString &what) {
    return Error{ErrorCode::Storage, what};
}

} // namespace

//! What the archive thread and the event loop share.
struct Backups::Worker {
    std::atomic<quint64> bytes{0};
    std::atomic<quint64> blobs{0};
    std::atomic<bool> cancel{false};
    Status result;
};

Backups::Backups(BackupOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_schedule(new QTimer(this)) {
    connect(m_schedule, &QTimer::timeout, this, &Backups::checkSchedule);
    m_schedule->start(m_options.scheduleCheckMs);
    // Parts left by a server that stopped during a backup are of no use.
    for (const QFileInfo &f : QDir(folder()).entryInfoList({QStringLiteral("*.part")}, QDir::Files))
        QFile::remove(f.absoluteFilePath());
}

Backups::~Backups() {
    if (m_dump) {
        m_dump->disconnect(this);
        m_dump->kill();
        m_dump->waitForFinished(5000);
    }
    if (m_worker)
        m_worker->cancel = true;
    if (m_thread.joinable())
        m_thread.join();
    if (m_running) {
        QFile::remove(m_path + QStringLiteral(".part"));
        QFile::remove(m_dumpPath);
    }
}

QString Backups::folder() const {
    return QDir(m_options.dataDir).filePath(QStringLiteral("backups"));
}

void Backups::setMediaQuiesce(std::function<void(std::function<void()>)> quiesce) {
    m_quiesce = std::move(quiesce);
}

Status Backups::start(bool scheduled) {
    if (m_running)
        return Error{
            ErrorCode::Usage,
            QStringLiteral("a backup is running already (%1)").arg(QFileInfo(m_path).fileName())};
    m_pgDump = EmbeddedPostgres::findProgram(QStringLiteral("pg_dump"), m_options.pgBinDir);
    if (m_pgDump.isEmpty())
        return backupFailed(QStringLiteral("pg_dump not found (install postgresql-client)"));
    if (!QDir().mkpath(folder()))
        return backupFailed(QStringLiteral("cannot create %1").arg(folder()));
    QFile::setPermissions(folder(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    m_running = true;
    m_scheduled = scheduled;
    m_error.clear();
    m_started = QDateTime::currentDateTime();
    m_finished = {};
    m_databaseBytes = 0;
    m_worker = std::make_shared<Worker>();
    // Second-precise names; two in the same second get a counter.
    const QString stamp = m_started.toString(QStringLiteral("yyyyMMdd-HHmmss"));
    m_path = QDir(folder()).filePath(QStringLiteral("tidings-backup-%1.tar").arg(stamp));
    for (int i = 2; QFileInfo::exists(m_path); ++i)
        m_path =
            QDir(folder()).filePath(QStringLiteral("tidings-backup-%1-%2.tar").arg(stamp).arg(i));
    m_dumpPath = m_path + QStringLiteral(".pgdump.part");
    m_stage = QStringLiteral("waiting for the media collection");
    qCInfo(lcServer) << "backup started:" << m_path;
    auto go = [self = QPointer<Backups>(this)] {
        if (self)
            self->dump();
    };
    if (m_quiesce)
        m_quiesce(go);
    else
        go();
    return {};
}

void Backups::dump() {
    m_stage = QStringLiteral("dumping the database");
    m_dump = new QProcess(this);
    m_dump->setProcessChannelMode(QProcess::MergedChannels);
    connect(m_dump, &QProcess::readyRead, this, [this] {
        const QByteArray more = m_dump->readAll();
        if (m_dumpOutput.size() < kMaxDumpOutput)
            m_dumpOutput += more.left(kMaxDumpOutput - m_dumpOutput.size());
    });
    connect(m_dump, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart)
            return;
        m_dump->deleteLater();
        m_dump = nullptr;
        done(backupFailed(QStringLiteral("cannot run pg_dump")));
    });
    connect(m_dump, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        m_dump->deleteLater();
        m_dump = nullptr;
        const QString out = QString::fromLocal8Bit(m_dumpOutput).trimmed();
        m_dumpOutput.clear();
        if (status != QProcess::NormalExit || code != 0)
            return done(backupFailed(QStringLiteral("pg_dump failed: %1").arg(out)));
        m_databaseBytes = quint64(QFileInfo(m_dumpPath).size());
        qCInfo(lcServer) << "backup: database dumped," << m_databaseBytes << "bytes in"
                         << m_started.msecsTo(QDateTime::currentDateTime()) / 1000.0 << "s";
        archive();
    });
    // The custom format is what pg_restore reads; a conninfo string is accepted where a database
    // name is (no password is ever in our conninfo for the embedded database). zlib level 1:
    // the rows are mostly ciphertext, which the dump writes as hex text; level 1 undoes the hex
    // as well as 6 does (1M messages: 237 MB against 231 MB) in under half the time (6.2 s
    // against 13.3 s; level 0: 4.2 s, 455 MB). docs/OPERATIONS.md, "Backups".
    m_dump->start(m_pgDump, {QStringLiteral("--format=custom"), QStringLiteral("--compress=1"),
                             QStringLiteral("--file=") + m_dumpPath,
                             QStringLiteral("--dbname=") + m_options.conninfo});
}

void Backups::archive() {
    m_stage = QStringLiteral("writing the archive");
    QJsonObject manifest{
        {"format", backup::kFormat},
        {"schema_version", m_options.schemaVersion},
        {"server_version", m_options.serverVersion},
        {"created_at", m_started.toUTC().toString(Qt::ISODate)},
        {"data_dir", QDir(m_options.dataDir).absolutePath()},
    };
    const QString dataDir = QDir(m_options.dataDir).absolutePath();
    const QString target = m_path;
    const QString dumpPath = m_dumpPath;
    const qint64 started = m_started.toSecsSinceEpoch();
    auto worker = m_worker;
    QPointer<Backups> self(this);
    m_thread = std::thread([=] {
        const auto work = [&]() -> Status {
            QFile out(target + QStringLiteral(".part"));
            if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
                return backupFailed(
                    QStringLiteral("cannot write %1: %2").arg(out.fileName(), out.errorString()));
            out.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
            backup::TarWriter tar(out, started);
            const auto progress = [&] { worker->bytes = tar.written(); };
            if (auto s = tar.addBytes(backup::kManifest, QJsonDocument(manifest).toJson()); !s)
                return s;
            if (auto s = tar.addFile(backup::kDatabase, dumpPath); !s)
                return s;
            progress();
            // The config file and the TLS folder: the restored server answers on the same
            // address with the same certificate, so clients that pinned it reconnect.
            const QDir data(dataDir);
            if (QFileInfo::exists(data.filePath(QStringLiteral("tidingsd.conf"))))
                if (auto s = tar.addFile(backup::kFilesPrefix + QStringLiteral("tidingsd.conf"),
                                         data.filePath(QStringLiteral("tidingsd.conf")));
                    !s)
                    return s;
            const QDir tls(data.filePath(QStringLiteral("tls")));
            for (const QString &f : tls.entryList(QDir::Files, QDir::Name))
                if (auto s = tar.addFile(backup::kFilesPrefix + QStringLiteral("tls/") + f,
                                         tls.filePath(f));
                    !s)
                    return s;
            const QString blobs = data.filePath(QStringLiteral("media/blobs"));
            QDirIterator it(blobs, QDir::Files, QDirIterator::Subdirectories);
            quint64 count = 0;
            while (it.hasNext()) {
                if (worker->cancel)
                    return backupFailed(QStringLiteral("the server stopped during the backup"));
                const QString path = it.next();
                const QString rel = QDir(blobs).relativeFilePath(path);
                if (rel.contains(QLatin1Char('.')))
                    continue; // not a blob (blobs are named by their hash)
                if (auto s = tar.addFile(backup::kBlobsPrefix + rel, path); !s)
                    return s;
                worker->blobs = ++count;
                progress();
            }
            if (auto s = tar.finish(QJsonObject{{"media_blobs", double(count)}}); !s)
                return s;
            if (!out.flush() || ::fsync(out.handle()) != 0)
                return backupFailed(
                    QStringLiteral("writing %1 failed: %2").arg(out.fileName(), out.errorString()));
            out.close();
            progress();
            QFile::remove(target);
            if (!QFile::rename(out.fileName(), target))
                return backupFailed(QStringLiteral("cannot rename %1").arg(out.fileName()));
            // The rename itself durable: the next start removes *.part files.
            const int dirFd =
                ::open(QFile::encodeName(QFileInfo(target).absolutePath()).constData(),
                       O_RDONLY | O_DIRECTORY);
            if (dirFd >= 0) {
                ::fsync(dirFd);
                ::close(dirFd);
            }
            return {};
        };
        worker->result = work();
        if (!worker->result)
            QFile::remove(target + QStringLiteral(".part"));
        QFile::remove(dumpPath);
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, worker] {
                if (self && self->m_worker == worker)
                    self->done(worker->result);
            },
            Qt::QueuedConnection);
    });
}

void Backups::done(Status result) {
    if (m_thread.joinable())
        m_thread.join();
    QFile::remove(m_dumpPath);
    m_running = false;
    m_finished = QDateTime::currentDateTime();
    if (!result) {
        m_error = result.error().detail;
        m_stage = QStringLiteral("failed");
        qCWarning(lcServer) << "backup failed:" << m_error;
    } else {
        m_stage = QStringLiteral("done");
        qCInfo(lcServer) << "backup written:" << m_path << m_worker->bytes.load() << "bytes,"
                         << m_worker->blobs.load() << "media blobs";
        prune();
    }
    emit finished(bool(result));
}

QJsonObject Backups::status() const {
    QJsonObject o{{"running", m_running},
                  {"stage", m_stage},
                  {"scheduled", m_scheduled},
                  {"schedule_hour", m_hour},
                  {"keep", m_keep}};
    if (m_started.isValid()) {
        o.insert("path", m_path);
        o.insert("started_at", m_started.toUTC().toString(Qt::ISODate));
        o.insert("database_bytes", double(m_databaseBytes));
        if (m_worker) {
            o.insert("bytes", double(m_worker->bytes.load()));
            o.insert("media_blobs", double(m_worker->blobs.load()));
        }
    }
    if (m_finished.isValid()) {
        o.insert("finished_at", m_finished.toUTC().toString(Qt::ISODate));
        o.insert("seconds", double(m_started.msecsTo(m_finished)) / 1000.0);
    }
    if (!m_error.isEmpty())
        o.insert("error", m_error);
    return o;
}

QJsonArray Backups::list() const {
    QJsonArray all;
    const QFileInfoList files =
        QDir(folder()).entryInfoList({kBackupPattern}, QDir::Files, QDir::Name | QDir::Reversed);
    for (const QFileInfo &f : files)
        all.append(QJsonObject{{"name", f.fileName()},
                               {"path", f.absoluteFilePath()},
                               {"bytes", double(f.size())},
                               {"created_at", f.lastModified().toUTC().toString(Qt::ISODate)}});
    return all;
}

void Backups::setSchedule(int hour, int keep) {
    m_hour = hour;
    m_keep = std::clamp(keep, 1, kMaxKeep);
    checkSchedule();
}

void Backups::checkSchedule() {
    if (m_hour < 0 || m_running)
        return;
    // Due in the hour set, unless an archive was written since it began. A server that was
    // down then catches up later that day if its newest archive is more than a day old; a
    // schedule set later in the day waits for the hour (setting it starts nothing).
    const QDateTime now = QDateTime::currentDateTime();
    const QDateTime due(now.date(), QTime(m_hour, 0));
    if (now < due)
        return;
    QDateTime newest;
    for (const QJsonValue &v : list()) {
        const QDateTime made = QFileInfo(v.toObject().value("path").toString()).lastModified();
        if (!newest.isValid() || made > newest)
            newest = made;
    }
    if ((newest.isValid() && newest >= due) || m_lastScheduledDay == now.date())
        return;
    const bool inTheHour = now < due.addSecs(3600);
    const bool missedADay = newest.isValid() && newest < now.addDays(-1);
    if (!inTheHour && !missedADay)
        return;
    m_lastScheduledDay = now.date();
    if (auto s = start(true); !s)
        qCWarning(lcServer) << "the scheduled backup did not start:" << s.error().detail;
}

void Backups::prune() {
    const QFileInfoList files =
        QDir(folder()).entryInfoList({kBackupPattern}, QDir::Files, QDir::Name | QDir::Reversed);
    for (int i = m_keep; i < files.size(); ++i) {
        qCInfo(lcServer) << "removing an old backup:" << files[i].fileName();
        QFile::remove(files[i].absoluteFilePath());
    }
}

} // namespace tidings::server
