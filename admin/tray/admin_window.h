#pragma once
// The tray app's window: status, users, log, settings and backups pages over one AdminClient.
#include <QMainWindow>

class QTabWidget;

namespace tidings::admin {

class AdminClient;
class ServerSupervisor;
class StatusPage;
class UsersPage;
class LogPage;
class SettingsPage;
class BackupsPage;

class AdminWindow : public QMainWindow {
    Q_OBJECT
public:
    //! `supervisor` null: the server runs as a service (no start or stop; its log is the
    //! journal's).
    //! `tidingsd`: the program a restore runs (empty: findTidingsd()).
    AdminWindow(AdminClient *client, ServerSupervisor *supervisor, const QString &tidingsd = {},
                QWidget *parent = nullptr);

    StatusPage *statusPage() const { return m_status; }
    UsersPage *usersPage() const { return m_users; }
    LogPage *logPage() const { return m_log; }
    SettingsPage *settingsPage() const { return m_settings; }
    BackupsPage *backupsPage() const { return m_backups; }
    QTabWidget *tabs() const { return m_tabs; }

private:
    QTabWidget *m_tabs;
    StatusPage *m_status;
    UsersPage *m_users;
    LogPage *m_log;
    SettingsPage *m_settings;
    BackupsPage *m_backups;
};

} // namespace tidings::admin
