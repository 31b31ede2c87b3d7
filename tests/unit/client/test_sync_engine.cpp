// SyncEngine driven through a recording FrameSink: ordering (in order, duplicate, out of order
// with a hole), catch-up after the drain, delivery acks after commit, outbox resend with the same
// ids, pipelining limit, permanent send errors and receipts. On the sealed store the app uses.
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/outbox_store.h"
#include "core/sync/payload_codec.h"
#include "core/sync/sync_engine.h"
#include "fake_sink.h"
#include "protocol/codec.h"
#include "store_fixture.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::client;
using tidings::client::test::FakeSink;

Q_DECLARE_METATYPE(QList<tidings::client::MessageRecord>)

namespace {
const AccountSettings kMe{QStringLiteral("ws://x"), 1, 11, QStringLiteral("alice"), {}};
constexpr quint64 kConv = 7;

wire::Message bobMessage(quint64 seq) {
    wire::Message m;
    m.set_conversation_id(kConv);
    m.set_seq(seq);
    m.set_sender_user_id(2);
    m.set_sender_device_id(22);
    m.set_sender_username("bob");
    m.set_client_message_id(("bob-" + std::to_string(seq)));
    m.set_server_time_ms(1000 + qint64(seq));
    m.set_payload(protocol::bytesToStd(
        encodePayload(MessageContent{QStringLiteral("text %1").arg(seq), 900})));
    return m;
}

Frame push(std::initializer_list<quint64> seqs) {
    Frame f;
    for (quint64 s : seqs)
        *f.mutable_message_push()->add_messages() = bobMessage(s);
    return f;
}

Frame drained() {
    Frame f;
    f.mutable_inbox_drained()->set_count(0);
    return f;
}

Frame sendAck(const Frame &request, quint64 seq, bool duplicate = false) {
    Frame f;
    f.set_request_id(request.request_id());
    auto *a = f.mutable_send_ack();
    a->set_conversation_id(request.send_request().conversation_id());
    a->set_client_message_id(request.send_request().client_message_id());
    a->set_seq(seq);
    a->set_server_time_ms(5000);
    a->set_duplicate(duplicate);
    return f;
}

QList<quint64> releasedSeqs(const QSignalSpy &spy) {
    QList<quint64> out;
    for (const auto &args : spy) {
        for (const auto &m : args.at(1).value<QList<MessageRecord>>())
            out.append(m.seq);
    }
    return out;
}

//! (conversation, seq) of every delivery_ack posted.
QList<std::pair<quint64, quint64>> deliveryAcks(const QList<Frame> &frames) {
    QList<std::pair<quint64, quint64>> out;
    for (const auto &f : frames) {
        if (f.body_case() == Frame::kDeliveryAck)
            out.append({f.delivery_ack().conversation_id(), f.delivery_ack().seq()});
    }
    return out;
}
} // namespace

class TestSyncEngine : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    int m_n = 0;
    std::unique_ptr<Storage> m_store;
    std::unique_ptr<FakeSink> m_sink;
    std::unique_ptr<SyncEngine> m_engine;

    void makeEngine(SyncEngine::Options options = {}) {
        m_engine.reset();
        // The sealed store the app uses.
        auto s = Storage::open(m_dir.filePath(QStringLiteral("e%1.sqlite").arg(++m_n)),
                               test::testMasterKey());
        QVERIFY(s.ok());
        m_store = std::move(*s);
        QVERIFY(m_store->accounts().saveAccount(kMe).ok());
        // A known 1:1 (unknown conversations trigger a group_info_request, tested separately).
        ConversationInfo direct;
        direct.id = kConv;
        direct.kind = ConversationKind::Direct;
        direct.peerUserId = 2;
        direct.peerUsername = QStringLiteral("bob");
        QVERIFY(m_store->conversations().applyConversationInfo(direct, kMe.userId).ok());
        m_sink = std::make_unique<FakeSink>();
        m_engine = std::make_unique<SyncEngine>(m_store.get(), m_sink.get(), options);
        m_engine->setAccount(kMe);
    }

private slots:
    void init() {
        qRegisterMetaType<QList<MessageRecord>>();
        SyncEngine::Options o;
        o.gapGraceMs = 0;
        makeEngine(o);
        m_engine->onAuthenticated();
    }

    void cleanup() {
        m_engine.reset();
        m_sink.reset();
        m_store.reset();
    }

    void inOrderMessagesAreStoredEmittedAndAcked() {
        QSignalSpy received(m_engine.get(), &SyncEngine::messagesReceived);
        m_engine->handlePush(push({1, 2}));
        QCOMPARE(releasedSeqs(received), (QList<quint64>{1, 2}));
        QCOMPARE(received.at(0).at(1).value<QList<MessageRecord>>().at(1).text,
                 QStringLiteral("text 2"));
        QCOMPARE(m_store->messages().history(kConv, 10)->size(), 2);
        // One cumulative ack per conversation per batch.
        QCOMPARE(deliveryAcks(m_sink->takePosted()),
                 (QList<std::pair<quint64, quint64>>{{kConv, 2}}));
    }

    void duplicatesAreReackedButNotReemitted() {
        QSignalSpy received(m_engine.get(), &SyncEngine::messagesReceived);
        m_engine->handlePush(push({1, 2}));
        m_sink->takePosted();
        m_engine->handlePush(push({2}));
        m_engine->handlePush(push({1, 2}));
        QCOMPARE(releasedSeqs(received), (QList<quint64>{1, 2}));
        QCOMPARE(m_store->messages().history(kConv, 10)->size(), 2);
        QCOMPARE(deliveryAcks(m_sink->takePosted()),
                 (QList<std::pair<quint64, quint64>>{{kConv, 2}, {kConv, 2}}));
    }

    void outOfOrderIsHeldUntilTheHoleFills() {
        QSignalSpy received(m_engine.get(), &SyncEngine::messagesReceived);
        m_engine->handlePush(push({1}));
        m_engine->handlePush(push({3, 4}));
        QCOMPARE(releasedSeqs(received), (QList<quint64>{1}));
        // Nothing beyond the contiguous seq is acked.
        QCOMPARE(deliveryAcks(m_sink->takePosted()),
                 (QList<std::pair<quint64, quint64>>{{kConv, 1}}));
        m_engine->handlePush(push({2}));
        QCOMPARE(releasedSeqs(received), (QList<quint64>{1, 2, 3, 4}));
        QCOMPARE(deliveryAcks(m_sink->takePosted()),
                 (QList<std::pair<quint64, quint64>>{{kConv, 4}}));
        QVERIFY(m_sink->requests.isEmpty()); // no catch-up needed before the drain
    }

    void holeAfterDrainRequestsHistory() {
        QSignalSpy received(m_engine.get(), &SyncEngine::messagesReceived);
        QSignalSpy idle(m_engine.get(), &SyncEngine::idle);
        m_engine->handlePush(push({1, 2, 5}));
        QVERIFY(m_sink->requests.isEmpty());
        QVERIFY(m_engine->isBusy());
        m_engine->handlePush(drained());
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        const auto &h = reqs[0].frame.history_request();
        QCOMPARE(reqs[0].frame.body_case(), Frame::kHistoryRequest);
        QCOMPARE(h.conversation_id(), kConv);
        QCOMPARE(h.after_seq(), quint64(2));
        QCOMPARE(h.until_seq(), quint64(4));
        QVERIFY(h.limit() > 0);
        QVERIFY(m_engine->isBusy());

        // The server has seq 3 only (4 is not available to this device): ordering moves past it.
        Frame resp;
        resp.set_request_id(reqs[0].frame.request_id());
        *resp.mutable_history_response()->add_messages() = bobMessage(3);
        auto *cursor = resp.mutable_history_response()->add_cursors();
        cursor->set_conversation_id(kConv);
        cursor->set_user_id(2);
        cursor->set_delivered_seq(5);
        cursor->set_read_seq(2);
        reqs[0].handler(resp);
        QCOMPARE(releasedSeqs(received), (QList<quint64>{1, 2, 3, 5}));
        QCOMPARE((*m_store->conversations().conversation(kConv))->lastContiguousSeq, quint64(5));
        QCOMPARE((*m_store->conversations().conversation(kConv))->peerReadSeq, quint64(2));
        auto acks = deliveryAcks(m_sink->takePosted());
        QVERIFY(!acks.isEmpty());
        QCOMPARE(acks.last(), (std::pair<quint64, quint64>{kConv, 5}));
        QVERIFY(m_sink->requests.isEmpty());
        QVERIFY(!m_engine->isBusy());
        QVERIFY(idle.count() >= 1);
    }

    void emptyHistoryPageAdvancesPastMissingSeqs() {
        m_engine->handlePush(push({1}));
        // My own message got seq 3; seq 2 is not available to this device.
        QVERIFY(m_engine->enqueueTexts(kConv, {QStringLiteral("mine")}).ok());
        auto send = m_sink->takeRequests();
        send[0].handler(sendAck(send[0].frame, 3));
        QTRY_COMPARE(*m_store->outbox().size(), 0);
        m_sink->takePosted();
        m_engine->handlePush(drained());
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        QCOMPARE(reqs[0].frame.history_request().until_seq(), quint64(2));
        Frame resp;
        resp.set_request_id(reqs[0].frame.request_id());
        resp.mutable_history_response(); // nothing for this device
        reqs[0].handler(resp);
        QCOMPARE((*m_store->conversations().conversation(kConv))->lastContiguousSeq, quint64(3));
        QCOMPARE(deliveryAcks(m_sink->takePosted()),
                 (QList<std::pair<quint64, quint64>>{{kConv, 3}}));
        QVERIFY(m_sink->requests.isEmpty()); // no request loop
        QVERIFY(!m_engine->isBusy());
    }

    void liveHoleAfterDrainIsFetchedAfterGrace() {
        m_engine->handlePush(drained());
        m_engine->handlePush(push({1, 3}));
        QTRY_COMPARE(m_sink->requests.size(), 1);
        QCOMPARE(m_sink->requests[0].frame.history_request().after_seq(), quint64(1));
        QCOMPARE(m_sink->requests[0].frame.history_request().until_seq(), quint64(2));
    }

    void pagedHistoryContinues() {
        m_engine->handlePush(push({1, 9}));
        m_engine->handlePush(drained());
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        Frame resp;
        resp.set_request_id(reqs[0].frame.request_id());
        *resp.mutable_history_response()->add_messages() = bobMessage(2);
        *resp.mutable_history_response()->add_messages() = bobMessage(3);
        resp.mutable_history_response()->set_has_more(true);
        reqs[0].handler(resp);
        reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        QCOMPARE(reqs[0].frame.history_request().after_seq(), quint64(3));
        QCOMPARE(reqs[0].frame.history_request().until_seq(), quint64(8));
    }

    void outboxIsResentInOrderWithTheSameIds() {
        m_sink->authenticated = false;
        m_engine->onDisconnected();
        auto ids = m_engine->enqueueTexts(
            kConv, {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")});
        QVERIFY2(ids.ok(), ids.ok() ? "" : qPrintable(ids.error().toString()));
        QVERIFY(m_sink->requests.isEmpty()); // stored first, nothing on the wire yet
        QCOMPARE(*m_store->outbox().size(), 3);

        m_sink->authenticated = true;
        m_engine->onAuthenticated();
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(reqs[i].frame.body_case(), Frame::kSendRequest);
            QCOMPARE(QString::fromStdString(reqs[i].frame.send_request().client_message_id()),
                     ids->at(i));
            auto content =
                decodePayload(protocol::bytesFromStd(reqs[i].frame.send_request().payload()));
            QCOMPARE(content->text, QString(QChar('a' + i)));
        }

        QSignalSpy stored(m_engine.get(), &SyncEngine::messageStored);
        reqs[2].handler(sendAck(reqs[2].frame, 3));
        reqs[0].handler(sendAck(reqs[0].frame, 1));
        reqs[1].handler(sendAck(reqs[1].frame, 2, true));
        QCOMPARE(stored.count(), 0); // emitted only after the batch commit
        QTRY_COMPARE(stored.count(), 3);
        QCOMPARE(stored.at(2).at(3).toBool(), true);
        QCOMPARE(*m_store->outbox().size(), 0);
        QCOMPARE((*m_store->conversations().conversation(kConv))->lastContiguousSeq, quint64(3));
        auto rows = m_store->messages().history(kConv, 10);
        QCOMPARE(rows->at(0).text, QStringLiteral("a"));
        QCOMPARE(rows->at(2).seq, quint64(3));
    }

    void unackedSendsAreResentAfterReconnect() {
        auto ids = m_engine->enqueueTexts(kConv, {QStringLiteral("x"), QStringLiteral("y")});
        auto first = m_sink->takeRequests();
        QCOMPARE(first.size(), 2);
        // x is acked, then the socket drops before y's ack.
        first[0].handler(sendAck(first[0].frame, 1));
        first[1].handler(Error{ErrorCode::Network, QStringLiteral("gone")});
        m_engine->onDisconnected();
        m_engine->onAuthenticated();
        auto second = m_sink->takeRequests();
        QCOMPARE(second.size(), 1);
        QCOMPARE(QString::fromStdString(second[0].frame.send_request().client_message_id()),
                 ids->at(1));
        // A late answer from the old session is ignored.
        QSignalSpy stored(m_engine.get(), &SyncEngine::messageStored);
        first[1].handler(sendAck(first[1].frame, 99));
        QCOMPARE(stored.count(), 0);
        second[0].handler(sendAck(second[0].frame, 2, true));
        // Acks are stored in batches: had the late answer been taken, it would have been stored
        // (and announced) in the same batch as this one, ahead of it.
        QVERIFY(stored.wait(20000));
        QCOMPARE(stored.count(), 1);
        QCOMPARE(stored.at(0).at(2).toULongLong(), quint64(2));
        QCOMPARE(m_store->messages().history(kConv, 10)->at(1).seq, quint64(2));
        QCOMPARE(*m_store->outbox().size(), 0);
    }

    void pipelineIsBounded() {
        SyncEngine::Options o;
        o.maxInFlight = 2;
        makeEngine(o);
        m_engine->onAuthenticated();
        QStringList texts;
        for (int i = 0; i < 5; ++i)
            texts.append(QString::number(i));
        QVERIFY(m_engine->enqueueTexts(kConv, texts).ok());
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 2);
        reqs[0].handler(sendAck(reqs[0].frame, 1));
        QCOMPARE(m_sink->requests.size(), 1);
        QCOMPARE(m_engine->inFlightCount(), 2);
    }

    void permanentErrorFailsTheMessage() {
        QSignalSpy failed(m_engine.get(), &SyncEngine::sendFailed);
        auto ids = m_engine->enqueueTexts(kConv, {QStringLiteral("nope")});
        auto reqs = m_sink->takeRequests();
        reqs[0].handler(Error{ErrorCode::NotMember, QStringLiteral("not a member")});
        QCOMPARE(failed.count(), 1);
        QCOMPARE(failed.at(0).at(0).toString(), ids->at(0));
        QCOMPARE(*m_store->outbox().size(), 0);
        QCOMPARE(deriveState(m_store->messages().history(kConv, 1)->at(0),
                             **m_store->conversations().conversation(kConv), kMe.userId),
                 MessageState::Failed);
    }

    void internalErrorIsRetried() {
        SyncEngine::Options o;
        o.retryDelayMs = 10;
        makeEngine(o);
        m_engine->onAuthenticated();
        QVERIFY(m_engine->enqueueTexts(kConv, {QStringLiteral("later")}).ok());
        auto reqs = m_sink->takeRequests();
        reqs[0].handler(Error{ErrorCode::Internal, QStringLiteral("db down")});
        QCOMPARE(*m_store->outbox().size(), 1);
        QTRY_COMPARE(m_sink->requests.size(), 1);
        QCOMPARE(m_sink->requests[0].frame.send_request().client_message_id(),
                 reqs[0].frame.send_request().client_message_id());
    }

    void receiptsMoveCursorsForward() {
        QVERIFY(m_engine->enqueueTexts(kConv, {QStringLiteral("one")}).ok());
        auto reqs = m_sink->takeRequests();
        reqs[0].handler(sendAck(reqs[0].frame, 1));
        QTRY_COMPARE(*m_store->outbox().size(), 0);
        QSignalSpy receipts(m_engine.get(), &SyncEngine::receiptChanged);
        auto state = [&] {
            return deriveState(m_store->messages().history(kConv, 1)->at(0),
                               **m_store->conversations().conversation(kConv), kMe.userId);
        };
        QCOMPARE(state(), MessageState::Stored);
        Frame r;
        r.mutable_receipt_push()->set_conversation_id(kConv);
        r.mutable_receipt_push()->set_user_id(2);
        r.mutable_receipt_push()->set_delivered_seq(1);
        m_engine->handlePush(r);
        QCOMPARE(state(), MessageState::Delivered);
        r.mutable_receipt_push()->set_read_seq(1);
        m_engine->handlePush(r);
        QCOMPARE(state(), MessageState::Read);
        m_engine->handlePush(r); // no change, no signal
        QCOMPARE(receipts.count(), 2);
    }

    void markReadAcksTheContiguousSeq() {
        m_engine->handlePush(push({1, 2, 4}));
        m_sink->takePosted();
        auto seq = m_engine->markRead(kConv);
        QVERIFY(seq.ok());
        QCOMPARE(*seq, quint64(2));
        auto posted = m_sink->takePosted();
        QCOMPARE(posted.size(), 1);
        QCOMPARE(posted[0].body_case(), Frame::kReadAck);
        QCOMPARE(posted[0].read_ack().seq(), quint64(2));
        QCOMPARE((*m_store->conversations().conversation(kConv))->myReadSeq, quint64(2));
    }

    void unknownConversationAsksForGroupInfo() {
        QSignalSpy changed(m_engine.get(), &SyncEngine::conversationChanged);
        wire::Message m = bobMessage(1);
        m.set_conversation_id(99); // a group this device was added to
        Frame f;
        *f.mutable_message_push()->add_messages() = m;
        m_engine->handlePush(f);
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        QCOMPARE(reqs[0].frame.body_case(), Frame::kGroupInfoRequest);
        QCOMPARE(reqs[0].frame.group_info_request().conversation_id(), quint64(99));
        QVERIFY(m_engine->isInfoPending(99));
        QVERIFY(m_engine->isBusy());
        // A second message while the request is in flight asks nothing more.
        m.set_seq(2);
        *f.mutable_message_push()->mutable_messages(0) = m;
        m_engine->handlePush(f);
        QVERIFY(m_sink->takeRequests().isEmpty());

        Frame answer;
        auto *ci = answer.mutable_conversation_info();
        ci->set_conversation_id(99);
        ci->set_kind(wire::CONVERSATION_GROUP);
        ci->set_name("Climbing");
        ci->set_last_seq(2);
        for (auto [id, name, role] :
             {std::tuple{1, "alice", wire::ROLE_MEMBER}, std::tuple{2, "bob", wire::ROLE_ADMIN}}) {
            auto *mem = ci->add_members();
            mem->set_user_id(quint64(id));
            mem->set_username(name);
            mem->set_role(role);
        }
        reqs[0].handler(answer);
        QVERIFY(!m_engine->isInfoPending(99));
        QCOMPARE(changed.count(), 1);
        auto conv = **m_store->conversations().conversation(99);
        QCOMPARE(conv.kind, ConversationKind::Group);
        QCOMPARE(conv.name, QStringLiteral("Climbing"));
        QCOMPARE(conv.peerUserId, quint64(0));
        QCOMPARE(m_store->conversations().members(99)->size(), 2);
        QCOMPARE(m_store->conversations().members(99)->at(0).username, QStringLiteral("bob"));
        // Known now: the next message asks nothing.
        m.set_seq(3);
        *f.mutable_message_push()->mutable_messages(0) = m;
        m_engine->handlePush(f);
        QVERIFY(m_sink->takeRequests().isEmpty());
    }

    void unknownDirectConversationBecomesDirect() {
        wire::Message m = bobMessage(1);
        m.set_conversation_id(98); // a 1:1 bob opened
        Frame f;
        *f.mutable_message_push()->add_messages() = m;
        m_engine->handlePush(f);
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        Frame answer;
        auto *ci = answer.mutable_conversation_info();
        ci->set_conversation_id(98);
        ci->set_kind(wire::CONVERSATION_DIRECT);
        ci->set_peer_user_id(2);
        ci->set_peer_username("bob");
        reqs[0].handler(answer);
        auto conv = **m_store->conversations().conversation(98);
        QCOMPARE(conv.kind, ConversationKind::Direct);
        QCOMPARE(conv.peerUsername, QStringLiteral("bob"));
        // A server that refuses group_info for a 1:1 (NOT_A_GROUP) gives the same result.
        m.set_conversation_id(97);
        *f.mutable_message_push()->mutable_messages(0) = m;
        m_engine->handlePush(f);
        reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        reqs[0].handler(Error{ErrorCode::NotAGroup, QStringLiteral("1:1")});
        conv = **m_store->conversations().conversation(97);
        QCOMPARE(conv.kind, ConversationKind::Direct);
        QCOMPARE(conv.peerUsername, QStringLiteral("bob"));
    }

    void unknownConversationsAreResolvedOnTheNextSession() {
        m_sink->authenticated = false;
        m_engine->onDisconnected();
        QVERIFY(m_store->conversations().upsertConversation(55, 0, QString()).ok()); // kind unknown
        m_sink->authenticated = true;
        m_engine->onAuthenticated();
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        QCOMPARE(reqs[0].frame.group_info_request().conversation_id(), quint64(55));
    }

    void systemEventPushIsStoredAndChangesTheGroup() {
        QSignalSpy changed(m_engine.get(), &SyncEngine::conversationChanged);
        QSignalSpy received(m_engine.get(), &SyncEngine::messagesReceived);
        Frame f;
        auto *m = f.mutable_message_push()->add_messages();
        m->set_conversation_id(60);
        m->set_seq(1);
        m->set_sender_user_id(2);
        m->set_sender_username("bob");
        m->set_client_message_id("sys-1");
        auto *e = m->mutable_system_event();
        e->set_kind(wire::SystemEvent::KIND_CREATED);
        e->set_actor_user_id(2);
        e->set_actor_username("bob");
        e->set_name("Trip");
        m_engine->handlePush(f);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(releasedSeqs(received), (QList<quint64>{1}));
        const auto released = received.at(0).at(1).value<QList<MessageRecord>>();
        QVERIFY(released.at(0).event);
        QCOMPARE(released.at(0).event->name, QStringLiteral("Trip"));
        auto conv = **m_store->conversations().conversation(60);
        QCOMPARE(conv.kind, ConversationKind::Group);
        QCOMPARE(conv.name, QStringLiteral("Trip"));
        QVERIFY(m_sink->takeRequests().isEmpty()); // the event told us it is a group
        // A group's delivery ack waits a moment and carries everything stored meanwhile.
        QVERIFY(deliveryAcks(m_sink->takePosted()).isEmpty());
        auto *m2 = f.mutable_message_push()->mutable_messages(0);
        m2->set_seq(2);
        m2->set_client_message_id("sys-2");
        m2->mutable_system_event()->set_kind(wire::SystemEvent::KIND_RENAMED);
        m2->mutable_system_event()->set_name("Trip 2");
        m_engine->handlePush(f);
        QVERIFY(deliveryAcks(m_sink->takePosted()).isEmpty());
        QList<std::pair<quint64, quint64>> acks;
        QTRY_VERIFY_WITH_TIMEOUT((acks += deliveryAcks(m_sink->takePosted()), !acks.isEmpty()),
                                 2000);
        QCOMPARE(acks, (QList<std::pair<quint64, quint64>>{{60, 2}}));
    }

    void formerMemberReleasesWhatItHoldsWhenHistoryIsRefused() {
        // Added at seq 3 and removed at seq 4: seqs 1..2 were never mine, and history is refused.
        QSignalSpy received(m_engine.get(), &SyncEngine::messagesReceived);
        m_engine->handlePush(push({3, 4}));
        m_engine->handlePush(drained());
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        QCOMPARE(reqs[0].frame.history_request().until_seq(), quint64(2));
        reqs[0].handler(Error{ErrorCode::NotMember, QStringLiteral("not a member")});
        QCOMPARE(releasedSeqs(received), (QList<quint64>{3, 4}));
        QCOMPARE((*m_store->conversations().conversation(kConv))->lastContiguousSeq, quint64(4));
        QVERIFY(!m_engine->isBusy());
    }

    void receiptAboutMeMovesMyReadCursor() {
        QSignalSpy mine(m_engine.get(), &SyncEngine::myReadChanged);
        QSignalSpy receipts(m_engine.get(), &SyncEngine::receiptChanged);
        m_engine->handlePush(push({1, 2, 3}));
        Frame r;
        r.mutable_receipt_push()->set_conversation_id(kConv);
        r.mutable_receipt_push()->set_user_id(kMe.userId); // my phone read up to 3
        r.mutable_receipt_push()->set_delivered_seq(3);
        r.mutable_receipt_push()->set_read_seq(3);
        m_engine->handlePush(r);
        QCOMPARE(mine.count(), 1);
        QCOMPARE(mine.at(0).at(1).toULongLong(), quint64(3));
        QCOMPARE(receipts.count(), 0); // my ticks did not change
        const auto conv = **m_store->conversations().conversation(kConv);
        QCOMPARE(conv.myReadSeq, quint64(3));
        QCOMPARE(conv.peerReadSeq, quint64(0));
        QCOMPARE(*m_store->messages().unreadCount(kConv), 0);
        m_engine->handlePush(r);
        QCOMPARE(mine.count(), 1);
    }

    void groupReceiptsUseTheAllMemberCursors() {
        ConversationInfo info;
        info.id = 61;
        info.kind = ConversationKind::Group;
        info.members = {{1, u"alice"_qs, MemberRole::Admin, 0, 0, {}},
                        {2, u"bob"_qs, MemberRole::Member, 0, 0, {}},
                        {3, u"carol"_qs, MemberRole::Member, 0, 0, {}}};
        QVERIFY(m_store->conversations().applyConversationInfo(info, kMe.userId).ok());
        QVERIFY(m_engine->enqueueTexts(61, {QStringLiteral("hi all")}).ok());
        auto reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        reqs[0].handler(sendAck(reqs[0].frame, 1));
        QTRY_COMPARE(*m_store->outbox().size(), 0);
        auto state = [&] {
            return deriveState(m_store->messages().history(61, 1)->at(0),
                               **m_store->conversations().conversation(61), kMe.userId);
        };
        QSignalSpy receipts(m_engine.get(), &SyncEngine::receiptChanged);
        Frame r;
        auto *rp = r.mutable_receipt_push();
        rp->set_conversation_id(61);
        rp->set_user_id(2);
        rp->set_delivered_seq(1);
        rp->set_read_seq(1);
        m_engine->handlePush(r); // bob read it, carol has nothing yet
        QCOMPARE(state(), MessageState::Stored);
        QCOMPARE(receipts.count(), 0);
        rp->set_user_id(3);
        rp->set_read_seq(0);
        rp->set_all_delivered_seq(1);
        m_engine->handlePush(r);
        QCOMPARE(state(), MessageState::Delivered);
        rp->set_read_seq(1);
        rp->set_all_read_seq(1);
        m_engine->handlePush(r);
        QCOMPARE(state(), MessageState::Read);
        QCOMPARE(receipts.count(), 2);
    }

    void historyCursorsWithoutMinimumsComputeTheGroupMinimum() {
        ConversationInfo info;
        info.id = 62;
        info.kind = ConversationKind::Group;
        QVERIFY(m_store->conversations().applyConversationInfo(info, kMe.userId).ok());
        QVERIFY(m_engine->enqueueTexts(62, {QStringLiteral("x")}).ok());
        auto reqs = m_sink->takeRequests();
        reqs[0].handler(sendAck(reqs[0].frame, 1));
        QTRY_COMPARE(*m_store->outbox().size(), 0);
        m_engine->refreshConversation(62);
        reqs = m_sink->takeRequests();
        QCOMPARE(reqs.size(), 1);
        Frame h;
        auto *hr = h.mutable_history_response();
        for (auto [user, d, r] : {std::tuple{1, 1, 1}, std::tuple{2, 1, 1}, std::tuple{3, 1, 0}}) {
            auto *c = hr->add_cursors();
            c->set_conversation_id(62);
            c->set_user_id(quint64(user));
            c->set_delivered_seq(quint64(d));
            c->set_read_seq(quint64(r));
        }
        reqs[0].handler(h);
        const auto conv = **m_store->conversations().conversation(62);
        QCOMPARE(conv.allDeliveredSeq, quint64(1));
        QCOMPARE(conv.allReadSeq, quint64(0));
        QCOMPARE(deriveState(m_store->messages().history(62, 1)->at(0), conv, kMe.userId),
                 MessageState::Delivered);
    }
};

QTEST_GUILESS_MAIN(TestSyncEngine)
#include "test_sync_engine.moc"
