// tidings: the desktop client. Wires a profile, its secret store and the main window together;
// everything else lives in tidings_client_ui and tidings_client_core.
#include "look.h"
#include "secrets_setup.h"
#include "session.h"
#include "ui_logging.h"
#include "views/main_window.h"

#include "core/store/storage.h"
#include "core/store/view_state_store.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QLibraryInfo>
#include <QLocale>
#include <QMessageBox>
#include <QStandardPaths>
#include <QTranslator>

using namespace tidings;

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Tidings"));
    QApplication::setOrganizationName(QStringLiteral("Tidings"));
    QApplication::setApplicationVersion(QStringLiteral(TIDINGS_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("org.tidings.Tidings"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/tidings.svg")));

    QTranslator qtTranslator;
    QTranslator translator;
    const QLocale locale;
    if (qtTranslator.load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    if (translator.load(locale, QStringLiteral("tidings"), QStringLiteral("_"),
                        QStringLiteral(":/i18n")))
        QApplication::installTranslator(&translator);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QCoreApplication::translate("main", "Tidings, a self-hosted messenger."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption profile(
        QStringLiteral("profile"),
        QCoreApplication::translate("main", "Profile directory (account, cache, secrets)."),
        QStringLiteral("DIR"));
    QCommandLineOption server(
        QStringLiteral("server"),
        QCoreApplication::translate("main", "Server address, e.g. ws://127.0.0.1:7700."),
        QStringLiteral("URL"));
    QCommandLineOption theme(QStringLiteral("theme"),
                             QCoreApplication::translate("main", "system, light or dark."),
                             QStringLiteral("THEME"));
    QCommandLineOption keychainTimeout(
        QStringLiteral("keychain-timeout-ms"),
        QCoreApplication::translate("main", "How long to wait for the system keyring."),
        QStringLiteral("MS"), QStringLiteral("3000"));
    QCommandLineOption openChat(
        QStringLiteral("open-chat"),
        QCoreApplication::translate("main", "Open the chat with this user or group at start."),
        QStringLiteral("NAME"));
    parser.addOptions({profile, server, theme, keychainTimeout, openChat});
    parser.process(app);

    QString dir = parser.value(profile);
    if (dir.isEmpty())
        dir = QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                  .filePath(QStringLiteral("default"));
    QDir().mkpath(dir);

    ui::applyTheme(&app, ui::Theme::System);
    auto secrets = ui::chooseSecretStore(dir, parser.value(keychainTimeout).toInt());
    if (!secrets.store)
        return 1;
    qCInfo(lcUi) << "device token kept in the" << secrets.description;
    auto session = ui::Session::open(dir, std::move(secrets.store));
    if (!session) {
        QMessageBox::critical(nullptr, QCoreApplication::translate("main", "Tidings"),
                              QCoreApplication::translate("main", "Cannot open the profile %1: %2")
                                  .arg(dir, session.error().detail));
        return 1;
    }
    const QString themeName =
        parser.isSet(theme) ? parser.value(theme)
                            : (*session)->store()->viewState().setting(QStringLiteral("theme"));
    ui::applyTheme(&app, ui::themeFromString(themeName));

    ui::MainWindow window(session->get(), parser.value(server));
    window.show();
    if (parser.isSet(openChat))
        window.openChatNamed(parser.value(openChat));
    const int rc = QApplication::exec();
    return rc;
}
