// tidingsd: parses flags, starts the embedded PostgreSQL when no --database-url is given, runs
// the Server until SIGTERM/SIGINT.
#include "core/unix_signals.h"
#include "db/embedded_postgres.h"
#include "protocol/codec.h"
#include "server.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QHostAddress>

#include <cstdio>
#include <memory>

using namespace tidings::server;

int main(int argc, char **argv) {
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
    p.addOption({"pool-size", "Database connections.", "N", "4"});
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
    config.poolSize = std::clamp(p.value("pool-size").toInt(), 1, 64);

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
