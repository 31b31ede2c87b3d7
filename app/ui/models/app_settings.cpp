#include "app_settings.h"

#include "core/store/view_state_store.h"

namespace tidings::ui {

namespace {
const QString kTheme = QStringLiteral("theme");
const QString kNotifications = QStringLiteral("notifications");
} // namespace

AppSettings::AppSettings(client::ViewStateStore *viewState)
    : m_viewState(viewState) {}

QString AppSettings::theme() const {
    return m_viewState->setting(kTheme, QStringLiteral("system"));
}

Status AppSettings::setTheme(const QString &name) {
    return m_viewState->setSetting(kTheme, name);
}

bool AppSettings::notificationsEnabled() const {
    return m_viewState->setting(kNotifications, QStringLiteral("1")) == u"1";
}

Status AppSettings::setNotificationsEnabled(bool enabled) {
    return m_viewState->setSetting(kNotifications,
                                   enabled ? QStringLiteral("1") : QStringLiteral("0"));
}

} // namespace tidings::ui
