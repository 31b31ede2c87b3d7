// tidingsd's options (issue 13, tidingsd/options.h): one table for flags and the config file,
// flags over the file over the defaults, every value checked, and every problem of a file said
// in a sentence that names the file and the option (--check-config).
#include "tidingsd/options.h"

#include <QCommandLineParser>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings::server;

class TestServerOptions : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString file(const QString &name, const QByteArray &text) {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return {};
        f.write(text);
        return path;
    }
    static Parsed parse(const QStringList &args) {
        QCommandLineParser p;
        addOptions(p);
        if (!p.parse(QStringList{QStringLiteral("tidingsd")} + args))
            return Parsed{{}, {p.errorText()}};
        return parseOptions(p);
    }
    static bool mentions(const QStringList &errors, const QString &text) {
        for (const QString &e : errors)
            if (e.contains(text))
                return true;
        return false;
    }

private slots:
    void flagsAloneWithTheirDefaults() {
        const Parsed r = parse({"--data-dir", m_dir.filePath("d")});
        QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join('\n')));
        QCOMPARE(r.options.config.port, quint16(7700));
        QCOMPARE(r.options.config.host, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(r.options.config.registrationsPerHour, 10);
        QCOMPARE(r.options.config.maxSessionsPerIp, 1000);
        QCOMPARE(r.options.config.mediaMaxBytes, quint64(2) << 30);
        QVERIFY(!r.options.config.cheapPasswordHashing);
        QVERIFY(r.options.databaseUrl.isEmpty());
        // Without a data directory nothing starts.
        QVERIFY(mentions(parse({}).errors, "data-dir: required"));
    }

    void theFileSetsWhatFlagsDoNotAndFlagsWin() {
        const QString conf = file(
            "tidings.conf", "# tidingsd's config\n"
                            "[server]\n"
                            "data-dir = /var/lib/tidings\n"
                            "# listen = 1.2.3.4:1\n"
                            "; retention-days = 7\n"
                            "listen = 0.0.0.0:8800\n"
                            "registrations-per-hour = 3\n"
                            "registration = invite\n"
                            "media-quota-bytes = 512M\n"
                            "cheap-password-hashing = yes\n"
                            "metrics = 127.0.0.1:9464\n"
                            "database-url = \"host=db1,db2 target_session_attrs=read-write\"\n");
        Parsed r = parse({"--config", conf});
        QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join('\n')));
        QCOMPARE(r.options.dataDir, QStringLiteral("/var/lib/tidings"));
        QCOMPARE(r.options.config.port, quint16(8800));
        QCOMPARE(r.options.config.host, QHostAddress(QHostAddress::AnyIPv4));
        QCOMPARE(r.options.config.registrationsPerHour, 3);
        QCOMPARE(r.options.config.registration, QStringLiteral("invite"));
        QCOMPARE(r.options.config.mediaQuotaBytes, quint64(512) << 20);
        QVERIFY(r.options.config.cheapPasswordHashing);
        QCOMPARE(r.options.config.metricsPort, 9464);
        QVERIFY(!r.options.config.metricsOnMainPort);
        QCOMPARE(r.options.databaseUrl,
                 QStringLiteral("host=db1,db2 target_session_attrs=read-write"));
        r = parse(
            {"--config", conf, "--listen", "127.0.0.1:9900", "--registrations-per-hour", "0"});
        QVERIFY(r.errors.isEmpty());
        QCOMPARE(r.options.config.port, quint16(9900));
        QCOMPARE(r.options.config.registrationsPerHour, 0);
        r = parse({"--config", conf, "--metrics", "main"});
        QVERIFY(r.options.config.metricsOnMainPort);
        QCOMPARE(r.options.config.metricsPort, -1);
        // Off by default: /metrics says how busy the server is, which is the admin's business.
        r = parse({"--data-dir", "/tmp/x"});
        QVERIFY(!r.options.config.metricsOnMainPort);
        QCOMPARE(r.options.config.metricsPort, -1);
    }

    void clusterOptions() {
        const QString d = m_dir.filePath("d");
        const Parsed one = parse({"--data-dir", d});
        QVERIFY(one.options.config.natsServers.isEmpty());
        QCOMPARE(one.options.config.drainWindowMs, 10000);
        const Parsed r = parse({"--data-dir", d, "--database-url", "postgresql://h/db", "--nats",
                                "nats://127.0.0.1:4222, nats://nats-2.example:4223", "--node-id",
                                "node-2", "--drain-window", "30"});
        QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join('\n')));
        QCOMPARE(r.options.config.natsServers,
                 QStringList({"nats://127.0.0.1:4222", "nats://nats-2.example:4223"}));
        QCOMPARE(r.options.config.nodeId, QStringLiteral("node-2"));
        QCOMPARE(r.options.config.drainWindowMs, 30000);
        // A cluster node needs a name and the shared database; names and URLs are checked.
        QVERIFY(mentions(
            parse({"--data-dir", d, "--database-url", "x", "--nats", "nats://127.0.0.1:4222"})
                .errors,
            "node-id: required with nats"));
        QVERIFY(mentions(
            parse({"--data-dir", d, "--nats", "nats://127.0.0.1:4222", "--node-id", "a"}).errors,
            "give database-url"));
        QVERIFY(mentions(parse({"--data-dir", d, "--database-url", "x", "--nats",
                                "http://127.0.0.1:4222", "--node-id", "a"})
                             .errors,
                         "nats: wants nats://HOST:PORT"));
        QVERIFY(mentions(parse({"--data-dir", d, "--database-url", "x", "--nats",
                                "nats://127.0.0.1", "--node-id", "a"})
                             .errors,
                         "nats: wants nats://HOST:PORT"));
        QVERIFY(mentions(parse({"--data-dir", d, "--node-id", "a b"}).errors, "node-id: wants"));
        QVERIFY(mentions(parse({"--data-dir", d, "--drain-window", "3601"}).errors,
                         "drain-window: wants"));
        QCOMPARE(parse({"--data-dir", d, "--drain-window", "3600"}).options.config.drainWindowMs,
                 3600000);
    }

    void everyProblemIsNamed() {
        const QString conf = file("bad.conf", "stray = 1\n"
                                              "[server]\n"
                                              "listne = 0.0.0.0:1\n"
                                              "listen = here\n"
                                              "registrations-per-hour = ten\n"
                                              "token-lifetime-days = 0\n"
                                              "media-max-bytes = 2X\n"
                                              "allow-unencrypted = maybe\n"
                                              "tls-cert = /nowhere/cert.pem\n"
                                              "[client]\n"
                                              "x = 1\n");
        const QStringList errors = checkConfigFile(conf);
        QVERIFY(mentions(errors, "stray is outside a section"));
        QVERIFY(mentions(errors, "unknown section [client]"));
        QVERIFY(mentions(errors, "unknown option listne"));
        QVERIFY(mentions(errors, "allow-unencrypted wants true or false"));
        // The file's structure first: values are checked once it reads cleanly.
        const QString values = file("values.conf", "[server]\n"
                                                   "listen = here\n"
                                                   "registrations-per-hour = ten\n"
                                                   "token-lifetime-days = 0\n"
                                                   "media-max-bytes = 2X\n"
                                                   "metrics = everywhere\n"
                                                   "registration = maybe\n"
                                                   "tls-cert = /nowhere/cert.pem\n");
        const QStringList valueErrors = checkConfigFile(values);
        QVERIFY(mentions(valueErrors, "listen: wants HOST:PORT"));
        QVERIFY(mentions(valueErrors, "registrations-per-hour: wants a number"));
        QVERIFY(mentions(valueErrors, "token-lifetime-days: wants a number of days"));
        QVERIFY(mentions(valueErrors, "media-max-bytes: wants a size"));
        QVERIFY(mentions(valueErrors, "metrics: wants off, main or HOST:PORT"));
        QVERIFY(mentions(valueErrors, "registration: wants open, invite or closed"));
        QVERIFY(mentions(valueErrors, "tls-cert and tls-key go together"));
        for (const QString &e : valueErrors)
            QVERIFY2(e.startsWith(values), qPrintable(e));
        QVERIFY(mentions(checkConfigFile(m_dir.filePath("missing.conf")), "cannot read"));
        // A good file (the data directory may come on the command line).
        QVERIFY(checkConfigFile(file("good.conf", "[server]\nlisten = [::1]:7700\n")).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestServerOptions)
#include "test_server_options.moc"
