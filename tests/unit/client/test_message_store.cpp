// MessageStore: storing incoming batches (de-duplication, ordering, held rows, gaps), the
// transaction hook the E2E engine commits in, placeholders and hidden control messages, the
// sending side (pending rows, acks, echoes, refusals) and the read queries.
#include "store_fixture.h"

#include "core/store/conversation_store.h"
#include "core/store/key_store.h"
#include "core/store/message_store.h"
#include "core/store/outbox_store.h"
#include "core/store/search_index.h"

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

class TestMessageStore : public QObject {
    Q_OBJECT
private:
    StoreFiles m_files;

private slots:
    void duplicatesAreStoredOnce() {
        auto store = m_files.open();
        auto first = store->messages().storeIncoming({fromBob(1), fromBob(2)}, 5000, kMe);
        QVERIFY(first.ok());
        QCOMPARE(first->size(), 1);
        QCOMPARE(first->at(0).inserted, 2);
        QCOMPARE(seqs(first->at(0).released), (QList<quint64>{1, 2}));

        auto second =
            store->messages().storeIncoming({fromBob(2), fromBob(3), fromBob(3)}, 6000, kMe);
        QVERIFY(second.ok());
        QCOMPARE(second->at(0).inserted, 1);
        QCOMPARE(second->at(0).duplicates, 2);
        QCOMPARE(seqs(second->at(0).released), (QList<quint64>{3}));
        QCOMPARE(store->messages().history(kConv, 100)->size(), 3);
        QCOMPARE((*store->conversations().conversation(kConv))->lastContiguousSeq, quint64(3));
        // The peer became known from its first message.
        QCOMPARE((*store->conversations().conversation(kConv))->peerUsername,
                 QStringLiteral("bob"));
    }

    void heldMessagesAreReleasedInOrder() {
        auto store = m_files.open();
        auto a = store->messages().storeIncoming({fromBob(1), fromBob(3), fromBob(4)}, 1, kMe);
        QCOMPARE(seqs(a->at(0).released), (QList<quint64>{1}));
        QVERIFY(a->at(0).hasHeld);
        auto holes = store->messages().holes();
        QCOMPARE(holes->size(), 1);
        QCOMPARE(holes->at(0).afterSeq, quint64(1));
        QCOMPARE(holes->at(0).untilSeq, quint64(2));
        auto b = store->messages().storeIncoming({fromBob(2)}, 2, kMe);
        QCOMPARE(seqs(b->at(0).released), (QList<quint64>{2, 3, 4}));
        QVERIFY(!b->at(0).hasHeld);
        QVERIFY(store->messages().holes()->isEmpty());
    }

    void fillGapSkipsUnavailableSeqs() {
        auto store = m_files.open();
        QVERIFY(store->messages()
                    .storeIncoming({fromBob(1), fromBob(5), fromBob(6), fromBob(9)}, 1, kMe)
                    .ok());
        auto adv = store->messages().fillGap(kConv, 4);
        QVERIFY(adv.ok());
        QCOMPARE(adv->previousContiguousSeq, quint64(1));
        QCOMPARE(adv->lastContiguousSeq, quint64(6));
        QCOMPARE(seqs(adv->released), (QList<quint64>{5, 6}));
        QVERIFY(adv->hasHeld);
        QCOMPARE(store->messages().holes()->at(0).afterSeq, quint64(6));
        QCOMPARE(store->messages().holes()->at(0).untilSeq, quint64(8));
        // Anything at or below the contiguous seq that arrives late is a duplicate.
        auto late = store->messages().storeIncoming({fromBob(3)}, 2, kMe);
        QCOMPARE(late->at(0).duplicates, 1);
        QCOMPARE(late->at(0).inserted, 0);
    }

    void sendAckAdvancesAndStateFollowsCursors() {
        auto store = m_files.open();
        QVERIFY(
            store->messages().enqueueOutgoing({draft("x", "hi"), draft("y", "there")}, kMe).ok());
        // Acks out of order: y (seq 2) is held until x (seq 1) arrives.
        auto ay = store->messages().applySendAck(QStringLiteral("y"), kConv, 2, 77);
        QCOMPARE(ay->lastContiguousSeq, quint64(0));
        auto ax = store->messages().applySendAck(QStringLiteral("x"), kConv, 1, 76);
        QCOMPARE(ax->lastContiguousSeq, quint64(2));
        QVERIFY(ax->released.isEmpty()); // my own messages are not "received"
        QCOMPARE(*store->outbox().size(), 0);

        auto state = [&](int i) {
            auto rows = store->messages().history(kConv, 10);
            return deriveState(rows->at(i), **store->conversations().conversation(kConv),
                               kMe.userId);
        };
        QCOMPARE(state(0), MessageState::Stored);
        QCOMPARE(*store->conversations().updatePeerCursors(kConv, 1, 0), true);
        QCOMPARE(state(0), MessageState::Delivered);
        QCOMPARE(state(1), MessageState::Stored);
        QCOMPARE(*store->conversations().updatePeerCursors(kConv, 2, 1), true);
        QCOMPARE(state(0), MessageState::Read);
        QCOMPARE(state(1), MessageState::Delivered);
        // Cursors never move back.
        QCOMPARE(*store->conversations().updatePeerCursors(kConv, 1, 0), false);
        QCOMPARE(state(0), MessageState::Read);
        // Incoming messages are "received" whatever the cursors say.
        QVERIFY(store->messages().storeIncoming({fromBob(3)}, 1, kMe).ok());
        QCOMPARE(state(2), MessageState::Received);
    }

    void myOwnEchoConfirmsThePendingRow() {
        auto store = m_files.open();
        QVERIFY(store->messages().enqueueOutgoing({draft("mine", "hello")}, kMe).ok());
        IncomingMessage echo;
        echo.conversationId = kConv;
        echo.seq = 1;
        echo.senderUserId = kMe.userId;
        echo.senderDeviceId = kMe.deviceId;
        echo.clientMessageId = QStringLiteral("mine");
        echo.text = QStringLiteral("hello");
        auto adv = store->messages().storeIncoming({echo}, 1, kMe);
        QCOMPARE(adv->at(0).confirmedOwn.size(), 1);
        QCOMPARE(adv->at(0).confirmedOwn.at(0).second, quint64(1));
        QCOMPARE(*store->outbox().size(), 0);
        QCOMPARE(store->messages().history(kConv, 10)->size(), 1);
        QVERIFY(store->messages().unnotified(10)->isEmpty());
        // The late ack for the same message is harmless.
        QVERIFY(store->messages().applySendAck(QStringLiteral("mine"), kConv, 1, 5).ok());
        QCOMPARE(store->messages().history(kConv, 10)->at(0).seq, quint64(1));
    }

    void unnotifiedOnlyContiguousAndOnce() {
        auto store = m_files.open();
        QVERIFY(store->messages().storeIncoming({fromBob(1), fromBob(2), fromBob(4)}, 1, kMe).ok());
        auto rows = store->messages().unnotified(10);
        QCOMPARE(seqs(*rows), (QList<quint64>{1, 2})); // 4 is held behind the hole
        QVERIFY(store->messages().markNotified({rows->at(0).rowId}).ok());
        QCOMPARE(seqs(*store->messages().unnotified(10)), (QList<quint64>{2}));
        QCOMPARE(seqs(*store->messages().unnotified(0)), QList<quint64>{});
    }

    void messagesFromMyOtherDeviceAreShownAsMine() {
        auto store = m_files.open();
        IncomingMessage m = fromBob(1, u"from my phone"_qs);
        m.senderUserId = kMe.userId;
        m.senderDeviceId = 12; // another device of mine
        m.senderUsername = kMe.username;
        auto adv = store->messages().storeIncoming({m}, 5000, kMe);
        QVERIFY(adv.ok());
        QCOMPARE(adv->at(0).released.size(), 1); // this device has not seen it yet
        QVERIFY(adv->at(0).unknownKind);         // nobody told it what the conversation is
        auto c = **store->conversations().conversation(kConv);
        QCOMPARE(c.peerUserId, quint64(0)); // I am not my own peer
        QCOMPARE(deriveState(store->messages().history(kConv, 1)->at(0), c, kMe.userId),
                 MessageState::Stored);
        QCOMPARE(*store->messages().unreadCount(kConv), 0);
    }

    void hookRunsInsideTheTransaction() {
        auto store = m_files.open();
        bool ran = false;
        // The E2E engine's state commits with the messages it decrypted.
        auto adv = store->messages().storeIncoming({fromBob(1)}, 5000, kMe, [&]() -> Status {
            ran = true;
            if (store->database().transactionDepth() < 1)
                return Error{ErrorCode::Internal, u"outside the transaction"_qs};
            return store->keys().setOwnValue(u"ratchet"_qs, "v1");
        });
        QVERIFY2(adv.ok(), errorOf(adv).constData());
        QVERIFY(ran);
        QCOMPARE(adv->at(0).lastContiguousSeq, quint64(1));
        QCOMPARE(*store->keys().ownValue(u"ratchet"_qs), QByteArray("v1"));
        QCOMPARE(store->messages().history(kConv, 10)->size(), 1);
    }

    void failingHookRollsEverythingBack() {
        auto store = m_files.open();
        auto adv = store->messages().storeIncoming(
            {fromBob(1, u"quokka"_qs), fromBob(2)}, 5000, kMe, [&]() -> Status {
                RETURN_ON_ERROR(store->keys().setOwnValue(u"ratchet"_qs, "v2"));
                return Error{ErrorCode::Forbidden, u"bad state"_qs};
            });
        QVERIFY(!adv.ok());
        QCOMPARE(adv.error().code, ErrorCode::Forbidden);
        QVERIFY(store->messages().history(kConv, 10)->isEmpty());
        QVERIFY(store->keys().ownValue(u"ratchet"_qs)->isEmpty());
        QVERIFY(store->search().search(u"quokka"_qs, 10)->isEmpty());
        QVERIFY(!store->conversations().conversation(kConv)->has_value());
        // Nothing advanced: the same batch stores fine afterwards.
        adv = store->messages().storeIncoming({fromBob(1), fromBob(2)}, 5000, kMe);
        QVERIFY(adv.ok());
        QCOMPARE(adv->at(0).inserted, 2);
        QCOMPARE(adv->at(0).released.size(), 2);
    }

    void undecryptableIsAPlaceholderThatCounts() {
        auto store = m_files.open();
        IncomingMessage bad = fromBob(2, u"ignored"_qs);
        bad.undecryptable = true;
        auto adv = store->messages().storeIncoming({fromBob(1), bad, fromBob(3)}, 5000, kMe);
        QVERIFY(adv.ok());
        QCOMPARE(adv->at(0).lastContiguousSeq, quint64(3));
        QCOMPARE(seqs(adv->at(0).released), (QList<quint64>{1, 2, 3}));
        QVERIFY(adv->at(0).released.at(1).undecryptable);
        QVERIFY(adv->at(0).released.at(1).text.isEmpty());
        auto rows = *store->messages().history(kConv, 10);
        QCOMPARE(rows.size(), 3);
        QVERIFY(rows.at(1).undecryptable);
        QVERIFY(!rows.at(0).undecryptable);
        QCOMPARE(*store->messages().unreadCount(kConv), 3);
    }

    void hiddenMessagesFillTheSeqButAreNeverShown() {
        auto store = m_files.open();
        IncomingMessage control = fromBob(2, u"distribution"_qs);
        control.hidden = true;
        auto adv = store->messages().storeIncoming({fromBob(1), control, fromBob(3)}, 5000, kMe);
        QVERIFY(adv.ok());
        QCOMPARE(adv->at(0).lastContiguousSeq, quint64(3)); // no hole at 2
        QCOMPARE(seqs(adv->at(0).released), (QList<quint64>{1, 3}));
        QVERIFY(store->messages().holes()->isEmpty());
        QCOMPARE(seqs(*store->messages().history(kConv, 10)), (QList<quint64>{1, 3}));
        QCOMPARE(*store->messages().unreadCount(kConv), 2);
        QCOMPARE(seqs(*store->messages().unnotified(10)), (QList<quint64>{1, 3}));
        QVERIFY(!store->messages().messageByClientId(u"bob-2"_qs, 2)->has_value());
        // A repeat of the hidden seq is a duplicate, not a new message.
        adv = store->messages().storeIncoming({control}, 6000, kMe);
        QCOMPARE(adv->at(0).duplicates, 1);
        // A hidden row above a hole is held like any other and released (silently) later.
        IncomingMessage later = fromBob(5);
        later.hidden = true;
        adv = store->messages().storeIncoming({later}, 7000, kMe);
        QVERIFY(adv->at(0).hasHeld);
        adv = store->messages().storeIncoming({fromBob(4)}, 7000, kMe);
        QCOMPARE(adv->at(0).lastContiguousSeq, quint64(5));
        QCOMPARE(seqs(adv->at(0).released), (QList<quint64>{4}));
    }

    void replaceUndecryptableFillsInTheText() {
        auto store = m_files.open();
        IncomingMessage bad = fromBob(1);
        bad.undecryptable = true;
        QVERIFY(store->messages().storeIncoming({bad}, 5000, kMe).ok());
        // Only the original sender's resend may fill it in.
        auto s = store->messages().replaceUndecryptable(kConv, 1, 3, u"forged"_qs, 1);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, ErrorCode::Forbidden);
        QVERIFY(store->messages().replaceUndecryptable(kConv, 1, 2, u"now readable"_qs, 4242).ok());
        auto row = store->messages().history(kConv, 1)->at(0);
        QVERIFY(!row.undecryptable);
        QCOMPARE(row.text, u"now readable"_qs);
        QCOMPARE(row.sentAtMs, qint64(4242));
        // A second resend changes nothing; a seq that does not exist is an error.
        QVERIFY(store->messages().replaceUndecryptable(kConv, 1, u"again"_qs, 1).ok());
        QCOMPARE(store->messages().history(kConv, 1)->at(0).text, u"now readable"_qs);
        QVERIFY(!store->messages().replaceUndecryptable(kConv, 9, u"x"_qs, 1).ok());
        // Searchable once filled in; and it works from inside the storeIncoming hook.
        QCOMPARE(store->search().search(u"readable"_qs, 10)->size(), 1);
        IncomingMessage bad2 = fromBob(2);
        bad2.undecryptable = true;
        QVERIFY(store->messages().storeIncoming({bad2}, 5000, kMe).ok());
        IncomingMessage resend = fromBob(3);
        resend.hidden = true;
        QVERIFY(store->messages()
                    .storeIncoming({resend}, 5000, kMe,
                                   [&] {
                                       return store->messages().replaceUndecryptable(
                                           kConv, 2, 2, u"second"_qs, 7);
                                   })
                    .ok());
        QCOMPARE(store->messages().history(kConv, 10)->at(1).text, u"second"_qs);
    }

    void aTamperedRowKeepsNoTextAndItsOwnId() {
        auto store = m_files.open();
        IncomingMessage moved = fromBob(1, u"private words"_qs);
        moved.undecryptable = true;
        moved.tampered = true;
        QVERIFY(store->messages().storeIncoming({moved}, 5000, kMe).ok());
        const MessageRecord row = store->messages().history(kConv, 1)->at(0);
        QVERIFY(row.tampered && row.undecryptable);
        QVERIFY(row.text.isEmpty());
        QVERIFY(store->search().search(u"private"_qs, 10)->isEmpty());
        // Stored under its own id: the genuine message, under the real one, is still new.
        QCOMPARE(row.clientMessageId, QStringLiteral("tampered:%1:1").arg(kConv));
        IncomingMessage genuine = fromBob(2, u"private words"_qs);
        genuine.clientMessageId = moved.clientMessageId;
        auto adv = store->messages().storeIncoming({genuine}, 5000, kMe);
        QVERIFY(adv.ok());
        QCOMPARE(adv->at(0).inserted, 1);
        // A resend never fills an altered row in, and does not fail the message carrying it.
        QVERIFY(store->messages().replaceUndecryptable(kConv, 1, 2, u"filled"_qs, 1).ok());
        QVERIFY(store->messages().history(kConv, 10)->at(0).text.isEmpty());
    }

    void readingPagesSkipsHiddenRows() {
        auto store = m_files.open();
        MessageStore &m = store->messages();
        IncomingMessage control = fromBob(3, u"resend request"_qs);
        control.hidden = true;
        QVERIFY(
            m.storeIncoming({fromBob(1, u"hello"_qs), fromBob(2), control, fromBob(4), fromBob(5)},
                            5000, kMe)
                .ok());
        QVERIFY(m.enqueueOutgoing({draft("p1", "pending one")}, kMe).ok());
        QCOMPARE(seqs(*m.latest(kConv, 2)), (QList<quint64>{4, 5, 0})); // pending ones at the end
        QCOMPARE(seqs(*m.latest(kConv, 10, 4)), (QList<quint64>{4, 5, 0}));
        QCOMPARE(seqs(*m.olderThan(kConv, 5, 10)), (QList<quint64>{1, 2, 4}));
        QCOMPARE(seqs(*m.olderThan(kConv, 5, 1)), (QList<quint64>{4}));
        QCOMPARE(seqs(*m.history(kConv, 3)), (QList<quint64>{4, 5, 0})); // at most 3 in all
        const MessageRecord first = m.history(kConv, 10)->first();
        QCOMPARE((*m.messageByRowId(first.rowId))->text, u"hello"_qs);
        QVERIFY(!m.messageByRowId(3)->has_value()); // the hidden row
        QCOMPARE((*m.messageByClientId(u"p1"_qs, kMe.userId))->text, u"pending one"_qs);
        QVERIFY(!m.messageByClientId(u"p1"_qs, 2)->has_value());
    }

    void aMovedBodyDoesNotDecrypt() {
        auto store = m_files.open();
        QVERIFY(store->messages()
                    .storeIncoming({fromBob(1, u"one"_qs), fromBob(2, u"two"_qs)}, 5000, kMe)
                    .ok());
        // Someone with file access swaps two sealed bodies: the AD binds each to its row.
        QVERIFY(store->database()
                    .exec(u"UPDATE messages SET body = (SELECT body FROM messages WHERE seq = 2)"
                          " WHERE seq = 1"_qs)
                    .ok());
        auto rows = store->messages().history(kConv, 10);
        QVERIFY(!rows.ok());
        QCOMPARE(rows.error().code, ErrorCode::Storage);
    }
};

QTEST_GUILESS_MAIN(TestMessageStore)
#include "test_message_store.moc"
