// The keys module with a real E2E engine on the sealed store and a FakeSocket as the server: key
// upload at session start (and the refill the answer may ask for), nothing published by a device
// that is not linked, safety numbers from a peer's signed device list, verification and identity
// acknowledgement, and the errors of a profile without encryption.
#include "core/store/conversation_store.h"
#include "core/store/security_notice_store.h"
#include "e2e_modules.h"

#include <QSignalSpy>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

namespace {
const AccountSettings kBob{QStringLiteral("ws://127.0.0.1:1"), 2, 22, QStringLiteral("bob"), {}};

//! This device knows bob from their 1:1 (conversation 9).
bool knowBob(E2eModules &m) {
    ConversationInfo info;
    info.id = 9;
    info.kind = ConversationKind::Direct;
    info.peerUserId = kBob.userId;
    info.peerUsername = kBob.username;
    return m.f.store->conversations().applyConversationInfo(info, kMe.userId).ok();
}

Frame keysAnswer(quint32 prekeys, bool refill) {
    return answer([&](Frame &f) {
        f.mutable_keys_response()->set_one_time_prekeys(prekeys);
        f.mutable_keys_response()->set_refill(refill);
    });
}
} // namespace

class TestKeys : public QObject {
    Q_OBJECT
private slots:
    void withoutEncryptionEverythingSaysSo() {
        E2eModules a;
        QVERIFY(a.open(kMe, true, false));
        QVERIFY(!a.keys->isEnabled());
        QVERIFY(!a.keys->hasAccountKey());
        a.keys->setUpKeys();
        QVERIFY(a.f.socket.requests.isEmpty());
        std::optional<Result<SafetyNumberInfo>> safety;
        a.keys->safetyNumber(QStringLiteral("bob"),
                             [&](Result<SafetyNumberInfo> r) { safety = r; });
        QVERIFY(safety && !safety->ok());
        QCOMPARE(safety->error().code, ErrorCode::Usage);
        std::optional<Status> s;
        a.keys->setVerified(QStringLiteral("bob"), true, [&](Status r) { s = r; });
        QCOMPARE(s->error().code, ErrorCode::Usage);
        s.reset();
        a.keys->acknowledgeIdentityChange(QStringLiteral("bob"), [&](Status r) { s = r; });
        QCOMPARE(s->error().code, ErrorCode::Usage);
        QVERIFY(a.f.socket.requests.isEmpty());
    }

    void sessionStartUploadsKeysAndRefills() {
        E2eModules a;
        QVERIFY(a.open(kMe, true));
        QVERIFY(a.keys->hasAccountKey());
        a.devices.reset(); // listing this device afterwards is the devices module's test
        QSignalSpy uploaded(a.keys.get(), &Keys::keysUploaded);
        a.keys->setUpKeys();
        Frame upload;
        // The server holds 10 one-time prekeys and asks for more: refilled at once.
        QVERIFY(a.answerOne(Frame::kUploadKeysRequest, keysAnswer(10, true), &upload));
        QVERIFY(!upload.upload_keys_request().account_key().empty());
        QCOMPARE(uploaded.size(), 1);
        Frame refill;
        QVERIFY(a.answerOne(Frame::kUploadKeysRequest, keysAnswer(100, false), &refill));
        QVERIFY(refill.upload_keys_request().one_time_prekeys_size() > 0);
        QVERIFY(a.f.socket.requests.isEmpty());

        // A push below the threshold refills too; one without `refill` does not.
        a.keys->handleKeysPush(keysAnswer(5, false).keys_response());
        QVERIFY(a.f.socket.requests.isEmpty());
        a.keys->handleKeysPush(keysAnswer(5, true).keys_response());
        QVERIFY(a.answerOne(Frame::kUploadKeysRequest, keysAnswer(100, false)));
    }

    void aFailedUploadIsNotAnnounced() {
        E2eModules a;
        QVERIFY(a.open(kMe, true));
        QSignalSpy uploaded(a.keys.get(), &Keys::keysUploaded);
        a.keys->setUpKeys();
        ModuleFixture::Request req;
        QVERIFY(a.f.takeOne(req));
        req.handler(Error{ErrorCode::Internal, QStringLiteral("db down")});
        QCOMPARE(uploaded.size(), 0);
    }

    void anUnlinkedDevicePublishesNothing() {
        E2eModules a;
        AccountSettings laptop = kMe;
        laptop.deviceId = 12;
        QVERIFY(a.open(laptop, false));
        QVERIFY(a.keys->isEnabled());
        QVERIFY(!a.keys->hasAccountKey());
        a.keys->setUpKeys();
        QVERIFY(a.f.socket.requests.isEmpty());
        a.keys->handleKeysPush(keysAnswer(0, true).keys_response());
        QVERIFY(a.f.socket.requests.isEmpty());
    }

    void safetyNumbersComeFromThePeersSignedList() {
        E2eModules a, b;
        QVERIFY(a.open(kMe, true));
        QVERIFY(b.open(kBob, true));
        auto bobList = b.keys->engine()->signDeviceList({{kBob.userId, kBob.deviceId}});
        QVERIFY(bobList.ok());
        QVERIFY(knowBob(a));

        auto ask = [&](std::optional<Result<SafetyNumberInfo>> &out) {
            a.keys->safetyNumber(QStringLiteral("Bob"),
                                 [&out](Result<SafetyNumberInfo> r) { out = r; });
            Frame req;
            QVERIFY(a.answerOne(Frame::kDeviceListRequest, deviceListAnswer(kBob.userId, *bobList),
                                &req));
            QCOMPARE(req.device_list_request().user_id(), kBob.userId);
        };
        std::optional<Result<SafetyNumberInfo>> info;
        ask(info);
        QVERIFY(info && info->ok());
        QCOMPARE((*info)->userId, kBob.userId);
        QCOMPARE((*info)->username, QStringLiteral("bob"));
        QCOMPARE(QString((*info)->digits).remove(QLatin1Char(' ')).size(), 60);
        QVERIFY(!(*info)->qrPayload.isEmpty());
        QVERIFY(!(*info)->verified);

        std::optional<Status> s;
        a.keys->setVerified(QStringLiteral("bob"), true, [&](Status r) { s = r; });
        QVERIFY(s && s->ok()); // resolved from the local 1:1: no request
        QVERIFY(a.f.socket.requests.isEmpty());
        ask(info);
        QVERIFY((*info)->verified);
        QVERIFY(!(*info)->identityChanged);
        s.reset();
        a.keys->acknowledgeIdentityChange(QStringLiteral("bob"), [&](Status r) { s = r; });
        QVERIFY(s.has_value());
    }

    void anUnknownUserIsLookedUpAndItsErrorsPassThrough() {
        E2eModules a;
        QVERIFY(a.open(kMe, true));
        std::optional<Result<SafetyNumberInfo>> info;
        a.keys->safetyNumber(QStringLiteral("nobody"),
                             [&](Result<SafetyNumberInfo> r) { info = r; });
        ModuleFixture::Request req;
        QVERIFY(a.f.takeOne(req));
        QCOMPARE(req.frame.body_case(), Frame::kOpenDirectRequest);
        req.handler(Error{ErrorCode::NoSuchUser, QStringLiteral("no such user")});
        QVERIFY(info && !info->ok());
        QCOMPARE(info->error().code, ErrorCode::NoSuchUser);
    }

    void identityChangesAreReported() {
        E2eModules a, b, b2;
        QVERIFY(a.open(kMe, true));
        QVERIFY(b.open(kBob, true));
        QVERIFY(b2.open(kBob, true)); // bob reinstalled: a new account key
        QVERIFY(knowBob(a));
        QSignalSpy changed(a.keys.get(), &Keys::identityChanged);
        for (E2eModules *bob : {&b, &b2}) {
            auto list = bob->keys->engine()->signDeviceList({{kBob.userId, kBob.deviceId}});
            // The reinstalled identity's list must be newer than the one a had (a replaced key
            // continues the version): version 2.
            if (bob == &b2)
                list = bob->keys->engine()->signDeviceList({{kBob.userId, kBob.deviceId}});
            QVERIFY(list.ok());
            a.keys->safetyNumber(QStringLiteral("bob"), [](Result<SafetyNumberInfo>) {});
            QVERIFY(a.answerOne(Frame::kDeviceListRequest, deviceListAnswer(kBob.userId, *list)));
        }
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.first().first().toULongLong(), kBob.userId);
    }

    // Loud and lasting: a changed key leaves a notice in every conversation with that contact
    // (the 1:1 and each shared group, none elsewhere), stays pending until acknowledged (read
    // from the keys, so across restarts), and "hold on key changes" is saved with the keys.
    void anIdentityChangeLeavesNoticesAndCanHoldSends() {
        E2eModules a, b, b2;
        QVERIFY(a.open(kMe, true));
        QVERIFY(b.open(kBob, true));
        QVERIFY(b2.open(kBob, true));
        QVERIFY(knowBob(a));
        ConversationInfo shared;
        shared.id = 20;
        shared.kind = ConversationKind::Group;
        shared.name = QStringLiteral("with bob");
        const auto member = [](quint64 id, const QString &name) {
            MemberRecord m;
            m.userId = id;
            m.username = name;
            return m;
        };
        shared.members = {member(kMe.userId, kMe.username), member(kBob.userId, kBob.username)};
        ConversationInfo other = shared;
        other.id = 21;
        other.members = {member(kMe.userId, kMe.username), member(77, QStringLiteral("carol"))};
        QVERIFY(a.f.store->conversations().applyConversationInfo(shared, kMe.userId));
        QVERIFY(a.f.store->conversations().applyConversationInfo(other, kMe.userId));
        QSignalSpy noticed(a.keys.get(), &Keys::securityNoticesAdded);
        for (E2eModules *bob : {&b, &b2}) {
            auto list = bob->keys->engine()->signDeviceList({{kBob.userId, kBob.deviceId}});
            // The reinstalled identity's list must be newer than the one a had (a replaced key
            // continues the version): version 2.
            if (bob == &b2)
                list = bob->keys->engine()->signDeviceList({{kBob.userId, kBob.deviceId}});
            QVERIFY(list.ok());
            a.keys->safetyNumber(QStringLiteral("bob"), [](Result<SafetyNumberInfo>) {});
            QVERIFY(a.answerOne(Frame::kDeviceListRequest, deviceListAnswer(kBob.userId, *list)));
        }
        QCOMPARE(noticed.size(), 1);
        QCOMPARE(noticed.first().first().value<QList<quint64>>(), (QList<quint64>{9, 20}));
        auto &notices = a.f.store->securityNotices();
        QCOMPARE(notices.all(9)->size(), 1);
        QCOMPARE(notices.all(9)->first().username, QStringLiteral("bob"));
        QCOMPARE(notices.all(20)->size(), 1);
        QVERIFY(notices.all(21)->isEmpty());
        const MessageRecord shown = SecurityNoticeStore::asMessage(notices.all(20)->first());
        QVERIFY(shown.event && shown.event->kind == SystemEventKind::SecurityCodeChanged);
        QVERIFY(shown.rowId < 0);
        QCOMPARE(shown.seq, quint64(0));

        QVERIFY(a.keys->identityChangePending(kBob.userId));
        QVERIFY(!a.keys->holdsOnIdentityChange());
        QVERIFY(a.keys->setHoldOnIdentityChange(true));
        // Another Keys on the same store (the next start) reads both back.
        Keys again(a.f.store.get(), a.sync, &a.f.requests, a.f.account.get(), a.messaging.get());
        QVERIFY(again.enable());
        QVERIFY(again.holdsOnIdentityChange());
        QVERIFY(again.identityChangePending(kBob.userId));
        QSignalSpy acknowledged(a.keys.get(), &Keys::identityAcknowledged);
        QVERIFY(a.keys->acknowledgeIdentityChange(kBob.userId));
        QCOMPARE(acknowledged.size(), 1);
        QVERIFY(!a.keys->identityChangePending(kBob.userId));
        QCOMPARE(notices.all(9)->size(), 1); // history stays
    }
};

QTEST_GUILESS_MAIN(TestKeys)
#include "test_client_keys.moc"
