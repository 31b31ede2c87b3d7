// Several devices per user against the real server: every message on every device (sent ones
// too), reads propagate to the user's other devices, device list and remote logout; a device's
// newer connection closes its older one, revocation cuts off every connection at once, and once a
// user has a device list only its devices may log out others.
#include "support/e2e_keys.h"
#include "support/integration_fixture.h"

#include <QTest>

using namespace tidings;
using namespace tidings::test;
using F = protocol::Frame;

class TestMultiDevice : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void everyMessageOnEveryDevice() {
        auto a1 = m_fx.registerUser("alice");
        auto a2 = m_fx.newDevice("alice");
        auto a3 = m_fx.newDevice("alice");
        auto bob = m_fx.registerUser("bob");
        QVERIFY(a1 && a2 && a3 && bob);
        QVERIFY(a1->deviceId != a2->deviceId && a2->deviceId != a3->deviceId);
        const QByteArray a3Token = a3->token;
        a3.reset(); // offline for now
        const quint64 conv = bob->openDirect("alice");
        QCOMPARE(a1->openDirect("bob"), conv);

        QVERIFY(bob->send(conv, "b-1", "from bob")->has_send_ack());
        QVERIFY(a1->waitMessages(1) && a2->waitMessages(1));
        // Sent from one of alice's devices: bob and her other devices get it.
        QVERIFY(a1->send(conv, "a-1", "from alice 1")->has_send_ack());
        QVERIFY(bob->waitMessages(1));
        QVERIFY(a2->waitMessages(2));
        QCOMPARE(a2->messages[1].payload(), std::string("from alice 1"));
        QCOMPARE(a2->messages[1].sender_device_id(), a1->deviceId);

        // The offline device finds both in its inbox.
        auto back = m_fx.reconnect(a3Token);
        QVERIFY(back);
        QVERIFY(back->waitMessages(2));
        QCOMPARE(back->messages[0].payload(), std::string("from bob"));
        QCOMPARE(back->messages[1].payload(), std::string("from alice 1"));

        QVERIFY(bob->send(conv, "b-2", "read me")->has_send_ack());
        QVERIFY(a1->waitMessages(2) && a2->waitMessages(3));
        // Alice's own message was not echoed to the device that sent it: bob's later one comes
        // right after bob's first (a conversation's pushes keep their order).
        QCOMPARE(int(a1->messages.size()), 2);
        QCOMPARE(a1->messages[1].client_message_id(), std::string("b-2"));

        // Reading on one device: the other devices and bob hear of it. (Alice's own message
        // counts as read by her already: sending implies having read what came before.)
        a2->pushes.clear();
        bob->pushes.clear();
        a1->ackRead(conv, 3);
        auto own = a2->waitPush(F::kReceiptPush);
        QVERIFY(own);
        QCOMPARE(own->receipt_push().user_id(), a1->userId);
        QCOMPARE(own->receipt_push().read_seq(), quint64(3));
        auto theirs = bob->waitPush(F::kReceiptPush);
        QVERIFY(theirs);
        QCOMPARE(theirs->receipt_push().read_seq(), quint64(3));
    }

    void listAndRevokeDevices() {
        auto c1 = m_fx.registerUser("carol");
        auto c2 = m_fx.newDevice("carol");
        auto c3 = m_fx.newDevice("carol");
        auto dave = m_fx.registerUser("dave");
        QVERIFY(c1 && c2 && c3 && dave);
        F list;
        list.mutable_devices_request();
        auto r = c1->request(list);
        QVERIFY(r && r->has_devices_response());
        QCOMPARE(r->devices_response().devices_size(), 3);
        int current = 0, online = 0;
        for (const auto &d : r->devices_response().devices()) {
            current += d.current() ? 1 : 0;
            online += d.online() ? 1 : 0;
            if (d.current())
                QCOMPARE(d.device_id(), c1->deviceId);
        }
        QCOMPARE(current, 1);
        QCOMPARE(online, 3);

        // Someone else's device is not yours to revoke.
        F other;
        other.mutable_revoke_device_request()->set_device_id(dave->deviceId);
        QCOMPARE(errorCode(c1->request(other)), wire::ERROR_NO_SUCH_DEVICE);
        QVERIFY(dave->ping()); // still served

        const QByteArray c3Token = c3->token;
        const quint64 c3Device = c3->deviceId;
        F revoke;
        revoke.mutable_revoke_device_request()->set_device_id(c3->deviceId);
        QVERIFY(c1->request(revoke)->has_ok());
        QVERIFY(c3->waitDisconnected()); // cut off at once
        auto again = m_fx.connect();
        QVERIFY(again);
        QCOMPARE(errorCode(again->auth(c3Token)), wire::ERROR_BAD_TOKEN);
        QCOMPARE(c1->request(list)->devices_response().devices_size(), 2);
        // A revoked device gets nothing new queued.
        const quint64 conv = dave->openDirect("carol");
        QVERIFY(dave->send(conv, "after-revoke")->has_send_ack());
        QVERIFY(c2->waitMessages(1));
        QCOMPARE(
            m_fx.sql(
                QStringLiteral("SELECT count(*) FROM inbox WHERE device_id = %1").arg(c3Device)),
            QString("0"));
    }

    void revokingCutsOffEveryConnection() {
        auto e1 = m_fx.registerUser("erin");
        auto e2 = m_fx.newDevice("erin");
        QVERIFY(e1 && e2);
        // The same device connects again (a half-open old socket, a second window): the newer
        // connection wins and the older one is told why and closed, not left half alive.
        auto again = m_fx.reconnect(e2->token);
        QVERIFY(again);
        auto told = e2->waitPush(F::kError);
        QVERIFY(told);
        QCOMPARE(told->error().code(), wire::ERROR_SESSION_REPLACED);
        QVERIFY(e2->waitDisconnected());
        QVERIFY(again->ping());

        F revoke;
        revoke.mutable_revoke_device_request()->set_device_id(again->deviceId);
        QVERIFY(e1->request(revoke)->has_ok());
        auto gone = again->waitPush(F::kError);
        QVERIFY(gone);
        QCOMPARE(gone->error().code(), wire::ERROR_BAD_TOKEN);
        QVERIFY(again->waitDisconnected());
        auto refused = m_fx.connect();
        QVERIFY(refused);
        QCOMPARE(errorCode(refused->auth(e2->token)), wire::ERROR_BAD_TOKEN);
    }

    void onlyLinkedDevicesLogOutOthers() {
        auto f1 = m_fx.registerUser("fiona");
        auto f2 = m_fx.newDevice("fiona"); // logged in with the password, never linked
        auto f3 = m_fx.newDevice("fiona");
        QVERIFY(f1 && f2 && f3);
        const auto aik = crypto::Ed25519KeyPair::generate();
        TestDevice d1(f1->userId, f1->deviceId);
        QVERIFY(f1->request(d1.upload(aik.publicKey, 5))->has_keys_response());
        QVERIFY(f1->request(publishList(aik, f1->userId, 1, {d1.identity()}))->has_ok());

        // Someone holding only the password cannot cut off the account's real devices.
        F byUnlinked;
        byUnlinked.mutable_revoke_device_request()->set_device_id(f1->deviceId);
        QCOMPARE(errorCode(f2->request(byUnlinked)), wire::ERROR_FORBIDDEN);
        QVERIFY(f1->ping());
        QCOMPARE(m_fx.sql(QStringLiteral("SELECT revoked_at IS NULL FROM devices WHERE id = %1")
                              .arg(f1->deviceId)),
                 QString("t"));
        // A linked device logs out another; any device logs out itself.
        F byLinked;
        byLinked.mutable_revoke_device_request()->set_device_id(f3->deviceId);
        QVERIFY(f1->request(byLinked)->has_ok());
        QVERIFY(f3->waitDisconnected());
        F itself;
        itself.mutable_revoke_device_request()->set_device_id(f2->deviceId);
        QVERIFY(f2->request(itself)->has_ok());
        QVERIFY(f2->waitDisconnected());
    }
};

QTEST_GUILESS_MAIN(TestMultiDevice)
#include "test_multidevice.moc"
