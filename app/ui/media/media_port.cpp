#include "media_port.h"

#include <QCoreApplication>
#include <QLocale>

namespace tidings::ui {

QString formatBytes(quint64 bytes) {
    const QLocale locale;
    if (bytes < 1000)
        return QCoreApplication::translate("Media", "%n bytes", nullptr, int(bytes));
    const char *const units[] = {"KB", "MB", "GB", "TB"};
    double value = double(bytes) / 1000.0;
    int unit = 0;
    while (value >= 1000.0 && unit < 3) {
        value /= 1000.0;
        ++unit;
    }
    return QStringLiteral("%1 %2").arg(locale.toString(value, 'f', value < 10 ? 1 : 0),
                                       QLatin1String(units[unit]));
}

QString formatDuration(qint64 ms) {
    const qint64 s = qMax<qint64>(0, ms) / 1000;
    const qint64 h = s / 3600, m = (s / 60) % 60, sec = s % 60;
    if (h > 0)
        return QStringLiteral("%1:%2:%3")
            .arg(h)
            .arg(m, 2, 10, QLatin1Char('0'))
            .arg(sec, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(m).arg(sec, 2, 10, QLatin1Char('0'));
}

QString kindLabel(Attachment::Kind kind) {
    switch (kind) {
    case Attachment::Kind::Image:
        return QCoreApplication::translate("Media", "Photo");
    case Attachment::Kind::Video:
        return QCoreApplication::translate("Media", "Video");
    case Attachment::Kind::Audio:
        return QCoreApplication::translate("Media", "Audio");
    case Attachment::Kind::Voice:
        return QCoreApplication::translate("Media", "Voice message");
    case Attachment::Kind::File:
        break;
    }
    return QCoreApplication::translate("Media", "File");
}

} // namespace tidings::ui
