// The desktop client's item models over a real local cache, each under QAbstractItemModelTester:
// chat list ordering and live moves, message paging with day separators and the unread divider,
// the outbox tail diff, and FTS5 search (diacritics-insensitive, highlighted).
#include "chat_actions.h"
#include "models/chat_list_model.h"
#include "models/message_model.h"
#include "models/search_model.h"
#include "session.h"

#include "core/secrets/secret_store.h"
#include "core/store/account_store.h"
#include "core/store/chat_list_reader.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/search_index.h"
#include "core/store/security_notice_store.h"
#include "core/store/storage.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::ui;

namespace {
constexpr quint64 kMe = 1;
constexpr qint64 kDay = 24 * 3600 * 1000;

IncomingMessage msg(quint64 conv, quint64 seq, quint64 sender, const QString &text, qint64 t) {
    IncomingMessage m;
    m.conversationId = conv;
    m.seq = seq;
    m.senderUserId = sender;
    m.senderDeviceId = sender * 10;
    static const QStringList names = {QStringLiteral("me"), QStringLiteral("anna"),
                                      QStringLiteral("bernd"), QStringLiteral("chloé")};
    m.senderUsername = names.value(int(sender) - 1);
    m.clientMessageId = QStringLiteral("c-%1-%2").arg(conv).arg(seq);
    m.serverTimeMs = t;
    m.sentAtMs = t;
    m.text = text;
    return m;
}
} // namespace

class TestGuiModels : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::unique_ptr<Session> m_session;
    AccountSettings m_me{QStringLiteral("ws://127.0.0.1:1"), kMe, 11, QStringLiteral("me"), {}};
    qint64 m_base = QDateTime::currentMSecsSinceEpoch() - 3 * kDay;
    int m_profiles = 0;

    void store(const QList<IncomingMessage> &messages) {
        QVERIFY(m_session->store()->messages().storeIncoming(messages, m_base, m_me));
    }

private slots:
    void init() {
        QVERIFY(m_dir.isValid());
        const QString dir = m_dir.filePath(QString::number(++m_profiles));
        {
            auto s = Session::open(
                dir, std::make_unique<FileSecretStore>(dir + QStringLiteral("/secrets")));
            QVERIFY2(s, s ? "" : qPrintable(s.error().toString()));
            QVERIFY((*s)->store()->accounts().saveAccount(m_me));
        }
        // Opened again, as after a restart: the client knows the account.
        auto s =
            Session::open(dir, std::make_unique<FileSecretStore>(dir + QStringLiteral("/secrets")));
        QVERIFY(s);
        m_session = std::move(*s);
        QCOMPARE(m_session->myUserId(), kMe);
        QVERIFY(
            m_session->store()->conversations().upsertConversation(100, 2, QStringLiteral("anna")));
        QVERIFY(m_session->store()->conversations().upsertConversation(200, 3,
                                                                       QStringLiteral("bernd")));
        QVERIFY(m_session->store()->conversations().upsertConversation(300, 4,
                                                                       QStringLiteral("chloé")));
    }
    void cleanup() { m_session.reset(); }

    void chatListOrdersAndMovesLive() {
        store({msg(100, 1, 2, QStringLiteral("hello"), m_base),
               msg(200, 1, 3, QStringLiteral("newer"), m_base + 1000)});
        ChatListModel model(&m_session->store()->chatList(), &m_session->store()->conversations(),
                            &m_session->client()->account(), m_session->chatEvents());
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.conversationAt(0), 200u);
        QCOMPARE(model.conversationAt(1), 100u);
        QCOMPARE(model.data(model.index(1), ChatListModel::UnreadRole).toInt(), 1);
        QCOMPARE(model.data(model.index(0), ChatListModel::PreviewRole).toString(),
                 QStringLiteral("newer"));

        // A new message moves its chat to the top.
        store({msg(100, 2, 2, QStringLiteral("again"), m_base + 5000)});
        model.refresh(100);
        QCOMPARE(model.conversationAt(0), 100u);
        QCOMPARE(model.data(model.index(0), ChatListModel::UnreadRole).toInt(), 2);

        // Pinned chats stay on top whatever their activity.
        m_session->chatActions()->setPinned(300, true);
        QCOMPARE(model.conversationAt(0), 300u);
        QVERIFY(model.data(model.index(0), ChatListModel::PinnedRole).toBool());
        m_session->chatActions()->setMuted(100, true);
        QVERIFY(model.isMuted(100));
        QCOMPARE(model.totalUnread(), 1);
        QCOMPARE(model.totalUnread(true), 3);

        // My pending message: its state is Pending, and a draft shows instead of it.
        auto id = m_session->chatActions()->sendText(200, QStringLiteral("mine"));
        QVERIFY(id);
        const int row = model.rowOf(200);
        QCOMPARE(model.data(model.index(row), ChatListModel::LastStateRole).toInt(),
                 int(MessageState::Pending));
        m_session->chatActions()->saveDraft(200, QStringLiteral("half a thought"));
        QCOMPARE(model.data(model.index(model.rowOf(200)), ChatListModel::PreviewKindRole).toInt(),
                 int(ChatListModel::PreviewKind::Draft));
        model.setTyping(100, QStringLiteral("typing…"));
        QCOMPARE(model.data(model.index(model.rowOf(100)), ChatListModel::TypingRole).toString(),
                 QStringLiteral("typing…"));
        model.reload();
        QCOMPARE(model.rowCount(), 3);
    }

    void messagesPageWithSeparatorsAndDivider() {
        QList<IncomingMessage> batch;
        // 150 messages over three days; I read up to 140.
        for (quint64 seq = 1; seq <= 150; ++seq)
            batch.append(msg(100, seq, seq % 3 == 0 ? kMe : 2, QStringLiteral("m%1").arg(seq),
                             m_base + qint64(seq / 50) * kDay + qint64(seq) * 1000));
        store(batch);
        QVERIFY(m_session->store()->conversations().updateMyReadSeq(100, 140));
        MessageModel model(m_session->store(), &m_session->client()->account());
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.open(100);
        QVERIFY(model.hasOlder());
        const int divider = model.unreadDividerRow();
        QVERIFY(divider > 0);
        QCOMPARE(model.messageAt(divider + 1).seq, 142u); // 141 is mine
        QCOMPARE(model.data(model.index(0), MessageModel::KindRole).toInt(),
                 int(MessageModel::Kind::DaySeparator));
        int loaded = 0;
        while (model.hasOlder())
            loaded += model.loadOlder(40);
        QVERIFY(loaded > 0);
        QCOMPARE(model.messageAt(1).seq, 1u);
        int separators = 0;
        for (int r = 0; r < model.rowCount(); ++r)
            if (model.data(model.index(r), MessageModel::KindRole).toInt() ==
                int(MessageModel::Kind::DaySeparator))
                ++separators;
        QCOMPARE(separators, 4); // days of seqs 1-49, 50-99, 100-149, 150
        QCOMPARE(model.rowOfSeq(150), model.rowCount() - 1);

        // Pending messages go last; an incoming one lands before them; the ack keeps the row.
        auto id = m_session->chatActions()->sendText(100, QStringLiteral("pending"));
        QVERIFY(id);
        model.refresh();
        const int pendingRow = model.rowOfClientId(*id);
        QCOMPARE(pendingRow, model.rowCount() - 1);
        QCOMPARE(model.data(model.index(pendingRow), MessageModel::StateRole).toInt(),
                 int(MessageState::Pending));
        store({msg(100, 151, 2, QStringLiteral("from anna"), QDateTime::currentMSecsSinceEpoch())});
        model.refresh();
        QCOMPARE(model.rowOfClientId(*id), model.rowCount() - 1);
        QCOMPARE(model.messageAt(model.rowOfSeq(151)).text, QStringLiteral("from anna"));
        QVERIFY(m_session->store()->messages().applySendAck(*id, 100, 152,
                                                            QDateTime::currentMSecsSinceEpoch()));
        QVERIFY(m_session->store()->conversations().updatePeerCursors(100, 152, 152));
        model.refresh();
        QCOMPARE(model.messageAt(model.rowCount() - 1).seq, 152u);
        QCOMPARE(model.data(model.index(model.rowCount() - 1), MessageModel::StateRole).toInt(),
                 int(MessageState::Read));

        // Jumping to an old message loads from just above it.
        model.open(100, 30);
        QVERIFY(model.rowOfSeq(30) >= 0);
        QVERIFY(model.rowOfSeq(5) < 0);
        QVERIFY(model.hasOlder());
    }

    // "Security code changed" notices sit in place among the messages (after the message that
    // was the newest when the key changed), in pages loaded later too, appear in the open chat
    // on refresh, and are never taken for messages (seq lookups, the window's bounds).
    void securityNoticesShowInPlace() {
        QList<IncomingMessage> batch;
        for (quint64 seq = 1; seq <= 60; ++seq)
            batch.append(msg(100, seq, 2, QStringLiteral("m%1").arg(seq), m_base + qint64(seq)));
        store(batch);
        auto &notices = m_session->store()->securityNotices();
        QCOMPARE(*notices.add(2, {}, m_base + 61), QList<quint64>{100});
        QCOMPARE(notices.all(100)->first().afterSeq, 60u);
        QCOMPARE(notices.all(100)->first().username, QStringLiteral("anna"));
        store({msg(100, 61, 2, QStringLiteral("m61"), m_base + 62)});

        MessageModel model(m_session->store(), &m_session->client()->account());
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.open(100);
        const auto isNotice = [&](int row) {
            return model.data(model.index(row), MessageModel::KindRole).toInt() ==
                       int(MessageModel::Kind::SystemEvent) &&
                   model.messageAt(row).event->kind == SystemEventKind::SecurityCodeChanged;
        };
        const int after60 = model.rowOfSeq(60) + 1;
        QVERIFY(isNotice(after60));
        QCOMPARE(model.rowOfSeq(61), after60 + 1);
        QVERIFY(model.data(model.index(after60), MessageModel::TextRole)
                    .toString()
                    .contains(QStringLiteral("anna")));

        // A change while the chat is open: the notice comes with the next refresh.
        QVERIFY(notices.add(2, {}, m_base + 63));
        model.refresh();
        QVERIFY(isNotice(model.rowCount() - 1));
        QCOMPARE(model.rowOfSeq(61), model.rowCount() - 2);

        // An older page brings the notices placed in it; none twice.
        QVERIFY(notices.add(2, {}, m_base + 64)); // after 61 too
        model.open(100, 3);
        int shown = 0;
        while (model.hasNewer())
            model.loadNewer(20);
        for (int r = 0; r < model.rowCount(); ++r)
            shown += isNotice(r) ? 1 : 0;
        QCOMPARE(shown, 3);
    }

    // Group events as the signed group state judged them, and the notice about a member only
    // the server lists (issue 12): each reads as what it is, never as a plain membership line.
    void groupStateLinesSayWhatWasRefused() {
        auto event = [&](quint64 seq, SystemEventKind kind, quint64 target, EventCheck check,
                         const QString &refusal) {
            IncomingMessage m = msg(300, seq, 2, {}, m_base + qint64(seq));
            SystemEvent e;
            e.kind = kind;
            e.actorUserId = 2;
            e.actorUsername = QStringLiteral("anna");
            e.targetUserId = target;
            e.targetUsername = QStringLiteral("mallory");
            e.check = check;
            e.refusal = refusal;
            m.event = e;
            return m;
        };
        store({event(1, SystemEventKind::MemberAdded, 9, EventCheck::Refused,
                     QStringLiteral("unsigned")),
               event(2, SystemEventKind::MemberAdded, 9, EventCheck::Replayed, {}),
               event(3, SystemEventKind::MemberAdded, 9, EventCheck::Pending, {}),
               event(4, SystemEventKind::MemberAdded, 9, EventCheck::Verified, {})});
        QVERIFY(*m_session->store()->securityNotices().addOnce(
            300, SecurityNotice::kServerOnlyMember, 9, QStringLiteral("mallory"), m_base + 5));
        QVERIFY(!*m_session->store()->securityNotices().addOnce(
            300, SecurityNotice::kServerOnlyMember, 9, QStringLiteral("mallory"), m_base + 6));

        MessageModel model(m_session->store(), &m_session->client()->account());
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.open(300);
        const auto text = [&](quint64 seq) {
            return model.data(model.index(model.rowOfSeq(seq)), MessageModel::TextRole).toString();
        };
        QCOMPARE(text(1), QStringLiteral("A change to the members was refused: no admin signed "
                                         "it. The server said: anna added mallory"));
        QCOMPARE(text(2),
                 QStringLiteral("An earlier change (anna added mallory) was sent again and "
                                "ignored."));
        QVERIFY(text(3).startsWith(QStringLiteral("Checking a change to the members")));
        QCOMPARE(text(4), QStringLiteral("anna added mallory"));
        const int last = model.rowCount() - 1;
        QCOMPARE(model.messageAt(last).event->kind, SystemEventKind::UnverifiedMember);
        QVERIFY(model.data(model.index(last), MessageModel::TextRole)
                    .toString()
                    .contains(QStringLiteral("no admin added them")));
    }

    void messageWindowStaysBoundedBothWays() {
        // 3000 messages, 100 a day, alternating senders in runs of three.
        const quint64 total = 3000;
        QList<IncomingMessage> batch;
        for (quint64 seq = 1; seq <= total; ++seq)
            batch.append(msg(100, seq, (seq / 3) % 2 ? kMe : 2, QStringLiteral("w%1").arg(seq),
                             m_base - 40 * kDay + qint64(seq / 100) * kDay + qint64(seq) * 1000));
        store(batch);
        QVERIFY(m_session->store()->conversations().updateMyReadSeq(100, total));
        MessageModel model(m_session->store(), &m_session->client()->account());
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        // Every message once, in seq order, each day introduced by exactly one separator.
        auto checkRows = [&model] {
            QCOMPARE(model.data(model.index(0), MessageModel::KindRole).toInt(),
                     int(MessageModel::Kind::DaySeparator));
            quint64 previousSeq = 0;
            QDate day;
            for (int r = 0; r < model.rowCount(); ++r) {
                const auto kind =
                    MessageModel::Kind(model.data(model.index(r), MessageModel::KindRole).toInt());
                const auto m = model.messageAt(r);
                if (kind == MessageModel::Kind::DaySeparator) {
                    QVERIFY2(r + 1 < model.rowCount() && model.messageAt(r + 1).rowId > 0,
                             "a separator without a message under it");
                    day = QDateTime::fromMSecsSinceEpoch(
                              model.data(model.index(r + 1), MessageModel::TimestampRole)
                                  .toLongLong())
                              .date();
                    continue;
                }
                const qint64 t =
                    model.data(model.index(r), MessageModel::TimestampRole).toLongLong();
                QCOMPARE(QDateTime::fromMSecsSinceEpoch(t).date(), day);
                if (m.seq == 0) // pending
                    continue;
                if (previousSeq)
                    QCOMPARE(m.seq, previousSeq + 1);
                previousSeq = m.seq;
                const bool first =
                    model.data(model.index(r), MessageModel::FirstOfGroupRole).toBool();
                const auto before = model.messageAt(r - 1);
                QCOMPARE(first, before.rowId == 0 || before.senderUserId != m.senderUserId);
            }
        };
        model.open(100);
        QVERIFY(model.hasOlder());
        QVERIFY(!model.hasNewer());
        int loads = 0;
        while (model.hasOlder() && ++loads < 200) {
            QVERIFY(model.loadOlder(300) > 0);
            QVERIFY(model.rowCount() <= MessageModel::kMaxRows);
        }
        QVERIFY(!model.hasOlder());
        QVERIFY(model.hasNewer());
        QCOMPARE(model.messageAt(1).seq, 1u);
        checkRows();

        // A message arriving meanwhile is not appended to a window back in history.
        const int rows = model.rowCount();
        store(
            {msg(100, total + 1, 2, QStringLiteral("late"), QDateTime::currentMSecsSinceEpoch())});
        model.refresh();
        QCOMPARE(model.rowCount(), rows);
        QCOMPARE(model.rowOfSeq(total + 1), -1);

        // Down again: the window moves to the newest message and the pending one after it.
        auto pending = m_session->chatActions()->sendText(100, QStringLiteral("pending"));
        QVERIFY(pending);
        loads = 0;
        while (model.hasNewer() && ++loads < 200) {
            QVERIFY(model.loadNewer(300) > 0);
            QVERIFY(model.rowCount() <= MessageModel::kMaxRows);
        }
        QVERIFY(!model.hasNewer());
        QVERIFY(model.hasOlder());
        QCOMPARE(model.rowOfSeq(total + 1), model.rowCount() - 2);
        QCOMPARE(model.rowOfClientId(*pending), model.rowCount() - 1);
        checkRows();

        // A jump far back loads a window around the target, not everything after it.
        model.open(100, 30);
        QVERIFY(model.rowOfSeq(30) >= 0);
        QVERIFY(model.hasOlder());
        QVERIFY(model.hasNewer());
        QVERIFY(model.rowCount() < MessageModel::kMaxRows);
        checkRows();
        QVERIFY(model.loadNewer(60) > 0);
        checkRows();
    }

    void searchIgnoresDiacriticsAndHighlights() {
        store({msg(100, 1, 2, QStringLiteral("Grüße aus Köln!"), m_base),
               msg(200, 1, 3, QStringLiteral("koln is lovely"), m_base + 10),
               msg(300, 1, 4, QStringLiteral("nothing here"), m_base + 20)});
        ChatListModel chats(&m_session->store()->chatList(), &m_session->store()->conversations(),
                            &m_session->client()->account(), m_session->chatEvents());
        SearchModel model(&m_session->store()->search(), &chats);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setQuery(QStringLiteral("koln"));
        QCOMPARE(model.messageHits(), 2);
        // Header + two hits, newest first.
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.data(model.index(1), SearchModel::ConversationIdRole).toULongLong(), 200u);
        const QString snippet = model.data(model.index(2), SearchModel::SnippetRole).toString();
        QVERIFY2(snippet.contains(QString(SearchIndex::kMatchOpen) + QStringLiteral("Köln") +
                                  QString(SearchIndex::kMatchClose)),
                 qPrintable(snippet));
        model.setQuery(QStringLiteral("gruss"));
        QCOMPARE(model.messageHits(), 0); // ß is not ss in unicode61
        // Whole words (the cache is encrypted at rest: the index holds blind tokens of words).
        model.setQuery(QStringLiteral("AUS"));
        QCOMPARE(model.messageHits(), 1);
        // Chat names match too (chloé by "chloe").
        model.setQuery(QStringLiteral("chloe"));
        QVERIFY2(model.rowCount() >= 2, qPrintable(chats.titleOf(300)));
        QCOMPARE(model.data(model.index(1), SearchModel::KindRole).toInt(),
                 int(SearchModel::Kind::Chat));
        model.setQuery(QStringLiteral("\"unbalanced AND ( *"));
        model.setQuery(QString());
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_MAIN(TestGuiModels)
#include "test_gui_models.moc"
