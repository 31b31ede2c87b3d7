// LocalStore: schema creation, outbox persistence across reopen, de-duplication by
// (conversation, seq), ordered release, gap filling, and message state from receipt cursors.
#include "core/store/local_store.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::client;

namespace {
const AccountSettings kMe{QStringLiteral("ws://x"), 1, 11, QStringLiteral("alice"), {}};
constexpr quint64 kConv = 7;

IncomingMessage fromBob(quint64 seq, const QString &text = QString()) {
    IncomingMessage m;
    m.conversationId = kConv;
    m.seq = seq;
    m.senderUserId = 2;
    m.senderDeviceId = 22;
    m.senderUsername = QStringLiteral("bob");
    m.clientMessageId = QStringLiteral("bob-%1").arg(seq);
    m.text = text.isEmpty() ? QStringLiteral("m%1").arg(seq) : text;
    m.serverTimeMs = 1000 + qint64(seq);
    m.sentAtMs = 900 + qint64(seq);
    return m;
}

OutgoingDraft draft(const QString &id, const QString &text) {
    return OutgoingDraft{id, kConv, text, 123, text.toUtf8()};
}

constexpr quint64 kGroup = 40;

IncomingMessage groupEvent(quint64 seq, SystemEventKind kind, quint64 actor, quint64 target,
                           const QString &name = QString()) {
    static const QHash<quint64, QString> names = {
        {1, QStringLiteral("alice")}, {2, QStringLiteral("bob")}, {3, QStringLiteral("carol")}};
    IncomingMessage m;
    m.conversationId = kGroup;
    m.seq = seq;
    m.senderUserId = actor;
    m.senderDeviceId = actor * 11;
    m.senderUsername = names.value(actor);
    m.clientMessageId = QString(); // the server's events carry no client id
    m.serverTimeMs = 1000 + qint64(seq);
    SystemEvent e;
    e.kind = kind;
    e.actorUserId = actor;
    e.actorUsername = names.value(actor);
    e.targetUserId = target;
    e.targetUsername = names.value(target);
    e.name = name;
    m.event = e;
    return m;
}

IncomingMessage inGroup(IncomingMessage m) {
    m.conversationId = kGroup;
    return m;
}

QStringList memberNames(const QList<MemberRecord> &members) {
    QStringList out;
    for (const auto &m : members)
        out.append(m.username + (m.role == MemberRole::Admin ? QStringLiteral("*") : QString()));
    return out;
}

QList<quint64> seqs(const QList<MessageRecord> &rows) {
    QList<quint64> out;
    for (const auto &r : rows)
        out.append(r.seq);
    return out;
}
} // namespace

class TestLocalStore : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    int m_n = 0;
    QString freshPath() { return m_dir.filePath(QStringLiteral("s%1.sqlite").arg(++m_n)); }

    std::unique_ptr<LocalStore> openStore(const QString &path) {
        auto s = LocalStore::open(path);
        if (!s.ok())
            qFatal("open failed: %s", qPrintable(s.error().toString()));
        auto store = std::move(*s);
        if (!store->saveAccount(kMe).ok())
            qFatal("saveAccount failed");
        return store;
    }

private slots:
    void schemaIsCreatedAndVersioned() {
        const QString path = freshPath();
        auto store = openStore(path);
        QCOMPARE(store->schemaVersion(), LocalStore::kSchemaVersion);
        QCOMPARE(store->account()->username, QStringLiteral("alice"));
        QCOMPARE(store->account()->deviceId, quint64(11));
        store.reset();
        // A second open of the same file keeps the data and does not re-run migrations.
        auto again = openStore(path);
        QCOMPARE(again->schemaVersion(), LocalStore::kSchemaVersion);
        QCOMPARE(again->account()->userId, quint64(1));
    }

    void twoInstancesDoNotShareAConnection() {
        auto a = openStore(freshPath());
        auto b = openStore(freshPath());
        QVERIFY(a->upsertConversation(kConv, 2, QStringLiteral("bob")).ok());
        QVERIFY(a->conversation(kConv)->has_value());
        QVERIFY(!b->conversation(kConv)->has_value());
    }

    void outboxSurvivesReopenInOrder() {
        const QString path = freshPath();
        {
            auto store = openStore(path);
            QVERIFY(store
                        ->enqueueOutgoing(
                            {draft("c", "third?"), draft("a", "one"), draft("b", "two")}, kMe)
                        .ok());
        }
        auto store = openStore(path);
        auto box = store->outbox();
        QVERIFY(box.ok());
        QCOMPARE(box->size(), 3);
        QCOMPARE(box->at(0).clientMessageId, QStringLiteral("c"));
        QCOMPARE(box->at(1).clientMessageId, QStringLiteral("a"));
        QCOMPARE(box->at(2).clientMessageId, QStringLiteral("b"));
        QCOMPARE(box->at(1).payload, QByteArray("one"));
        auto hist = store->history(kConv, 10);
        QCOMPARE(hist->size(), 3);
        QCOMPARE(deriveState(hist->at(0), **store->conversation(kConv), kMe.userId),
                 MessageState::Pending);
    }

    void duplicatesAreStoredOnce() {
        auto store = openStore(freshPath());
        auto first = store->storeIncoming({fromBob(1), fromBob(2)}, 5000, kMe);
        QVERIFY(first.ok());
        QCOMPARE(first->size(), 1);
        QCOMPARE(first->at(0).inserted, 2);
        QCOMPARE(seqs(first->at(0).released), (QList<quint64>{1, 2}));

        auto second = store->storeIncoming({fromBob(2), fromBob(3), fromBob(3)}, 6000, kMe);
        QVERIFY(second.ok());
        QCOMPARE(second->at(0).inserted, 1);
        QCOMPARE(second->at(0).duplicates, 2);
        QCOMPARE(seqs(second->at(0).released), (QList<quint64>{3}));
        QCOMPARE(store->history(kConv, 100)->size(), 3);
        QCOMPARE((*store->conversation(kConv))->lastContiguousSeq, quint64(3));
        // The peer became known from its first message.
        QCOMPARE((*store->conversation(kConv))->peerUsername, QStringLiteral("bob"));
    }

    void heldMessagesAreReleasedInOrder() {
        auto store = openStore(freshPath());
        auto a = store->storeIncoming({fromBob(1), fromBob(3), fromBob(4)}, 1, kMe);
        QCOMPARE(seqs(a->at(0).released), (QList<quint64>{1}));
        QVERIFY(a->at(0).hasHeld);
        auto holes = store->holes();
        QCOMPARE(holes->size(), 1);
        QCOMPARE(holes->at(0).afterSeq, quint64(1));
        QCOMPARE(holes->at(0).untilSeq, quint64(2));
        auto b = store->storeIncoming({fromBob(2)}, 2, kMe);
        QCOMPARE(seqs(b->at(0).released), (QList<quint64>{2, 3, 4}));
        QVERIFY(!b->at(0).hasHeld);
        QVERIFY(store->holes()->isEmpty());
    }

    void fillGapSkipsUnavailableSeqs() {
        auto store = openStore(freshPath());
        QVERIFY(
            store->storeIncoming({fromBob(1), fromBob(5), fromBob(6), fromBob(9)}, 1, kMe).ok());
        auto adv = store->fillGap(kConv, 4);
        QVERIFY(adv.ok());
        QCOMPARE(adv->previousContiguousSeq, quint64(1));
        QCOMPARE(adv->lastContiguousSeq, quint64(6));
        QCOMPARE(seqs(adv->released), (QList<quint64>{5, 6}));
        QVERIFY(adv->hasHeld);
        QCOMPARE(store->holes()->at(0).afterSeq, quint64(6));
        QCOMPARE(store->holes()->at(0).untilSeq, quint64(8));
        // Anything at or below the contiguous seq that arrives late is a duplicate.
        auto late = store->storeIncoming({fromBob(3)}, 2, kMe);
        QCOMPARE(late->at(0).duplicates, 1);
        QCOMPARE(late->at(0).inserted, 0);
    }

    void sendAckAdvancesAndStateFollowsCursors() {
        auto store = openStore(freshPath());
        QVERIFY(store->enqueueOutgoing({draft("x", "hi"), draft("y", "there")}, kMe).ok());
        // Acks out of order: y (seq 2) is held until x (seq 1) arrives.
        auto ay = store->applySendAck(QStringLiteral("y"), kConv, 2, 77);
        QCOMPARE(ay->lastContiguousSeq, quint64(0));
        auto ax = store->applySendAck(QStringLiteral("x"), kConv, 1, 76);
        QCOMPARE(ax->lastContiguousSeq, quint64(2));
        QVERIFY(ax->released.isEmpty()); // my own messages are not "received"
        QCOMPARE(*store->outboxSize(), 0);

        auto state = [&](int i) {
            auto rows = store->history(kConv, 10);
            return deriveState(rows->at(i), **store->conversation(kConv), kMe.userId);
        };
        QCOMPARE(state(0), MessageState::Stored);
        QCOMPARE(*store->updatePeerCursors(kConv, 1, 0), true);
        QCOMPARE(state(0), MessageState::Delivered);
        QCOMPARE(state(1), MessageState::Stored);
        QCOMPARE(*store->updatePeerCursors(kConv, 2, 1), true);
        QCOMPARE(state(0), MessageState::Read);
        QCOMPARE(state(1), MessageState::Delivered);
        // Cursors never move back.
        QCOMPARE(*store->updatePeerCursors(kConv, 1, 0), false);
        QCOMPARE(state(0), MessageState::Read);
        // Incoming messages are "received" whatever the cursors say.
        QVERIFY(store->storeIncoming({fromBob(3)}, 1, kMe).ok());
        QCOMPARE(state(2), MessageState::Received);
    }

    void myOwnEchoConfirmsThePendingRow() {
        auto store = openStore(freshPath());
        QVERIFY(store->enqueueOutgoing({draft("mine", "hello")}, kMe).ok());
        IncomingMessage echo;
        echo.conversationId = kConv;
        echo.seq = 1;
        echo.senderUserId = kMe.userId;
        echo.senderDeviceId = kMe.deviceId;
        echo.clientMessageId = QStringLiteral("mine");
        echo.text = QStringLiteral("hello");
        auto adv = store->storeIncoming({echo}, 1, kMe);
        QCOMPARE(adv->at(0).confirmedOwn.size(), 1);
        QCOMPARE(adv->at(0).confirmedOwn.at(0).second, quint64(1));
        QCOMPARE(*store->outboxSize(), 0);
        QCOMPARE(store->history(kConv, 10)->size(), 1);
        QVERIFY(store->unnotified(10)->isEmpty());
        // The late ack for the same message is harmless.
        QVERIFY(store->applySendAck(QStringLiteral("mine"), kConv, 1, 5).ok());
        QCOMPARE(store->history(kConv, 10)->at(0).seq, quint64(1));
    }

    void unnotifiedOnlyContiguousAndOnce() {
        auto store = openStore(freshPath());
        QVERIFY(store->storeIncoming({fromBob(1), fromBob(2), fromBob(4)}, 1, kMe).ok());
        auto rows = store->unnotified(10);
        QCOMPARE(seqs(*rows), (QList<quint64>{1, 2})); // 4 is held behind the hole
        QVERIFY(store->markNotified({rows->at(0).rowId}).ok());
        QCOMPARE(seqs(*store->unnotified(10)), (QList<quint64>{2}));
        QCOMPARE(seqs(*store->unnotified(0)), QList<quint64>{});
    }

    void failedSendLeavesOutbox() {
        auto store = openStore(freshPath());
        QVERIFY(store->enqueueOutgoing({draft("f", "x")}, kMe).ok());
        QVERIFY(store->markFailed(QStringLiteral("f")).ok());
        QCOMPARE(*store->outboxSize(), 0);
        auto row = store->history(kConv, 10)->at(0);
        QCOMPARE(deriveState(row, **store->conversation(kConv), kMe.userId), MessageState::Failed);
    }

    void version1DatabaseMigratesToGroups() {
        const QString path = freshPath();
        {
            // The shipped v1 schema with one 1:1 conversation and one message.
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), u"v1"_qs);
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            for (const char *sql :
                 {"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                  "CREATE TABLE conversations (id INTEGER PRIMARY KEY, peer_user_id INTEGER NOT"
                  " NULL DEFAULT 0, peer_username TEXT NOT NULL DEFAULT '', last_contiguous_seq"
                  " INTEGER NOT NULL DEFAULT 0, peer_delivered_seq INTEGER NOT NULL DEFAULT 0,"
                  " peer_read_seq INTEGER NOT NULL DEFAULT 0, my_read_seq INTEGER NOT NULL"
                  " DEFAULT 0)",
                  "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                  " client_message_id TEXT NOT NULL, conversation_id INTEGER NOT NULL, seq"
                  " INTEGER, sender_user_id INTEGER NOT NULL, sender_device_id INTEGER NOT NULL"
                  " DEFAULT 0, sender_username TEXT NOT NULL DEFAULT '', text TEXT NOT NULL,"
                  " sent_at_ms INTEGER NOT NULL DEFAULT 0, server_time_ms INTEGER,"
                  " received_at_ms INTEGER, outgoing INTEGER NOT NULL DEFAULT 0, failed INTEGER"
                  " NOT NULL DEFAULT 0, notified INTEGER NOT NULL DEFAULT 0, UNIQUE"
                  " (conversation_id, seq), UNIQUE (client_message_id, sender_user_id,"
                  " sender_device_id))",
                  "CREATE TABLE outbox (client_message_id TEXT PRIMARY KEY, conversation_id"
                  " INTEGER NOT NULL, payload BLOB NOT NULL, created_at_ms INTEGER NOT NULL)",
                  "INSERT INTO settings VALUES ('user_id', '1')",
                  "INSERT INTO conversations(id, peer_user_id, peer_username,"
                  " last_contiguous_seq) VALUES (7, 2, 'bob', 1)",
                  "INSERT INTO messages(client_message_id, conversation_id, seq, sender_user_id,"
                  " text) VALUES ('b1', 7, 1, 2, 'hi')",
                  "PRAGMA user_version = 1"})
                QVERIFY2(q.exec(QString::fromLatin1(sql)), qPrintable(q.lastError().text()));
            db.close();
        }
        QSqlDatabase::removeDatabase(u"v1"_qs);
        auto store = LocalStore::open(path);
        QVERIFY(store.ok());
        QCOMPARE((*store)->schemaVersion(), LocalStore::kSchemaVersion);
        auto c = (*store)->conversation(kConv);
        QVERIFY(c.ok() && c->has_value());
        QCOMPARE((*c)->kind, ConversationKind::Direct);
        QCOMPARE((*c)->peerUsername, QStringLiteral("bob"));
        auto rows = (*store)->history(kConv, 10);
        QCOMPARE(rows->size(), 1);
        QVERIFY(!rows->at(0).event);
        QCOMPARE(rows->at(0).text, QStringLiteral("hi"));
        QVERIFY((*store)->conversationWithPeer(QStringLiteral("bob"))->has_value());
    }

    void groupInfoReplacesMembers() {
        auto store = openStore(freshPath());
        ConversationInfo info;
        info.id = kGroup;
        info.kind = ConversationKind::Group;
        info.name = QStringLiteral("Climbing");
        info.lastSeq = 1;
        info.members = {{1, u"alice"_qs, MemberRole::Admin, 1, 1, {}},
                        {2, u"bob"_qs, MemberRole::Member, 0, 0, {}},
                        {3, u"carol"_qs, MemberRole::Member, 0, 0, {}}};
        QVERIFY(store->applyConversationInfo(info, kMe.userId).ok());
        auto c = **store->conversation(kGroup);
        QCOMPARE(c.kind, ConversationKind::Group);
        QCOMPARE(c.name, QStringLiteral("Climbing"));
        QVERIFY(c.isMember);
        QCOMPARE(memberNames(*store->members(kGroup)),
                 (QStringList{u"alice*"_qs, u"bob"_qs, u"carol"_qs}));
        // A group never answers for a peer.
        QVERIFY(!store->conversationWithPeer(QStringLiteral("bob"))->has_value());
        info.members.removeLast();
        QVERIFY(store->applyConversationInfo(info, kMe.userId).ok());
        QCOMPARE(memberNames(*store->members(kGroup)), (QStringList{u"alice*"_qs, u"bob"_qs}));
    }

    void systemEventsAreHistoryAndChangeTheGroup() {
        auto store = openStore(freshPath());
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
        auto adv = store->storeIncoming(batch.mid(0, 3), 5000, kMe);
        QVERIFY(adv.ok());
        QVERIFY(!adv->at(0).groupChanged);
        QVERIFY(adv->at(0).hasHeld);
        adv = store->storeIncoming(batch.mid(3), 5000, kMe);
        QVERIFY(adv.ok());
        QCOMPARE(adv->at(0).lastContiguousSeq, quint64(7));
        QVERIFY(adv->at(0).groupChanged);
        QCOMPARE(adv->at(0).released.size(), 7); // events are released like messages

        auto c = **store->conversation(kGroup);
        QCOMPARE(c.kind, ConversationKind::Group); // known from the events alone
        QCOMPARE(c.name, QStringLiteral("Bouldering"));
        QCOMPARE(c.peerUserId, quint64(0));
        QVERIFY(c.isMember);
        QCOMPARE(memberNames(*store->members(kGroup)), (QStringList{u"carol*"_qs, u"alice"_qs}));

        auto rows = *store->history(kGroup, 100);
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
        QCOMPARE(*store->unreadCount(kGroup), 1);

        // Being removed ends my membership; the history stays.
        QVERIFY(
            store->storeIncoming({groupEvent(8, SystemEventKind::MemberRemoved, 3, 1)}, 6000, kMe)
                .ok());
        c = **store->conversation(kGroup);
        QVERIFY(!c.isMember);
        QCOMPARE(store->history(kGroup, 100)->size(), 8);
    }

    void eventsInsideTheInfoSnapshotAreNotReapplied() {
        auto store = openStore(freshPath());
        ConversationInfo info;
        info.id = kGroup;
        info.kind = ConversationKind::Group;
        info.name = u"G"_qs;
        info.lastSeq = 3; // bob was removed at 2 and added again at 3
        info.members = {{1, u"alice"_qs, MemberRole::Admin, 0, 0, {}},
                        {2, u"bob"_qs, MemberRole::Member, 0, 0, {}}};
        QVERIFY(store->applyConversationInfo(info, kMe.userId).ok());
        QVERIFY(store
                    ->storeIncoming({groupEvent(1, SystemEventKind::Created, 1, 0, u"G"_qs),
                                     groupEvent(2, SystemEventKind::MemberRemoved, 1, 2),
                                     groupEvent(3, SystemEventKind::MemberAdded, 1, 2)},
                                    5000, kMe)
                    .ok());
        QCOMPARE(memberNames(*store->members(kGroup)), (QStringList{u"alice*"_qs, u"bob"_qs}));
        QVERIFY(
            store->storeIncoming({groupEvent(4, SystemEventKind::MemberRemoved, 1, 2)}, 5000, kMe)
                .ok());
        QCOMPARE(memberNames(*store->members(kGroup)), (QStringList{u"alice*"_qs}));
    }

    void groupTicksFollowTheAllMemberCursors() {
        auto store = openStore(freshPath());
        ConversationInfo info;
        info.id = kGroup;
        info.kind = ConversationKind::Group;
        info.members = {{1, u"alice"_qs, MemberRole::Admin, 0, 0, {}},
                        {2, u"bob"_qs, MemberRole::Member, 0, 0, {}},
                        {3, u"carol"_qs, MemberRole::Member, 0, 0, {}}};
        QVERIFY(store->applyConversationInfo(info, kMe.userId).ok());
        OutgoingDraft d{u"mine"_qs, kGroup, u"hello all"_qs, 123, QByteArray("x")};
        QVERIFY(store->enqueueOutgoing({d}, kMe).ok());
        QVERIFY(store->applySendAck(u"mine"_qs, kGroup, 1, 5000).ok());
        auto state = [&] {
            return deriveState(store->history(kGroup, 1)->at(0), **store->conversation(kGroup),
                               kMe.userId);
        };
        QCOMPARE(state(), MessageState::Stored);
        // Bob alone has it: not yet two ticks (carol is missing), though his cursor is kept.
        auto e = store->applyReceipt(kGroup, 2, 1, 1, 0, 0, kMe.userId);
        QVERIFY(e.ok());
        QVERIFY(!e->ticksChanged);
        QCOMPARE(state(), MessageState::Stored);
        QCOMPARE(store->members(kGroup)->at(1).readSeq, quint64(1)); // bob
        e = store->applyReceipt(kGroup, 3, 1, 0, 1, 0, kMe.userId);
        QVERIFY(e->ticksChanged);
        QCOMPARE(state(), MessageState::Delivered);
        e = store->applyReceipt(kGroup, 3, 1, 1, 1, 1, kMe.userId);
        QVERIFY(e->ticksChanged);
        QCOMPARE(state(), MessageState::Read);
        // Never backwards (a new member's cursors can lower the minimum).
        e = store->applyReceipt(kGroup, 4, 0, 0, 0, 0, kMe.userId);
        QVERIFY(!e->ticksChanged);
        QCOMPARE(state(), MessageState::Read);
    }

    void myOtherDeviceReadingMovesMyCursor() {
        auto store = openStore(freshPath());
        QVERIFY(store->storeIncoming({fromBob(1), fromBob(2), fromBob(3)}, 5000, kMe).ok());
        QCOMPARE(*store->unreadCount(kConv), 3);
        auto e = store->applyReceipt(kConv, kMe.userId, 2, 2, 0, 0, kMe.userId);
        QVERIFY(e.ok());
        QVERIFY(e->myReadChanged);
        QVERIFY(!e->ticksChanged);
        QCOMPARE((*store->conversation(kConv))->myReadSeq, quint64(2));
        QCOMPARE((*store->conversation(kConv))->peerReadSeq, quint64(0)); // not the peer's
        QCOMPARE(*store->unreadCount(kConv), 1);
        e = store->applyReceipt(kConv, kMe.userId, 1, 1, 0, 0, kMe.userId);
        QVERIFY(!e->myReadChanged);
    }

    void messagesFromMyOtherDeviceAreShownAsMine() {
        auto store = openStore(freshPath());
        IncomingMessage m = fromBob(1, u"from my phone"_qs);
        m.senderUserId = kMe.userId;
        m.senderDeviceId = 12; // another device of mine
        m.senderUsername = kMe.username;
        auto adv = store->storeIncoming({m}, 5000, kMe);
        QVERIFY(adv.ok());
        QCOMPARE(adv->at(0).released.size(), 1); // this device has not seen it yet
        QVERIFY(adv->at(0).unknownKind);         // nobody told it what the conversation is
        auto c = **store->conversation(kConv);
        QCOMPARE(c.peerUserId, quint64(0)); // I am not my own peer
        QCOMPARE(deriveState(store->history(kConv, 1)->at(0), c, kMe.userId), MessageState::Stored);
        QCOMPARE(*store->unreadCount(kConv), 0);
    }

    void anotherAccountDropsTheCache() {
        auto store = openStore(freshPath());
        QVERIFY(store->storeIncoming({fromBob(1)}, 1, kMe).ok());
        QVERIFY(store->enqueueOutgoing({draft("o", "x")}, kMe).ok());
        AccountSettings same = kMe;
        same.deviceId = 12; // same user, new device: keep the cache
        QVERIFY(store->saveAccount(same).ok());
        QCOMPARE(store->history(kConv, 10)->size(), 2);
        AccountSettings other{QStringLiteral("ws://x"), 3, 33, QStringLiteral("carol"), {}};
        QVERIFY(store->saveAccount(other).ok());
        QVERIFY(store->history(kConv, 10)->isEmpty());
        QCOMPARE(*store->outboxSize(), 0);
        QVERIFY(store->conversations()->isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestLocalStore)
#include "test_local_store.moc"
