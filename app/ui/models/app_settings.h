#pragma once
// The app's own settings, kept in the profile: the theme and whether new messages notify.
#include "protocol/result.h"

#include <QString>

namespace tidings::client {
class ViewStore;
}

namespace tidings::ui {

class AppSettings {
public:
    explicit AppSettings(client::ViewStore *view);

    //! "system", "light" or "dark" ("system" when never chosen).
    QString theme() const;
    Status setTheme(const QString &name);
    bool notificationsEnabled() const;
    Status setNotificationsEnabled(bool enabled);

private:
    client::ViewStore *m_view;
};

} // namespace tidings::ui
