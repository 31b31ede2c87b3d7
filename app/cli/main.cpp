// tidings-cli: a scriptable Tidings device. Everything of one device lives in --profile DIR.
#include "cli/commands.h"
#include "cli/output.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <cstdio>

using namespace tidings;
using namespace tidings::cli;

namespace {

//! Global options come before the command; returns the index of the command.
Result<int> parseGlobal(const QStringList &args, GlobalOptions &out) {
    int i = 1;
    for (; i < args.size(); ++i) {
        const QString &a = args[i];
        if (!a.startsWith(u"--"))
            break;
        QString name = a.mid(2);
        QString value;
        const int eq = name.indexOf(u'=');
        if (eq >= 0) {
            value = name.mid(eq + 1);
            name = name.left(eq);
        }
        if (name == u"verbose") {
            out.verbose = true;
            continue;
        }
        if (name == u"allow-insecure") {
            out.allowInsecure = true;
            continue;
        }
        if (name == u"help")
            return Error{ErrorCode::Usage, QString()};
        if (eq < 0) {
            if (i + 1 >= args.size())
                return Error{ErrorCode::Usage, QStringLiteral("--%1 needs a value").arg(name)};
            value = args[++i];
        }
        if (name == u"profile") {
            out.profileDir = value;
        } else if (name == u"trust-certificate") {
            out.trustCertificate = value.trimmed().toUpper();
        } else if (name == u"server") {
            out.server = QUrl(value);
            if (!out.server.isValid() ||
                (out.server.scheme() != u"ws" && out.server.scheme() != u"wss"))
                return Error{ErrorCode::Usage,
                             QStringLiteral("--server must be a ws:// or wss:// URL")};
        } else {
            return Error{ErrorCode::Usage, QStringLiteral("unknown option --%1").arg(name)};
        }
    }
    return i;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tidings-cli"));
    const QStringList args = QCoreApplication::arguments();

    // Asked for help: the usage on stdout, and success (a wrong command line gets it on stderr).
    if (args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"))) {
        std::fputs(usageText().toUtf8().constData(), stdout);
        return 0;
    }
    GlobalOptions global;
    auto commandIndex = parseGlobal(args, global);
    if (!commandIndex || *commandIndex >= args.size()) {
        const Error e = commandIndex ? Error{ErrorCode::Usage, QStringLiteral("no command given")}
                                     : commandIndex.error();
        if (!e.detail.isEmpty())
            printError(e);
        std::fputs(usageText().toUtf8().constData(), stderr);
        return kExitUsage;
    }
    // Stdout is the data channel and stderr carries the one error line: library chatter only
    // with --verbose (QT_LOGGING_RULES still overrides).
    QLoggingCategory::setFilterRules(global.verbose ? QStringLiteral("tidings.*.debug=true")
                                                    : QStringLiteral("tidings.*=false"));

    auto profile = Profile::open(global.profileDir);
    if (!profile) {
        printError(profile.error());
        return exitCodeFor(profile.error());
    }
    auto command = makeCommand(args.mid(*commandIndex), profile->get(), global);
    if (!command) {
        printError(command.error());
        std::fputs(usageText().toUtf8().constData(), stderr);
        return kExitUsage;
    }
    int exitCode = kExitOk;
    QObject::connect(command->get(), &Command::finished, &app, [&](int code) {
        exitCode = code;
        app.exit(code);
    });
    QMetaObject::invokeMethod((*command).get(), &Command::start, Qt::QueuedConnection);
    app.exec();
    command->reset();
    profile->reset();
    return exitCode;
}
