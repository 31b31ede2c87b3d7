// tidings-admin: the admin's tool for a Tidings server. With a command (status, users, invite,
// registration, retention) it is the command line (admin_cli.h); without one it is the tray app
// (tray/tray_app.h), which asks its first-run questions once (tray/setup_wizard.h).
#include "admin_cli.h"
#include "tray/setup_wizard.h"
#include "tray/tray_app.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLibraryInfo>
#include <QLocale>
#include <QMessageBox>
#include <QProcess>
#include <QSystemTrayIcon>
#include <QTextStream>
#include <QTranslator>

#include <cstdio>

namespace {

//! Whether the arguments ask for the command line: any word that is not an option (a command,
//! or a mistyped one the command line then names), or --help / --version. Without one, the tray.
bool wantsCli(int argc, char **argv) {
    for (int i = 1; i < argc; ++i) {
        const QString a = QString::fromLocal8Bit(argv[i]);
        if (a == QLatin1String("--data-dir") || a == QLatin1String("--config")) {
            ++i; // its value
            continue;
        }
        if (!a.startsWith(QLatin1Char('-')) || a == QLatin1String("-h") ||
            a == QLatin1String("--help") || a == QLatin1String("--version"))
            return true;
    }
    return false;
}

int runTray(QApplication &app) {
    QCommandLineParser p;
    p.addOptions({
        {"data-dir",
         QCoreApplication::translate("main",
                                     "Look after the server running on this data directory."),
         "DIR"},
        {"setup", QCoreApplication::translate("main", "Ask the first-run questions again.")},
        {"tray",
         QCoreApplication::translate("main", "Start in the tray without opening the window.")},
    });
    p.process(app);
    using namespace tidings::admin;
    TrayProfile profile = TrayProfile::load();
    if (p.isSet("data-dir")) {
        profile = TrayProfile{};
        profile.managed = false;
        profile.dataDir = p.value("data-dir");
    } else if (!profile.isComplete() || p.isSet("setup")) {
        SetupWizard wizard;
        if (wizard.exec() != QDialog::Accepted)
            return 0;
        QString error;
        const auto answered = wizard.apply(&error);
        if (!answered) {
            QMessageBox::critical(nullptr, wizard.windowTitle(), error);
            return 1;
        }
        profile = *answered;
        profile.save();
    }
    bool relaunch = false;
    int code = 0;
    {
        TrayApp tray(profile);
        tray.show();
        // Without a tray (some desktops), the window is the app.
        if (!p.isSet("tray") || !QSystemTrayIcon::isSystemTrayAvailable()) {
            tray.openAction()->trigger();
            if (!QSystemTrayIcon::isSystemTrayAvailable())
                QApplication::setQuitOnLastWindowClosed(true);
        }
        // Switched to restored data: everything (client, supervisor, window) is made for one
        // data directory, so the app starts again on the new one.
        QObject::connect(&tray, &TrayApp::dataDirChanged, &app, [&relaunch] {
            relaunch = true;
            QCoreApplication::quit();
        });
        code = app.exec();
    } // the tray app and the server it ran are stopped here
    if (relaunch)
        QProcess::startDetached(QCoreApplication::applicationFilePath(), {});
    return code;
}

} // namespace

int main(int argc, char **argv) {
    if (wantsCli(argc, argv)) {
        QCoreApplication app(argc, argv);
        QCoreApplication::setApplicationName(QStringLiteral("tidings-admin"));
        QCoreApplication::setApplicationVersion(QStringLiteral(TIDINGS_VERSION));
        QTextStream in(stdin), out(stdout), err(stderr);
        if (app.arguments().contains(QStringLiteral("--version"))) {
            out << "tidings-admin " << TIDINGS_VERSION << "\n";
            return 0;
        }
        const int code = tidings::admin::runCli(app.arguments().mid(1), in, out, err);
        out.flush();
        err.flush();
        return code;
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("tidings-admin"));
    QApplication::setOrganizationName(QStringLiteral("Tidings"));
    QApplication::setApplicationDisplayName(QStringLiteral("Tidings Server"));
    QApplication::setApplicationVersion(QStringLiteral(TIDINGS_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("org.tidings.TidingsServer"));
    QApplication::setQuitOnLastWindowClosed(false);
    QTranslator qtTranslator, translator;
    const QLocale locale;
    if (qtTranslator.load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    if (translator.load(locale, QStringLiteral("tidings"), QStringLiteral("_"),
                        QStringLiteral(":/i18n")))
        QApplication::installTranslator(&translator);
    return runTray(app);
}
