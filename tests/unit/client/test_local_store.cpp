// LocalStore: schema creation, outbox persistence across reopen, de-duplication by
// (conversation, seq), ordered release, gap filling, and message state from receipt cursors.
#include "core/store/local_store.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::client;

namespace {
const AccountSettings kMe{QStringLiteral("ws://x"), 1, 11, QStringLiteral("alice")};
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
        store->storeIncoming({fromBob(1), fromBob(5), fromBob(6), fromBob(9)}, 1, kMe);
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
        store->storeIncoming({fromBob(3)}, 1, kMe);
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
        store->storeIncoming({fromBob(1), fromBob(2), fromBob(4)}, 1, kMe);
        auto rows = store->unnotified(10);
        QCOMPARE(seqs(*rows), (QList<quint64>{1, 2})); // 4 is held behind the hole
        QVERIFY(store->markNotified({rows->at(0).rowId}).ok());
        QCOMPARE(seqs(*store->unnotified(10)), (QList<quint64>{2}));
        QCOMPARE(seqs(*store->unnotified(0)), QList<quint64>{});
    }

    void failedSendLeavesOutbox() {
        auto store = openStore(freshPath());
        store->enqueueOutgoing({draft("f", "x")}, kMe);
        QVERIFY(store->markFailed(QStringLiteral("f")).ok());
        QCOMPARE(*store->outboxSize(), 0);
        auto row = store->history(kConv, 10)->at(0);
        QCOMPARE(deriveState(row, **store->conversation(kConv), kMe.userId), MessageState::Failed);
    }

    void anotherAccountDropsTheCache() {
        auto store = openStore(freshPath());
        store->storeIncoming({fromBob(1)}, 1, kMe);
        store->enqueueOutgoing({draft("o", "x")}, kMe);
        AccountSettings same = kMe;
        same.deviceId = 12; // same user, new device: keep the cache
        QVERIFY(store->saveAccount(same).ok());
        QCOMPARE(store->history(kConv, 10)->size(), 2);
        AccountSettings other{QStringLiteral("ws://x"), 3, 33, QStringLiteral("carol")};
        QVERIFY(store->saveAccount(other).ok());
        QVERIFY(store->history(kConv, 10)->isEmpty());
        QCOMPARE(*store->outboxSize(), 0);
        QVERIFY(store->conversations()->isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestLocalStore)
#include "test_local_store.moc"
