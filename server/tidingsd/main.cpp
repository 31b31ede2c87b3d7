// tidingsd: reads its options (flags over --config FILE, tidingsd/options.h), starts the embedded
// PostgreSQL when no database URL is given, runs the Server until SIGTERM (a graceful drain of its
// connections first) or SIGINT; SIGHUP reloads the options and the TLS certificate.
// --check-config FILE checks a config file and exits; --restore FILE restores a backup into an
// empty data directory and exits (admin/restore.h).
#include "admin/restore.h"
#include "core/logging.h"
#include "core/unix_signals.h"
#ifdef TIDINGS_EPOLL_DISPATCHER
#include "core/epoll_dispatcher.h"
#endif
#include "db/embedded_postgres.h"
#include "db/migrator.h"
#include "gateway/gateway.h"
#include "gateway/tls.h"
#include "protocol/codec.h"
#include "server.h"
#include "tidingsd/options.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHostAddress>
#include <QSysInfo>
#include <QTimer>

#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <utility>

using namespace tidings::server;

namespace {
//! How long past the drain window the last connections may take (their requests in flight,
//! their close handshakes) before the server stops anyway.
constexpr int kDrainGraceMs = 5000;
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
    addOptions(p);
    p.process(app);

    auto die = [](const QString &msg) {
        std::fprintf(stderr, "tidingsd: %s\n", qPrintable(msg));
        return 1;
    };
    if (p.isSet("check-config")) {
        const QString path = p.value("check-config");
        const QStringList errors = checkConfigFile(path);
        for (const QString &e : errors)
            std::fprintf(stderr, "tidingsd: %s\n", qPrintable(e));
        if (errors.isEmpty())
            std::printf("%s: ok\n", qPrintable(path));
        return errors.isEmpty() ? 0 : 1;
    }
    const Parsed parsed = parseOptions(p);
    if (!parsed.errors.isEmpty()) {
        for (const QString &e : parsed.errors)
            std::fprintf(stderr, "tidingsd: %s\n", qPrintable(e));
        return 1;
    }
    ServerConfig config = parsed.options.config;
    const QString dataDir = parsed.options.dataDir;
    if (p.isSet("restore")) {
        RestoreOptions r;
        r.archive = p.value("restore");
        r.dataDir = dataDir;
        r.databaseUrl = parsed.options.databaseUrl;
        r.pgBinDir = config.pgBinDir;
        r.schemaVersion = Migrator::latestVersion();
        QElapsedTimer took;
        took.start();
        r.progress = [&took](const QString &what) {
            std::printf("tidingsd: [%.1f s] %s\n", double(took.elapsed()) / 1000.0,
                        qPrintable(what));
            std::fflush(stdout);
        };
        const auto restored = restoreBackup(r);
        if (!restored)
            return die(restored.error().detail);
        std::printf("tidingsd: restored into %s in %.1f s: the database (%llu bytes compressed) "
                    "and %llu media files; start the server on it as usual\n",
                    qPrintable(dataDir), double(took.elapsed()) / 1000.0,
                    static_cast<unsigned long long>(restored->databaseBytes),
                    static_cast<unsigned long long>(restored->mediaBlobs));
        return 0;
    }
    const QHostAddress host = config.host;
    if (!QDir().mkpath(dataDir))
        return die(QStringLiteral("cannot create %1").arg(dataDir));
    if (parsed.options.tlsSelfSigned && !QFileInfo::exists(config.tlsCertFile) &&
        !QFileInfo::exists(config.tlsKeyFile)) {
        QStringList names{QSysInfo::machineHostName(), QStringLiteral("localhost")};
        if (!host.isNull() && host != QHostAddress::Any && host != QHostAddress::AnyIPv6)
            names.prepend(host.toString());
        names.removeAll(QString());
        names.removeDuplicates();
        if (auto s =
                writeSelfSignedCertificate(TlsFiles{config.tlsCertFile, config.tlsKeyFile}, names);
            !s)
            return die(s.error().detail);
    }

    std::unique_ptr<EmbeddedPostgres> embedded;
    if (!parsed.options.databaseUrl.isEmpty()) {
        config.databaseConninfo = parsed.options.databaseUrl;
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
        const bool tls = server.gateway()->usesTls();
        std::printf("tidingsd listening on %s://%s:%u\n", tls ? "wss" : "ws", qPrintable(shown),
                    unsigned(actual));
        if (tls)
            std::printf("tidingsd certificate SHA-256 %s\n",
                        qPrintable(server.gateway()->tlsFingerprint()));
        if (server.metricsPort())
            std::printf("tidingsd metrics on http://%s:%u/metrics\n",
                        qPrintable(config.metricsHost.toString()), unsigned(server.metricsPort()));
        std::fflush(stdout);
    });
    QObject::connect(&server, &Server::failed, &app, [&](const QString &msg) {
        std::fprintf(stderr, "tidingsd: %s\n", qPrintable(msg));
        exitCode = 1;
        app.quit();
    });
    // SIGHUP: the options again (flags over the file), what can change applied while serving;
    // a file that does not read or check changes nothing.
    QObject::connect(&signals_, &UnixSignals::reload, &app, [&] {
        const Parsed again = parseOptions(p);
        if (!again.errors.isEmpty()) {
            for (const QString &e : again.errors)
                qCWarning(lcServer) << "the options were not reloaded:" << e;
        } else {
            QStringList changes = server.reloadConfig(again.options.config);
            if (again.options.databaseUrl != parsed.options.databaseUrl)
                changes << QStringLiteral("database-url changes at the next start");
            qCInfo(lcServer).noquote() << "options reloaded:"
                                       << (changes.isEmpty() ? QStringLiteral("nothing changed")
                                                             : changes.join(QStringLiteral("; ")));
        }
        if (server.gateway()->usesTls())
            (void)server.reloadTls(); // logs what it did
    });
    // SIGTERM drains: the node stops accepting and sends its devices elsewhere over the drain
    // window (Gateway::drain), then stops once they have gone, or when the window and a grace
    // have passed whatever is still open. SIGINT (Ctrl-C), or any signal during a drain, stops
    // at once: nothing is lost either way (the clients resend what was not acknowledged), only
    // the reconnects come all at once.
    bool stopping = false;
    QTimer drainDeadline;
    drainDeadline.setSingleShot(true);
    const auto stopNow = [&] {
        if (std::exchange(stopping, true))
            return;
        drainDeadline.stop();
        server.stop();
        app.quit();
    };
    QObject::connect(server.gateway(), &Gateway::drained, &app, [&] {
        qCInfo(lcServer) << "stopping: every connection has gone";
        stopNow();
    });
    QObject::connect(&drainDeadline, &QTimer::timeout, &app, [&] {
        qCWarning(lcServer) << "stopping:" << server.gateway()->sessionCount()
                            << "connections still open after the drain window and" << kDrainGraceMs
                            << "ms";
        stopNow();
    });
    QObject::connect(&signals_, &UnixSignals::terminate, &app, [&](int signal) {
        if (signal != SIGTERM || server.gateway()->draining()) {
            stopNow();
            return;
        }
        qCInfo(lcServer).nospace() << "SIGTERM: draining over " << config.drainWindowMs
                                   << " ms (a second SIGTERM or SIGINT stops at once)";
        drainDeadline.start(config.drainWindowMs + kDrainGraceMs);
        server.gateway()->drain(config.drainWindowMs);
    });
    server.start();
    app.exec();
    server.stop();
    if (embedded)
        embedded->stop();
    return exitCode;
}
