// Notifications and the tray badge of the desktop client, offline over a real local cache: a
// message arriving while the window is inactive raises a notification (observed through
// Notifier::notified, the seam in front of QSystemTrayIcon), muted chats and an active window
// raise none, activating the notification opens its chat, and the badge and tooltip carry the
// unread count of unmuted chats.
#include "chat_actions.h"
#include "chat_events.h"
#include "models/chat_list_model.h"
#include "session.h"
#include "views/conversation_view.h"
#include "views/main_window.h"
#include "views/notifier.h"

#include "core/secrets/secret_store.h"
#include "core/store/account_store.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"

#include <QApplication>
#include <QDateTime>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::ui;

class TestGuiNotify : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::unique_ptr<Session> m_session;
    AccountSettings m_me{QStringLiteral("ws://127.0.0.1:1"), 1, 11, QStringLiteral("me"), {}};

    //! What ChatEvents relays when the client stored a message of someone else.
    void deliver(quint64 conv, quint64 seq, quint64 sender, const QString &name,
                 const QString &text) {
        IncomingMessage m;
        m.conversationId = conv;
        m.seq = seq;
        m.senderUserId = sender;
        m.senderDeviceId = sender * 10;
        m.senderUsername = name;
        m.clientMessageId = QStringLiteral("n-%1-%2").arg(conv).arg(seq);
        m.serverTimeMs = m.sentAtMs = QDateTime::currentMSecsSinceEpoch();
        m.text = text;
        QVERIFY(m_session->store()->messages().storeIncoming({m}, m.serverTimeMs, m_me));
        MessageRecord r;
        r.conversationId = conv;
        r.seq = seq;
        r.senderUserId = sender;
        r.senderUsername = name;
        r.text = text;
        r.serverTimeMs = m.serverTimeMs;
        emit m_session->chatEvents()->chatChanged(conv);
        emit m_session->chatEvents()->incoming(conv, r);
    }

private slots:
    void init() {
        QVERIFY(m_dir.isValid());
        const QString dir = m_dir.filePath(QString::number(QDateTime::currentMSecsSinceEpoch()));
        {
            auto s = Session::open(
                dir, std::make_unique<FileSecretStore>(dir + QStringLiteral("/secrets")));
            QVERIFY(s);
            QVERIFY((*s)->store()->accounts().saveAccount(m_me));
        }
        auto s =
            Session::open(dir, std::make_unique<FileSecretStore>(dir + QStringLiteral("/secrets")));
        QVERIFY(s);
        m_session = std::move(*s);
        QVERIFY(
            m_session->store()->conversations().upsertConversation(100, 2, QStringLiteral("anna")));
        QVERIFY(m_session->store()->conversations().upsertConversation(200, 3,
                                                                       QStringLiteral("bernd")));
    }
    void cleanup() { m_session.reset(); }

    void notifiesWhileInactiveRespectsMuteAndOpensChat() {
        MainWindow window(m_session.get());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.openChat(100);
        QWidget elsewhere; // another application's window has the focus
        elsewhere.show();
        QApplication::setActiveWindow(&elsewhere);
        QTRY_VERIFY(!window.isActiveWindow());
        Notifier *notifier = window.notifier();
        QSignalSpy notified(notifier, &Notifier::notified);

        deliver(100, 1, 2, QStringLiteral("anna"), QStringLiteral("Are you there?"));
        QCOMPARE(notified.count(), 1);
        QCOMPARE(notified.at(0).at(0).toULongLong(), 100u);
        QCOMPARE(notified.at(0).at(1).toString(), QStringLiteral("anna"));
        QCOMPARE(notified.at(0).at(2).toString(), QStringLiteral("Are you there?"));
        QTRY_COMPARE(notifier->badgeCount(), 1);
        QVERIFY2(notifier->toolTip().contains(QStringLiteral("1 unread")),
                 qPrintable(notifier->toolTip()));

        // A muted chat stays silent and leaves the badge.
        m_session->chatActions()->setMuted(100, true);
        QTRY_COMPARE(notifier->badgeCount(), 0);
        deliver(100, 2, 2, QStringLiteral("anna"), QStringLiteral("Hello?"));
        QCOMPARE(notified.count(), 1);
        QCOMPARE(notifier->badgeCount(), 0);
        QCOMPARE(notifier->toolTip(), QStringLiteral("Tidings"));

        deliver(200, 1, 3, QStringLiteral("bernd"), QStringLiteral("Lunch?"));
        deliver(200, 2, 3, QStringLiteral("bernd"), QStringLiteral("At noon"));
        QCOMPARE(notified.count(), 3);
        QTRY_COMPARE(notifier->badgeCount(), 2);
        QVERIFY(notifier->toolTip().contains(QStringLiteral("2 unread")));

        // Clicking the notification brings up its chat.
        QCOMPARE(window.conversation()->conversationId(), 100u);
        notifier->activateLastNotification();
        QCOMPARE(window.conversation()->conversationId(), 200u);

        // With the window active nothing pops up; with notifications off neither.
        QApplication::setActiveWindow(&window);
        QTRY_VERIFY(window.isActiveWindow());
        deliver(200, 3, 3, QStringLiteral("bernd"), QStringLiteral("Seen it?"));
        QCOMPARE(notified.count(), 3);
        QApplication::setActiveWindow(&elsewhere);
        QTRY_VERIFY(!window.isActiveWindow());
        notifier->setEnabled(false);
        deliver(200, 4, 3, QStringLiteral("bernd"), QStringLiteral("Hello?"));
        QCOMPARE(notified.count(), 3);
        notifier->setEnabled(true);
        deliver(200, 5, 3, QStringLiteral("bernd"), QStringLiteral("Last one"));
        QCOMPARE(notified.count(), 4);
    }
};

QTEST_MAIN(TestGuiNotify)
#include "test_gui_notify.moc"
