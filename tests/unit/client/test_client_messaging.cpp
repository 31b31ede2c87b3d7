// The messaging module over the real SyncEngine and a FakeSocket: opening a 1:1 (waiting for a
// session, retried after a reconnect, stored before the caller hears of it, errors mapped),
// sending through the outbox, the flush round trip, local reads, and pushes relayed as signals.
#include "core/messaging/messaging.h"
#include "core/store/conversation_store.h"
#include "core/sync/payload_codec.h"
#include "core/sync/sync_engine.h"
#include "module_fixture.h"
#include "protocol/codec.h"

#include <QSignalSpy>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

Q_DECLARE_METATYPE(QList<tidings::client::MessageRecord>)

namespace {
constexpr quint64 kConv = 9;

Frame directInfo(quint64 conversationId, quint64 peer, const char *peerName) {
    return answer([&](Frame &f) {
        auto *ci = f.mutable_conversation_info();
        ci->set_conversation_id(conversationId);
        ci->set_peer_user_id(peer);
        ci->set_peer_username(peerName);
        ci->set_peer_display_name("Bob B.");
    });
}

Frame messagePush(quint64 seq) {
    return answer([&](Frame &f) {
        auto *m = f.mutable_message_push()->add_messages();
        m->set_conversation_id(kConv);
        m->set_seq(seq);
        m->set_sender_user_id(2);
        m->set_sender_device_id(22);
        m->set_sender_username("bob");
        m->set_client_message_id("bob-" + std::to_string(seq));
        m->set_server_time_ms(1000);
        m->set_payload(
            protocol::bytesToStd(encodePayload(MessageContent{QStringLiteral("hi"), 900})));
    });
}
} // namespace

class TestMessaging : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<ModuleFixture> m_f;
    SyncEngine *m_sync = nullptr;
    std::unique_ptr<Messaging> m_messaging;

    //! Opens the 1:1 with bob (conversation kConv) through the module.
    void openBob() {
        m_messaging->openDirect(QStringLiteral("bob"), [](Result<ConversationRecord>) {});
        auto reqs = m_f->socket.takeRequests();
        QCOMPARE(reqs.size(), 1);
        reqs.first().handler(directInfo(kConv, 2, "bob"));
    }

private slots:
    void init() {
        qRegisterMetaType<QList<MessageRecord>>();
        m_f = std::make_unique<ModuleFixture>();
        QVERIFY(m_f->open());
        m_sync = new SyncEngine(m_f->store.get(), &m_f->socket);
        m_sync->setAccount(kMe);
        m_messaging = std::make_unique<Messaging>(m_f->store.get(), m_sync, &m_f->requests,
                                                  m_f->account.get());
        m_sync->setParent(m_messaging.get());
    }
    void cleanup() {
        m_messaging.reset();
        m_f.reset();
    }

    void openDirectWaitsForASessionAndStoresTheAnswer() {
        m_f->socket.authenticated = false;
        std::optional<Result<ConversationRecord>> got;
        m_messaging->openDirect(QStringLiteral("  Bob "),
                                [&](Result<ConversationRecord> r) { got = r; });
        QVERIFY(m_f->socket.requests.isEmpty());
        m_f->socket.authenticated = true;
        m_f->requests.sessionStarted();
        ModuleFixture::Request req;
        QVERIFY(m_f->takeOne(req));
        QCOMPARE(req.frame.body_case(), Frame::kOpenDirectRequest);
        QCOMPARE(req.frame.open_direct_request().username(), "bob");
        req.handler(directInfo(kConv, 2, "bob"));
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->id, kConv);
        QCOMPARE((*got)->kind, ConversationKind::Direct);
        QCOMPARE((*got)->peerUserId, quint64(2));
        QCOMPARE((*got)->peerUsername, QStringLiteral("bob"));
        auto stored = m_f->store->conversations().conversationWithPeer(QStringLiteral("bob"));
        QVERIFY(stored && stored->has_value());
        QCOMPARE((*stored)->id, kConv);
    }

    void openDirectIsRetriedAfterAReconnect() {
        std::optional<Result<ConversationRecord>> got;
        m_messaging->openDirect(QStringLiteral("bob"),
                                [&](Result<ConversationRecord> r) { got = r; });
        m_f->socket.authenticated = false;
        m_f->socket.takeRequests().first().handler(Error{ErrorCode::Network, QStringLiteral("x")});
        QVERIFY(!got);
        m_f->socket.authenticated = true;
        m_f->requests.sessionStarted();
        ModuleFixture::Request req;
        QVERIFY(m_f->takeOne(req));
        QCOMPARE(req.frame.body_case(), Frame::kOpenDirectRequest);
        req.handler(directInfo(kConv, 2, "bob"));
        QVERIFY(got && got->ok());
    }

    void openDirectErrorsReachTheCaller() {
        std::optional<Result<ConversationRecord>> got;
        m_messaging->openDirect(QStringLiteral("nobody"),
                                [&](Result<ConversationRecord> r) { got = r; });
        m_f->socket.takeRequests().first().handler(
            Error{ErrorCode::NoSuchUser, QStringLiteral("no such user")});
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::NoSuchUser);

        got.reset();
        m_messaging->openDirect(QStringLiteral("bob"),
                                [&](Result<ConversationRecord> r) { got = r; });
        m_f->socket.takeRequests().first().handler(okAnswer());
        QVERIFY(got && !got->ok());
        QVERIFY(isUnexpectedAnswer(got->error()));
    }

    void sendGoesThroughTheOutbox() {
        openBob();
        m_sync->onAuthenticated();
        m_f->socket.takeRequests(); // nothing to resend yet
        auto id = m_messaging->sendText(kConv, QStringLiteral("hello"));
        QVERIFY(id.ok());
        QCOMPARE(m_messaging->outboxSize().value(), 1);
        auto reqs = m_f->socket.takeRequests();
        QCOMPARE(reqs.size(), 1);
        QCOMPARE(reqs.first().frame.send_request().conversation_id(), kConv);
        QCOMPARE(QString::fromStdString(reqs.first().frame.send_request().client_message_id()),
                 *id);
        auto ids = m_messaging->sendTexts(kConv, {QStringLiteral("a"), QStringLiteral("b")});
        QVERIFY(ids.ok());
        QCOMPARE(ids->size(), 2);
        QCOMPARE(m_messaging->outboxSize().value(), 3);
        auto history = m_messaging->history(kConv, 10);
        QVERIFY(history.ok());
        QCOMPARE(history->size(), 3); // pending messages are part of the local history
        QCOMPARE(history->first().text, QStringLiteral("hello"));
    }

    void flushNeedsASessionAndWaitsForThePong() {
        m_f->socket.authenticated = false;
        std::optional<Status> got;
        m_messaging->flush([&](Status s) { got = s; });
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::Network);
        QVERIFY(m_f->socket.requests.isEmpty());

        m_f->socket.authenticated = true;
        got.reset();
        m_messaging->flush([&](Status s) { got = s; }, 1234);
        ModuleFixture::Request req;
        QVERIFY(m_f->takeOne(req));
        QCOMPARE(req.frame.body_case(), Frame::kPing);
        QCOMPARE(req.timeoutMs, 1234);
        QVERIFY(!got);
        req.handler(answer([](Frame &f) { f.mutable_pong(); }));
        QVERIFY(got && got->ok());
    }

    void pushesAreRelayedInOrderAndCountAsUnread() {
        openBob();
        m_sync->onAuthenticated();
        m_f->socket.takeRequests();
        QSignalSpy received(m_messaging.get(), &Messaging::messagesReceived);
        QSignalSpy idle(m_messaging.get(), &Messaging::syncIdle);
        m_messaging->handlePush(messagePush(1));
        m_messaging->handlePush(answer([](Frame &f) { f.mutable_inbox_drained(); }));
        QTRY_COMPARE(received.size(), 1);
        QCOMPARE(received.first().at(0).toULongLong(), kConv);
        QCOMPARE(received.first().at(1).value<QList<MessageRecord>>().first().text,
                 QStringLiteral("hi"));
        QTRY_VERIFY(!idle.isEmpty());
        QVERIFY(!m_messaging->isBusy());
        QVERIFY(m_messaging->isDrained());
        QCOMPARE(m_messaging->unreadCount(kConv).value(), 1);
        auto read = m_messaging->markRead(kConv);
        QVERIFY(read.ok());
        QCOMPARE(*read, quint64(1));
        QCOMPARE(m_messaging->unreadCount(kConv).value(), 0);
    }
};

QTEST_GUILESS_MAIN(TestMessaging)
#include "test_client_messaging.moc"
