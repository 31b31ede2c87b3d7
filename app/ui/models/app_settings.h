#pragma once
// The app's own settings, kept in the profile: the theme and whether new messages notify.
#include "protocol/result.h"

#include <QString>

namespace tidings::client {
class ViewStateStore;
}

namespace tidings::ui {

class AppSettings {
public:
    explicit AppSettings(client::ViewStateStore *viewState);

    //! "system", "light" or "dark" ("system" when never chosen).
    QString theme() const;
    Status setTheme(const QString &name);
    bool notificationsEnabled() const;
    Status setNotificationsEnabled(bool enabled);

private:
    client::ViewStateStore *m_viewState;
};

} // namespace tidings::ui
