// ChatListReader: one summary per chat with its title (group name, else the peer's display name,
// else the username), newest message (a pending one first), unread count (messages of others
// above my read cursor; no events, no control messages) and view state.
#include "store_fixture.h"

#include "core/store/chat_list_reader.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/view_state_store.h"

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

class TestChatListReader : public QObject {
    Q_OBJECT
private:
    StoreFiles m_files;

private slots:
    void summariesShowTheNewestShownMessageAndUnread() {
        auto store = m_files.open();
        IncomingMessage control = fromBob(3, u"resend request"_qs);
        control.hidden = true;
        QVERIFY(store->messages()
                    .storeIncoming({fromBob(1, u"hello there"_qs), fromBob(2), control}, 5000, kMe)
                    .ok());
        ChatListReader &list = store->chatList();
        auto summary = list.chatSummary(kConv);
        QVERIFY2(summary.ok(), errorOf(summary).constData());
        QCOMPARE(summary->lastMessage->seq, quint64(2)); // not the hidden one
        QCOMPARE(summary->unread, 2);
        QCOMPARE(summary->activityMs, qint64(1002));
        QCOMPARE(summary->title, u"bob"_qs);
        // My read cursor and my own messages.
        QVERIFY(store->conversations().updateMyReadSeq(kConv, 1).ok());
        QCOMPARE(list.chatSummary(kConv)->unread, 1);
        QVERIFY(store->messages().enqueueOutgoing({draft("p", "on its way")}, kMe).ok());
        summary = list.chatSummary(kConv);
        QCOMPARE(summary->lastMessage->text, u"on its way"_qs); // pending shows last
        QCOMPARE(summary->unread, 1);
        // Group events are history, not unread.
        IncomingMessage welcome = inGroup(fromBob(9, u"welcome"_qs));
        welcome.seq = 2;
        QVERIFY(
            store->messages()
                .storeIncoming({groupEvent(1, SystemEventKind::Created, 2, 0, u"Band"_qs), welcome},
                               5000, kMe)
                .ok());
        QCOMPARE(list.chatSummary(kGroup)->unread, 1);
        QCOMPARE(list.chatSummary(kGroup)->title, u"Band"_qs);
        auto all = list.chatSummaries();
        QVERIFY(all.ok());
        QCOMPARE(all->size(), 2);
        // A chat that is not stored.
        auto none = list.chatSummary(99);
        QVERIFY(!none.ok());
        QCOMPARE(none.error().code, ErrorCode::NoSuchConversation);
        // An empty chat has no last message.
        QVERIFY(store->conversations().upsertConversation(8, 3, u"carol"_qs).ok());
        QVERIFY(!list.chatSummary(8)->lastMessage);
    }

    void titlesFollowDisplayNames() {
        auto store = m_files.open();
        QVERIFY(store->conversations().upsertConversation(kConv, 2, u"bob"_qs).ok());
        ConversationInfo group;
        group.id = kGroup;
        group.kind = ConversationKind::Group;
        group.name = u"Band"_qs;
        group.members = {{1, u"alice"_qs, MemberRole::Admin, 0, 0, QString()},
                         {2, u"bob"_qs, MemberRole::Member, 0, 0, QString()}};
        QVERIFY(store->conversations().applyConversationInfo(group, kMe.userId).ok());
        ConversationInfo direct;
        direct.id = 8;
        direct.kind = ConversationKind::Direct;
        direct.peerUserId = 3;
        direct.peerUsername = u"carol"_qs;
        direct.peerDisplayName = u"Carol King"_qs;
        QVERIFY(store->conversations().applyConversationInfo(direct, kMe.userId).ok());
        QVERIFY(store->accounts().setDisplayName(2, u"Bobby"_qs).ok());
        ChatListReader &list = store->chatList();
        QCOMPARE(list.chatSummary(kConv)->title, u"Bobby"_qs);
        QCOMPARE(list.chatSummary(kGroup)->title, u"Band"_qs); // never a member's name
        QCOMPARE(list.chatSummary(8)->title, u"Carol King"_qs);
        QVERIFY(store->accounts().setDisplayName(2, QString()).ok());
        QCOMPARE(list.chatSummary(kConv)->title, u"bob"_qs);
    }

    void unreadNeedsToKnowWhoIAm() {
        // Before the first login no message is mine; after it, mine are never unread.
        const QString path = m_files.freshPath();
        auto opened = Storage::open(path, testMasterKey());
        QVERIFY(opened.ok());
        Storage &s = **opened;
        IncomingMessage mine = fromBob(1);
        mine.senderUserId = kMe.userId;
        mine.senderDeviceId = 12; // my other device
        QVERIFY(s.messages().storeIncoming({mine, fromBob(2)}, 5000, AccountSettings{}).ok());
        QCOMPARE(s.chatList().chatSummary(kConv)->unread, 2);
        QVERIFY(s.accounts().saveAccount(kMe).ok());
        QCOMPARE(s.chatList().chatSummary(kConv)->unread, 1);
    }
};

QTEST_GUILESS_MAIN(TestChatListReader)
#include "test_chat_list_reader.moc"
