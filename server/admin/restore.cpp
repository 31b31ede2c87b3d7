#include "admin/restore.h"

#include "admin/backup_archive.h"
#include "db/embedded_postgres.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>

#include <libpq-fe.h>

namespace tidings::server {

namespace {

//! How far restore moves every counter on (see advanceCounters).
constexpr qint64 kCounterGap = 1'000'000;

Error restoreUsage(const QString &what) {
    return Error{ErrorCode::Usage, what};
}

Error restoreStorage(const QString &what) {
    return Error{ErrorCode::Storage, what};
}

//! Members name paths inside the archive; none may leave its folder.
bool safeRelative(const QString &rel) {
    if (rel.isEmpty() || rel.startsWith(QLatin1Char('/')) || rel.contains(QLatin1Char('\\')))
        return false;
    const QStringList parts = rel.split(QLatin1Char('/'));
    return std::none_of(parts.begin(), parts.end(), [](const QString &p) {
        return p.isEmpty() || p == QLatin1String(".") || p == QLatin1String("..");
    });
}

//! Empties `dir` (which was empty before the restore began), leaving the folder itself.
void emptyFolder(const QString &dir) {
    QDir d(dir);
    for (const QFileInfo &f :
         d.entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
        if (f.isDir() && !f.isSymLink())
            QDir(f.absoluteFilePath()).removeRecursively();
        else
            QFile::remove(f.absoluteFilePath());
    }
}

class Restore {
public:
    explicit Restore(const RestoreOptions &o)
        : m_o(o)
        , m_dir(QDir(o.dataDir).absolutePath()) {}

    Result<RestoreSummary> run() {
        if (auto s = checkTarget(); !s)
            return s.error();
        auto r = unpack();
        if (r)
            r = loadDatabase(*r);
        if (!r) {
            if (m_embedded)
                m_embedded->stop();
            emptyFolder(m_dir);
            return r;
        }
        return r;
    }

private:
    void say(const QString &what) const {
        if (m_o.progress)
            m_o.progress(what);
    }

    Status checkTarget() {
        if (m_dir.isEmpty())
            return restoreUsage(QStringLiteral("restore needs --data-dir DIR (an empty folder)"));
        QDir d(m_dir);
        if (d.exists() &&
            !d.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty())
            return restoreUsage(
                QStringLiteral("%1 is not empty: a backup is restored into an empty data "
                               "directory (move the old one away, or choose a new one)")
                    .arg(m_dir));
        if (!QDir().mkpath(m_dir))
            return restoreStorage(QStringLiteral("cannot create %1").arg(m_dir));
        QFile::setPermissions(m_dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                         QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                                         QFile::ExeOther);
        return {};
    }

    QString staging() const { return QDir(m_dir).filePath(QStringLiteral(".restore")); }

    Result<RestoreSummary> unpack() {
        QFile in(m_o.archive);
        if (!in.open(QIODevice::ReadOnly))
            return restoreUsage(
                QStringLiteral("cannot read %1: %2").arg(m_o.archive, in.errorString()));
        RestoreSummary summary;
        summary.archiveBytes = quint64(in.size());
        backup::TarReader tar(in);
        // The manifest first: what made the archive, before anything is written.
        auto first = tar.next();
        if (!first)
            return first.error();
        if (!*first || (*first)->name != backup::kManifest)
            return Error{ErrorCode::BadBackup,
                         QStringLiteral("%1 is not a Tidings backup (no manifest at its start)")
                             .arg(m_o.archive)};
        auto manifestBytes = tar.readAll(backup::kMaxJsonBytes);
        if (!manifestBytes)
            return manifestBytes.error();
        const QJsonObject manifest = QJsonDocument::fromJson(*manifestBytes).object();
        const int format = manifest.value("format").toInt(-1);
        summary.schemaVersion = manifest.value("schema_version").toInt(-1);
        summary.serverVersion = manifest.value("server_version").toString();
        summary.createdAt = manifest.value("created_at").toString();
        m_oldDataDir = manifest.value("data_dir").toString();
        if (format < 1 || summary.schemaVersion < 0)
            return backup::damaged(QStringLiteral("an unreadable manifest"));
        if (format > backup::kFormat || summary.schemaVersion > m_o.schemaVersion)
            return Error{ErrorCode::BadBackup,
                         QStringLiteral("this backup was made by a newer Tidings (%1, database "
                                        "schema %2; this server knows schema %3): restore it "
                                        "with that version or a newer one")
                             .arg(summary.serverVersion)
                             .arg(summary.schemaVersion)
                             .arg(m_o.schemaVersion)};
        say(QStringLiteral("restoring a backup of %1 made by Tidings %2")
                .arg(summary.createdAt, summary.serverVersion));
        if (!QDir().mkpath(staging()))
            return restoreStorage(QStringLiteral("cannot create %1").arg(staging()));

        const QString blobRoot = QDir(m_dir).filePath(QStringLiteral("media/blobs"));
        bool sawDatabase = false, sawEnd = false;
        while (true) {
            auto e = tar.next();
            if (!e)
                return e.error();
            if (!*e)
                break;
            const backup::TarEntry entry = **e;
            if (sawEnd)
                return backup::damaged(QStringLiteral("members after its end"));
            if (entry.name == backup::kEnd) {
                auto endBytes = tar.readAll(backup::kMaxJsonBytes);
                if (!endBytes)
                    return endBytes.error();
                const QJsonObject end = QJsonDocument::fromJson(*endBytes).object();
                const QString chain = QString::fromLatin1(tar.chain().digest().toHex());
                if (end.value("chain_sha256").toString() != chain ||
                    end.value("members").toInteger(-1) != qint64(tar.chain().members()))
                    return backup::damaged(QStringLiteral("its contents do not match its end"));
                sawEnd = true;
                continue;
            }
            if (!entry.regularFile || !entry.name.startsWith(backup::kRoot))
                return backup::damaged(QStringLiteral("an unexpected member %1").arg(entry.name));
            QString path;
            bool isBlob = false;
            if (entry.name == backup::kDatabase) {
                path = QDir(staging()).filePath(QStringLiteral("database.pgdump"));
                sawDatabase = true;
                summary.databaseBytes = entry.size;
            } else if (entry.name.startsWith(backup::kFilesPrefix)) {
                const QString rel = entry.name.mid(backup::kFilesPrefix.size());
                if (!safeRelative(rel))
                    return backup::damaged(QStringLiteral("a bad name %1").arg(entry.name));
                path = QDir(staging()).filePath(QStringLiteral("files/") + rel);
            } else if (entry.name.startsWith(backup::kBlobsPrefix)) {
                const QString rel = entry.name.mid(backup::kBlobsPrefix.size());
                static const QRegularExpression kBlob(
                    QStringLiteral("^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}$"));
                if (!kBlob.match(rel).hasMatch())
                    return backup::damaged(QStringLiteral("a bad name %1").arg(entry.name));
                path = QDir(blobRoot).filePath(rel);
                isBlob = true;
            } else {
                return backup::damaged(QStringLiteral("an unexpected member %1").arg(entry.name));
            }
            if (!QDir().mkpath(QFileInfo(path).absolutePath()))
                return restoreStorage(
                    QStringLiteral("cannot create %1").arg(QFileInfo(path).absolutePath()));
            QFile out(path);
            if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
                return restoreStorage(
                    QStringLiteral("cannot write %1: %2").arg(path, out.errorString()));
            if (auto s = tar.readContent([&out](const char *d, qint64 n) -> Status {
                    if (out.write(d, n) != n)
                        return restoreStorage(QStringLiteral("writing %1 failed: %2")
                                                  .arg(out.fileName(), out.errorString()));
                    return {};
                });
                !s)
                return s.error();
            if (!out.flush())
                return restoreStorage(
                    QStringLiteral("writing %1 failed: %2").arg(path, out.errorString()));
            // A blob is named by the SHA-256 of its content: each is checked on its own, too.
            if (isBlob &&
                QFileInfo(path).fileName() != QString::fromLatin1(tar.lastSha256().toHex()))
                return backup::damaged(QStringLiteral("a media file does not match its name"));
            if (isBlob)
                ++summary.mediaBlobs;
        }
        if (!sawEnd)
            return backup::damaged(QStringLiteral("it has no end"));
        if (!sawDatabase)
            return backup::damaged(QStringLiteral("it holds no database"));
        return summary;
    }

    Status runTool(const QString &name, const QStringList &args) {
        const QString exe = EmbeddedPostgres::findProgram(name, m_o.pgBinDir);
        if (exe.isEmpty())
            return restoreStorage(
                QStringLiteral("%1 not found (install postgresql-client)").arg(name));
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(exe, args);
        if (!p.waitForStarted(10000))
            return restoreStorage(QStringLiteral("cannot run %1").arg(exe));
        p.waitForFinished(-1);
        const QString out = QString::fromLocal8Bit(p.readAll()).trimmed().left(4000);
        if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
            return restoreStorage(QStringLiteral("%1 failed: %2").arg(name, out));
        return {};
    }

    //! Clients may hold messages, conversations and accounts made after the backup, under
    //! numbers the restored server would hand out again (a new message with a sequence number
    //! a client already has would be taken for one it holds). Every counter moves past what
    //! the time since the backup can have used: clients see a gap in each conversation's
    //! numbering, which they skip like any range history no longer holds.
    Status advanceCounters(const QString &conninfo) {
        PGconn *conn = PQconnectdb(conninfo.toUtf8().constData());
        const auto done = qScopeGuard([conn] { PQfinish(conn); });
        if (PQstatus(conn) != CONNECTION_OK)
            return restoreStorage(QStringLiteral("cannot connect to the restored database: %1")
                                      .arg(QString::fromUtf8(PQerrorMessage(conn)).trimmed()));
        const QByteArray gap = QByteArray::number(kCounterGap);
        const QByteArray sql =
            "BEGIN;"
            "UPDATE conversations SET last_seq = last_seq + " +
            gap +
            ";"
            "SELECT setval(format('%I.%I', schemaname, sequencename),"
            " COALESCE(last_value, 0) + " +
            gap +
            ") FROM pg_sequences WHERE schemaname = (SELECT relnamespace::regnamespace::text"
            " FROM pg_class WHERE oid = 'conversations'::regclass);"
            "COMMIT;";
        PGresult *r = PQexec(conn, sql.constData());
        const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        const QString error = QString::fromUtf8(PQresultErrorMessage(r)).trimmed();
        PQclear(r);
        if (!ok)
            return restoreStorage(QStringLiteral("moving the counters on failed: %1").arg(error));
        return {};
    }

    Result<RestoreSummary> loadDatabase(RestoreSummary summary) {
        QString conninfo = m_o.databaseUrl;
        if (conninfo.isEmpty()) {
            say(QStringLiteral("starting a new embedded PostgreSQL in %1/db").arg(m_dir));
            m_embedded = std::make_unique<EmbeddedPostgres>(EmbeddedPostgres::Options{
                QDir(m_dir).filePath(QStringLiteral("db")), m_o.embeddedSettings, m_o.pgBinDir});
            if (auto s = m_embedded->start(); !s)
                return s.error();
            conninfo = m_embedded->conninfo();
        }
        say(QStringLiteral("loading the database (%1 bytes compressed)")
                .arg(summary.databaseBytes));
        // One transaction: a database that is not empty (or any other failure) leaves it as it
        // was. --no-owner: the restoring account owns everything, whoever owned it before.
        const QString dump = QDir(staging()).filePath(QStringLiteral("database.pgdump"));
        if (auto s =
                runTool(QStringLiteral("pg_restore"),
                        {QStringLiteral("--no-owner"), QStringLiteral("--no-privileges"),
                         QStringLiteral("--exit-on-error"), QStringLiteral("--single-transaction"),
                         QStringLiteral("--dbname=") + conninfo, dump});
            !s)
            return Error{s.error().code,
                         s.error().detail +
                             (m_o.databaseUrl.isEmpty()
                                  ? QString()
                                  : QStringLiteral(" (the database of --database-url must be "
                                                   "empty; nothing was kept in it)"))};
        if (auto s = advanceCounters(conninfo); !s)
            return Error{s.error().code,
                         s.error().detail +
                             (m_o.databaseUrl.isEmpty()
                                  ? QString()
                                  : QStringLiteral(" (the database of --database-url holds the "
                                                   "restored data now: empty it before trying "
                                                   "again)"))};
        if (m_embedded)
            m_embedded->stop();
        say(QStringLiteral("putting the files back"));
        // The config file and TLS folder back in place; the config names the old data
        // directory, which is this one now.
        const QString files = QDir(staging()).filePath(QStringLiteral("files"));
        if (QFileInfo::exists(files)) {
            const QString conf = QDir(files).filePath(QStringLiteral("tidingsd.conf"));
            if (QFileInfo::exists(conf)) {
                QFile f(conf);
                if (f.open(QIODevice::ReadWrite)) {
                    QString text = QString::fromUtf8(f.readAll());
                    if (!m_oldDataDir.isEmpty() && m_oldDataDir != m_dir)
                        text.replace(m_oldDataDir, m_dir);
                    // The database the data went into, not the backed-up server's.
                    static const QRegularExpression kUrl(
                        QStringLiteral("^[ \\t]*database-url[ \\t]*=.*$"),
                        QRegularExpression::MultilineOption);
                    if (text.contains(kUrl)) {
                        text.replace(
                            kUrl,
                            m_o.databaseUrl.isEmpty()
                                ? QStringLiteral("; database-url: removed by the "
                                                 "restore (the data is in DIR/db)")
                                : QStringLiteral("database-url = \"%1\"").arg(m_o.databaseUrl));
                        say(QStringLiteral("tidingsd.conf: database-url now names %1")
                                .arg(m_o.databaseUrl.isEmpty() ? QStringLiteral("the embedded "
                                                                                "database")
                                                               : QStringLiteral("--database-url")));
                    }
                    f.resize(0);
                    f.write(text.toUtf8());
                    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
                }
            }
            for (const QString &name :
                 QDir(files).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden))
                if (!QFile::rename(QDir(files).filePath(name), QDir(m_dir).filePath(name)))
                    return restoreStorage(
                        QStringLiteral("cannot move %1 into %2").arg(name, m_dir));
            const QString tls = QDir(m_dir).filePath(QStringLiteral("tls"));
            for (const QString &f : QDir(tls).entryList(QDir::Files))
                QFile::setPermissions(QDir(tls).filePath(f), QFile::ReadOwner | QFile::WriteOwner);
        }
        QDir(staging()).removeRecursively();
        return summary;
    }

    const RestoreOptions &m_o;
    const QString m_dir;
    QString m_oldDataDir;
    std::unique_ptr<EmbeddedPostgres> m_embedded;
};

} // namespace

Result<RestoreSummary> restoreBackup(const RestoreOptions &options) {
    return Restore(options).run();
}

} // namespace tidings::server
