// Linking a second desktop device (end-to-end encryption): alice registers on device 1 and logs
// in on device 2, which holds no account key and says so in a bar above the chats. Device 1's
// Settings → Devices → "Link a new device…" shows a code; typed into device 2's bar, both say
// linked, and a message bob sends afterwards is readable on device 2.
#include "gui_helpers.h"

#include "dialogs/change_password_dialog.h"
#include "dialogs/link_device_dialog.h"
#include "dialogs/new_chat_dialog.h"
#include "dialogs/recovery_key_dialog.h"
#include "dialogs/settings_dialog.h"
#include "views/link_banner.h"

#include "core/net/connection.h"

#include "support/pg_fixture.h"
#include "support/server_harness.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QListWidget>
#include <QTabWidget>
#include <QTemporaryDir>

using namespace tidings;
using namespace tidings::test;

class TestGuiLink : public QObject {
    Q_OBJECT
    PgFixture m_pg;
    std::unique_ptr<ServerHarness> m_server;
    QTemporaryDir m_dir;
    Device m_alice1;
    Device m_alice2;
    Device m_bob;

    QString profile(const QString &name) { return m_dir.filePath(name); }

    void enter(Device &d, const QString &dir, const QString &name, bool registering,
               const QString &password = {}) {
        QVERIFY(d.open(profile(dir), m_server->url().toString()));
        QVERIFY(!d.window->isShowingChats());
        auto *page = d.window->firstRun();
        QTest::keyClicks(page->usernameEdit(), name);
        QTest::keyClicks(page->passwordEdit(),
                         password.isEmpty() ? QStringLiteral("password-%1").arg(name) : password);
        QTest::mouseClick(registering ? page->registerButton() : page->loginButton(),
                          Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(d.window->isShowingChats(), 10000);
        QTRY_VERIFY(d.session->client()->isAuthenticated());
    }

private slots:
    void initTestCase() {
        qputenv("XDG_RUNTIME_DIR", m_dir.path().toUtf8());
        const QString err = m_pg.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_server = std::make_unique<ServerHarness>(m_pg);
        QString e;
        QVERIFY2(m_server->start(&e), qPrintable(e));
    }
    void cleanupTestCase() {
        m_alice1.close();
        m_alice2.close();
        m_bob.close();
        m_server.reset();
    }

    void registeredDeviceIsLinked() {
        enter(m_alice1, QStringLiteral("alice1"), QStringLiteral("alice"), true);
        enter(m_bob, QStringLiteral("bob"), QStringLiteral("bob"), true);
        QVERIFY(m_alice1.session->client()->keys().hasAccountKey());
        QVERIFY(!m_alice1.window->linkBanner()->isVisible());
        QVERIFY(!m_bob.window->linkBanner()->isVisible());
    }

    void loggedInDeviceShowsTheBar() {
        enter(m_alice2, QStringLiteral("alice2"), QStringLiteral("alice"), false);
        QVERIFY(!m_alice2.session->client()->keys().hasAccountKey());
        auto *bar = m_alice2.window->linkBanner();
        QTRY_VERIFY(bar->isVisible());
        QVERIFY(!bar->linkButton()->isEnabled());
        QVERIFY(!bar->codeEdit()->accessibleName().isEmpty());
        // An unlinked device cannot hand out codes itself.
        ui::SettingsDialog settings(ui::settingsDeps(m_alice2.session.get()));
        QVERIFY(!settings.linkDeviceButton()->isEnabled());

        // A wrong code is an inline error; the bar stays.
        QTest::keyClicks(bar->codeEdit(), QStringLiteral("garbage"));
        QVERIFY(bar->linkButton()->isEnabled());
        QTest::mouseClick(bar->linkButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(
            bar->errorText().startsWith(QStringLiteral("That is not a link code")), 10000);
        QVERIFY(bar->isVisible());
        QVERIFY(!m_alice2.session->client()->keys().hasAccountKey());
        bar->codeEdit()->clear();

        // The bar is there at every start until the device is linked.
        m_alice2.close();
        QVERIFY(m_alice2.open(profile(QStringLiteral("alice2")), m_server->url().toString()));
        QVERIFY(m_alice2.window->isShowingChats());
        QTRY_VERIFY_WITH_TIMEOUT(m_alice2.session->client()->isAuthenticated(), 10000);
        QVERIFY(m_alice2.window->linkBanner()->isVisible());
    }

    void linkWithTheCodeFromSettings() {
        ui::SettingsDialog settings(ui::settingsDeps(m_alice1.session.get()),
                                    m_alice1.window.get());
        settings.show();
        settings.tabs()->setCurrentIndex(settings.tabs()->count() - 1);
        auto *button = settings.linkDeviceButton();
        QVERIFY(button->isEnabled());
        QVERIFY(!button->accessibleName().isEmpty());
        QTest::mouseClick(button, Qt::LeftButton);
        auto *dialog = settings.findChild<ui::LinkDeviceDialog *>();
        QVERIFY(dialog);
        QTRY_COMPARE_WITH_TIMEOUT(dialog->state(), ui::LinkDeviceDialog::State::WaitingForDevice,
                                  5000);
        const QString code = dialog->code();
        QVERIFY(code.contains(QLatin1Char('-')));
        QVERIFY(dialog->copyButton()->isEnabled());
        QTest::mouseClick(dialog->copyButton(), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), code);

        auto *bar = m_alice2.window->linkBanner();
        QTest::keyClicks(bar->codeEdit(), code);
        QTest::mouseClick(bar->linkButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(dialog->state(), ui::LinkDeviceDialog::State::Linked, 20000);
        QCOMPARE(dialog->statusText(), QStringLiteral("Linked"));
        QTRY_VERIFY_WITH_TIMEOUT(!bar->isVisible(), 20000);
        QVERIFY(m_alice2.session->client()->keys().hasAccountKey());
        QVERIFY(bar->errorText().isEmpty());
        // The new device is in device 1's list now.
        QTRY_COMPARE_WITH_TIMEOUT(settings.deviceList()->count(), 2, 10000);
    }

    void linkedDeviceReadsNewMessages() {
        ui::NewChatDialog dialog(&m_bob.session->client()->messaging(),
                                 &m_bob.session->client()->groups(), m_bob.session->chatEvents(),
                                 m_bob.session->client()->connection(),
                                 ui::NewChatDialog::Mode::Direct);
        QObject::connect(&dialog, &ui::NewChatDialog::chatReady, m_bob.window.get(),
                         [this](quint64 id) { m_bob.window->openChat(id); });
        dialog.nameEdit()->setText(QStringLiteral("alice"));
        dialog.submit();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.conversationId() != 0, 10000);
        const quint64 conv = dialog.conversationId();
        QTRY_COMPARE(m_bob.conversation()->conversationId(), conv);
        m_bob.type(QStringLiteral("Hello both devices"));

        QTRY_VERIFY_WITH_TIMEOUT(m_alice2.chats()->rowOf(conv) >= 0, 20000);
        m_alice2.window->openChat(conv);
        QTRY_VERIFY_WITH_TIMEOUT(m_alice2.hasMessage(QStringLiteral("Hello both devices")), 20000);
        // Device 1 still reads too.
        QTRY_VERIFY_WITH_TIMEOUT(m_alice1.chats()->rowOf(conv) >= 0, 20000);
        m_alice1.window->openChat(conv);
        QTRY_VERIFY_WITH_TIMEOUT(m_alice1.hasMessage(QStringLiteral("Hello both devices")), 20000);
    }

    // ws:// to another machine would carry the password in clear: the first screen offers
    // "Connect without encryption" only for such an address and refuses it unticked, before
    // anything is sent. An address without a scheme means wss:// unless it is this machine.
    void anUnencryptedRemoteServerNeedsConsent() {
        Device d;
        QVERIFY(d.open(profile(QStringLiteral("remote")), m_server->url().toString()));
        auto *page = d.window->firstRun();
        QVERIFY(!page->insecureBox()->isVisibleTo(page));
        page->serverEdit()->setText(QStringLiteral("ws://192.0.2.10:7700"));
        QVERIFY(page->insecureBox()->isVisibleTo(page));
        QVERIFY(!page->insecureBox()->isChecked());
        QTest::keyClicks(page->usernameEdit(), QStringLiteral("zed"));
        QTest::keyClicks(page->passwordEdit(), QStringLiteral("password-zed"));
        QTest::mouseClick(page->loginButton(), Qt::LeftButton);
        QVERIFY2(page->errorText().contains(QStringLiteral("not encrypted")),
                 qPrintable(page->errorText()));
        QCOMPARE(d.session->client()->connection()->state(), client::Connection::State::Idle);
        page->serverEdit()->setText(QStringLiteral("chat.example.org:7700"));
        QVERIFY(!page->insecureBox()->isVisibleTo(page));
        page->serverEdit()->setText(QStringLiteral("localhost:7700"));
        QVERIFY(!page->insecureBox()->isVisibleTo(page));
        d.close();
    }

    // Settings → Account → "Change password…" on device 1: the dialog says what it does, checks
    // the two new passwords, refuses a wrong current one, and once changed device 2 is logged
    // out (it shows the first screen) while device 1 stays. The new password logs in.
    void changingThePasswordLogsOutTheOtherDevice() {
        ui::SettingsDialog settings(ui::settingsDeps(m_alice1.session.get()),
                                    m_alice1.window.get());
        settings.show();
        QVERIFY(settings.changePasswordButton()->isEnabled());
        QTest::mouseClick(settings.changePasswordButton(), Qt::LeftButton);
        auto *dialog = settings.findChild<ui::ChangePasswordDialog *>();
        QVERIFY(dialog);
        QVERIFY(!dialog->canSubmit());
        QTest::keyClicks(dialog->currentEdit(), QStringLiteral("not my password"));
        QTest::keyClicks(dialog->newEdit(), QStringLiteral("new-password-1"));
        QTest::keyClicks(dialog->repeatEdit(), QStringLiteral("new-password-2"));
        QVERIFY(!dialog->canSubmit());
        QCOMPARE(dialog->statusText(), QStringLiteral("The two new passwords differ."));
        dialog->repeatEdit()->clear();
        QTest::keyClicks(dialog->repeatEdit(), QStringLiteral("new-password-1"));
        QVERIFY(dialog->canSubmit());
        dialog->submit();
        QTRY_VERIFY_WITH_TIMEOUT(dialog->statusText().startsWith(QStringLiteral("Not changed")),
                                 10000);
        QVERIFY(dialog->statusText().contains(QStringLiteral("current password is wrong")));
        QVERIFY(!dialog->changed());

        dialog->currentEdit()->clear();
        QTest::keyClicks(dialog->currentEdit(), QStringLiteral("password-alice"));
        QVERIFY(dialog->canSubmit());
        dialog->submit();
        QTRY_VERIFY_WITH_TIMEOUT(dialog->changed(), 10000);
        QVERIFY(dialog->statusText().contains(QStringLiteral("other devices were logged out")));
        QTRY_VERIFY_WITH_TIMEOUT(!m_alice2.window->isShowingChats(), 10000);
        QVERIFY(m_alice1.session->client()->isAuthenticated());
        QTRY_COMPARE_WITH_TIMEOUT(settings.deviceList()->count(), 1, 10000);

        // An unlinked device may not: the dialog says so instead of failing later.
        Device fresh;
        enter(fresh, QStringLiteral("alice3"), QStringLiteral("alice"), false,
              QStringLiteral("new-password-1"));
        ui::ChangePasswordDialog refused(&fresh.session->client()->devices(), false);
        QVERIFY(!refused.currentEdit()->isEnabled());
        QVERIFY(refused.statusText().startsWith(QStringLiteral("Only a linked device")));
        fresh.close();
    }

    // Settings → Account → "Recovery key…" on device 1 makes a key with the password and shows
    // it once; when device 1 is lost, a new device's bar offers "Lost all your devices?", and
    // the key typed there makes it the account's device: the bar goes, it holds the key.
    void aRecoveryKeyFromSettingsTakesTheAccountBack() {
        QString key;
        {
            ui::SettingsDialog settings(ui::settingsDeps(m_alice1.session.get()),
                                        m_alice1.window.get());
            settings.show();
            QVERIFY(settings.recoveryKeyButton()->isEnabled());
            QTest::mouseClick(settings.recoveryKeyButton(), Qt::LeftButton);
            auto *dialog = settings.findChild<ui::RecoveryKeyDialog *>();
            QVERIFY(dialog);
            QVERIFY(!dialog->canSubmit());
            QTest::keyClicks(dialog->input(), QStringLiteral("not my password"));
            dialog->submit();
            QTRY_COMPARE_WITH_TIMEOUT(dialog->statusText(),
                                      QStringLiteral("That is not your password."), 10000);
            QVERIFY(dialog->recoveryKey().isEmpty());
            dialog->input()->clear();
            QTest::keyClicks(dialog->input(), QStringLiteral("new-password-1"));
            dialog->submit();
            QTRY_VERIFY_WITH_TIMEOUT(!dialog->recoveryKey().isEmpty(), 10000);
            key = dialog->recoveryKey();
            QCOMPARE(key.count(QLatin1Char('-')), 13);
            QVERIFY(dialog->statusText().contains(QStringLiteral("not be shown again")));
            QVERIFY(m_alice1.session->client()->devices().hasRecoveryKey());
        }
        // Device 1 is lost. A new device logs in and has nobody to show it a code.
        m_alice1.close();
        Device fresh;
        enter(fresh, QStringLiteral("alice4"), QStringLiteral("alice"), false,
              QStringLiteral("new-password-1"));
        auto *bar = fresh.window->linkBanner();
        QTRY_VERIFY(bar->isVisible());
        QVERIFY(bar->recoverButton()->isVisible());
        QTest::mouseClick(bar->recoverButton(), Qt::LeftButton);
        auto *recover = bar->findChild<ui::RecoveryKeyDialog *>();
        QVERIFY(recover);
        QCOMPARE(recover->mode(), ui::RecoveryKeyDialog::Mode::Recover);
        QTest::keyClicks(recover->input(), QStringLiteral("AAAA-BBBB"));
        recover->submit();
        QTRY_VERIFY_WITH_TIMEOUT(
            recover->statusText().startsWith(QStringLiteral("That is not this account")), 10000);
        recover->input()->clear();
        QTest::keyClicks(recover->input(), key);
        recover->submit();
        QTRY_VERIFY_WITH_TIMEOUT(fresh.session->client()->keys().hasAccountKey(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(!bar->isVisible(), 10000);
        QVERIFY(recover->statusText().contains(QStringLiteral("recovered")));
        fresh.close();
    }
};

QTEST_MAIN(TestGuiLink)
#include "test_gui_link.moc"
