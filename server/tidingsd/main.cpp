// tidingsd: parses flags, starts the embedded PostgreSQL when no --database-url is given, runs
// the Server until SIGTERM/SIGINT.
#include "core/unix_signals.h"
#ifdef TIDINGS_EPOLL_DISPATCHER
#include "core/epoll_dispatcher.h"
#endif
#include "db/embedded_postgres.h"
#include "protocol/codec.h"
#include "server.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QHostAddress>

#include <malloc.h>

#include <cstdio>
#include <limits>
#include <memory>
#include <optional>

using namespace tidings::server;

namespace {

//! "123", "512M", "2G", "1T" (binary multiples); nothing for anything else.
std::optional<quint64> parseBytes(QString text) {
    text = text.trimmed();
    quint64 unit = 1;
    if (!text.isEmpty()) {
        switch (text.back().toUpper().toLatin1()) {
        case 'K':
            unit = quint64(1) << 10;
            break;
        case 'M':
            unit = quint64(1) << 20;
            break;
        case 'G':
            unit = quint64(1) << 30;
            break;
        case 'T':
            unit = quint64(1) << 40;
            break;
        default:
            break;
        }
        if (unit != 1)
            text.chop(1);
    }
    bool ok = false;
    const quint64 n = text.toULongLong(&ok);
    if (!ok || text.startsWith(QLatin1Char('+')) || n > std::numeric_limits<quint64>::max() / unit)
        return std::nullopt;
    return n * unit;
}

} // namespace

int main(int argc, char **argv) {
    // Media bodies are allocated on the event loop and freed on the media pool's threads (and
    // download blocks the other way round), up to a few MiB in flight. With glibc's defaults
    // each such free trims the heap top back to the kernel and the next allocation faults it
    // in again: measured, a quarter more CPU per uploaded byte. Keep 8 MiB of free top, and
    // serve blocks up to 1 MiB from the heap instead of a fresh mmap each.
    mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
    mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
#ifdef TIDINGS_EPOLL_DISPATCHER
    // Qt's dispatchers poll() every connection on every pass (core/epoll_dispatcher.h).
    // TIDINGS_EVENT_DISPATCHER=qt keeps Qt's own, for comparisons.
    if (qEnvironmentVariable("TIDINGS_EVENT_DISPATCHER") != QLatin1String("qt")) {
        auto *dispatcher = new EpollDispatcher;
        if (dispatcher->isValid())
            QCoreApplication::setEventDispatcher(dispatcher); // the main thread owns it
        else
            delete dispatcher;
    }
#endif
    QCoreApplication app(argc, argv);
    tidings::protocol::discardProtobufLogs();
    app.setApplicationName(QStringLiteral("tidingsd"));
    app.setApplicationVersion(QStringLiteral(TIDINGS_VERSION));

    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Tidings server"));
    p.addHelpOption();
    p.addVersionOption();
    p.addOption({"data-dir", "Data directory (embedded PostgreSQL lives in DIR/db).", "DIR"});
    p.addOption({"listen", "Address to listen on; port 0 picks a free port.", "HOST:PORT",
                 "127.0.0.1:7700"});
    p.addOption({"database-url", "Use this PostgreSQL instead of the embedded one.", "URL"});
    p.addOption({"retention-days", "Drop history older than N days (0: keep forever).", "N", "0"});
    p.addOption({"pool-size", "Database connections (0: one per two cores, 1 to 4).", "N", "0"});
    p.addOption({"media-max-bytes",
                 "Largest file (encrypted blob) a user may upload, in bytes or with K/M/G/T.",
                 "SIZE", "2G"});
    p.addOption({"media-quota-bytes",
                 "Storage per user: stored blobs plus unfinished uploads (bytes or K/M/G/T).",
                 "SIZE", "10G"});
    p.addOption({"media-retention-days",
                 "Delete media last sent more than N days ago even if messages still point to it "
                 "(0: keep it while a message can reach it).",
                 "N", "0"});
    p.addOption({"cheap-password-hashing",
                 "Hash passwords at libsodium's minimum Argon2id cost. For throwaway test and "
                 "benchmark servers only (thousands of accounts or devices made in seconds); "
                 "never for a server people use."});
    p.addOption({"registrations-per-hour",
                 "New accounts one address may register an hour (0: no limit).", "N", "10"});
    p.addOption({"connections-per-address",
                 "WebSocket connections one peer address may hold at once (0: no limit). "
                 "Behind a proxy every client shares the proxy's address.",
                 "N", "1000"});
    p.addOption({"token-lifetime-days",
                 "A device unused this many days must log in again (tokens in use are renewed "
                 "daily).",
                 "N", "90"});
    p.addOption({"allow-unencrypted",
                 "Store sends that are not end-to-end encrypted. For load tools and tests that "
                 "send plain bytes only; clients never send them."});
    p.process(app);

    auto die = [](const QString &msg) {
        std::fprintf(stderr, "tidingsd: %s\n", qPrintable(msg));
        return 1;
    };
    if (!p.isSet("data-dir"))
        return die(QStringLiteral("--data-dir DIR is required"));
    const QString dataDir = QDir(p.value("data-dir")).absolutePath();
    if (!QDir().mkpath(dataDir))
        return die(QStringLiteral("cannot create %1").arg(dataDir));

    const QString listen = p.value("listen");
    const int colon = listen.lastIndexOf(':');
    bool portOk = false;
    const uint port = colon > 0 ? listen.mid(colon + 1).toUInt(&portOk) : 0;
    QString hostText = colon > 0 ? listen.left(colon) : QString();
    if (hostText.startsWith('[') && hostText.endsWith(']'))
        hostText = hostText.mid(1, hostText.size() - 2);
    QHostAddress host;
    if (hostText == QLatin1String("localhost"))
        host = QHostAddress::LocalHost;
    else if (!host.setAddress(hostText) || !portOk || port > 65535)
        return die(QStringLiteral("--listen wants HOST:PORT, e.g. 127.0.0.1:7700"));

    ServerConfig config;
    config.host = host;
    config.port = quint16(port);
    config.retentionDays = p.value("retention-days").toInt();
    config.poolSize = std::clamp(p.value("pool-size").toInt(), 0, 64);
    config.dataDir = dataDir;
    config.cheapPasswordHashing = p.isSet("cheap-password-hashing");
    config.allowUnencrypted = p.isSet("allow-unencrypted");
    bool regOk = false, lifetimeOk = false;
    config.registrationsPerHour = p.value("registrations-per-hour").toInt(&regOk);
    config.tokenLifetimeDays = p.value("token-lifetime-days").toInt(&lifetimeOk);
    if (!regOk || config.registrationsPerHour < 0)
        return die(QStringLiteral("--registrations-per-hour wants a number (0: no limit)"));
    bool sessionsOk = false;
    config.maxSessionsPerIp = p.value("connections-per-address").toInt(&sessionsOk);
    if (!sessionsOk || config.maxSessionsPerIp < 0)
        return die(QStringLiteral("--connections-per-address wants a number (0: no limit)"));
    if (!lifetimeOk || config.tokenLifetimeDays < 1 || config.tokenLifetimeDays > 3650)
        return die(QStringLiteral("--token-lifetime-days wants a number of days from 1 to 3650"));
    const auto maxBytes = parseBytes(p.value("media-max-bytes"));
    const auto quotaBytes = parseBytes(p.value("media-quota-bytes"));
    bool daysOk = false;
    const int mediaDays = p.value("media-retention-days").toInt(&daysOk);
    if (!maxBytes || *maxBytes == 0)
        return die(QStringLiteral("--media-max-bytes wants a size, e.g. 2G"));
    if (!quotaBytes || *quotaBytes == 0)
        return die(QStringLiteral("--media-quota-bytes wants a size, e.g. 10G"));
    if (!daysOk || mediaDays < 0)
        return die(QStringLiteral("--media-retention-days wants a number of days (0: none)"));
    config.mediaMaxBytes = *maxBytes;
    config.mediaQuotaBytes = *quotaBytes;
    config.mediaRetentionDays = mediaDays;

    std::unique_ptr<EmbeddedPostgres> embedded;
    if (p.isSet("database-url")) {
        config.databaseConninfo = p.value("database-url");
    } else {
        embedded = std::make_unique<EmbeddedPostgres>(
            EmbeddedPostgres::Options{QDir(dataDir).filePath("db"), {}, {}});
        if (auto s = embedded->start(); !s)
            return die(s.error().detail);
        config.databaseConninfo = embedded->conninfo();
    }

    UnixSignals signals_;
    Server server(config);
    int exitCode = 0;
    QObject::connect(&server, &Server::started, &app, [&](quint16 actual) {
        const QString shown = host.protocol() == QAbstractSocket::IPv6Protocol
                                  ? QStringLiteral("[%1]").arg(host.toString())
                                  : host.toString();
        std::printf("tidingsd listening on ws://%s:%u\n", qPrintable(shown), unsigned(actual));
        std::fflush(stdout);
    });
    QObject::connect(&server, &Server::failed, &app, [&](const QString &msg) {
        std::fprintf(stderr, "tidingsd: %s\n", qPrintable(msg));
        exitCode = 1;
        app.quit();
    });
    QObject::connect(&signals_, &UnixSignals::terminate, &app, [&](int) {
        server.stop();
        app.quit();
    });
    server.start();
    app.exec();
    server.stop();
    if (embedded)
        embedded->stop();
    return exitCode;
}
