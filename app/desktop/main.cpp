// tidings: the desktop client. Wires a profile, its secret store and the main window together;
// everything else lives in tidings_client_ui and tidings_client_core. The secrets are read
// without blocking (the keyring may first ask the user for a password), then the profile opens.
#include "dialogs/secret_save_prompt.h"
#include "look.h"
#include "models/app_settings.h"
#include "secrets_setup.h"
#include "session.h"
#include "ui_logging.h"
#include "views/main_window.h"

#include "core/secrets/session_secrets.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QImageReader>
#include <QLibraryInfo>
#include <QLocale>
#include <QMessageBox>
#include <QStandardPaths>
#include <QTimer>
#include <QTranslator>

using namespace tidings;

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    // Qt's fence behind every image decode, process-wide (in Qt 6.4 only a static setter exists,
    // so it is set here, once, and never by library code). 512 MiB: a photo of up to 100
    // megapixels, the most the sending side accepts (media::ImageLimits), decodes at 32 bits per
    // pixel in 400 MiB; Qt's default of 256 MiB would refuse it as corrupt.
    QImageReader::setAllocationLimit(512);
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
    QCommandLineOption keyringWait(
        QStringLiteral("keyring-wait-ms"),
        QCoreApplication::translate(
            "main",
            "Show that Tidings waits for the system keyring after this many milliseconds (it "
            "never gives up)."),
        QStringLiteral("MS"), QStringLiteral("500"));
    // The old name, from when the keyring had a timeout: still accepted, same meaning now.
    QCommandLineOption keychainTimeout(QStringLiteral("keychain-timeout-ms"),
                                       QStringLiteral("Old name of --keyring-wait-ms."),
                                       QStringLiteral("MS"));
    keychainTimeout.setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption openChat(
        QStringLiteral("open-chat"),
        QCoreApplication::translate("main", "Open the chat with this user or group at start."),
        QStringLiteral("NAME"));
    parser.addOptions({profile, server, theme, keyringWait, keychainTimeout, openChat});
    parser.process(app);

    QString dir = parser.value(profile);
    if (dir.isEmpty())
        dir = QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                  .filePath(QStringLiteral("default"));
    QDir().mkpath(dir);

    // The theme the user asked for applies from the first window on (the keyring's, too).
    ui::applyTheme(&app, parser.isSet(theme) ? ui::themeFromString(parser.value(theme))
                                             : ui::Theme::System);

    ui::SecretsSetup::Options secretsOptions;
    secretsOptions.waitingDelayMs =
        parser.value(parser.isSet(keychainTimeout) ? keychainTimeout : keyringWait).toInt();
    // Lives until the end: a keyring the user turned away from may still answer (see there).
    ui::SecretsSetup secretsSetup(dir, secretsOptions);
    std::unique_ptr<ui::Session> session;
    std::unique_ptr<ui::MainWindow> window;
    auto fail = [&dir](const QString &detail) {
        auto *box = new QMessageBox(
            QMessageBox::Critical, QCoreApplication::translate("main", "Tidings"),
            QCoreApplication::translate("main", "Cannot open the profile %1: %2").arg(dir, detail));
        box->setAttribute(Qt::WA_DeleteOnClose);
        QObject::connect(box, &QMessageBox::finished, qApp, [] { QApplication::exit(1); });
        box->open();
    };
    auto opened = [&](Result<ui::SecretsChoice> secrets) {
        if (!secrets) {
            fail(secrets.error().detail);
            return;
        }
        if (!secrets->store) {
            QApplication::exit(1); // the user quit instead
            return;
        }
        qCInfo(lcUi) << "device token kept in the" << secrets->description;
        client::SessionSecrets *kept = secrets->store.get();
        auto opened = ui::Session::open(dir, std::move(secrets->store));
        if (!opened) {
            fail(opened.error().detail);
            return;
        }
        session = std::move(*opened);
        if (!parser.isSet(theme))
            ui::applyTheme(&app, ui::themeFromString(session->settings()->theme()));
        window = std::make_unique<ui::MainWindow>(session.get(), parser.value(server));
        new ui::SecretSavePrompt(kept, dir, window.get()); // a child of the window
        window->show();
        if (parser.isSet(openChat))
            window->openChatNamed(parser.value(openChat));
    };
    // From inside the event loop, so that every outcome, even an immediate one, can end it.
    QTimer::singleShot(0, &secretsSetup, [&] { secretsSetup.start(opened); });
    const int rc = QApplication::exec();
    window.reset();
    session.reset();
    return rc;
}
