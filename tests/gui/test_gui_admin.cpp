// The tray app (admin/tray, issue 13), offscreen, against a real server: the users model under
// QAbstractItemModelTester; the status page and the tray's health; the users page disables a
// connected user, who is cut off at once; the settings page's registration and invite codes; the
// backups page backs up, sets the daily backup and restores into an empty folder; the
// log viewer follows and filters; the first-run wizard writes a config on which the tray app runs
// tidingsd itself, whose menu stops and starts it; start at login.
#include "support/integration_fixture.h"

#include "admin/admin_socket.h"
#include "admin/backups.h"
#include "admin_client.h"
#include "server.h"
#include "server_supervisor.h"
#include "tray/admin_window.h"
#include "tray/autostart.h"
#include "tray/backups_page.h"
#include "tray/log_page.h"
#include "tray/settings_page.h"
#include "tray/setup_wizard.h"
#include "tray/status_page.h"
#include "tray/tray_app.h"
#include "tray/users_model.h"
#include "tray/users_page.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace tidings;
using namespace tidings::test;
using namespace tidings::admin;
using protocol::Frame;

class TestGuiAdmin : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QString m_dataDir;

    TrayProfile attached() const {
        TrayProfile p;
        p.managed = false;
        p.dataDir = m_dataDir;
        return p;
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("TidingsTest"));
        QCoreApplication::setApplicationName(QStringLiteral("test_gui_admin"));
        QSettings().clear();
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_dataDir = QFileInfo(m_fx.server().server()->adminSocket()->socketPath()).absolutePath();
    }

    void theUsersModelIsAProperModel() {
        UsersModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setUsers(QJsonArray{
            QJsonObject{{"username", "ann"}, {"disabled", false}, {"online", true}, {"devices", 2}},
            QJsonObject{
                {"username", "bob"}, {"disabled", true}, {"devices", 1}, {"last_seen_ms", 0}}});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, UsersModel::State).data().toString(), QStringLiteral("Online"));
        QCOMPARE(model.index(1, UsersModel::State).data().toString(), QStringLiteral("Disabled"));
        QCOMPARE(model.index(1, UsersModel::LastSeen).data().toString(), QStringLiteral("never"));
        QVERIFY(model.disabledAt(1));
        model.setUsers({});
        QCOMPARE(model.rowCount(), 0);
    }

    void statusAndHealthFollowTheServer() {
        TrayApp tray(attached());
        tray.poll();
        QTRY_COMPARE_WITH_TIMEOUT(tray.health(), TrayApp::Health::Serving, 10000);
        StatusPage *status = tray.window()->statusPage();
        QCOMPARE(status->stateText(), QStringLiteral("Running"));
        QCOMPARE(status->fieldText("registration"), QStringLiteral("open to anyone"));
        QVERIFY(status->fieldText("users").toInt() >= 0);
        QVERIFY(status->fieldText("database").contains("B")); // a size, e.g. "8.1 MB"
        // The menu opens the window; there is no start or stop for a service.
        QVERIFY(!tray.startAction());
        tray.openAction()->trigger();
        QVERIFY(tray.window()->isVisible());
    }

    void theUsersPageDisablesAConnectedUserAtOnce() {
        auto ann = m_fx.newUser(QStringLiteral("ann"));
        QVERIFY(ann);
        AdminClient client(m_dataDir);
        UsersPage page(&client);
        page.show();
        page.searchEdit()->setText(ann->username);
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 1, 10000);
        QVERIFY(!page.disableButton()->isEnabled());
        page.table()->selectRow(0);
        QVERIFY(page.disableButton()->isEnabled());
        QCOMPARE(page.disableButton()->text(), QStringLiteral("Disable"));
        QTest::mouseClick(page.disableButton(), Qt::LeftButton);
        const auto cut = ann->waitPush(Frame::kError, 10000);
        QVERIFY(cut);
        QCOMPARE(cut->error().code(), wire::ERROR_ACCOUNT_DISABLED);
        QTRY_VERIFY_WITH_TIMEOUT(page.model()->disabledAt(0), 10000);
        QTRY_COMPARE(page.disableButton()->text(), QStringLiteral("Enable"));
        QVERIFY(page.message().contains("disabled"));
        QTest::mouseClick(page.disableButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!page.model()->disabledAt(0), 10000);
        QVERIFY(m_fx.reconnect(ann->token));
        // A new account from the page, with the answers a person would type.
        const QString name = m_fx.uniqueName(QStringLiteral("made"));
        page.setAnswersForTest({name, QStringLiteral("a-good-password")});
        page.searchEdit()->clear();
        QTest::mouseClick(page.createButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page.message().contains(name), 10000);
        QCOMPARE(errorCode(m_fx.connect()->login(name, "a-good-password")), wire::ERROR_NONE);
    }

    void theSettingsPageSetsRegistrationAndMakesInvites() {
        AdminClient client(m_dataDir);
        SettingsPage page(&client);
        page.show();
        page.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(page.registrationBox()->currentData().toString(),
                                  QStringLiteral("open"), 10000);
        page.registrationBox()->setCurrentIndex(page.registrationBox()->findData("invite"));
        QTest::mouseClick(page.applyButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(page.message(), QStringLiteral("Saved."), 10000);
        QTest::mouseClick(page.createInviteButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(page.lastInviteCode().size(), 19, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(page.invitesTable()->rowCount(), 1, 10000);
        // The code works for a registration; then the server is open again.
        auto c = m_fx.connect();
        Frame f;
        auto *r = f.mutable_register_request();
        r->set_username(m_fx.uniqueName("invited").toStdString());
        r->set_password(RawClient::kPassword);
        r->set_invite_code(page.lastInviteCode().toStdString());
        QCOMPARE(errorCode(c->request(f)), wire::ERROR_NONE);
        page.registrationBox()->setCurrentIndex(page.registrationBox()->findData("open"));
        QTest::mouseClick(page.applyButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(page.message(), QStringLiteral("Saved."), 10000);
    }

    void theBackupsPageBacksUpSchedulesAndRestores() {
        AdminClient client(m_dataDir);
        BackupsPage page(&client, qEnvironmentVariable("TIDINGSD_BIN"), true);
        page.show();
        page.refresh();
        QTest::mouseClick(page.backupButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(page.archivesTable()->rowCount(), 1, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!page.busy() && page.backupButton()->isEnabled(), 10000);
        const QString archive = page.archivesTable()->item(0, 0)->data(Qt::UserRole).toString();
        QVERIFY(QFileInfo::exists(archive));

        // The daily backup: at 3:00, keeping five.
        page.dailyBox()->setChecked(true);
        page.hourBox()->setValue(3);
        page.keepBox()->setValue(5);
        QTest::mouseClick(page.applyButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(page.message(), QStringLiteral("Saved."), 10000);
        server::Backups *backups = m_fx.server().server()->backups();
        QCOMPARE(backups->scheduleHour(), 3);
        QCOMPARE(backups->keep(), 5);
        page.dailyBox()->setChecked(false);
        QTest::mouseClick(page.applyButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(backups->scheduleHour(), -1, 10000);

        // Restore into an empty folder (the embedded PostgreSQL, as "postgres" under root).
        QTemporaryDir tmp(QStringLiteral("/var/tmp/test_gui_admin-XXXXXX"));
        QFile::setPermissions(tmp.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                              QFile::ReadOther | QFile::ExeOther);
        const QString dir = tmp.filePath(QStringLiteral("restored"));
        page.restore(archive, dir);
        QTRY_VERIFY_WITH_TIMEOUT(!page.busy(), 120000);
        QVERIFY2(page.message().startsWith(QStringLiteral("Restored into")),
                 qPrintable(page.message()));
        QVERIFY(QFileInfo::exists(dir + QStringLiteral("/db/pgdata/PG_VERSION")));
        QVERIFY(page.switchButton()->isVisibleTo(&page));
        QSignalSpy use(&page, &BackupsPage::useDataDir);
        QTest::mouseClick(page.switchButton(), Qt::LeftButton);
        QCOMPARE(use.count(), 1);
        QCOMPARE(use.at(0).at(0).toString(), dir);
        // This server ran without a config file, so there is none to run the restored data on:
        // the tray app says so instead of switching.
        TrayApp tray(attached());
        QVERIFY(!tray.switchDataDir(dir));
        QVERIFY(tray.lastNotice().contains(QStringLiteral("no tidingsd.conf")));
        // A second restore into the same (now used) folder is refused, in words.
        page.restore(archive, dir);
        QTRY_VERIFY_WITH_TIMEOUT(!page.busy(), 60000);
        QVERIFY2(page.message().contains(QStringLiteral("is not empty")),
                 qPrintable(page.message()));
    }

    void theLogFollowsAndFilters() {
        LogPage log;
        log.resize(400, 200);
        log.show();
        QStringList lines;
        for (int i = 0; i < 300; ++i)
            lines << QStringLiteral("line %1 %2").arg(i).arg(i % 10 == 0 ? "database" : "gateway");
        log.setLines(lines);
        QScrollBar *bar = log.view()->verticalScrollBar();
        QCOMPARE(bar->value(), bar->maximum());
        log.appendLine(QStringLiteral("the newest line"));
        QCOMPARE(bar->value(), bar->maximum()); // followed
        bar->setValue(0);                       // the admin scrolls up to read
        QVERIFY(!log.followBox()->isChecked());
        log.appendLine(QStringLiteral("another line"));
        QCOMPARE(bar->value(), 0); // stays where the admin reads
        log.filterEdit()->setText(QStringLiteral("DATABASE"));
        QCOMPARE(log.shownLines().size(), 30);
        log.appendLine(QStringLiteral("database connection failed"));
        QCOMPARE(log.shownLines().size(), 31);
        log.appendLine(QStringLiteral("gateway only"));
        QCOMPARE(log.shownLines().size(), 31);
    }

    void theWizardSetsUpAServerTheTrayRunsAndStops() {
        QTemporaryDir dir;
        SetupWizard wizard;
        wizard.runHere()->setChecked(true);
        // A path the config file must quote (QSettings reads ';' as a comment otherwise).
        wizard.dataDir()->setText(dir.filePath("my server; \"1\""));
        wizard.localOnly()->setChecked(true);
        QTcpServer probe; // a free port
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const quint16 port = probe.serverPort();
        probe.close();
        wizard.port()->setValue(port);
        wizard.inviteRegistration()->setChecked(true);
        QString error;
        auto profile = wizard.apply(&error);
        QVERIFY2(profile, qPrintable(error));
        QVERIFY(profile->managed);
        QFile conf(profile->configFile);
        QVERIFY(conf.open(QIODevice::ReadOnly));
        const QByteArray text = conf.readAll();
        QVERIFY(text.contains("listen = 127.0.0.1:" + QByteArray::number(port)));
        QVERIFY(!text.contains("tls-self-signed")); // this computer only: no TLS needed
        QVERIFY2(
            text.contains("data-dir = \"" + dir.filePath("my server; \\\"1\\\"").toUtf8() + "\""),
            text.constData());
        conf.close();
        // The test's own PostgreSQL instead of an embedded one (initdb would take a while).
        QVERIFY(conf.open(QIODevice::Append));
        conf.write(("database-url = \"" + m_fx.pg().createDatabase() + "\"\n").toUtf8());
        conf.write("cheap-password-hashing = true\n");
        conf.close();
        profile->tidingsd = qEnvironmentVariable("TIDINGSD_BIN");

        TrayApp tray(*profile);
        tray.show();
        QTRY_COMPARE_WITH_TIMEOUT(tray.health(), TrayApp::Health::Serving, 30000);
        // The wizard's answer about registration reached the server.
        QTRY_COMPARE_WITH_TIMEOUT(tray.window()->statusPage()->fieldText("registration"),
                                  QStringLiteral("by invitation"), 10000);
        QVERIFY(tray.window()->logPage()->shownLines().join('\n').contains("listening on"));
        QVERIFY(!tray.startAction()->isEnabled());
        tray.stopAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(tray.health(), TrayApp::Health::Stopped, 20000);
        QVERIFY(tray.startAction()->isEnabled());
        QCOMPARE(tray.window()->statusPage()->stateText(), QStringLiteral("Stopped"));
        tray.startAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(tray.health(), TrayApp::Health::Serving, 30000);
        // Killed: the tray says so, and the server comes back by itself.
        QSignalSpy notices(&tray, &TrayApp::noticeShown);
        QVERIFY(tray.supervisor()->pid() > 0);
        QCOMPARE(::kill(pid_t(tray.supervisor()->pid()), SIGKILL), 0);
        QTRY_VERIFY_WITH_TIMEOUT(notices.size() >= 1, 10000);
        QVERIFY(tray.lastNotice().contains("stopped unexpectedly"));
        QTRY_COMPARE_WITH_TIMEOUT(tray.health(), TrayApp::Health::Serving, 30000);
    }

    void startAtLogin() {
        QString error;
        QVERIFY(autostart::setEnabled(true, &error));
        QVERIFY(autostart::isEnabled());
        QFile entry(autostart::entryPath());
        QVERIFY(entry.open(QIODevice::ReadOnly));
        const QByteArray text = entry.readAll();
        QVERIFY(text.contains("Exec=\"" + QCoreApplication::applicationFilePath().toUtf8() +
                              "\" --tray"));
        QVERIFY(autostart::setEnabled(false, &error));
        QVERIFY(!autostart::isEnabled());
    }
};

QTEST_MAIN(TestGuiAdmin)
#include "test_gui_admin.moc"
