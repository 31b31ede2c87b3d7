#include "app_settings.h"

#include "core/store/view_store.h"

namespace tidings::ui {

namespace {
const QString kTheme = QStringLiteral("theme");
const QString kNotifications = QStringLiteral("notifications");
} // namespace

AppSettings::AppSettings(client::ViewStore *view)
    : m_view(view) {}

QString AppSettings::theme() const {
    return m_view->setting(kTheme, QStringLiteral("system"));
}

Status AppSettings::setTheme(const QString &name) {
    return m_view->setSetting(kTheme, name);
}

bool AppSettings::notificationsEnabled() const {
    return m_view->setting(kNotifications, QStringLiteral("1")) == u"1";
}

Status AppSettings::setNotificationsEnabled(bool enabled) {
    return m_view->setSetting(kNotifications, enabled ? QStringLiteral("1") : QStringLiteral("0"));
}

} // namespace tidings::ui
