#include "media_port.h"

#include "core/store/records.h"

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

QString messagePreview(const client::MessageRecord &message) {
    const QString text = message.text.simplified();
    if (message.attachments.isEmpty())
        return text;
    const client::AttachmentRecord &a = message.attachments.first();
    const auto kind = Attachment::Kind(int(a.kind));
    const QString label = kindLabel(kind);
    if (kind == Attachment::Kind::Voice && text.isEmpty())
        return a.durationMs > 0 ? QCoreApplication::translate("Media", "%1 (%2)")
                                      .arg(label, formatDuration(a.durationMs))
                                : label;
    // A file is known by its name; a photo or video by its caption, if it has one.
    const bool named = kind == Attachment::Kind::File || kind == Attachment::Kind::Audio;
    const QString what = !text.isEmpty() ? text : named ? a.fileName : QString();
    return what.isEmpty() ? label : QCoreApplication::translate("Media", "%1: %2").arg(label, what);
}

} // namespace tidings::ui
