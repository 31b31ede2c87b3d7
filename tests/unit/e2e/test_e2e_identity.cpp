// Device lists, identity changes, safety numbers and device linking through E2eEngine.
#include "crypto/device_list.h"
#include "crypto/safety_number.h"
#include "test_e2e_helpers.h"

using namespace e2etest;
using tidings::ErrorCode;
namespace crypto = tidings::crypto;

class TestE2eIdentity : public QObject {
    Q_OBJECT

    static QString receive(Device &d, const wire::Message &m) {
        auto r = d->decrypt(m, d.addr.userId, d.addr.deviceId);
        if (!r)
            return QStringLiteral("ERR ") + r.error().detail;
        if (auto s = r->commit(); !s)
            return QStringLiteral("COMMIT ") + s.error().detail;
        return textOf(r->pairwise);
    }

    //! Links `fresh` (same user, no AIK) to `existing` and returns the grant's new device.
    static void link(Device &existing, Device &fresh) {
        const QString code = must(existing->createLinkCode(existing.addr.deviceId), "code");
        auto hello = must(fresh->linkHello(code, fresh.addr.userId, fresh.addr.deviceId), "hello");
        QCOMPARE(hello.first, existing.addr.deviceId);
        auto grant = must(existing->answerLinkHello(fresh.addr.deviceId, hello.second), "answer");
        QCOMPARE(grant.newDevice, fresh.addr);
        must(fresh->acceptLinkGrant(grant.blob), "grant");
    }

private slots:
    void rollbackAndUnsignedRejected() {
        FakeServer server;
        Device alice(1, 1), bob(2, 1);
        setUpFirstDevice(server, alice);
        setUpFirstDevice(server, bob);
        const auto v1 = server.list(1);
        server.publish(1, must(alice->signDeviceList({alice.addr}), "v2"));
        const auto v2 = server.list(1);
        must(bob->acceptDeviceList(v2), "v2");
        must(bob->acceptDeviceList(v2), "v2 again"); // a re-fetch is fine
        auto old = bob->acceptDeviceList(v1);
        QVERIFY(!old);
        QCOMPARE(crypto::cryptoErrorOf(old.error()), crypto::CryptoError::Rollback);

        wire::DeviceListResponse unsignedList = v2;
        std::string blob = unsignedList.signed_list();
        blob[blob.size() - 5] = char(blob[blob.size() - 5] ^ 1); // break the signature
        unsignedList.set_signed_list(blob);
        QVERIFY(!bob->acceptDeviceList(unsignedList));
        wire::DeviceListResponse noKey = v2;
        noKey.clear_account_key();
        QVERIFY(!bob->acceptDeviceList(noKey));
        wire::DeviceListResponse otherUser = v2;
        otherUser.set_user_id(2);
        QVERIFY(!bob->acceptDeviceList(otherUser));

        // The same version with other content (a ghost device) is equivocation.
        crypto::DeviceList ghost;
        QVERIFY(crypto::verifyDeviceList(qba(v2.signed_list()), qba(v2.account_key()), 1, 0));
        ghost = *crypto::verifyDeviceList(qba(v2.signed_list()), qba(v2.account_key()), 1, 0);
        ghost.devices.append(crypto::DeviceEntry{9, QByteArray(32, 'a'), QByteArray(32, 'b')});
        const crypto::Ed25519KeyPair forger = crypto::Ed25519KeyPair::generate();
        wire::DeviceListResponse forged = v2;
        forged.set_signed_list(str(crypto::signDeviceList(ghost, forger)));
        QVERIFY(!bob->acceptDeviceList(forged)); // signed by another key than presented
        QCOMPARE(bob->currentDevices(1), QList<DeviceAddress>{alice.addr});
        QVERIFY(!bob->identityChanged(1));
    }

    void identityChangeDetectedAndBlocksVerified() {
        FakeServer server;
        Device alice(1, 1), bob(2, 1);
        setUpFirstDevice(server, alice);
        setUpFirstDevice(server, bob);
        introduce(server, bob, alice);
        must(alice->acceptDeviceList(server.list(2)), "list");
        QCOMPARE(receive(alice, sendText(bob, alice, QStringLiteral("hi"))), QStringLiteral("hi"));
        must(bob->setVerified(1, true), "verify");
        QVERIFY(bob->isVerified(1));

        // Alice reinstalls: a new device with a new AIK publishes a new list.
        Device alice2(1, 2);
        setUpFirstDevice(server, alice2);
        auto update = must(bob->acceptDeviceList(server.list(1)), "new identity");
        QVERIFY(update.identityChanged);
        QCOMPARE(update.added, QList<DeviceAddress>{alice2.addr});
        QCOMPARE(update.removed, QList<DeviceAddress>{alice.addr});
        QVERIFY(bob->identityChanged(1));
        QVERIFY(!bob->isVerified(1));
        QVERIFY(!bob->hasSession(alice.addr)); // the old device receives nothing more
        must(bob->acceptBundles(server.bundles(1, {2})), "bundles");
        auto blocked = bob->encryptPairwise({alice2.addr}, textBody(QStringLiteral("x")));
        QVERIFY(!blocked);
        QCOMPARE(blocked.error().code, ErrorCode::Forbidden);
        must(bob->acknowledgeIdentityChange(1), "ack");
        QVERIFY(!bob->identityChanged(1));
        QVERIFY(!bob->isVerified(1));
        must(alice2->acceptDeviceList(server.list(2)), "list");
        QCOMPARE(receive(alice2, sendText(bob, alice2, QStringLiteral("again"))),
                 QStringLiteral("again"));

        // An unverified peer's change is recorded too, but does not block.
        Device carol(3, 1);
        setUpFirstDevice(server, carol);
        must(bob->acceptDeviceList(server.list(3)), "carol");
        Device carol2(3, 2);
        setUpFirstDevice(server, carol2);
        QVERIFY(must(bob->acceptDeviceList(server.list(3)), "carol2").identityChanged);
        QVERIFY(bob->identityChanged(3));
        must(bob->acceptBundles(server.bundles(3, {2})), "bundles");
        QVERIFY(bob->encryptPairwise({carol2.addr}, textBody(QStringLiteral("y"))));

        // With "hold on key changes" set, any peer's unacknowledged change holds sending (a
        // typed IdentityHeld, which the outbox keeps pending) until it is acknowledged.
        QVERIFY(!bob->holdOnIdentityChange());
        must(bob->setHoldOnIdentityChange(true), "hold");
        QVERIFY(bob->holdOnIdentityChange());
        auto held = bob->encryptPairwise({carol2.addr}, textBody(QStringLiteral("z")));
        QVERIFY(!held);
        QCOMPARE(crypto::cryptoErrorOf(held.error()), crypto::CryptoError::IdentityHeld);
        must(bob->acknowledgeIdentityChange(3), "ack carol");
        QVERIFY(bob->encryptPairwise({carol2.addr}, textBody(QStringLiteral("z"))));
        must(bob->setHoldOnIdentityChange(false), "no hold");
    }

    void safetyNumbers() {
        FakeServer server;
        Device alice(1, 1), bob(2, 1);
        setUpFirstDevice(server, alice);
        setUpFirstDevice(server, bob);
        must(alice->acceptDeviceList(server.list(2)), "list");
        must(bob->acceptDeviceList(server.list(1)), "list");
        const QString ab = must(alice->safetyNumber(2), "sn");
        QCOMPARE(ab, must(bob->safetyNumber(1), "sn"));
        QCOMPARE(QString(ab).remove(QLatin1Char(' ')).size(), 60);
        const QByteArray qrAlice = must(alice->safetyQrPayload(2), "qr");
        QVERIFY(crypto::verifySafetyQr(qrAlice, crypto::safetyStableId(2), bob->accountKey(),
                                       crypto::safetyStableId(1), alice->accountKey()));
        QVERIFY(!alice->safetyNumber(3)); // unknown user

        // Either side's AIK changing changes the number; adding a device does not.
        Device alice2(1, 2);
        setUpFirstDevice(server, alice2);
        must(bob->acceptDeviceList(server.list(1)), "alice2");
        QVERIFY(must(bob->safetyNumber(1), "sn") != ab);
        Device bob2(2, 2);
        setUpFirstDevice(server, bob2);
        must(alice->acceptDeviceList(server.list(2)), "bob2");
        QVERIFY(must(alice->safetyNumber(2), "sn") != ab);
        QCOMPARE(alice->fingerprint(bob2.addr), bob2->myFingerprint());
        QCOMPARE(bob2->myFingerprint().size(), 16);
        QVERIFY(alice->fingerprint(bob2.addr) != alice->myFingerprint());
    }

    void linkingEndToEnd() {
        FakeServer server;
        Device first(1, 1), second(1, 2), bob(2, 1);
        setUpFirstDevice(server, first);
        setUpFirstDevice(server, bob);
        auto upload = must(second->ensureDeviceKeys(1, 2, false), "keys");
        QVERIFY(upload.account_key().empty());
        QVERIFY(!second->hasAccountKey());
        server.upload(second.addr, upload);
        const QString before = must(bob->acceptDeviceList(server.list(1)), "list").added.isEmpty()
                                   ? QString()
                                   : must(bob->safetyNumber(1), "sn");
        link(first, second);
        QVERIFY(second->hasAccountKey());
        QCOMPARE(second->accountKey(), first->accountKey());
        // The existing device lists the new one; the new one can then sign lists itself.
        server.publish(1, must(first->signDeviceList({first.addr, second.addr}), "list v2"));
        must(second->acceptDeviceList(server.list(1)), "own list");
        auto reupload = must(second->ensureDeviceKeys(1, 2, false), "keys again");
        QVERIFY(!reupload.binding_signature().empty());
        server.upload(second.addr, reupload);
        server.publish(1, must(second->signDeviceList({first.addr, second.addr}), "list v3"));
        must(first->acceptDeviceList(server.list(1)), "first accepts v3");
        auto update = must(bob->acceptDeviceList(server.list(1)), "bob");
        QVERIFY(!update.identityChanged);
        QCOMPARE(bob->currentDevices(1), (QList<DeviceAddress>{first.addr, second.addr}));
        QCOMPARE(must(bob->safetyNumber(1), "sn"), before); // devices do not change it
        must(bob->acceptBundles(server.bundles(1, {1, 2})), "bundles");
        must(second->acceptDeviceList(server.list(2)), "list");
        QCOMPARE(receive(second, sendText(bob, second, QStringLiteral("to the new device"))),
                 QStringLiteral("to the new device"));
    }

    void wrongOrReusedCodeRejected() {
        FakeServer server;
        Device first(1, 1), second(1, 2), third(1, 3);
        qint64 now = 1'700'000'000'000;
        first->setClockForTest([&] { return now; });
        setUpFirstDevice(server, first);
        must(second->ensureDeviceKeys(1, 2, false), "keys");
        must(third->ensureDeviceKeys(1, 3, false), "keys");

        // A mistyped code: rejected, and the code is burnt.
        QString code = must(first->createLinkCode(1), "code");
        QString typo = code;
        typo[typo.size() - 1] =
            typo.at(typo.size() - 1) == QLatin1Char('A') ? QLatin1Char('B') : QLatin1Char('A');
        auto bad = must(second->linkHello(typo, 1, 2), "hello");
        QVERIFY(!first->answerLinkHello(2, bad.second));
        auto good = must(second->linkHello(code, 1, 2), "hello");
        QVERIFY(!first->answerLinkHello(2, good.second));
        QVERIFY(!second->linkHello(QStringLiteral("not-a-code"), 1, 2));

        // Used once: the same hello (or another device's) cannot use it again.
        code = must(first->createLinkCode(1), "code");
        good = must(second->linkHello(code, 1, 2), "hello");
        auto grant = must(first->answerLinkHello(2, good.second), "answer");
        QVERIFY(!first->answerLinkHello(2, good.second));
        auto thirdHello = must(third->linkHello(code, 1, 3), "hello");
        QVERIFY(!first->answerLinkHello(3, thirdHello.second));
        // The grant opens only on the device it was made for.
        QVERIFY(!third->acceptLinkGrant(grant.blob));
        QVERIFY(!third->hasAccountKey());
        must(second->acceptLinkGrant(grant.blob), "grant");

        // A hello relayed from another device than it names, and an expired code.
        code = must(first->createLinkCode(1), "code");
        thirdHello = must(third->linkHello(code, 1, 3), "hello");
        QVERIFY(!first->answerLinkHello(2, thirdHello.second));
        code = must(first->createLinkCode(1), "code");
        thirdHello = must(third->linkHello(code, 1, 3), "hello");
        now += 11 * 60 * 1000;
        QVERIFY(!first->answerLinkHello(3, thirdHello.second));
        QVERIFY(!third->hasAccountKey());
    }
};

QTEST_GUILESS_MAIN(TestE2eIdentity)
#include "test_e2e_identity.moc"
