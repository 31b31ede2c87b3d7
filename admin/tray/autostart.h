#pragma once
// Starting the tray app at login, the way each desktop does it: an XDG autostart entry on Linux
// (~/.config/autostart/tidings-admin.desktop), a LaunchAgent on macOS, the Run key on Windows.
#include <QString>

namespace tidings::admin::autostart {

bool isEnabled();
//! False with `error` when the entry could not be written or removed.
bool setEnabled(bool enabled, QString *error);
//! Where the entry lives on this system (tests, docs).
QString entryPath();

} // namespace tidings::admin::autostart
