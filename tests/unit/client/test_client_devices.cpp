// The devices module with real E2E engines and FakeSockets as the server: the device list with
// fingerprints, revoking (and the republished list), publishing my signed device list only when it
// changed, the session-start listing that makes a device ready, and linking a new device end to
// end between two devices' modules (hello, grant, keys, list), with its errors.
#include "e2e_modules.h"

#include <QSignalSpy>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

namespace {
const AccountSettings kLaptop{
    QStringLiteral("ws://127.0.0.1:1"), 1, 12, QStringLiteral("alice"), {}};

Frame emptyListAnswer() {
    return answer([](Frame &f) { f.mutable_device_list_response()->set_user_id(kMe.userId); });
}
Frame keysAnswer() {
    return answer([](Frame &f) { f.mutable_keys_response()->set_one_time_prekeys(100); });
}
Frame relayPush(quint64 from, const std::string &blob) {
    return answer([&](Frame &f) {
        f.mutable_link_relay_push()->set_from_device_id(from);
        f.mutable_link_relay_push()->set_blob(blob);
    });
}
} // namespace

class TestDevices : public QObject {
    Q_OBJECT
private slots:
    void theListIsConverted() {
        E2eModules a;
        QVERIFY(a.open(kMe, true, false));
        std::optional<Result<QList<DeviceInfo>>> got;
        a.devices->list([&](Result<QList<DeviceInfo>> r) { got = r; });
        QVERIFY(a.answerOne(Frame::kDevicesRequest, devicesAnswer({11, 12}, 11)));
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->size(), 2);
        QVERIFY((*got)->at(0).current);
        QCOMPARE((*got)->at(1).name, QStringLiteral("device 12"));
        QVERIFY((*got)->at(0).fingerprint.isEmpty()); // no encryption: no keys to show

        E2eModules b;
        QVERIFY(b.open(kMe, true));
        b.devices->list([&](Result<QList<DeviceInfo>> r) { got = r; });
        QVERIFY(b.answerOne(Frame::kDevicesRequest, devicesAnswer({11, 12}, 11)));
        QCOMPARE((*got)->at(0).fingerprint, b.keys->engine()->myFingerprint());
        QVERIFY(!(*got)->at(0).fingerprint.isEmpty());
        QVERIFY((*got)->at(1).fingerprint.isEmpty()); // not in my verified list
    }

    void withoutTheAccountKeyNothingIsPublished() {
        E2eModules a;
        QVERIFY(a.open(kMe, true, false));
        std::optional<Status> s;
        a.devices->publishDeviceList([&](Status r) { s = r; });
        QVERIFY(s && !s->ok());
        QCOMPARE(s->error().code, ErrorCode::Usage);
        // Revoking still works; there is no list to republish.
        s.reset();
        a.devices->revoke(12, [&](Status r) { s = r; });
        Frame req;
        QVERIFY(a.answerOne(Frame::kRevokeDeviceRequest, okAnswer(), &req));
        QCOMPARE(req.revoke_device_request().device_id(), quint64(12));
        QVERIFY(s && s->ok());
        QVERIFY(a.f.socket.requests.isEmpty());
        a.devices->revoke(13, [&](Status r) { s = r; });
        QVERIFY(a.answerOne(Frame::kRevokeDeviceRequest, Frame())); // an answer with no body
        QVERIFY(isUnexpectedAnswer(s->error()));
    }

    void theListIsPublishedOnlyWhenItChanged() {
        E2eModules a;
        QVERIFY(a.open(kMe, true));
        QSignalSpy ready(a.devices.get(), &Devices::encryptionReady);
        // Session start: keys uploaded, then this device is listed.
        emit a.keys->keysUploaded();
        QVERIFY(a.answerOne(Frame::kDeviceListRequest, emptyListAnswer()));
        QVERIFY(a.answerOne(Frame::kDevicesRequest, devicesAnswer({11}, 11)));
        Frame publish;
        QVERIFY(a.answerOne(Frame::kPublishDeviceListRequest, okAnswer(), &publish));
        QVERIFY(!publish.publish_device_list_request().signed_list().empty());
        QCOMPARE(ready.size(), 1);

        // The next session finds the same list published: nothing to sign.
        emit a.keys->keysUploaded();
        QVERIFY(a.answerOne(Frame::kDeviceListRequest,
                            deviceListAnswer(kMe.userId, publish.publish_device_list_request())));
        QVERIFY(a.answerOne(Frame::kDevicesRequest, devicesAnswer({11}, 11)));
        QVERIFY(a.f.socket.requests.isEmpty());
        QCOMPARE(ready.size(), 2);

        // A failure to publish leaves the device not ready.
        ready.clear();
        emit a.keys->keysUploaded();
        QVERIFY(a.answerOne(Frame::kDeviceListRequest, emptyListAnswer()));
        ModuleFixture::Request req;
        QVERIFY(a.f.takeOne(req));
        req.handler(Error{ErrorCode::Internal, QStringLiteral("x")});
        QCOMPARE(ready.size(), 0);
    }

    void linkingANewDevice() {
        E2eModules phone, laptop;
        QVERIFY(phone.open(kMe, true));
        QVERIFY(laptop.open(kLaptop, false));
        QVERIFY(!laptop.keys->hasAccountKey());
        // The phone's list as published so far: the phone alone.
        auto phoneList = phone.keys->engine()->signDeviceList({{kMe.userId, kMe.deviceId}});
        QVERIFY(phoneList.ok());

        QString code;
        std::optional<Status> phoneLinked;
        phone.devices->createLinkCode([&](Result<QString> c) { code = c ? *c : QString(); },
                                      [&](Status s) { phoneLinked = s; });
        QVERIFY(!code.isEmpty());

        QSignalSpy laptopReady(laptop.devices.get(), &Devices::encryptionReady);
        std::optional<Status> laptopLinked;
        laptop.devices->linkDevice(code, [&](Status s) { laptopLinked = s; });
        Frame hello;
        QVERIFY(laptop.answerOne(Frame::kLinkRelayRequest, okAnswer(), &hello));
        QCOMPARE(hello.link_relay_request().device_id(), kMe.deviceId);

        // The server relays the hello to the phone, which answers with the grant.
        phone.devices->handleLinkRelay(
            relayPush(kLaptop.deviceId, hello.link_relay_request().blob()).link_relay_push());
        Frame grant;
        QVERIFY(phone.answerOne(Frame::kLinkRelayRequest, okAnswer(), &grant));
        QCOMPARE(grant.link_relay_request().device_id(), kLaptop.deviceId);
        QVERIFY(phoneLinked && phoneLinked->ok());

        // The laptop opens the grant, uploads its keys and lists itself beside the phone.
        laptop.devices->handleLinkRelay(
            relayPush(kMe.deviceId, grant.link_relay_request().blob()).link_relay_push());
        QVERIFY(laptop.keys->hasAccountKey());
        QVERIFY(laptop.answerOne(Frame::kUploadKeysRequest, keysAnswer()));
        QVERIFY(
            laptop.answerOne(Frame::kDeviceListRequest, deviceListAnswer(kMe.userId, *phoneList)));
        QVERIFY(laptop.answerOne(Frame::kDevicesRequest, devicesAnswer({11, 12}, 12)));
        Frame published;
        QVERIFY(laptop.answerOne(Frame::kPublishDeviceListRequest, okAnswer(), &published));
        QVERIFY(laptopLinked && laptopLinked->ok());
        QCOMPARE(laptopReady.size(), 1);
    }

    void linkingErrors() {
        E2eModules plain, linked, unlinked;
        QVERIFY(plain.open(kMe, true, false));
        QVERIFY(linked.open(kMe, true));
        QVERIFY(unlinked.open(kLaptop, false));
        std::optional<Status> s;
        plain.devices->linkDevice(QStringLiteral("x"), [&](Status r) { s = r; });
        QCOMPARE(s->error().code, ErrorCode::Usage);
        s.reset();
        linked.devices->linkDevice(QStringLiteral("x"), [&](Status r) { s = r; });
        QCOMPARE(s->error().code, ErrorCode::Usage); // linked already
        s.reset();
        unlinked.devices->linkDevice(QStringLiteral("not a code"), [&](Status r) { s = r; });
        QVERIFY(s && !s->ok());
        QVERIFY(unlinked.f.socket.requests.isEmpty());
        std::optional<Result<QString>> code;
        unlinked.devices->createLinkCode([&](Result<QString> c) { code = c; }, [](Status) {});
        QCOMPARE(code->error().code, ErrorCode::Usage); // holds no account key

        // The device showing the code is offline: said in words the user understands.
        QString valid;
        linked.devices->createLinkCode([&](Result<QString> c) { valid = *c; }, [](Status) {});
        s.reset();
        unlinked.devices->linkDevice(valid, [&](Status r) { s = r; });
        ModuleFixture::Request req;
        QVERIFY(unlinked.f.takeOne(req));
        req.handler(Error{ErrorCode::NoSuchDevice, QStringLiteral("no such device")});
        QVERIFY(s && !s->ok());
        QCOMPARE(s->error().code, ErrorCode::NoSuchDevice);
        QCOMPARE(s->error().detail, QStringLiteral("the device showing the code is not online"));

        // A hello nobody waits for, or a wrong one, is ignored.
        plain.devices->handleLinkRelay(relayPush(12, "junk").link_relay_push());
        linked.devices->handleLinkRelay(relayPush(12, "junk").link_relay_push());
        QVERIFY(linked.f.socket.requests.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestDevices)
#include "test_client_devices.moc"
