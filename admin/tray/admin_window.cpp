#include "admin_window.h"

#include "../admin_client.h"
#include "../server_supervisor.h"
#include "backups_page.h"
#include "log_page.h"
#include "settings_page.h"
#include "status_page.h"
#include "users_page.h"

#include <QTabWidget>

namespace tidings::admin {

AdminWindow::AdminWindow(AdminClient *client, ServerSupervisor *supervisor, const QString &tidingsd,
                         QWidget *parent)
    : QMainWindow(parent)
    , m_tabs(new QTabWidget)
    , m_status(new StatusPage(supervisor))
    , m_users(new UsersPage(client))
    , m_log(new LogPage)
    , m_settings(new SettingsPage(client))
    , m_backups(new BackupsPage(client, findTidingsd(tidingsd), supervisor != nullptr)) {
    setWindowTitle(tr("Tidings Server"));
    setObjectName(QStringLiteral("adminWindow"));
    m_tabs->addTab(m_status, tr("Status"));
    m_tabs->addTab(m_users, tr("Accounts"));
    m_tabs->addTab(m_log, tr("Log"));
    m_tabs->addTab(m_settings, tr("Settings"));
    m_tabs->addTab(m_backups, tr("Backups"));
    setCentralWidget(m_tabs);
    resize(760, 560);
    // Each page asks the server when it is shown: the admin sees what is, not what was.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int) {
        if (m_tabs->currentWidget() == m_users)
            m_users->refresh();
        else if (m_tabs->currentWidget() == m_settings)
            m_settings->refresh();
        else if (m_tabs->currentWidget() == m_backups)
            m_backups->refresh();
    });
    if (supervisor) {
        m_log->setLines(supervisor->log());
        connect(supervisor, &ServerSupervisor::logLine, m_log, &LogPage::appendLine);
    }
}

} // namespace tidings::admin
