#include "admin_cli.h"

#include "admin_client.h"

#include <QCommandLineParser>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTextStream>
#include <QTimer>

#include <cstdio>

#include <fcntl.h>
#include <unistd.h>

namespace tidings::admin {

namespace {

constexpr int kUsage = 2;
constexpr int kUnreachable = 3;
constexpr int kRefused = 4;

const char *const kHelp =
    "Usage: tidings-admin [--data-dir DIR | --config FILE] COMMAND [ARGS]\n"
    "\n"
    "Administers the tidingsd running on a data directory, through its admin API\n"
    "(DATA/admin.sock and DATA/admin.token: run it as the server's user or root).\n"
    "\n"
    "Commands:\n"
    "  status                          the server's state, one JSON object\n"
    "  users list [--search TEXT] [--limit N] [--offset N]\n"
    "                                  one JSON object per user\n"
    "  users create USER [--display-name NAME]\n"
    "                                  (password: first line of stdin)\n"
    "  users disable USER              refuse the user's logins; cut off its devices now\n"
    "  users enable USER\n"
    "  users reset-password USER       (new password: first line of stdin); logs every\n"
    "                                  device of the user out\n"
    "  users delete USER               delete the account (messages sent stay)\n"
    "  invite create [--uses N] [--days D] [--note TEXT]\n"
    "                                  a new invite code (prints it once)\n"
    "  invite list                     invites with uses left\n"
    "  invite revoke ID\n"
    "  registration [open|invite|closed]\n"
    "                                  show or set who may create accounts\n"
    "  retention [DAYS]                show or set how long history is kept (0: forever)\n"
    "  media-retention [DAYS]          show or set how long media is kept after it was last\n"
    "                                  sent (0: while a message can reach it)\n"
    "  backup [--out FILE]             back up the database and media now, online; the\n"
    "                                  archive stays in DATA/backups unless --out moves it\n"
    "  backup list                     the archives in DATA/backups, newest first\n"
    "  backup schedule [HOUR|off] [--keep N]\n"
    "                                  show or set the daily backup (local hour 0-23),\n"
    "                                  keeping the newest N archives (default 7)\n"
    "  restore FILE --data-dir DIR [--database-url URL]\n"
    "                                  restore a backup into an empty data directory (runs\n"
    "                                  tidingsd --restore; no server needs to run)\n"
    "\n"
    "Exit codes: 0 done, 2 wrong usage, 3 no server answers (or no right to ask it),\n"
    "4 the server refused (the reason is on stderr).\n";

QString line(const QJsonValue &v) {
    if (v.isObject())
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    if (v.isArray())
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    return v.toVariant().toString();
}

//! Copies `from` to `to` through `to`.part: written, fsynced, renamed, the folder fsynced.
bool copyDurably(const QString &from, const QString &to) {
    QFile in(from);
    QFile out(to + QStringLiteral(".part"));
    if (!in.open(QIODevice::ReadOnly) || !out.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    out.setPermissions(QFile::ReadOwner | QFile::WriteOwner); // what the server wrote it with
    QByteArray piece(1 << 20, Qt::Uninitialized);
    qint64 copied = 0;
    for (qint64 n; (n = in.read(piece.data(), piece.size())) > 0; copied += n)
        if (out.write(piece.constData(), n) != n)
            break;
    const bool whole = copied == in.size() && out.flush() && ::fsync(out.handle()) == 0;
    out.close();
    if (!whole || ::rename(QFile::encodeName(out.fileName()).constData(),
                           QFile::encodeName(to).constData()) != 0) {
        QFile::remove(out.fileName());
        return false;
    }
    const int dir =
        ::open(QFile::encodeName(QFileInfo(to).absolutePath()).constData(), O_RDONLY | O_DIRECTORY);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return true;
}

//! Asks for the backup's status until it has finished; with `out`, moves the archive there.
Result<QJsonValue> waitForBackup(AdminClient &client, const QString &out) {
    QJsonObject status;
    while (true) {
        QEventLoop wait;
        QTimer::singleShot(200, &wait, &QEventLoop::quit);
        wait.exec();
        auto r = client.callAndWait("backup.status");
        if (!r)
            return r;
        status = r->toObject();
        if (!status.value("running").toBool())
            break;
    }
    if (status.contains("error"))
        return Error{ErrorCode::Storage, status.value("error").toString()};
    if (out.isEmpty())
        return QJsonValue(status);
    // Whoever may use the admin API may read DATA/backups: move (or copy, across file systems)
    // the archive to where the admin wants it.
    const QString from = status.value("path").toString();
    const QString to = QFileInfo(out).absoluteFilePath();
    if (QFileInfo::exists(to))
        return Error{ErrorCode::Usage,
                     QStringLiteral("%1 exists already; the archive stays in %2").arg(to, from)};
    if (::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) != 0) {
        // Another file system: a copy that is on the disk (synced, then renamed into place)
        // before the server's archive is removed.
        if (!copyDurably(from, to))
            return Error{ErrorCode::Storage,
                         QStringLiteral("cannot write %1; the archive stays in %2").arg(to, from)};
        QFile::remove(from);
    }
    status.insert("path", to);
    return QJsonValue(status);
}

//! tidingsd --restore, with its output passed on.
int runRestore(const QString &file, const QString &dataDir, const QString &databaseUrl,
               QTextStream &out, QTextStream &err) {
    if (dataDir.isEmpty()) {
        err << "tidings-admin: restore needs --data-dir DIR, an empty folder to restore into\n";
        return kUsage;
    }
    QStringList args{QStringLiteral("--restore"), QFileInfo(file).absoluteFilePath(),
                     QStringLiteral("--data-dir"), QDir(dataDir).absolutePath()};
    if (!databaseUrl.isEmpty())
        args << QStringLiteral("--database-url") << databaseUrl;
    QProcess tidingsd;
    tidingsd.setProcessChannelMode(QProcess::SeparateChannels);
    tidingsd.start(findTidingsd(qEnvironmentVariable("TIDINGS_TIDINGSD")), args);
    if (!tidingsd.waitForStarted(10000)) {
        err << "tidings-admin: cannot run tidingsd: " << tidingsd.errorString() << "\n";
        return kUnreachable;
    }
    tidingsd.closeWriteChannel();
    tidingsd.waitForFinished(-1);
    out << QString::fromLocal8Bit(tidingsd.readAllStandardOutput());
    err << QString::fromLocal8Bit(tidingsd.readAllStandardError());
    if (tidingsd.exitStatus() != QProcess::NormalExit)
        return kRefused;
    return tidingsd.exitCode() == 0 ? 0 : kRefused;
}

} // namespace

int runCli(const QStringList &arguments, QTextStream &in, QTextStream &out, QTextStream &err) {
    QCommandLineParser p;
    p.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    p.addOptions({
        {"data-dir", "The server's data directory.", "DIR"},
        {"config", "tidingsd's config file (its [server] data-dir).", "FILE"},
        {"search", "users list: names containing TEXT.", "TEXT"},
        {"limit", "users list: at most N (1 to 1000, default 100).", "N"},
        {"offset", "users list: skip N.", "N"},
        {"display-name", "users create: the display name.", "NAME"},
        {"uses", "invite create: how many accounts the code makes (default 1).", "N"},
        {"days", "invite create: days the code works (default 7).", "D"},
        {"note", "invite create: who it is for (shown by invite list).", "TEXT"},
        {"out", "backup: move the archive to FILE when it is written.", "FILE"},
        {"keep", "backup schedule: how many archives to keep (1 to 365).", "N"},
        {"database-url", "restore: into this (empty) PostgreSQL database.", "URL"},
        {{"h", "help"}, "This help."},
    });
    if (!p.parse(QStringList{QStringLiteral("tidings-admin")} + arguments)) {
        err << "tidings-admin: " << p.errorText() << "\n";
        return kUsage;
    }
    const QStringList args = p.positionalArguments();
    if (p.isSet("help") || args.isEmpty()) {
        (args.isEmpty() && !p.isSet("help") ? err : out) << kHelp;
        return p.isSet("help") ? 0 : kUsage;
    }
    const auto usage = [&](const QString &why) {
        err << "tidings-admin: " << why << " (tidings-admin --help)\n";
        return kUsage;
    };
    const QString cmd = args.value(0), sub = args.value(1);

    // The request: a command and its arguments, checked here before anything is sent.
    QString command;
    QJsonObject a;
    bool needsPassword = false;
    const auto intOption = [&](const char *name, QJsonObject &into) {
        if (!p.isSet(name))
            return true;
        bool ok = false;
        const int n = p.value(name).toInt(&ok);
        if (!ok)
            return false;
        into.insert(QLatin1String(name), n);
        return true;
    };
    if (cmd == "status" && args.size() == 1) {
        command = "status";
    } else if (cmd == "users" && sub == "list" && args.size() == 2) {
        command = "users.list";
        if (p.isSet("search"))
            a.insert("search", p.value("search"));
        if (!intOption("limit", a) || !intOption("offset", a))
            return usage("--limit and --offset want numbers");
    } else if (cmd == "users" && args.size() == 3 &&
               QStringList{"create", "disable", "enable", "reset-password", "delete"}.contains(
                   sub)) {
        command = "users." + QString(sub).replace('-', '_');
        a.insert("username", args.value(2));
        needsPassword = sub == "create" || sub == "reset-password";
        if (p.isSet("display-name"))
            a.insert("display_name", p.value("display-name"));
    } else if (cmd == "invite" && sub == "create" && args.size() == 2) {
        command = "invites.create";
        if (!intOption("uses", a) || !intOption("days", a))
            return usage("--uses and --days want numbers");
        if (p.isSet("note"))
            a.insert("note", p.value("note"));
    } else if (cmd == "invite" && sub == "list" && args.size() == 2) {
        command = "invites.list";
    } else if (cmd == "invite" && sub == "revoke" && args.size() == 3) {
        command = "invites.revoke";
        bool ok = false;
        a.insert("id", args.value(2).toInt(&ok));
        if (!ok)
            return usage("invite revoke wants the invite's id (invite list shows them)");
    } else if (cmd == "registration" && args.size() <= 2) {
        command = args.size() == 1 ? "settings.get" : "settings.set";
        if (args.size() == 2)
            a.insert("registration", sub);
    } else if (cmd == "retention" && args.size() <= 2) {
        command = args.size() == 1 ? "settings.get" : "settings.set";
        bool ok = false;
        if (args.size() == 2)
            a.insert("retention_days", sub.toInt(&ok));
        if (args.size() == 2 && !ok)
            return usage("retention wants a number of days (0: keep history forever)");
    } else if (cmd == "media-retention" && args.size() <= 2) {
        command = args.size() == 1 ? "settings.get" : "settings.set";
        bool ok = false;
        if (args.size() == 2)
            a.insert("media_retention_days", sub.toInt(&ok));
        if (args.size() == 2 && !ok)
            return usage("media-retention wants a number of days (0: keep media while a message "
                         "can reach it)");
    } else if (cmd == "backup" && args.size() == 1) {
        command = "backup.create";
    } else if (cmd == "backup" && sub == "list" && args.size() == 2) {
        command = "backups.list";
    } else if (cmd == "backup" && sub == "schedule" && args.size() <= 3) {
        command = args.size() == 2 && !p.isSet("keep") ? "settings.get" : "settings.set";
        if (args.size() == 3) {
            bool ok = false;
            const int hour = args.value(2) == "off" ? -1 : args.value(2).toInt(&ok);
            if (args.value(2) != "off" && (!ok || hour < 0 || hour > 23))
                return usage("backup schedule wants an hour from 0 to 23, or off");
            a.insert("backup_hour", hour);
        }
        if (p.isSet("keep")) {
            bool ok = false;
            a.insert("backup_keep", p.value("keep").toInt(&ok));
            if (!ok)
                return usage("--keep wants a number");
        }
    } else if (cmd == "restore" && args.size() == 2) {
        return runRestore(args.value(1), p.value("data-dir"), p.value("database-url"), out, err);
    } else {
        return usage(QStringLiteral("unknown command \"%1\"").arg(args.join(' ')));
    }
    if (needsPassword) {
        const QString password = in.readLine();
        if (password.isEmpty())
            return usage("the password must be the first line of stdin");
        a.insert("password", password);
    }

    QString dirError;
    const QString dataDir = findDataDir(p.value("data-dir"), p.value("config"), &dirError);
    if (dataDir.isEmpty()) {
        err << "tidings-admin: " << dirError << "\n";
        return kUsage;
    }
    AdminClient client(dataDir);
    Result<QJsonValue> r = client.callAndWait(command, a);
    if (r && command == "backup.create")
        r = waitForBackup(client, p.value("out"));
    if (!r) {
        err << "tidings-admin: " << r.error().toString() << "\n";
        const ErrorCode c = r.error().code;
        return c == ErrorCode::Network || c == ErrorCode::Forbidden || c == ErrorCode::Timeout
                   ? kUnreachable
                   : kRefused;
    }
    if (r->isArray()) {
        for (const QJsonValue &v : r->toArray())
            out << line(v) << "\n";
    } else {
        out << line(*r) << "\n";
    }
    return 0;
}

} // namespace tidings::admin
