#include "autostart.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>

namespace tidings::admin::autostart {

namespace {

#if defined(Q_OS_WIN)
const char *const kRunKey = "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run";
#endif

QString program() {
    return QCoreApplication::applicationFilePath();
}

} // namespace

QString entryPath() {
#if defined(Q_OS_WIN)
    return QString::fromLatin1(kRunKey) + QStringLiteral("\\TidingsServer");
#elif defined(Q_OS_MACOS)
    return QDir::homePath() + QStringLiteral("/Library/LaunchAgents/org.tidings.admin.plist");
#else
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           QStringLiteral("/autostart/tidings-admin.desktop");
#endif
}

bool isEnabled() {
#if defined(Q_OS_WIN)
    return QSettings(QString::fromLatin1(kRunKey), QSettings::NativeFormat)
        .contains(QStringLiteral("TidingsServer"));
#else
    return QFile::exists(entryPath());
#endif
}

bool setEnabled(bool enabled, QString *error) {
#if defined(Q_OS_WIN)
    QSettings run(QString::fromLatin1(kRunKey), QSettings::NativeFormat);
    if (enabled)
        run.setValue(QStringLiteral("TidingsServer"),
                     QStringLiteral("\"%1\" --tray").arg(QDir::toNativeSeparators(program())));
    else
        run.remove(QStringLiteral("TidingsServer"));
    run.sync();
    if (run.status() != QSettings::NoError) {
        *error = QCoreApplication::translate("Autostart", "cannot change the Run key");
        return false;
    }
    return true;
#else
    const QString path = entryPath();
    if (!enabled) {
        if (QFile::exists(path) && !QFile::remove(path)) {
            *error = QCoreApplication::translate("Autostart", "cannot remove %1").arg(path);
            return false;
        }
        return true;
    }
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = f.errorString();
        return false;
    }
#if defined(Q_OS_MACOS)
    f.write(QStringLiteral(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                "<plist version=\"1.0\"><dict>\n"
                "<key>Label</key><string>org.tidings.admin</string>\n"
                "<key>ProgramArguments</key><array><string>%1</string><string>--tray</string>"
                "</array>\n<key>RunAtLoad</key><true/>\n</dict></plist>\n")
                .arg(program().toHtmlEscaped())
                .toUtf8());
#else
    // Exec: quoted as the Desktop Entry spec says. Inside the quotes ", `, $ and \ take a
    // backslash; then the value's own string escapes double every backslash; % is %%.
    QString exec;
    for (const QChar c : program()) {
        if (c == QLatin1Char('"') || c == QLatin1Char('`') || c == QLatin1Char('$'))
            exec += QLatin1String("\\\\") + c;
        else if (c == QLatin1Char('\\'))
            exec += QLatin1String("\\\\\\\\");
        else if (c == QLatin1Char('%'))
            exec += QLatin1String("%%");
        else
            exec += c;
    }
    f.write(QStringLiteral("[Desktop Entry]\n"
                           "Type=Application\n"
                           "Name=Tidings Server\n"
                           "Comment=Runs and watches your Tidings server\n"
                           "Exec=\"%1\" --tray\n"
                           "Icon=tidings\n"
                           "X-GNOME-Autostart-enabled=true\n")
                .arg(exec)
                .toUtf8());
#endif
    if (!f.commit()) {
        *error = f.errorString();
        return false;
    }
    return true;
#endif
}

} // namespace tidings::admin::autostart
