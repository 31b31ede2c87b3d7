// Whole desktop clients against the real server in-process (throwaway PostgreSQL): register
// through the first-run page, chat, ticks to two and to blue, typing, search and jump, groups,
// the outbox surviving a restart of the app while the server is down, and a window that stops
// (with "Use here") when its device connects again from elsewhere.
#include "gui_helpers.h"

#include "dialogs/message_info_dialog.h"
#include "dialogs/new_chat_dialog.h"
#include "dialogs/safety_number_dialog.h"
#include "dialogs/settings_dialog.h"
#include "models/search_model.h"
#include "views/connection_banner.h"
#include "views/group_info_panel.h"

#include "core/keys/keys.h"
#include "core/secrets/secret_store.h"

#include "support/pg_fixture.h"
#include "support/raw_client.h"
#include "support/server_harness.h"

#include <QApplication>
#include <QListView>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>

using namespace tidings;
using namespace tidings::test;
using client::MessageState;

class TestGuiChat : public QObject {
    Q_OBJECT
    PgFixture m_pg;
    std::unique_ptr<ServerHarness> m_server;
    QTemporaryDir m_dir;
    Device m_alice;
    Device m_bob;

    QString profile(const QString &name) { return m_dir.filePath(name); }

    void registerThroughFirstRun(Device &d, const QString &name) {
        QVERIFY(d.open(profile(name), m_server->url().toString()));
        QVERIFY(!d.window->isShowingChats());
        auto *page = d.window->firstRun();
        QCOMPARE(page->serverEdit()->text(), m_server->url().toString());
        QTest::keyClicks(page->usernameEdit(), name);
        QTest::keyClicks(page->passwordEdit(), QStringLiteral("password-%1").arg(name));
        // A message to this user fails with NO_KEYS until the new device's keys are on the
        // server (seen under ASan on a loaded machine): wait for them too.
        QSignalSpy keysUploaded(&d.session->client()->keys(), &client::Keys::keysUploaded);
        QTest::mouseClick(page->registerButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(d.window->isShowingChats(), 10000);
        QTRY_VERIFY(d.session->client()->isAuthenticated());
        QVERIFY(!keysUploaded.isEmpty() || keysUploaded.wait(10000));
    }

    void openDirect(Device &d, const QString &peer, quint64 *id) {
        ui::NewChatDialog dialog(&d.session->client()->messaging(), &d.session->client()->groups(),
                                 d.session->chatEvents(), d.session->client()->connection(),
                                 ui::NewChatDialog::Mode::Direct);
        QObject::connect(&dialog, &ui::NewChatDialog::chatReady, d.window.get(),
                         [&d](quint64 id) { d.window->openChat(id); });
        dialog.nameEdit()->setText(peer);
        dialog.submit();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.conversationId() != 0, 10000);
        *id = dialog.conversationId();
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
        m_alice.close();
        m_bob.close();
        m_server.reset();
    }

    void firstRunErrorsAreClear() {
        Device d;
        QVERIFY(d.open(profile(QStringLiteral("nobody")), QStringLiteral("ws://127.0.0.1:1")));
        auto *page = d.window->firstRun();
        QTest::keyClicks(page->usernameEdit(), QStringLiteral("nobody"));
        QTest::keyClicks(page->passwordEdit(), QStringLiteral("password-x"));
        QTest::mouseClick(page->loginButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->errorText().contains(QStringLiteral("Cannot reach")), 15000);
        page->serverEdit()->setText(m_server->url().toString());
        QTest::mouseClick(page->loginButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(page->errorText(), QStringLiteral("Wrong username or password."),
                                  10000);
    }

    void registerSendDeliverRead() {
        registerThroughFirstRun(m_alice, QStringLiteral("alice"));
        registerThroughFirstRun(m_bob, QStringLiteral("bob"));
        // The name is taken now.
        Device again;
        QVERIFY(again.open(profile(QStringLiteral("alice2")), m_server->url().toString()));
        QTest::keyClicks(again.window->firstRun()->usernameEdit(), QStringLiteral("alice"));
        QTest::keyClicks(again.window->firstRun()->passwordEdit(), QStringLiteral("password-2"));
        QTest::mouseClick(again.window->firstRun()->registerButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(
            again.window->firstRun()->errorText().contains(QStringLiteral("already taken")), 10000);
        again.close();

        quint64 conv = 0;
        openDirect(m_alice, QStringLiteral("bob"), &conv);
        QVERIFY(conv != 0);
        QCOMPARE(m_alice.conversation()->conversationId(), conv);
        QCOMPARE(m_alice.conversation()->title(), QStringLiteral("bob"));
        m_alice.type(QStringLiteral("Hello Bob"));
        QVERIFY(m_alice.conversation()->composer()->text().isEmpty());
        QVERIFY(m_alice.hasMessage(QStringLiteral("Hello Bob")));

        // Bob's list shows the chat with one unread; his app acks delivery: two ticks.
        QTRY_COMPARE_WITH_TIMEOUT(m_bob.chats()->rowCount(), 1, 10000);
        QTRY_COMPARE(
            m_bob.chats()->data(m_bob.chats()->index(0), ui::ChatListModel::UnreadRole).toInt(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(m_alice.stateOf(QStringLiteral("Hello Bob")),
                                  int(MessageState::Delivered), 10000);
        QCOMPARE(m_alice.chats()
                     ->data(m_alice.chats()->index(0), ui::ChatListModel::LastStateRole)
                     .toInt(),
                 int(MessageState::Delivered));

        // Bob opens the chat with his window active: read, blue ticks for Alice.
        m_bob.activate();
        m_bob.window->openChat(conv);
        QVERIFY(m_bob.hasMessage(QStringLiteral("Hello Bob")));
        QTRY_COMPARE_WITH_TIMEOUT(m_alice.stateOf(QStringLiteral("Hello Bob")),
                                  int(MessageState::Read), 10000);
        QTRY_COMPARE(
            m_bob.chats()->data(m_bob.chats()->index(0), ui::ChatListModel::UnreadRole).toInt(), 0);
        // Both are connected: each header says the other is online.
        QTRY_COMPARE_WITH_TIMEOUT(m_bob.conversation()->subtitle(), QStringLiteral("online"),
                                  10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_alice.conversation()->subtitle(), QStringLiteral("online"),
                                  10000);
    }

    void typingAppearsAndDisappears() {
        m_bob.type(QStringLiteral("Hi Al"), false);
        QTRY_COMPARE_WITH_TIMEOUT(m_alice.conversation()->subtitle(), QStringLiteral("typing…"),
                                  10000);
        QCOMPARE(m_alice.chats()
                     ->data(m_alice.chats()->index(0), ui::ChatListModel::TypingRole)
                     .toString(),
                 QStringLiteral("typing…"));
        QTest::keyClick(m_bob.conversation()->composer()->editor(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(m_alice.hasMessage(QStringLiteral("Hi Al")), 10000);
        QTRY_COMPARE(m_alice.conversation()->subtitle(), QStringLiteral("online"));
        QVERIFY(m_alice.chats()
                    ->data(m_alice.chats()->index(0), ui::ChatListModel::TypingRole)
                    .toString()
                    .isEmpty());
    }

    void messageInfoSaysWhenDeliveredAndRead() {
        const quint64 conv = m_alice.conversation()->conversationId();
        const int row = m_alice.messages()->rowCount() - 1;
        int hello = -1;
        for (int r = row; r >= 0 && hello < 0; --r)
            if (m_alice.messages()->messageAt(r).text == QStringLiteral("Hello Bob"))
                hello = r;
        QVERIFY(hello >= 0);
        ui::MessageInfoDialog info(m_alice.messages(), &m_alice.session->client()->groups(),
                                   m_alice.messages()->messageAt(hello));
        QCOMPARE(info.summary(), QStringLiteral("Read by bob"));
        QCOMPARE(info.recipientCount(), 1);
        const QStringList cells = info.recipientRow(0);
        QCOMPARE(cells.value(0), QStringLiteral("bob"));
        // Both receipts came while Alice was online: their times are known.
        QVERIFY2(cells.value(1).contains(QStringLiteral("Today")), qPrintable(cells.join('|')));
        QVERIFY2(cells.value(2).contains(QStringLiteral("Today")), qPrintable(cells.join('|')));
        QVERIFY(conv != 0);
    }

    void profileNameShowsToOthers() {
        ui::SettingsDialog settings(ui::settingsDeps(m_alice.session.get()));
        QTRY_VERIFY_WITH_TIMEOUT(!settings.profileStatus().contains(QStringLiteral("offline")),
                                 5000);
        settings.displayNameEdit()->setFocus();
        QTest::keyClicks(settings.displayNameEdit(), QStringLiteral("Alice Liddell"));
        QVERIFY(settings.saveProfileButton()->isEnabled());
        QTest::mouseClick(settings.saveProfileButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(settings.profileStatus(), QStringLiteral("Saved."), 10000);
        // A new settings dialog reads it back from the server.
        ui::SettingsDialog again(ui::settingsDeps(m_alice.session.get()));
        QTRY_COMPARE_WITH_TIMEOUT(again.displayNameEdit()->text(), QStringLiteral("Alice Liddell"),
                                  10000);
    }

    void safetyNumbersMatchAndVerify() {
        ui::SafetyNumberDialog mine(&m_alice.session->client()->keys(), QStringLiteral("bob"),
                                    QString());
        ui::SafetyNumberDialog theirs(&m_bob.session->client()->keys(), QStringLiteral("alice"),
                                      QString());
        QTRY_VERIFY_WITH_TIMEOUT(!mine.digits().isEmpty(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!theirs.digits().isEmpty(), 10000);
        // 12 groups of 5 digits in 3 lines, the same on both sides.
        QCOMPARE(mine.digits().split(QLatin1Char('\n')).size(), 3);
        QCOMPARE(mine.digits().split(QRegularExpression(QStringLiteral("\\s+"))).size(), 12);
        QCOMPARE(mine.digits(), theirs.digits());
        QVERIFY(!mine.isVerified());
        QTest::mouseClick(mine.verifyButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(mine.isVerified(), 10000);
        QCOMPARE(mine.verifyButton()->text(), QStringLiteral("Clear verification"));
        ui::SafetyNumberDialog reopened(&m_alice.session->client()->keys(), QStringLiteral("bob"),
                                        QString());
        QTRY_VERIFY_WITH_TIMEOUT(!reopened.digits().isEmpty(), 10000);
        QVERIFY(reopened.isVerified());
    }

    void searchFindsAndOpensMessage() {
        m_bob.type(QStringLiteral("Grüße aus Köln"));
        QTRY_VERIFY_WITH_TIMEOUT(m_alice.hasMessage(QStringLiteral("Grüße aus Köln")), 10000);
        m_alice.window->conversation()->closeChat();
        auto *panel = m_alice.window->chatPanel();
        QTest::keySequence(m_alice.window.get(), QKeySequence::Find);
        QTest::keyClicks(panel->searchField(), QStringLiteral("koln"));
        panel->searchNow();
        QVERIFY(panel->isSearching());
        QCOMPARE(panel->searchModel()->messageHits(), 1);
        QTest::keyClick(panel->searchField(), Qt::Key_Return);
        auto *view = m_alice.conversation();
        QVERIFY(view->conversationId() != 0);
        const QModelIndex current = view->messageList()->currentIndex();
        QCOMPARE(current.data(ui::MessageModel::TextRole).toString(),
                 QStringLiteral("Grüße aus Köln"));
        QTest::keyClick(m_alice.window.get(), Qt::Key_Escape);
        QVERIFY(!panel->isSearching());
    }

    void groupCreateAndRename() {
        ui::NewChatDialog dialog(
            &m_alice.session->client()->messaging(), &m_alice.session->client()->groups(),
            m_alice.session->chatEvents(), m_alice.session->client()->connection(),
            ui::NewChatDialog::Mode::Group);
        dialog.nameEdit()->setText(QStringLiteral("Weekend"));
        dialog.membersEdit()->setText(QStringLiteral("bob"));
        dialog.submit();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.conversationId() != 0, 10000);
        const quint64 group = dialog.conversationId();
        m_alice.window->openChat(group);
        m_alice.conversation()->setInfoVisible(true);
        auto *info = m_alice.conversation()->infoPanel();
        QTRY_COMPARE_WITH_TIMEOUT(info->memberList()->count(), 2, 10000);
        QCOMPARE(m_alice.conversation()->title(), QStringLiteral("Weekend"));
        info->rename(QStringLiteral("Trip"));
        QTRY_COMPARE_WITH_TIMEOUT(m_alice.conversation()->title(), QStringLiteral("Trip"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_bob.chats()->titleOf(group), QStringLiteral("Trip"), 10000);
        m_alice.type(QStringLiteral("Group hello"));
        QTRY_VERIFY_WITH_TIMEOUT(
            m_alice.stateOf(QStringLiteral("Group hello")) >= int(MessageState::Stored), 10000);
        QTRY_VERIFY(m_bob.chats()->rowOf(group) == 0);
    }

    void outboxSurvivesRestartWhileOffline() {
        const quint64 conv = m_alice.session->store()
                                 ->conversations()
                                 .conversationWithPeer(QStringLiteral("bob"))
                                 ->value()
                                 .id;
        m_alice.window->openChat(conv);
        m_server->stop();
        QTRY_VERIFY_WITH_TIMEOUT(!m_alice.session->client()->isAuthenticated(), 10000);
        m_alice.type(QStringLiteral("sent while offline"));
        QCOMPARE(m_alice.stateOf(QStringLiteral("sent while offline")), int(MessageState::Pending));
        QTRY_VERIFY(m_alice.conversation()->banner()->text().contains(
            QStringLiteral("messages will be sent when you reconnect")));
        // Quit and start again, still offline: the message is there, pending.
        const QString dir = m_alice.dir;
        m_alice.close();
        QVERIFY(m_alice.open(dir, m_server->url().toString()));
        QVERIFY(m_alice.window->isShowingChats());
        m_alice.window->openChat(conv);
        QCOMPARE(m_alice.stateOf(QStringLiteral("sent while offline")), int(MessageState::Pending));
        QString e;
        QVERIFY2(m_server->start(&e), qPrintable(e));
        QTRY_VERIFY_WITH_TIMEOUT(m_alice.stateOf(QStringLiteral("sent while offline")) >=
                                     int(MessageState::Stored),
                                 15000);
        QTRY_VERIFY_WITH_TIMEOUT(
            m_bob.session->store()->messages().history(conv, 50).value().last().text ==
                QStringLiteral("sent while offline"),
            15000);
        QTRY_VERIFY(m_alice.conversation()->banner()->isHidden());
    }

    void aWindowWhoseDeviceConnectsElsewhereStopsUntilUseHere() {
        QTRY_VERIFY_WITH_TIMEOUT(m_alice.session->client()->isAuthenticated(), 15000);
        // A copy of this profile elsewhere connects with the same device token.
        auto token = m_alice.session->secrets()->read(client::kDeviceTokenKey);
        QVERIFY(token && !token->isEmpty());
        auto elsewhere = RawClient::authenticated(m_server->url(), *token);
        QVERIFY(elsewhere);
        auto *banner = m_alice.conversation()->banner();
        QTRY_VERIFY_WITH_TIMEOUT(banner->offersUseHere(), 10000);
        QVERIFY(banner->isVisible());
        QVERIFY2(banner->text().contains(QStringLiteral("somewhere else")),
                 qPrintable(banner->text()));
        // Not retried on its own: the other one keeps the connection.
        QTest::qWait(1500);
        QVERIFY(!m_alice.session->client()->isAuthenticated());
        QVERIFY(elsewhere->ping());
        auto *useHere = banner->findChild<QPushButton *>(QStringLiteral("useHereButton"));
        QVERIFY(useHere);
        QTest::mouseClick(useHere, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(m_alice.session->client()->isAuthenticated(), 15000);
        QVERIFY(elsewhere->waitDisconnected());
        QTRY_VERIFY(banner->isHidden());
        QVERIFY(!banner->offersUseHere());
    }
};

QTEST_MAIN(TestGuiChat)
#include "test_gui_chat.moc"
