// tidings-admin-screenshots DATA_DIR OUTDIR THEME: the tray app's window on the server running on
// DATA_DIR (run it under Xvfb for real fonts, by make_admin_screenshots.sh) and its first-run
// wizard: docs/screenshots/admin-{status,accounts,settings,backups,log,wizard}-THEME.png.
#include "look.h"
#include "tray/admin_window.h"
#include "tray/backups_page.h"
#include "tray/log_page.h"
#include "tray/settings_page.h"
#include "tray/setup_wizard.h"
#include "tray/status_page.h"
#include "tray/tray_app.h"
#include "tray/users_model.h"
#include "tray/users_page.h"

#include <QApplication>
#include <QDir>
#include <QPushButton>
#include <QRadioButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTest>

using namespace tidings;
using namespace tidings::admin;

namespace {
bool save(QWidget *w, const QString &path) {
    QTest::qWait(400);
    return w->grab().save(path);
}
} // namespace

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true); // the tray app's own settings stay out of $HOME
    QCoreApplication::setOrganizationName(QStringLiteral("Tidings"));
    QCoreApplication::setApplicationName(QStringLiteral("tidings-admin-screenshots"));
    const QStringList a = app.arguments();
    if (a.size() < 4) {
        qWarning("usage: tidings-admin-screenshots DATA_DIR OUTDIR THEME");
        return 2;
    }
    const QString outDir = a.at(2), theme = a.at(3);
    QDir().mkpath(outDir);
    ui::applyTheme(&app, ui::themeFromString(theme));

    TrayProfile profile;
    profile.managed = false;
    profile.dataDir = a.at(1);
    TrayApp tray(profile);
    AdminWindow *w = tray.window();
    w->resize(780, 600);
    w->show();
    tray.poll();
    if (!QTest::qWaitFor([&] { return tray.health() == TrayApp::Health::Serving; }, 20000))
        return 1;
    bool ok = save(w, QStringLiteral("%1/admin-status-%2.png").arg(outDir, theme));

    w->tabs()->setCurrentWidget(w->usersPage());
    (void)QTest::qWaitFor([&] { return w->usersPage()->model()->rowCount() > 0; }, 10000);
    w->usersPage()->table()->selectRow(1);
    w->usersPage()->table()->resizeColumnsToContents();
    ok = save(w, QStringLiteral("%1/admin-accounts-%2.png").arg(outDir, theme)) && ok;

    w->tabs()->setCurrentWidget(w->settingsPage());
    QTest::qWait(500);
    QTest::mouseClick(w->settingsPage()->createInviteButton(), Qt::LeftButton);
    (void)QTest::qWaitFor([&] { return !w->settingsPage()->lastInviteCode().isEmpty(); }, 10000);
    ok = save(w, QStringLiteral("%1/admin-settings-%2.png").arg(outDir, theme)) && ok;

    w->tabs()->setCurrentWidget(w->backupsPage());
    (void)QTest::qWaitFor([&] { return w->backupsPage()->archivesTable()->rowCount() > 0; }, 10000);
    ok = save(w, QStringLiteral("%1/admin-backups-%2.png").arg(outDir, theme)) && ok;

    w->tabs()->setCurrentWidget(w->logPage());
    const QStringList lines{
        "tidingsd listening on wss://0.0.0.0:7700",
        "tidingsd certificate SHA-256 3F:9A:…",
        "tidings.accounts: registered user 4",
        "tidings.accounts: admin created user 5",
        "tidings.db: database connection failed: server closed the connection unexpectedly",
        "tidings.db: database connection restored",
        "tidings.accounts: admin disabled user 3",
    };
    w->logPage()->setLines(lines);
    ok = save(w, QStringLiteral("%1/admin-log-%2.png").arg(outDir, theme)) && ok;

    SetupWizard wizard;
    wizard.resize(640, 480);
    wizard.show();
    wizard.next();
    ok = save(&wizard, QStringLiteral("%1/admin-wizard-%2.png").arg(outDir, theme)) && ok;
    return ok ? 0 : 1;
}
