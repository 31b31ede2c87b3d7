#include "tidingsd/options.h"

#include "gateway/tls.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>
#include <QSettings>
#include <QUrl>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

namespace tidings::server {

namespace {

constexpr char kSection[] = "server";

//! One value per option name: flags over the file over the defaults.
struct Values {
    QHash<QString, QString> map;
    QString get(const char *name) const { return map.value(QLatin1String(name)); }
};

std::optional<bool> parseSwitch(const QString &text) {
    const QString t = text.trimmed().toLower();
    if (t == u"true" || t == u"yes" || t == u"on" || t == u"1")
        return true;
    if (t == u"false" || t == u"no" || t == u"off" || t == u"0" || t.isEmpty())
        return false;
    return std::nullopt;
}

const OptionSpec *findSpec(const QString &name) {
    for (const OptionSpec &s : optionSpecs())
        if (name == QLatin1String(s.name))
            return &s;
    return nullptr;
}

//! The [server] section of `path` into `out` (only keys the table knows); problems to `errors`.
void readFile(const QString &path, QHash<QString, QString> &out, QStringList &errors) {
    const QFileInfo info(path);
    if (!info.isFile() || !info.isReadable()) {
        errors << QStringLiteral("%1: cannot read the file").arg(path);
        return;
    }
    QSettings file(path, QSettings::IniFormat);
    if (file.status() != QSettings::NoError) {
        errors << QStringLiteral("%1: not an INI file (sections in [brackets], key = value lines)")
                      .arg(path);
        return;
    }
    for (const QString &group : file.childGroups())
        if (group != QLatin1String(kSection))
            errors << QStringLiteral("%1: unknown section [%2]; options go in [%3]")
                          .arg(path, group, QLatin1String(kSection));
    // QSettings takes only ';' for a comment: "# key = value" reads as a key named "# key".
    // Admins write both (and the shipped file's examples could be either), so '#' is one too.
    const auto comment = [](const QString &key) { return key.startsWith(QLatin1Char('#')); };
    // Keys before any section land in QSettings' "General".
    for (const QString &key : file.childKeys())
        if (!comment(key))
            errors << QStringLiteral("%1: %2 is outside a section; options go in [%3]")
                          .arg(path, key, QLatin1String(kSection));
    file.beginGroup(QLatin1String(kSection));
    for (const QString &key : file.childKeys()) {
        if (comment(key))
            continue;
        const OptionSpec *spec = findSpec(key);
        if (!spec) {
            errors << QStringLiteral("%1: unknown option %2 (tidingsd --help lists them)")
                          .arg(path, key);
            continue;
        }
        const QVariant v = file.value(key);
        // An unquoted value with commas reads as a list: it was one value.
        const QString text = v.typeId() == QMetaType::QStringList
                                 ? v.toStringList().join(QLatin1Char(','))
                                 : v.toString();
        if (*spec->valueName == '\0' && !parseSwitch(text)) {
            errors << QStringLiteral("%1: %2 wants true or false, not \"%3\"").arg(path, key, text);
            continue;
        }
        out.insert(key, text);
    }
    file.endGroup();
}

//! Everything below main's flags: checks and converts every value; problems to `errors`.
StartOptions convert(const Values &v, QStringList &errors) {
    StartOptions o;
    ServerConfig &c = o.config;
    const auto number = [&](const char *name, int min, int max, const QString &wants) {
        bool ok = false;
        const int n = v.get(name).trimmed().toInt(&ok);
        if (!ok || n < min || n > max) {
            errors << QStringLiteral("%1: wants %2, not \"%3\"")
                          .arg(QLatin1String(name), wants, v.get(name));
            return min;
        }
        return n;
    };
    const auto size = [&](const char *name) {
        const auto n = parseBytes(v.get(name));
        if (!n || *n == 0) {
            errors << QStringLiteral("%1: wants a size in bytes or with K/M/G/T, e.g. 2G, not "
                                     "\"%2\"")
                          .arg(QLatin1String(name), v.get(name));
            return quint64(1);
        }
        return *n;
    };
    const auto flag = [&](const char *name) { return parseSwitch(v.get(name)).value_or(false); };

    o.dataDir = v.get("data-dir").trimmed();
    if (o.dataDir.isEmpty())
        errors << QStringLiteral("data-dir: required (where the database and media live)");
    else
        o.dataDir = QDir(o.dataDir).absolutePath();
    c.dataDir = o.dataDir;

    // HOST:PORT ([v6]:PORT, localhost:PORT); nothing when it is not one.
    const auto hostPort = [](const QString &text) -> std::optional<std::pair<QHostAddress, int>> {
        const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
        bool portOk = false;
        const uint port = colon > 0 ? text.mid(colon + 1).toUInt(&portOk) : 0;
        QString hostText = colon > 0 ? text.left(colon) : QString();
        if (hostText.startsWith(QLatin1Char('[')) && hostText.endsWith(QLatin1Char(']')))
            hostText = hostText.mid(1, hostText.size() - 2);
        QHostAddress host(QHostAddress::LocalHost);
        if (hostText != QLatin1String("localhost") && !host.setAddress(hostText))
            return std::nullopt;
        if (!portOk || port > 65535)
            return std::nullopt;
        return std::pair{host, int(port)};
    };
    const QString listen = v.get("listen").trimmed();
    if (const auto hp = hostPort(listen)) {
        c.host = hp->first;
        c.port = quint16(hp->second);
    } else {
        errors << QStringLiteral("listen: wants HOST:PORT, e.g. 127.0.0.1:7700, not \"%1\"")
                      .arg(listen);
    }
    const QString metrics = v.get("metrics").trimmed();
    if (metrics == QLatin1String("main")) {
        c.metricsOnMainPort = true;
    } else if (const auto hp = hostPort(metrics)) {
        c.metricsHost = hp->first;
        c.metricsPort = hp->second;
    } else if (metrics != QLatin1String("off")) {
        errors << QStringLiteral("metrics: wants off, main or HOST:PORT (e.g. 127.0.0.1:9464), "
                                 "not \"%1\"")
                      .arg(metrics);
    }

    o.databaseUrl = v.get("database-url").trimmed();
    c.retentionDays = number("retention-days", 0, 36500, QStringLiteral("days (0: forever)"));
    c.poolSize = number("pool-size", 0, 64, QStringLiteral("a number from 0 to 64"));
    c.mediaMaxBytes = size("media-max-bytes");
    c.mediaQuotaBytes = size("media-quota-bytes");
    c.mediaRetentionDays =
        number("media-retention-days", 0, 36500, QStringLiteral("days (0: none)"));
    c.cheapPasswordHashing = flag("cheap-password-hashing");
    c.registrationsPerHour = number("registrations-per-hour", 0, std::numeric_limits<int>::max(),
                                    QStringLiteral("a number (0: no limit)"));
    c.maxSessionsPerIp = number("connections-per-address", 0, std::numeric_limits<int>::max(),
                                QStringLiteral("a number (0: no limit)"));
    c.tokenLifetimeDays =
        number("token-lifetime-days", 1, 3650, QStringLiteral("a number of days from 1 to 3650"));
    c.allowUnencrypted = flag("allow-unencrypted");
    c.adminGroup = v.get("admin-group").trimmed();
    c.registration = v.get("registration").trimmed();
    if (!QStringList{"open", "invite", "closed"}.contains(c.registration))
        errors << QStringLiteral("registration: wants open, invite or closed, not \"%1\"")
                      .arg(c.registration);

    for (const QString &url : v.get("nats").split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString u = url.trimmed();
        const QUrl parsed(u, QUrl::StrictMode);
        if (parsed.scheme() != QLatin1String("nats") || parsed.host().isEmpty() ||
            parsed.port() <= 0 || !parsed.path().isEmpty())
            errors << QStringLiteral("nats: wants nats://HOST:PORT[,nats://HOST:PORT...], e.g. "
                                     "nats://127.0.0.1:4222, not \"%1\"")
                          .arg(u);
        else
            c.natsServers << u;
    }
    c.nodeId = v.get("node-id").trimmed();
    static const QRegularExpression nodeName(QStringLiteral("^[A-Za-z0-9_-]{1,64}$"));
    if (!c.nodeId.isEmpty() && !nodeName.match(c.nodeId).hasMatch())
        errors << QStringLiteral("node-id: wants 1 to 64 letters, digits, '-' or '_', not \"%1\"")
                      .arg(c.nodeId);
    if (!c.natsServers.isEmpty() && c.nodeId.isEmpty())
        errors << QStringLiteral("node-id: required with nats (a name unique in the cluster)");
    if (!c.natsServers.isEmpty() && o.databaseUrl.isEmpty())
        errors << QStringLiteral("nats: a cluster's nodes share one database; give database-url");
    c.drainWindowMs =
        number("drain-window", 0, 3600, QStringLiteral("seconds from 0 to 3600")) * 1000;

    c.tlsCertFile = v.get("tls-cert").trimmed();
    c.tlsKeyFile = v.get("tls-key").trimmed();
    o.tlsSelfSigned = flag("tls-self-signed");
    if (c.tlsCertFile.isEmpty() != c.tlsKeyFile.isEmpty())
        errors << QStringLiteral("tls-cert and tls-key go together");
    if (o.tlsSelfSigned && c.tlsCertFile.isEmpty())
        errors << QStringLiteral("tls-self-signed needs tls-cert and tls-key (where to write)");
    if (!o.tlsSelfSigned && !c.tlsCertFile.isEmpty()) {
        for (const QString &f : {c.tlsCertFile, c.tlsKeyFile})
            if (!QFileInfo(f).isReadable())
                errors << QStringLiteral("%1: cannot read the TLS file").arg(f);
    }
    return o;
}

} // namespace

const QList<OptionSpec> &optionSpecs() {
    static const QList<OptionSpec> specs{
        {"data-dir", "Data directory (embedded PostgreSQL lives in DIR/db).", "DIR", ""},
        {"listen", "Address to listen on; port 0 picks a free port.", "HOST:PORT",
         "127.0.0.1:7700"},
        {"database-url", "Use this PostgreSQL instead of the embedded one.", "URL", ""},
        {"metrics",
         "Serve GET /metrics (Prometheus): off, main (on the server's own port, readable by "
         "anyone who reaches it) or HOST:PORT (a separate plain-HTTP listener, e.g. "
         "127.0.0.1:9464).",
         "WHERE", "off"},
        {"retention-days", "Drop history older than N days (0: keep forever).", "N", "0"},
        {"pool-size", "Database connections (0: one per two cores, 1 to 4).", "N", "0"},
        {"media-max-bytes",
         "Largest file (encrypted blob) a user may upload, in bytes or with K/M/G/T.", "SIZE",
         "2G"},
        {"media-quota-bytes",
         "Storage per user: stored blobs plus unfinished uploads (bytes or K/M/G/T).", "SIZE",
         "10G"},
        {"media-retention-days",
         "Delete media last sent more than N days ago even if messages still point to it (0: "
         "keep it while a message can reach it).",
         "N", "0"},
        {"cheap-password-hashing",
         "Hash passwords at libsodium's minimum Argon2id cost. For throwaway test and benchmark "
         "servers only (thousands of accounts or devices made in seconds); never for a server "
         "people use.",
         "", ""},
        {"registrations-per-hour", "New accounts one address may register an hour (0: no limit).",
         "N", "10"},
        {"tls-cert",
         "Serve wss:// with this PEM certificate (chain); needs --tls-key. Reloaded on SIGHUP "
         "and when the file changes.",
         "FILE", ""},
        {"tls-key", "The certificate's PEM private key (EC or RSA, unencrypted).", "FILE", ""},
        {"tls-self-signed",
         "Write a self-signed certificate to --tls-cert/--tls-key first when they do not exist "
         "(clients trust it on first use by its fingerprint).",
         "", ""},
        {"connections-per-address",
         "WebSocket connections one peer address may hold at once (0: no limit). Behind a proxy "
         "every client shares the proxy's address.",
         "N", "1000"},
        {"token-lifetime-days",
         "A device unused this many days must log in again (tokens in use are renewed daily).", "N",
         "90"},
        {"allow-unencrypted",
         "Store sends that are not end-to-end encrypted. For load tools and tests that send "
         "plain bytes only; clients never send them.",
         "", ""},
        {"registration",
         "Who may create an account: open, invite (with a code from tidings-admin invite "
         "create) or closed (the admin creates them). Once set through the admin API, that "
         "setting wins.",
         "WHO", "open"},
        {"nats",
         "Run as one node of a cluster: the NATS servers that route between the nodes "
         "(comma-separated). Needs --database-url (shared by all nodes) and --node-id.",
         "URLS", ""},
        {"node-id", "This node's name in the cluster (letters, digits, '-', '_'; unique).", "NAME",
         ""},
        {"drain-window",
         "On SIGTERM, tell the connected clients to reconnect elsewhere spread over this many "
         "seconds, then exit.",
         "SECONDS", "10"},
        {"admin-group",
         "Members of this group may use the admin API too (tidings-admin, the tray app): the "
         "token and the socket become readable by it. Empty: the server's account only.",
         "GROUP", ""},
    };
    return specs;
}

void addOptions(QCommandLineParser &parser) {
    parser.addOption({QStringLiteral("config"),
                      QStringLiteral("Read options from this INI file ([server] section, keys "
                                     "named like the flags); flags win over it."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("check-config"),
                      QStringLiteral("Check this config file, say what is wrong, and exit."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("restore"),
                      QStringLiteral("Restore this backup (tidings-admin backup) into the empty "
                                     "data directory (and the empty database of --database-url, "
                                     "if given), then exit."),
                      QStringLiteral("FILE")});
    for (const OptionSpec &s : optionSpecs()) {
        if (*s.valueName == '\0')
            parser.addOption({QLatin1String(s.name), QLatin1String(s.description)});
        else
            parser.addOption({QLatin1String(s.name), QLatin1String(s.description),
                              QLatin1String(s.valueName), QLatin1String(s.defaultValue)});
    }
}

Parsed parseOptions(const QCommandLineParser &parser) {
    Parsed out;
    QHash<QString, QString> file;
    if (parser.isSet(QStringLiteral("config")))
        readFile(parser.value(QStringLiteral("config")), file, out.errors);
    Values v;
    for (const OptionSpec &s : optionSpecs()) {
        const QString name = QLatin1String(s.name);
        const bool isSwitch = *s.valueName == '\0';
        if (parser.isSet(name))
            v.map.insert(name, isSwitch ? QStringLiteral("true") : parser.value(name));
        else if (file.contains(name))
            v.map.insert(name, file.value(name));
        else
            v.map.insert(name, QLatin1String(s.defaultValue));
    }
    out.options = convert(v, out.errors);
    return out;
}

QStringList checkConfigFile(const QString &path) {
    QStringList errors;
    QHash<QString, QString> file;
    readFile(path, file, errors);
    if (!errors.isEmpty())
        return errors;
    Values v;
    for (const OptionSpec &s : optionSpecs())
        v.map.insert(QLatin1String(s.name),
                     file.value(QLatin1String(s.name), QLatin1String(s.defaultValue)));
    QStringList problems;
    const StartOptions o = convert(v, problems);
    for (const QString &p : problems)
        // The data directory may come on the command line (a unit file, the tray app).
        if (!p.startsWith(QLatin1String("data-dir: required")))
            errors << QStringLiteral("%1: %2").arg(path, p);
    // The TLS files as the server will load them: a key that is not the certificate's, an
    // expired certificate.
    if (!o.tlsSelfSigned && !o.config.tlsCertFile.isEmpty() && problems.isEmpty())
        if (auto tls = loadTlsConfiguration({o.config.tlsCertFile, o.config.tlsKeyFile}); !tls)
            errors << QStringLiteral("%1: %2").arg(path, tls.error().detail);
    return errors;
}

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

} // namespace tidings::server
