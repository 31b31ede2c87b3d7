// The composition root: a real Client (real Connection, sync engine and modules, no encryption)
// against a scripted in-process QWebSocketServer on the loopback interface. Checks what Client
// itself does: the handshake of each fresh socket through the account module, requests that
// waited for the session, pushes routed to the module that owns them, the wiring between modules
// (a message ends its sender's typing; an accepted group change fetches the new events), and the
// lifecycle signals (disconnected, fatalError).
#include "core/client.h"
#include "core/secrets/secret_store.h"
#include "core/store/account_store.h"
#include "core/store/conversation_store.h"
#include "core/store/storage.h"
#include "core/sync/payload_codec.h"
#include "crypto/secret_bytes.h"
#include "protocol/codec.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace tidings;
using namespace tidings::client;

Q_DECLARE_METATYPE(QList<tidings::client::MessageRecord>)

namespace {
const AccountSettings kMe{QString(), 1, 11, QStringLiteral("alice"), {}};
constexpr quint64 kConv = 9;
//! Device tokens are 32 bytes (the server's decoder checks it).
const QByteArray kToken(32, 't');
} // namespace

class TestClientWiring : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QWebSocketServer *m_server = nullptr;
    QList<QWebSocket *> m_peers;
    QList<Frame> m_received;
    std::unique_ptr<Storage> m_store;
    MemorySecretStore m_secrets;
    std::unique_ptr<Client> m_client;

    QUrl url() const {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_server->serverPort()));
    }
    void send(const Frame &f) { m_peers.last()->sendBinaryMessage(protocol::encodeFrame(f)); }
    //! Waits for the next frame of `kind` the server received and removes it.
    std::optional<Frame> next(Frame::BodyCase kind) {
        std::optional<Frame> out;
        // Nothing on timeout: the caller QVERIFYs the optional.
        (void)QTest::qWaitFor(
            [&] {
                for (int i = 0; i < m_received.size(); ++i) {
                    if (m_received[i].body_case() == kind) {
                        out = m_received.takeAt(i);
                        return true;
                    }
                }
                return false;
            },
            5000);
        return out;
    }
    //! Starts the client and completes the handshake.
    bool authenticate() {
        QSignalSpy authenticated(m_client.get(), &Client::authenticated);
        if (!m_client->start(url()))
            return false;
        auto auth = next(Frame::kAuthRequest);
        if (!auth || protocol::bytesFromStd(auth->auth_request().device_token()) != kToken)
            return false;
        Frame ok;
        ok.set_request_id(auth->request_id());
        ok.mutable_auth_response()->set_user_id(kMe.userId);
        ok.mutable_auth_response()->set_device_id(kMe.deviceId);
        send(ok);
        return authenticated.wait(5000);
    }

private slots:
    void init() {
        qRegisterMetaType<QList<MessageRecord>>();
        qRegisterMetaType<TypingEvent>();
        qRegisterMetaType<PresenceInfo>();
        qRegisterMetaType<tidings::Error>();
        m_server =
            new QWebSocketServer(QStringLiteral("test"), QWebSocketServer::NonSecureMode, this);
        QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
        m_received.clear();
        m_peers.clear();
        connect(m_server, &QWebSocketServer::newConnection, this, [this] {
            QWebSocket *s = m_server->nextPendingConnection();
            m_peers.append(s);
            connect(s, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &b) {
                if (auto f = protocol::decodeClientFrame(b); f.ok())
                    m_received.append(*f);
            });
        });
        auto store = Storage::open(
            m_dir.filePath(QStringLiteral("c%1.sqlite").arg(QDateTime::currentMSecsSinceEpoch())),
            crypto::SecretBytes::random(32));
        QVERIFY(store);
        m_store = std::move(*store);
        QVERIFY(m_store->accounts().saveAccount(kMe));
        QVERIFY(m_secrets.write(kDeviceTokenKey, kToken));
        Client::Options o;
        o.connection.backoffBaseMs = 20;
        o.connection.backoffCapMs = 50;
        m_client = std::make_unique<Client>(m_store.get(), &m_secrets, o);
    }
    void cleanup() {
        m_client.reset();
        m_store.reset();
        // nextPendingConnection() hands the sockets over to us (they are not the server's
        // children): LeakSanitizer found them.
        qDeleteAll(m_peers);
        m_peers.clear();
        delete m_server;
        m_server = nullptr;
    }

    void requestsWaitForTheHandshake() {
        std::optional<Result<ConversationInfo>> info;
        m_client->groups().info(40, [&](Result<ConversationInfo> r) { info = r; });
        QVERIFY(authenticate());
        auto req = next(Frame::kGroupInfoRequest);
        QVERIFY(req);
        QCOMPARE(req->group_info_request().conversation_id(), quint64(40));
        send(protocol::makeError(req->request_id(), ErrorCode::NotMember, QStringLiteral("no")));
        QTRY_VERIFY(info.has_value());
        QCOMPARE(info->error().code, ErrorCode::NotMember);
    }

    void pushesReachTheirModules() {
        QVERIFY(authenticate());
        QSignalSpy typing(&m_client->presence(), &Presence::typingChanged);
        QSignalSpy presence(&m_client->presence(), &Presence::presenceChanged);
        QSignalSpy received(&m_client->messaging(), &Messaging::messagesReceived);

        Frame t;
        t.mutable_typing_push()->set_conversation_id(kConv);
        t.mutable_typing_push()->set_user_id(2);
        t.mutable_typing_push()->set_username("bob");
        t.mutable_typing_push()->set_typing(true);
        t.mutable_typing_push()->set_expires_in_ms(5000);
        send(t);
        QTRY_COMPARE(typing.size(), 1);
        QCOMPARE(m_client->presence().typers(kConv).size(), 1);

        Frame p;
        p.mutable_presence_push()->mutable_presence()->set_user_id(2);
        p.mutable_presence_push()->mutable_presence()->set_username("bob");
        p.mutable_presence_push()->mutable_presence()->set_online(true);
        send(p);
        QTRY_COMPARE(presence.size(), 1);
        QCOMPARE(presence.first().first().value<PresenceInfo>().username, QStringLiteral("bob"));

        // A message from bob reaches messaging, and bob stops typing there.
        ConversationInfo direct;
        direct.id = kConv;
        direct.kind = ConversationKind::Direct;
        direct.peerUserId = 2;
        direct.peerUsername = QStringLiteral("bob");
        QVERIFY(m_store->conversations().applyConversationInfo(direct, kMe.userId));
        Frame m;
        auto *msg = m.mutable_message_push()->add_messages();
        msg->set_conversation_id(kConv);
        msg->set_seq(1);
        msg->set_sender_user_id(2);
        msg->set_sender_device_id(22);
        msg->set_sender_username("bob");
        msg->set_client_message_id("b-1");
        msg->set_server_time_ms(1000);
        msg->set_payload(
            protocol::bytesToStd(encodePayload(MessageContent{QStringLiteral("hello"), 900})));
        send(m);
        Frame drained;
        drained.mutable_inbox_drained();
        send(drained);
        QTRY_COMPARE(received.size(), 1);
        QCOMPARE(received.first().at(1).value<QList<MessageRecord>>().first().text,
                 QStringLiteral("hello"));
        QTRY_VERIFY(m_client->presence().typers(kConv).isEmpty());
        QVERIFY(!typing.last().first().value<TypingEvent>().typing);
    }

    void anAcceptedGroupChangeFetchesItsEvents() {
        QVERIFY(authenticate());
        std::optional<Status> done;
        m_client->groups().change(40, GroupAction::Remove, QStringLiteral("carol"), {},
                                  [&](Status s) { done = s; });
        auto req = next(Frame::kGroupChangeRequest);
        QVERIFY(req);
        Frame ok;
        ok.set_request_id(req->request_id());
        ok.mutable_ok();
        send(ok);
        QTRY_VERIFY(done.has_value());
        QVERIFY(done->ok());
        auto history = next(Frame::kHistoryRequest);
        QVERIFY(history);
        QCOMPARE(history->history_request().conversation_id(), quint64(40));
    }

    void aLostSocketReconnectsAndARefusedTokenStops() {
        QVERIFY(authenticate());
        QSignalSpy disconnected(m_client.get(), &Client::disconnected);
        QSignalSpy fatal(m_client.get(), &Client::fatalError);
        m_peers.last()->close();
        QVERIFY(disconnected.wait(5000));
        // The connection comes back by itself and authenticates again with the token.
        auto auth = next(Frame::kAuthRequest);
        QVERIFY(auth);
        send(protocol::makeError(auth->request_id(), ErrorCode::BadToken, QStringLiteral("gone")));
        QVERIFY(fatal.wait(5000));
        QCOMPARE(fatal.first().first().value<tidings::Error>().code, ErrorCode::BadToken);
        // Stopped: the connection does not try again.
        QTRY_COMPARE(m_client->connection()->state(), Connection::State::Idle);
    }
};

QTEST_GUILESS_MAIN(TestClientWiring)
#include "test_client_wiring.moc"
