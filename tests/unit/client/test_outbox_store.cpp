// OutboxStore: sends waiting for their ack survive a restart in the order they were written,
// sealed (the payload opens only in its own row), with the frames they were encrypted into; an
// ack, a copy of the message from the server, or a refusal takes them out.
#include "store_fixture.h"

#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/outbox_store.h"

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

class TestOutboxStore : public QObject {
    Q_OBJECT
private:
    StoreFiles m_files;

private slots:
    void outboxSurvivesReopenInOrder() {
        const QString path = m_files.freshPath();
        {
            auto store = m_files.open(path);
            QVERIFY(store->messages()
                        .enqueueOutgoing(
                            {draft("c", "third?"), draft("a", "one"), draft("b", "two")}, kMe)
                        .ok());
        }
        auto store = m_files.open(path);
        auto box = store->outbox().entries();
        QVERIFY(box.ok());
        QCOMPARE(box->size(), 3);
        QCOMPARE(*store->outbox().size(), 3);
        QCOMPARE(box->at(0).clientMessageId, QStringLiteral("c"));
        QCOMPARE(box->at(1).clientMessageId, QStringLiteral("a"));
        QCOMPARE(box->at(2).clientMessageId, QStringLiteral("b"));
        QCOMPARE(box->at(1).payload, QByteArray("one"));
        QCOMPARE(box->at(1).conversationId, kConv);
        QVERIFY(box->at(1).createdAtMs > 0);
        auto hist = store->messages().history(kConv, 10);
        QCOMPARE(hist->size(), 3);
        QCOMPARE(deriveState(hist->at(0), **store->conversations().conversation(kConv), kMe.userId),
                 MessageState::Pending);
    }

    void payloadsAreSealedToTheirRow() {
        const QString path = m_files.freshPath();
        auto store = m_files.open(path);
        QVERIFY(store->messages()
                    .enqueueOutgoing({OutgoingDraft{u"a"_qs, kConv, u"x"_qs, 1,
                                                    QByteArray("payload-for-a-outboxonly")},
                                      OutgoingDraft{u"b"_qs, kConv, u"y"_qs, 1, QByteArray("b")}},
                                     kMe)
                    .ok());
        QVERIFY(store->database().exec(u"PRAGMA wal_checkpoint(TRUNCATE)"_qs).ok());
        QVERIFY(!fileBytes(path).contains("payload-for-a-outboxonly"));
        // Moved to another entry, a sealed payload does not open.
        QVERIFY(store->database()
                    .exec(u"UPDATE outbox SET payload = (SELECT payload FROM outbox WHERE"
                          " client_message_id = 'a') WHERE client_message_id = 'b'"_qs)
                    .ok());
        auto box = store->outbox().entries();
        QVERIFY(!box.ok());
        QCOMPARE(box.error().code, ErrorCode::Storage);
    }

    void preparedFramesAreKeptUntilTheEntryLeaves() {
        const QString path = m_files.freshPath();
        {
            auto store = m_files.open(path);
            OutboxStore &box = store->outbox();
            QVERIFY(
                store->messages()
                    .enqueueOutgoing(
                        {draft("a", "one"), draft("b", "two"), draft("g", "group", kGroup)}, kMe)
                    .ok());
            QCOMPARE(*box.prepared(u"a"_qs), QByteArray()); // not encrypted yet
            QVERIFY(box.setPrepared(u"a"_qs, QByteArray("frames a")).ok());
            QVERIFY(box.setPrepared(u"b"_qs, QByteArray("frames b")).ok());
            QVERIFY(box.setPrepared(u"g"_qs, QByteArray("frames g")).ok());
        }
        auto store = m_files.open(path);
        OutboxStore &box = store->outbox();
        QCOMPARE(*box.prepared(u"a"_qs), QByteArray("frames a")); // a resend repeats them
        // The conversation's devices changed: its entries must be encrypted again.
        QVERIFY(box.clearPrepared(kConv).ok());
        QCOMPARE(*box.prepared(u"a"_qs), QByteArray());
        QCOMPARE(*box.prepared(u"b"_qs), QByteArray());
        QCOMPARE(*box.prepared(u"g"_qs), QByteArray("frames g"));
        QVERIFY(box.setPrepared(u"g"_qs, QByteArray()).ok()); // empty clears
        QCOMPARE(*box.prepared(u"g"_qs), QByteArray());
        QCOMPARE(*box.prepared(u"unknown"_qs), QByteArray());
    }

    void ackEchoAndRefusalEmptyTheOutbox() {
        auto store = m_files.open();
        QVERIFY(
            store->messages()
                .enqueueOutgoing({draft("acked", "1"), draft("echoed", "2"), draft("f", "3")}, kMe)
                .ok());
        QVERIFY(store->outbox().setPrepared(u"acked"_qs, QByteArray("frames")).ok());
        QVERIFY(store->messages().applySendAck(u"acked"_qs, kConv, 1, 5).ok());
        QCOMPARE(*store->outbox().size(), 2);
        QCOMPARE(*store->outbox().prepared(u"acked"_qs), QByteArray());
        IncomingMessage echo;
        echo.conversationId = kConv;
        echo.seq = 2;
        echo.senderUserId = kMe.userId;
        echo.senderDeviceId = kMe.deviceId;
        echo.clientMessageId = u"echoed"_qs;
        QVERIFY(store->messages().storeIncoming({echo}, 6, kMe).ok());
        QCOMPARE(*store->outbox().size(), 1);
        QVERIFY(store->messages().markFailed(QStringLiteral("f")).ok());
        QCOMPARE(*store->outbox().size(), 0);
        auto row = store->messages().history(kConv, 10)->at(2);
        QCOMPARE(row.clientMessageId, u"f"_qs);
        QCOMPARE(deriveState(row, **store->conversations().conversation(kConv), kMe.userId),
                 MessageState::Failed);
    }
};

QTEST_GUILESS_MAIN(TestOutboxStore)
#include "test_outbox_store.moc"
