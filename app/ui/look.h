#pragma once
// Shared look: avatar colours and initials, themes, and how times are written.
#include <QColor>
#include <QDateTime>
#include <QPalette>
#include <QString>

class QApplication;
class QPainter;
class QRect;

namespace tidings::client {
struct SystemEvent;
}

namespace tidings::ui {

enum class Theme { System, Light, Dark };
Theme themeFromString(const QString &name);
QString themeToString(Theme theme);
//! Applies the Fusion style and the theme's palette to the whole application.
void applyTheme(QApplication *app, Theme theme);
bool isDark(const QPalette &palette);

//! Colours the delegates paint with, derived from the current palette.
struct Colors {
    QColor background;
    QColor mineBubble;
    QColor theirBubble;
    QColor text;
    QColor secondaryText;
    QColor accent;
    QColor read; //!< blue ticks
    QColor badge;
    QColor badgeMuted;
    QColor separator;
    QColor highlight; //!< search matches
    static Colors from(const QPalette &palette);
};

//! A stable colour per id (users, chats), readable under white initials.
QColor avatarColor(quint64 id);
QString initials(const QString &name);
void paintAvatar(QPainter *painter, const QRect &rect, const QString &name, quint64 id);

//! "14:02" today, "Yesterday", the weekday within a week, else the short date.
QString chatListTime(qint64 ms, const QDateTime &now = QDateTime::currentDateTime());
//! "Today", "Yesterday", else e.g. "Monday, 3 June 2024" in the locale.
QString dayLabel(const QDate &day, const QDate &today = QDate::currentDate());
QString clockTime(qint64 ms);
//! "last seen today at 14:02", "last seen yesterday at 09:15", "last seen 3 June at 18:00".
QString lastSeenText(qint64 ms, const QDateTime &now = QDateTime::currentDateTime());

//! "Anna added Ben", "You renamed the group to “Trip”", ...
QString systemEventText(const client::SystemEvent &event, quint64 myUserId);

} // namespace tidings::ui
