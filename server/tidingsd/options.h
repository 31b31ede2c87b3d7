#pragma once
// tidingsd's options (issue 13): one table serves the command line and the config file, so every
// option can be set in either, flags win over the file, and both are checked the same way.
//
// The file is INI (read with QSettings): keys in a [server] section, named like the flags
// without the dashes in front (`listen = 0.0.0.0:7700`, `tls-cert = /etc/tidings/cert.pem`,
// `cheap-password-hashing = false`). Unknown keys and sections are errors: a typo must not
// silently leave a default in place. `tidingsd --check-config FILE` reads and checks a file and
// says exactly what is wrong, without starting anything.
#include "core/server_config.h"

#include <QString>
#include <QStringList>

class QCommandLineParser;

namespace tidings::server {

struct OptionSpec {
    const char *name;        //!< the flag without "--", and the config key
    const char *description; //!< --help
    const char *valueName;   //!< empty: a switch (true/false in the file)
    const char *defaultValue;
};

//! Every option, in --help order.
const QList<OptionSpec> &optionSpecs();

//! Adds every option of optionSpecs() (and --config, --check-config) to `parser`.
void addOptions(QCommandLineParser &parser);

//! What tidingsd runs with, besides the ServerConfig.
struct StartOptions {
    ServerConfig config;
    QString dataDir;
    QString databaseUrl; //!< empty: the embedded PostgreSQL in DATA/db
    bool tlsSelfSigned = false;
};

//! The options from `parser` over the file named by --config (if any) over the defaults. Every
//! problem found, one sentence each ("listen: wants HOST:PORT, e.g. 127.0.0.1:7700"); none: ok.
struct Parsed {
    StartOptions options;
    QStringList errors;
};
Parsed parseOptions(const QCommandLineParser &parser);

//! Reads and checks a config file alone (--check-config): the errors, none when it is good.
QStringList checkConfigFile(const QString &path);

//! "123", "512M", "2G", "1T" (binary multiples); nothing for anything else.
std::optional<quint64> parseBytes(QString text);

} // namespace tidings::server
