// ConversationStore: conversations and their peers, group info and members, system events
// applied to the group in seq order, receipt cursors (peer, all members, mine) and receipt times.
#include "store_fixture.h"

#include "core/store/conversation_store.h"
#include "core/store/message_store.h"

#include <algorithm>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

class TestConversationStore : public QObject {
    Q_OBJECT
private:
    StoreFiles m_files;

private slots:
    void aConversationKeepsItsPeerAndCursorsOnlyMoveForward() {
        auto store = m_files.open();
        ConversationStore &c = store->conversations();
        QVERIFY(c.upsertConversation(kConv, 2, u"Bob"_qs).ok());
        QCOMPARE((*c.conversation(kConv))->peerUsername, u"bob"_qs); // normalized
        QVERIFY(c.upsertConversation(kConv, 0, QString()).ok());     // never erased
        QCOMPARE((*c.conversation(kConv))->peerUserId, quint64(2));
        QVERIFY(!c.conversation(99)->has_value());
        QCOMPARE(*c.updatePeerCursors(kConv, 1, 0), true);
        QCOMPARE(*c.updatePeerCursors(kConv, 0, 2), true); // read implies delivered
        QCOMPARE((*c.conversation(kConv))->peerDeliveredSeq, quint64(2));
        QCOMPARE(*c.updatePeerCursors(kConv, 1, 1), false);
        QCOMPARE(*c.updateMyReadSeq(kConv, 3), true);
        QCOMPARE(*c.updateMyReadSeq(kConv, 2), false);
        QCOMPARE((*c.conversation(kConv))->myReadSeq, quint64(3));
        QVERIFY(!c.conversationWithPeer(u"bob"_qs)->has_value()); // not known as a 1:1 yet
        QVERIFY(c.setConversationKind(kConv, ConversationKind::Direct).ok());
        QCOMPARE((*c.conversationWithPeer(u" BOB"_qs))->id, kConv);
        QCOMPARE(c.conversations()->size(), 1);
    }

    void conversationInfoCarriesDisplayNames() {
        auto store = m_files.open();
        ConversationStore &c = store->conversations();
        QVERIFY(c.upsertConversation(kConv, 2, u"bob"_qs).ok());
        QCOMPARE((*c.conversation(kConv))->displayName, QString());
        QCOMPARE((*c.conversation(kConv))->title(), u"bob"_qs);
        QVERIFY(store->accounts().setDisplayName(2, u"Bob Marley"_qs).ok());
        QCOMPARE((*c.conversation(kConv))->title(), u"Bob Marley"_qs);
        QCOMPARE(c.conversations()->at(0).displayName, u"Bob Marley"_qs);

        ConversationInfo info;
        info.id = kGroup;
        info.kind = ConversationKind::Group;
        info.name = u"Band"_qs;
        info.lastSeq = 1;
        info.members = {{1, u"alice"_qs, MemberRole::Admin, 0, 0, QString()},
                        {2, u"bob"_qs, MemberRole::Member, 0, 0, QString()},
                        {3, u"carol"_qs, MemberRole::Member, 0, 0, u"Carol K"_qs}};
        QVERIFY(c.applyConversationInfo(info, kMe.userId).ok());
        auto members = *c.members(kGroup);
        QCOMPARE(members.size(), 3);
        QCOMPARE(members.at(1).displayName, u"Bob Marley"_qs); // an empty one erases nothing
        QCOMPARE(members.at(2).displayName, u"Carol K"_qs);
        QCOMPARE((*c.conversation(kGroup))->displayName, QString()); // groups have none
        QCOMPARE((*c.conversation(kGroup))->title(), u"Band"_qs);

        // A 1:1's info carries the peer's display name.
        ConversationInfo direct;
        direct.id = 8;
        direct.kind = ConversationKind::Direct;
        direct.peerUserId = 3;
        direct.peerUsername = u"carol"_qs;
        direct.peerDisplayName = u"Carol King"_qs;
        QVERIFY(c.applyConversationInfo(direct, kMe.userId).ok());
        QCOMPARE((*c.conversation(8))->displayName, u"Carol King"_qs);
        QCOMPARE((*c.conversation(8))->kind, ConversationKind::Direct);
        // A conversation without id is a bad frame, and changes nothing.
        auto bad = c.applyConversationInfo(ConversationInfo{}, kMe.userId);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, ErrorCode::BadFrame);
        QCOMPARE(c.conversations()->size(), 3);
    }

    void groupInfoReplacesMembers() {
        auto store = m_files.open();
        ConversationInfo info;
        info.id = kGroup;
        info.kind = ConversationKind::Group;
        info.name = QStringLiteral("Climbing");
        info.lastSeq = 1;
        info.members = {{1, u"alice"_qs, MemberRole::Admin, 1, 1, {}},
                        {2, u"bob"_qs, MemberRole::Member, 0, 0, {}},
                        {3, u"carol"_qs, MemberRole::Member, 0, 0, {}}};
        QVERIFY(store->conversations().applyConversationInfo(info, kMe.userId).ok());
        auto c = **store->conversations().conversation(kGroup);
        QCOMPARE(c.kind, ConversationKind::Group);
        QCOMPARE(c.name, QStringLiteral("Climbing"));
        QVERIFY(c.isMember);
        QCOMPARE(memberNames(*store->conversations().members(kGroup)),
                 (QStringList{u"alice*"_qs, u"bob"_qs, u"carol"_qs}));
        // A group never answers for a peer.
        QVERIFY(!store->conversations().conversationWithPeer(QStringLiteral("bob"))->has_value());
        info.members.removeLast();
        QVERIFY(store->conversations().applyConversationInfo(info, kMe.userId).ok());
        QCOMPARE(memberNames(*store->conversations().members(kGroup)),
                 (QStringList{u"alice*"_qs, u"bob"_qs}));
    }

    void systemEventsAreHistoryAndChangeTheGroup() {
        auto store = m_files.open();
        QList<IncomingMessage> batch = {
            groupEvent(1, SystemEventKind::Created, 2, 0, u"Climbing"_qs),
            groupEvent(2, SystemEventKind::MemberAdded, 2, 1),
            groupEvent(3, SystemEventKind::MemberAdded, 2, 3),
            inGroup(fromBob(4, u"welcome"_qs)),
            groupEvent(5, SystemEventKind::AdminGranted, 2, 3),
            groupEvent(6, SystemEventKind::Renamed, 3, 0, u"Bouldering"_qs),
            groupEvent(7, SystemEventKind::MemberLeft, 2, 2),
        };
        // Out of order: events apply in seq order once contiguous.
        std::reverse(batch.begin(), batch.end());
        auto adv = store->messages().storeIncoming(batch.mid(0, 3), 5000, kMe);
        QVERIFY(adv.ok());
        QVERIFY(!adv->at(0).groupChanged);
        QVERIFY(adv->at(0).hasHeld);
        adv = store->messages().storeIncoming(batch.mid(3), 5000, kMe);
        QVERIFY(adv.ok());
        QCOMPARE(adv->at(0).lastContiguousSeq, quint64(7));
        QVERIFY(adv->at(0).groupChanged);
        QCOMPARE(adv->at(0).released.size(), 7); // events are released like messages

        auto c = **store->conversations().conversation(kGroup);
        QCOMPARE(c.kind, ConversationKind::Group); // known from the events alone
        QCOMPARE(c.name, QStringLiteral("Bouldering"));
        QCOMPARE(c.peerUserId, quint64(0));
        QVERIFY(c.isMember);
        QCOMPARE(memberNames(*store->conversations().members(kGroup)),
                 (QStringList{u"carol*"_qs, u"alice"_qs}));

        auto rows = *store->messages().history(kGroup, 100);
        QCOMPARE(seqs(rows), (QList<quint64>{1, 2, 3, 4, 5, 6, 7}));
        QVERIFY(rows[0].event);
        QCOMPARE(rows[0].event->kind, SystemEventKind::Created);
        QCOMPARE(rows[0].event->name, QStringLiteral("Climbing"));
        QCOMPARE(rows[2].event->targetUsername, QStringLiteral("carol"));
        QCOMPARE(rows[2].event->actorUsername, QStringLiteral("bob"));
        QVERIFY(!rows[3].event);
        QCOMPARE(rows[3].text, QStringLiteral("welcome"));
        QCOMPARE(QString::fromLatin1(systemEventName(rows[6].event->kind)), u"member_left"_qs);
        QCOMPARE(deriveState(rows[1], c, kMe.userId), MessageState::Received);
        // Unread counts messages only.
        QCOMPARE(*store->messages().unreadCount(kGroup), 1);

        // Being removed ends my membership; the history stays.
        QVERIFY(store->messages()
                    .storeIncoming({groupEvent(8, SystemEventKind::MemberRemoved, 3, 1)}, 6000, kMe)
                    .ok());
        c = **store->conversations().conversation(kGroup);
        QVERIFY(!c.isMember);
        QCOMPARE(store->messages().history(kGroup, 100)->size(), 8);
    }

    void eventsInsideTheInfoSnapshotAreNotReapplied() {
        auto store = m_files.open();
        ConversationInfo info;
        info.id = kGroup;
        info.kind = ConversationKind::Group;
        info.name = u"G"_qs;
        info.lastSeq = 3; // bob was removed at 2 and added again at 3
        info.members = {{1, u"alice"_qs, MemberRole::Admin, 0, 0, {}},
                        {2, u"bob"_qs, MemberRole::Member, 0, 0, {}}};
        QVERIFY(store->conversations().applyConversationInfo(info, kMe.userId).ok());
        QVERIFY(store->messages()
                    .storeIncoming({groupEvent(1, SystemEventKind::Created, 1, 0, u"G"_qs),
                                    groupEvent(2, SystemEventKind::MemberRemoved, 1, 2),
                                    groupEvent(3, SystemEventKind::MemberAdded, 1, 2)},
                                   5000, kMe)
                    .ok());
        QCOMPARE(memberNames(*store->conversations().members(kGroup)),
                 (QStringList{u"alice*"_qs, u"bob"_qs}));
        QVERIFY(store->messages()
                    .storeIncoming({groupEvent(4, SystemEventKind::MemberRemoved, 1, 2)}, 5000, kMe)
                    .ok());
        QCOMPARE(memberNames(*store->conversations().members(kGroup)), (QStringList{u"alice*"_qs}));
    }

    void groupTicksFollowTheAllMemberCursors() {
        auto store = m_files.open();
        ConversationInfo info;
        info.id = kGroup;
        info.kind = ConversationKind::Group;
        info.members = {{1, u"alice"_qs, MemberRole::Admin, 0, 0, {}},
                        {2, u"bob"_qs, MemberRole::Member, 0, 0, {}},
                        {3, u"carol"_qs, MemberRole::Member, 0, 0, {}}};
        QVERIFY(store->conversations().applyConversationInfo(info, kMe.userId).ok());
        OutgoingDraft d{u"mine"_qs, kGroup, u"hello all"_qs, 123, QByteArray("x")};
        QVERIFY(store->messages().enqueueOutgoing({d}, kMe).ok());
        QVERIFY(store->messages().applySendAck(u"mine"_qs, kGroup, 1, 5000).ok());
        auto state = [&] {
            return deriveState(store->messages().history(kGroup, 1)->at(0),
                               **store->conversations().conversation(kGroup), kMe.userId);
        };
        QCOMPARE(state(), MessageState::Stored);
        // Bob alone has it: not yet two ticks (carol is missing), though his cursor is kept.
        auto e = store->conversations().applyReceipt(kGroup, 2, 1, 1, 0, 0, kMe.userId);
        QVERIFY(e.ok());
        QVERIFY(!e->ticksChanged);
        QCOMPARE(state(), MessageState::Stored);
        QCOMPARE(store->conversations().members(kGroup)->at(1).readSeq, quint64(1)); // bob
        e = store->conversations().applyReceipt(kGroup, 3, 1, 0, 1, 0, kMe.userId);
        QVERIFY(e->ticksChanged);
        QCOMPARE(state(), MessageState::Delivered);
        e = store->conversations().applyReceipt(kGroup, 3, 1, 1, 1, 1, kMe.userId);
        QVERIFY(e->ticksChanged);
        QCOMPARE(state(), MessageState::Read);
        // Never backwards (a new member's cursors can lower the minimum).
        e = store->conversations().applyReceipt(kGroup, 4, 0, 0, 0, 0, kMe.userId);
        QVERIFY(!e->ticksChanged);
        QCOMPARE(state(), MessageState::Read);
    }

    void myOtherDeviceReadingMovesMyCursor() {
        auto store = m_files.open();
        QVERIFY(
            store->messages().storeIncoming({fromBob(1), fromBob(2), fromBob(3)}, 5000, kMe).ok());
        QCOMPARE(*store->messages().unreadCount(kConv), 3);
        auto e = store->conversations().applyReceipt(kConv, kMe.userId, 2, 2, 0, 0, kMe.userId);
        QVERIFY(e.ok());
        QVERIFY(e->myReadChanged);
        QVERIFY(!e->ticksChanged);
        QCOMPARE((*store->conversations().conversation(kConv))->myReadSeq, quint64(2));
        QCOMPARE((*store->conversations().conversation(kConv))->peerReadSeq,
                 quint64(0)); // not the peer's
        QCOMPARE(*store->messages().unreadCount(kConv), 1);
        e = store->conversations().applyReceipt(kConv, kMe.userId, 1, 1, 0, 0, kMe.userId);
        QVERIFY(!e->myReadChanged);
    }

    void receiptTimesAreTheFirstAdvanceCoveringASeq() {
        auto store = m_files.open();
        ConversationInfo info;
        info.id = kGroup;
        info.kind = ConversationKind::Group;
        info.name = u"Band"_qs;
        info.members = {{1, u"alice"_qs, MemberRole::Admin, 0, 0, QString()},
                        {2, u"bob"_qs, MemberRole::Member, 0, 0, u"Bobby"_qs},
                        {3, u"carol"_qs, MemberRole::Member, 0, 0, QString()}};
        QVERIFY(store->conversations().applyConversationInfo(info, kMe.userId).ok());
        QVERIFY(store->conversations().recordReceiptTime(kGroup, 2, 3, 0, 100).ok());
        QVERIFY(store->conversations().recordReceiptTime(kGroup, 2, 5, 2, 200).ok());
        QVERIFY(store->conversations()
                    .recordReceiptTime(kGroup, 2, 5, 2, 250)
                    .ok()); // no advance: no row
        QVERIFY(store->conversations()
                    .recordReceiptTime(kGroup, 2, 4, 5, 300)
                    .ok()); // read 5 (delivered too)
        QVERIFY(store->conversations().recordReceiptTime(kGroup, 3, 4, 0, 150).ok());
        QVERIFY(
            store->conversations().recordReceiptTime(kGroup, 1, 9, 9, 50).ok()); // me: never listed
        auto times = store->conversations().receiptTimes(kGroup, 4);
        QVERIFY(times.ok());
        QCOMPARE(times->size(), 2);
        QCOMPARE(times->at(0).username, u"bob"_qs);
        QCOMPARE(times->at(0).displayName, u"Bobby"_qs);
        QCOMPARE(times->at(0).deliveredAtMs, qint64(200));
        QCOMPARE(times->at(0).readAtMs, qint64(300));
        QCOMPARE(times->at(1).username, u"carol"_qs);
        QCOMPARE(times->at(1).deliveredAtMs, qint64(150));
        QCOMPARE(times->at(1).readAtMs, qint64(0)); // not read yet
        auto early = *store->conversations().receiptTimes(kGroup, 2);
        QCOMPARE(early.at(0).deliveredAtMs, qint64(100));
        QCOMPARE(early.at(0).readAtMs, qint64(200));
        auto late = *store->conversations().receiptTimes(kGroup, 6);
        QCOMPARE(late.at(0).deliveredAtMs, qint64(0));

        // A 1:1 lists the peer.
        QVERIFY(store->conversations().upsertConversation(kConv, 2, u"bob"_qs).ok());
        QVERIFY(store->conversations().recordReceiptTime(kConv, 2, 1, 1, 77).ok());
        auto direct = *store->conversations().receiptTimes(kConv, 1);
        QCOMPARE(direct.size(), 1);
        QCOMPARE(direct.at(0).userId, quint64(2));
        QCOMPARE(direct.at(0).readAtMs, qint64(77));
        QCOMPARE(direct.at(0).deliveredAtMs, qint64(77));
    }

    void receiptTimesArePruned() {
        auto store = m_files.open();
        QVERIFY(store->conversations().upsertConversation(kConv, 2, u"bob"_qs).ok());
        const int n = ConversationStore::kReceiptTimesKept + 50;
        for (int i = 1; i <= n; ++i)
            QVERIFY(store->conversations()
                        .recordReceiptTime(kConv, 2, quint64(i), quint64(i), 1000 + i)
                        .ok());
        const QString count = u"SELECT COUNT(*) FROM receipt_times"_qs;
        QCOMPARE(scalar(store->database(), count).toInt(), ConversationStore::kReceiptTimesKept);
        // A pruned advance's time is unknown (0), never a later one's; kept ones stay exact.
        QCOMPARE(store->conversations().receiptTimes(kConv, 10)->at(0).deliveredAtMs, qint64(0));
        QCOMPARE(store->conversations().receiptTimes(kConv, quint64(n))->at(0).readAtMs,
                 qint64(1000 + n));
        QCOMPARE(store->conversations().receiptTimes(kConv, 51)->at(0).readAtMs, qint64(1051));
        // An old cursor (below the pruned ones) adds no row.
        QVERIFY(store->conversations().recordReceiptTime(kConv, 2, 5, 5, 9).ok());
        QCOMPARE(scalar(store->database(), count).toInt(), ConversationStore::kReceiptTimesKept);
    }
};

QTEST_GUILESS_MAIN(TestConversationStore)
#include "test_conversation_store.moc"
