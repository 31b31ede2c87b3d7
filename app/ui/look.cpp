#include "look.h"

#include "core/store/records.h"

#include <QApplication>
#include <QCoreApplication>
#include <QLocale>
#include <QPainter>
#include <QProxyStyle>
#include <QRect>
#include <QRegularExpression>
#include <QStyle>
#include <QStyleFactory>
#include <QStyleOption>

namespace tidings::ui {

namespace {
//! The locale's short time without seconds (some locales' short format has them).
QString shortTime(const QTime &time) {
    // Every message row asks for its time (size hints too): compile the pattern once.
    static const QRegularExpression seconds(QStringLiteral("[:.]ss"));
    const QLocale locale;
    QString format = locale.timeFormat(QLocale::ShortFormat);
    format.remove(seconds);
    return locale.toString(time, format);
}
} // namespace

Theme themeFromString(const QString &name) {
    if (name == u"light")
        return Theme::Light;
    if (name == u"dark")
        return Theme::Dark;
    return Theme::System;
}

QString themeToString(Theme theme) {
    switch (theme) {
    case Theme::Light:
        return QStringLiteral("light");
    case Theme::Dark:
        return QStringLiteral("dark");
    case Theme::System:
        break;
    }
    return QStringLiteral("system");
}

namespace {
QPalette lightPalette() {
    QPalette p;
    p.setColor(QPalette::Window, QColor(0xf4, 0xf5, 0xf7));
    p.setColor(QPalette::WindowText, QColor(0x1b, 0x1e, 0x23));
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(0xee, 0xf1, 0xf4));
    p.setColor(QPalette::Text, QColor(0x1b, 0x1e, 0x23));
    p.setColor(QPalette::Button, QColor(0xf4, 0xf5, 0xf7));
    p.setColor(QPalette::ButtonText, QColor(0x1b, 0x1e, 0x23));
    p.setColor(QPalette::PlaceholderText, QColor(0x80, 0x86, 0x8f));
    p.setColor(QPalette::Highlight, QColor(0x2a, 0x7d, 0xe1));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, Qt::white);
    p.setColor(QPalette::ToolTipText, QColor(0x1b, 0x1e, 0x23));
    p.setColor(QPalette::Link, QColor(0x1f, 0x6f, 0xd0));
    p.setColor(QPalette::Mid, QColor(0xc4, 0xc9, 0xd0)); // field frames
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x9a, 0xa0, 0xa6));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x9a, 0xa0, 0xa6));
    return p;
}

QPalette darkPalette() {
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x17, 0x1b, 0x21));
    p.setColor(QPalette::WindowText, QColor(0xe6, 0xe8, 0xeb));
    p.setColor(QPalette::Base, QColor(0x0f, 0x13, 0x18));
    p.setColor(QPalette::AlternateBase, QColor(0x22, 0x27, 0x2e));
    p.setColor(QPalette::Text, QColor(0xe6, 0xe8, 0xeb));
    p.setColor(QPalette::Button, QColor(0x24, 0x29, 0x31));
    p.setColor(QPalette::ButtonText, QColor(0xe6, 0xe8, 0xeb));
    p.setColor(QPalette::PlaceholderText, QColor(0x85, 0x8c, 0x96));
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xc4));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(0x24, 0x29, 0x31));
    p.setColor(QPalette::ToolTipText, QColor(0xe6, 0xe8, 0xeb));
    p.setColor(QPalette::Link, QColor(0x6c, 0xa8, 0xf5));
    p.setColor(QPalette::Mid, QColor(0x45, 0x4d, 0x58)); // field frames, visible on Base
    p.setColor(QPalette::Light, QColor(0x3a, 0x40, 0x48));
    p.setColor(QPalette::Dark, QColor(0x0b, 0x0d, 0x10));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x6b, 0x72, 0x7a));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x6b, 0x72, 0x7a));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x6b, 0x72, 0x7a));
    return p;
}
} // namespace

namespace {
//! Fusion with field and panel frames drawn in the palette's Mid colour. Fusion derives its
//! outline from Window darkened by 40 %: on the dark theme that is the colour of Base, so line
//! edits and list frames vanished (the first-run fields had no visible frames).
class FramedFusion : public QProxyStyle {
public:
    using QProxyStyle::QProxyStyle;
    void drawPrimitive(PrimitiveElement element, const QStyleOption *option, QPainter *painter,
                       const QWidget *widget) const override {
        if (element != PE_FrameLineEdit && element != PE_Frame) {
            QProxyStyle::drawPrimitive(element, option, painter, widget);
            return;
        }
        const bool focus = element == PE_FrameLineEdit && (option->state & State_HasFocus);
        const bool enabled = option->state & State_Enabled;
        QColor color = focus ? option->palette.color(QPalette::Highlight)
                             : option->palette.color(QPalette::Mid);
        if (!enabled)
            color.setAlphaF(0.5);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(QPen(color, 1));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(QRectF(option->rect).adjusted(0.5, 0.5, -0.5, -0.5), 2.5, 2.5);
        painter->restore();
    }
};
} // namespace

void applyTheme(QApplication *app, Theme theme) {
    QStyle *fusion = QStyleFactory::create(QStringLiteral("Fusion"));
    const QPalette system = fusion ? fusion->standardPalette() : QPalette();
    if (fusion)
        QApplication::setStyle(new FramedFusion(fusion));
    switch (theme) {
    case Theme::Light:
        app->setPalette(lightPalette());
        break;
    case Theme::Dark:
        app->setPalette(darkPalette());
        break;
    case Theme::System:
        // Fusion's palette follows the platform theme where there is one.
        app->setPalette(isDark(system) ? darkPalette() : lightPalette());
        break;
    }
}

bool isDark(const QPalette &palette) {
    return palette.color(QPalette::Window).lightness() < 128;
}

Colors Colors::from(const QPalette &p) {
    Colors c;
    const bool dark = isDark(p);
    c.background = dark ? QColor(0x0f, 0x13, 0x18) : QColor(0xe9, 0xed, 0xf1);
    c.mineBubble = dark ? QColor(0x1e, 0x4d, 0x7a) : QColor(0xd4, 0xe9, 0xff);
    c.theirBubble = dark ? QColor(0x25, 0x2b, 0x33) : Qt::white;
    c.text = p.color(QPalette::Text);
    c.secondaryText = dark ? QColor(0x95, 0x9c, 0xa6) : QColor(0x6b, 0x72, 0x7c);
    c.accent = dark ? QColor(0x5a, 0xa9, 0xf7) : QColor(0x1f, 0x6f, 0xd0);
    c.read = dark ? QColor(0x4f, 0xc3, 0xf7) : QColor(0x1e, 0x90, 0xe6);
    c.badge = dark ? QColor(0x2e, 0x8b, 0x57) : QColor(0x25, 0xa1, 0x5a);
    c.badgeMuted = dark ? QColor(0x5a, 0x61, 0x6b) : QColor(0xa8, 0xae, 0xb5);
    c.separator = dark ? QColor(0x2a, 0x30, 0x38) : QColor(0xdf, 0xe3, 0xe8);
    c.highlight = dark ? QColor(0x8a, 0x6d, 0x1a) : QColor(0xff, 0xe5, 0x8f);
    return c;
}

QColor avatarColor(quint64 id) {
    static const QColor palette[] = {
        QColor(0xe1, 0x5b, 0x4f), QColor(0xe0, 0x8a, 0x2f), QColor(0xc2, 0x9b, 0x1b),
        QColor(0x4c, 0xa6, 0x4f), QColor(0x26, 0xa6, 0x9a), QColor(0x2b, 0x8c, 0xd6),
        QColor(0x5c, 0x6b, 0xc0), QColor(0x8e, 0x5c, 0xc2), QColor(0xd1, 0x5a, 0x9b),
        QColor(0x6d, 0x83, 0x8f),
    };
    // A multiplicative hash spreads consecutive ids over the palette.
    const quint64 h = id * 0x9E3779B97F4A7C15ull;
    return palette[(h >> 32) % (sizeof(palette) / sizeof(palette[0]))];
}

QString initials(const QString &name) {
    const QStringList parts =
        name.split(QRegularExpression(QStringLiteral("[\\s._-]+")), Qt::SkipEmptyParts);
    QString out;
    for (const QString &part : parts) {
        out += part.at(0).toUpper();
        if (out.size() == 2)
            break;
    }
    if (out.isEmpty() && !name.isEmpty())
        out = name.left(1).toUpper();
    return out;
}

void paintAvatar(QPainter *painter, const QRect &rect, const QString &name, quint64 id) {
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(avatarColor(id));
    painter->drawEllipse(rect);
    QFont f = painter->font();
    f.setBold(true);
    f.setPixelSize(qMax(8, rect.height() * 2 / 5));
    painter->setFont(f);
    painter->setPen(Qt::white);
    painter->drawText(rect, Qt::AlignCenter, initials(name));
    painter->restore();
}

QString chatListTime(qint64 ms, const QDateTime &now) {
    if (ms <= 0)
        return QString();
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms);
    const qint64 days = t.date().daysTo(now.date());
    const QLocale locale;
    if (days <= 0)
        return shortTime(t.time());
    if (days == 1)
        return QCoreApplication::translate("Look", "Yesterday");
    if (days < 7)
        return locale.dayName(t.date().dayOfWeek(), QLocale::ShortFormat);
    return locale.toString(t.date(), QLocale::ShortFormat);
}

QString dayLabel(const QDate &day, const QDate &today) {
    const qint64 days = day.daysTo(today);
    if (days == 0)
        return QCoreApplication::translate("Look", "Today");
    if (days == 1)
        return QCoreApplication::translate("Look", "Yesterday");
    const QLocale locale;
    if (day.year() == today.year())
        return locale.toString(day, QStringLiteral("dddd, d MMMM"));
    return locale.toString(day, QLocale::LongFormat);
}

QString clockTime(qint64 ms) {
    return shortTime(QDateTime::fromMSecsSinceEpoch(ms).time());
}

QString lastSeenText(qint64 ms, const QDateTime &now) {
    if (ms <= 0)
        return QCoreApplication::translate("Look", "last seen a while ago");
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms);
    const QString time = shortTime(t.time());
    const qint64 days = t.date().daysTo(now.date());
    if (days <= 0)
        return QCoreApplication::translate("Look", "last seen today at %1").arg(time);
    if (days == 1)
        return QCoreApplication::translate("Look", "last seen yesterday at %1").arg(time);
    return QCoreApplication::translate("Look", "last seen %1 at %2")
        .arg(QLocale().toString(t.date(), QStringLiteral("d MMMM")), time);
}

namespace {

//! Why a group change was refused (GroupStateVerifier's refusal keys), in words.
QString refusalText(const QString &key) {
    if (key == u"unsigned")
        return QCoreApplication::translate("SystemEvent", "no admin signed it");
    if (key == u"signature")
        return QCoreApplication::translate("SystemEvent", "the signature is not its author's");
    if (key == u"not-admin")
        return QCoreApplication::translate("SystemEvent", "its author is not an admin");
    if (key == u"other-group")
        return QCoreApplication::translate("SystemEvent", "it belongs to another group");
    if (key == u"conflict")
        return QCoreApplication::translate("SystemEvent", "it conflicts with the group's history");
    if (key == u"unknown-key")
        return QCoreApplication::translate("SystemEvent",
                                           "the creator's security code could not be checked");
    if (key == u"rules")
        return QCoreApplication::translate("SystemEvent", "it breaks the group's rules");
    return QCoreApplication::translate("SystemEvent", "it cannot be read");
}

QString eventClaim(const client::SystemEvent &e, quint64 myUserId);

} // namespace

QString systemEventText(const client::SystemEvent &e, quint64 myUserId) {
    using C = client::EventCheck;
    switch (e.check) {
    case C::Unsigned:
        break;
    case C::Verified:
        if (e.refusal == u"refounded") {
            const QString actor = e.actorUserId == myUserId
                                      ? QCoreApplication::translate("SystemEvent", "You")
                                      : e.actorUsername;
            return QCoreApplication::translate("SystemEvent",
                                               "%1 confirmed this group's member list. From now "
                                               "on only changes an admin signs count.")
                .arg(actor);
        }
        break;
    case C::Pending:
        return QCoreApplication::translate("SystemEvent", "Checking a change to the members… (%1)")
            .arg(eventClaim(e, myUserId));
    case C::Refused:
        return QCoreApplication::translate("SystemEvent",
                                           "A change to the members was refused: %1. The server "
                                           "said: %2")
            .arg(refusalText(e.refusal), eventClaim(e, myUserId));
    case C::Replayed:
        return QCoreApplication::translate("SystemEvent",
                                           "An earlier change (%1) was sent again and ignored.")
            .arg(eventClaim(e, myUserId));
    }
    return eventClaim(e, myUserId);
}

namespace {

QString eventClaim(const client::SystemEvent &e, quint64 myUserId) {
    using K = client::SystemEventKind;
    const QString actor = e.actorUserId == 0 ? QCoreApplication::translate("SystemEvent", "Tidings")
                          : e.actorUserId == myUserId
                              ? QCoreApplication::translate("SystemEvent", "You")
                              : e.actorUsername;
    const QString target = e.targetUserId == myUserId
                               ? QCoreApplication::translate("SystemEvent", "you")
                               : e.targetUsername;
    switch (e.kind) {
    case K::Created:
        return QCoreApplication::translate("SystemEvent", "%1 created the group “%2”")
            .arg(actor, e.name);
    case K::MemberAdded:
        return QCoreApplication::translate("SystemEvent", "%1 added %2").arg(actor, target);
    case K::MemberRemoved:
        return QCoreApplication::translate("SystemEvent", "%1 removed %2").arg(actor, target);
    case K::MemberLeft:
        return QCoreApplication::translate("SystemEvent", "%1 left")
            .arg(e.targetUserId ? (e.targetUserId == myUserId
                                       ? QCoreApplication::translate("SystemEvent", "You")
                                       : e.targetUsername)
                                : actor);
    case K::Renamed:
        return QCoreApplication::translate("SystemEvent", "%1 renamed the group to “%2”")
            .arg(actor, e.name);
    case K::AdminGranted:
        return QCoreApplication::translate("SystemEvent", "%1 made %2 an admin").arg(actor, target);
    case K::AdminRevoked:
        return QCoreApplication::translate("SystemEvent", "%1 removed %2 as admin")
            .arg(actor, target);
    case K::MemberKeyChanged:
        return e.targetUserId == myUserId
                   ? QCoreApplication::translate("SystemEvent",
                                                 "Your new security code is now recorded in "
                                                 "this group. Your previous key signs nothing "
                                                 "here any more.")
                   : QCoreApplication::translate("SystemEvent",
                                                 "%1's new security code is now recorded in this "
                                                 "group. Their previous key signs nothing here "
                                                 "any more.")
                         .arg(e.targetUsername);
    case K::SecurityCodeChanged:
        return QCoreApplication::translate("SystemEvent",
                                           "The security code of %1 changed. They may have "
                                           "reinstalled; verify the code to be sure it is them.")
            .arg(e.targetUsername);
    case K::KeySucceeded:
        return QCoreApplication::translate("SystemEvent",
                                           "The security code of %1 changed because a device of "
                                           "theirs was removed. Their previous key vouched for "
                                           "the new one; verify the code again if you had.")
            .arg(e.targetUsername);
    case K::KeyRecovered:
        return QCoreApplication::translate("SystemEvent",
                                           "%1 recovered their account with their recovery key, "
                                           "so their security code changed. Verify the code to "
                                           "be sure it is them.")
            .arg(e.targetUsername);
    case K::UnverifiedMember:
        return QCoreApplication::translate("SystemEvent",
                                           "The server lists %1 in this group, but no admin "
                                           "added them. %1 gets no keys and cannot read messages.")
            .arg(e.targetUsername.isEmpty() ? QCoreApplication::translate("SystemEvent", "someone")
                                            : e.targetUsername);
    case K::GroupForked:
        return QCoreApplication::translate("SystemEvent",
                                           "%1 sees another member list of this group than you "
                                           "do: the server may be showing members different "
                                           "lists. Check the members with an admin in person.")
            .arg(e.targetUsername.isEmpty() ? QCoreApplication::translate("SystemEvent", "Someone")
                                            : e.targetUsername);
    }
    return QString();
}

} // namespace

} // namespace tidings::ui
