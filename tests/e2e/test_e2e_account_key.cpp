// The account key's lifecycle through the real client core against the real server (issue 12;
// docs/design/account-key-lifecycle.md): logging a linked device out hands the account key on to
// a new one, the user's other devices take it up, and contacts see one notice and keep
// messaging; the logged-out device's old key signs nothing anyone accepts any more; a user who
// lost every device takes the account back with the recovery key written down earlier, and a
// wrong recovery key changes nothing; in a signed group the key the admins recorded vouches for
// the keys it handed on, so a member who rotated keeps reading, writing and administering, and
// the member's device records its new key (SET_KEY), after which the old key signs nothing.
#include "core/devices/devices.h"
#include "core/e2e/e2e_engine.h"
#include "core/groups/groups.h"
#include "core/keys/keys.h"
#include "core/store/group_state_store.h"
#include "core/store/security_notice_store.h"
#include "core/store/storage.h"
#include "crypto/crypto_error.h"
#include "crypto/recovery_key.h"
#include "e2e_device.h"
#include "support/integration_fixture.h"

#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::test;
using namespace Qt::Literals::StringLiterals;
namespace e2e = tidings::client::e2e;

namespace {

//! Links `fresh` (logged in, not linked) from `linked`.
bool link(E2eDevice &linked, E2eDevice &fresh) {
    bool oldSide = false, newSide = false, failed = false;
    linked.client->devices().createLinkCode(
        [&](Result<QString> code) {
            if (!code) {
                failed = true;
                return;
            }
            fresh.client->devices().linkDevice(*code, [&](Status s) {
                newSide = s.ok();
                failed = failed || !s.ok();
            });
        },
        [&](Status s) { oldSide = s.ok(); });
    return QTest::qWaitFor([&] { return (oldSide && newSide) || failed; }, 20000) && !failed;
}

QList<client::SecurityNotice> notices(E2eDevice &d, quint64 conv) {
    auto all = d.store->securityNotices().all(conv);
    return all ? *all : QList<client::SecurityNotice>{};
}

} // namespace

class TestE2eAccountKey : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QTemporaryDir m_dir;
    int m_n = 0;

    std::unique_ptr<E2eDevice> device(const QString &name, bool registering) {
        auto d = std::make_unique<E2eDevice>();
        if (!d->open(m_dir.filePath(QStringLiteral("k%1.sqlite").arg(++m_n))))
            return nullptr;
        if (!d->account(m_fx.url(), name, registering))
            return nullptr;
        return d;
    }
    QString sql(const QString &q) { return m_fx.sqlColumn(q).join(QLatin1Char(',')); }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void revokingALinkedDeviceHandsTheKeyOn() {
        auto carol = device("carol", true);
        auto dave = device("dave", true);
        QVERIFY(carol && dave);
        QTRY_VERIFY_WITH_TIMEOUT(carol->ready && dave->ready, 20000);
        auto phone = device("dave", false);
        auto laptop = device("dave", false);
        QVERIFY(phone && laptop);
        QVERIFY(link(*dave, *phone));
        QVERIFY(link(*dave, *laptop));
        QTRY_VERIFY_WITH_TIMEOUT(phone->ready && laptop->ready, 20000);
        const quint64 conv = carol->openDirect("dave");
        QVERIFY(carol->client->messaging().sendText(conv, "hello all three").ok());
        QTRY_VERIFY_WITH_TIMEOUT(dave->hasText("hello all three"), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(laptop->hasText("hello all three"), 20000);
        const QByteArray oldKey = dave->client->keys().engine()->accountKey();
        QCOMPARE(phone->client->keys().engine()->accountKey(), oldKey);
        const QString versionBefore =
            sql(u"SELECT version FROM device_lists WHERE user_id = %1"_s.arg(dave->userId()));
        QVERIFY(carol->store->securityNotices().all(conv)->isEmpty());

        // The phone is stolen: dave logs it out from the desktop. The key it holds goes with it.
        const quint64 stolen = phone->deviceId();
        bool revoked = false;
        dave->client->devices().revoke(stolen, [&](Status s) {
            QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
            revoked = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(revoked, 20000);
        const QByteArray newKey = dave->client->keys().engine()->accountKey();
        QVERIFY(!newKey.isEmpty() && newKey != oldKey);
        QCOMPARE(sql(u"SELECT encode(account_key, 'hex') FROM users WHERE id = %1"_s.arg(
                     dave->userId())),
                 QString::fromLatin1(newKey.toHex()));
        // The counter continues under the new key: one version above the old key's last.
        QCOMPARE(sql(u"SELECT version FROM device_lists WHERE user_id = %1"_s.arg(dave->userId())),
                 QString::number(versionBefore.toULongLong() + 1));
        QCOMPARE(sql(u"SELECT count(*) FROM account_key_successions WHERE user_id = %1"_s.arg(
                     dave->userId())),
                 QStringLiteral("1"));
        // The laptop, online, took the new key up from its handoff and bound its keys to it.
        QTRY_COMPARE_WITH_TIMEOUT(laptop->client->keys().engine()->accountKey(), newKey, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(
            sql(u"SELECT encode(account_key, 'hex') FROM device_keys WHERE device_id = %1"_s.arg(
                laptop->deviceId())),
            QString::fromLatin1(newKey.toHex()), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(sql(u"SELECT count(*) FROM account_key_handoffs WHERE user_id = "
                                      u"%1"_s.arg(dave->userId())),
                                  QStringLiteral("0"), 20000);

        // Carol's next message: her client learns the new key along the chain, shows one notice
        // and keeps sending (she neither verified dave nor holds on changes).
        QVERIFY(carol->client->messaging().sendText(conv, "after the theft").ok());
        QTRY_VERIFY_WITH_TIMEOUT(dave->hasText("after the theft"), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(laptop->hasText("after the theft"), 20000);
        QVERIFY(!phone->hasText("after the theft"));
        QCOMPARE(carol->client->keys().engine()->pinnedAccountKey(dave->userId()), newKey);
        const auto seen = notices(*carol, conv);
        QCOMPARE(seen.size(), 1);
        QCOMPARE(seen.first().kind, client::SecurityNotice::kKeySucceeded);
        // Dave's devices answer on the same sessions: carol reads them.
        QVERIFY(laptop->client->messaging().sendText(conv, "typed on the laptop").ok());
        QTRY_VERIFY_WITH_TIMEOUT(carol->hasText("typed on the laptop"), 20000);

        // The stolen phone still holds the old key. A list it signs is refused by the server
        // (its token is dead, and the old key is no longer dave's) and by carol's client, even
        // if a server handed it to her: that key was handed on.
        auto forged = phone->client->keys().engine()->signDeviceList(
            {e2e::DeviceAddress{dave->userId(), stolen}});
        QVERIFY(forged.ok());
        wire::DeviceListResponse asServed;
        asServed.set_user_id(dave->userId());
        asServed.set_signed_list(forged->signed_list());
        asServed.set_account_key(forged->account_key());
        auto accepted = carol->client->keys().engine()->acceptDeviceList(asServed);
        QVERIFY(!accepted);
        QCOMPARE(crypto::cryptoErrorOf(accepted.error()), crypto::CryptoError::Superseded);
        QCOMPARE(carol->client->keys().engine()->pinnedAccountKey(dave->userId()), newKey);
        QCOMPARE(notices(*carol, conv).size(), 1);
    }

    // A rotation begun and never sent (the app quit or crashed in between) goes out at the next
    // start, the same bytes, and the other device takes the key up.
    void anInterruptedRotationIsSentAtTheNextStart() {
        auto ivy = device("ivy", true);
        QVERIFY(ivy);
        QTRY_VERIFY_WITH_TIMEOUT(ivy->ready, 20000);
        auto second = device("ivy", false);
        QVERIFY(second && link(*ivy, *second));
        QTRY_VERIFY_WITH_TIMEOUT(second->ready, 20000);
        // Up to date with the list the second device published (as every rotation starts).
        bool fresh = false;
        ivy->client->devices().publishDeviceList([&](Status st) { fresh = st.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(fresh, 20000);
        e2e::E2eEngine *engine = ivy->client->keys().engine();
        const QByteArray oldKey = engine->accountKey();
        auto begun = engine->beginRotation({e2e::DeviceAddress{ivy->userId(), ivy->deviceId()},
                                            e2e::DeviceAddress{ivy->userId(), second->deviceId()}});
        QVERIFY(begun.ok());
        // One at a time: a second rotation waits until this one is settled.
        QCOMPARE(engine->beginRotation({e2e::DeviceAddress{ivy->userId(), ivy->deviceId()}})
                     .error()
                     .code,
                 ErrorCode::Usage);
        const QByteArray nextKey = engine->pendingAccountKey();
        QVERIFY(!nextKey.isEmpty());
        QCOMPARE(engine->accountKey(), oldKey); // not taken before the server has it

        // "Crash": the process goes, the profile stays.
        const QString path = ivy->path;
        ivy->client->stop();
        ivy->client.reset();
        ivy->store.reset();
        ivy->ready = false;
        QVERIFY(ivy->open(path));
        QVERIFY(ivy->client->start().ok());
        QTRY_VERIFY_WITH_TIMEOUT(ivy->ready, 20000);
        engine = ivy->client->keys().engine();
        QTRY_COMPARE_WITH_TIMEOUT(engine->accountKey(), nextKey, 20000);
        QVERIFY(engine->pendingAccountKey().isEmpty());
        QCOMPARE(
            sql(u"SELECT encode(account_key, 'hex') FROM users WHERE id = %1"_s.arg(ivy->userId())),
            QString::fromLatin1(nextKey.toHex()));
        QTRY_COMPARE_WITH_TIMEOUT(second->client->keys().engine()->accountKey(), nextKey, 20000);
    }

    void aSignedGroupFollowsAHandedOnKey() {
        auto gina = device("gina", true);
        auto hank = device("hank", true);
        QVERIFY(gina && hank);
        QTRY_VERIFY_WITH_TIMEOUT(gina->ready && hank->ready, 20000);
        auto tablet = device("hank", false);
        QVERIFY(tablet && link(*hank, *tablet));
        QTRY_VERIFY_WITH_TIMEOUT(tablet->ready, 20000);
        const quint64 g = createGroup(*gina, u"band"_s, {u"hank"_s});
        QVERIFY(g != 0);
        const auto change = [](E2eDevice &d, quint64 conv, client::GroupAction action,
                               const QString &user, const QString &name = {}) {
            std::optional<Status> out;
            d.client->groups().change(conv, action, user, name, [&](Status st) { out = st; });
            return QTest::qWaitFor([&] { return out.has_value(); }, 30000) && out->ok();
        };
        QVERIFY(change(*gina, g, client::GroupAction::Promote, u"hank"_s));
        QVERIFY(gina->client->messaging().sendText(g, "before the tablet left").ok());
        QTRY_VERIFY_WITH_TIMEOUT(hank->hasText("before the tablet left"), 20000);
        const QByteArray recorded = hank->client->keys().engine()->accountKey();

        // Hank logs the tablet out: his key is handed on, and his device records the new key in
        // the group (a SET_KEY signed with it). The old key vouched for the new one meanwhile.
        bool revoked = false;
        hank->client->devices().revoke(tablet->deviceId(), [&](Status st) { revoked = st.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(revoked, 20000);
        const QByteArray newKey = hank->client->keys().engine()->accountKey();
        QVERIFY(newKey != recorded);
        const auto recordedOn = [&](E2eDevice &d) {
            auto s = d.store->groupStates().state(g);
            return s && *s ? (*s)->members.value(hank->userId()).aik : QByteArray();
        };
        gina->client->messaging().refreshConversation(g);
        QTRY_COMPARE_WITH_TIMEOUT(recordedOn(*gina), newKey, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(recordedOn(*hank), newKey, 20000);
        // Members see it in the chat, verified.
        const quint64 setKeySeq =
            sql(u"SELECT max(seq) FROM messages WHERE conversation_id = %1 AND event_kind = 7"_s
                    .arg(g))
                .toULongLong();
        QVERIFY(setKeySeq != 0);
        QTRY_VERIFY_WITH_TIMEOUT(gina->stored(g, setKeySeq).has_value(), 20000);
        QCOMPARE(gina->stored(g, setKeySeq)->event->kind,
                 client::SystemEventKind::MemberKeyChanged);
        QCOMPARE(gina->stored(g, setKeySeq)->event->check, client::EventCheck::Verified);
        // Recorded once: another run of the reconciliation sends nothing.
        hank->client->groups().recordOwnKey();
        QTest::qWait(300);
        QCOMPARE(
            sql(u"SELECT count(*) FROM messages WHERE conversation_id = %1 AND event_kind = 7"_s
                    .arg(g)),
            QStringLiteral("1"));

        // The stolen tablet still holds the old key. With a server that helps it (the test
        // writes the server's rows), it signs a change as hank, an admin: gina refuses it, since
        // the group records hank's new key now.
        auto head = gina->store->groupStates().state(g);
        QVERIFY(head && *head);
        crypto::GroupStateChange forged;
        forged.groupUid = (*head)->groupUid;
        forged.version = (*head)->version + 1;
        forged.prevHash = (*head)->headHash;
        forged.actorUserId = hank->userId();
        forged.actorDeviceId = hank->deviceId();
        forged.issuedAtMs = 1;
        crypto::GroupOp rename;
        rename.kind = crypto::GroupOp::Kind::Rename;
        rename.name = u"stolen"_s;
        forged.ops = {rename};
        auto blob = tablet->client->keys().engine()->signGroupChange(forged);
        QVERIFY(blob);
        const quint64 rogueSeq =
            sql(u"SELECT tidings_add_event(%1, %2, 4, NULL, 'stolen', now())"_s.arg(g).arg(
                    hank->userId()))
                .toULongLong();
        QVERIFY(rogueSeq > setKeySeq);
        QCOMPARE(sql(u"INSERT INTO group_state_log (conversation_id, version, hash, change,"
                     " actor_user_id, actor_device_id, first_seq) VALUES (%1, %2, '\\x%3',"
                     " '\\x%4', %5, %6, %7) RETURNING version"_s.arg(g)
                         .arg(forged.version)
                         .arg(QString::fromLatin1(crypto::groupChangeHash(forged.body).toHex()),
                              QString::fromLatin1(blob->toHex()))
                         .arg(hank->userId())
                         .arg(hank->deviceId())
                         .arg(rogueSeq)),
                 QString::number(forged.version));
        gina->client->messaging().refreshConversation(g);
        QTRY_VERIFY_WITH_TIMEOUT(gina->stored(g, rogueSeq).has_value(), 20000);
        QCOMPARE(gina->stored(g, rogueSeq)->event->check, client::EventCheck::Refused);
        QCOMPARE(gina->stored(g, rogueSeq)->event->refusal, QStringLiteral("signature"));
        QVERIFY(gina->store->groupStates().state(g).value()->name != u"stolen"_s);
        // The rogue log row goes again: the rest of this test needs the server's log as it was.
        sql(u"DELETE FROM group_state_log WHERE conversation_id = %1 AND version = %2"_s.arg(g).arg(
            forged.version));

        // Gina's next message reaches hank (his devices get the sender key), not the tablet.
        QVERIFY(gina->client->messaging().sendText(g, "after the tablet left").ok());
        QTRY_VERIFY_WITH_TIMEOUT(hank->hasText("after the tablet left"), 20000);
        QVERIFY(!tablet->hasText("after the tablet left"));
        // Hank's messages are opened by gina (a verified member under a successor key).
        QVERIFY(hank->client->messaging().sendText(g, "still here").ok());
        QTRY_VERIFY_WITH_TIMEOUT(gina->hasText("still here"), 20000);
        // And a change hank signs with the new key verifies on gina's device.
        QVERIFY(change(*hank, g, client::GroupAction::Rename, {}, u"band (new key)"_s));
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                auto s = gina->store->groupStates().state(g);
                return s && *s && (*s)->name == u"band (new key)"_s;
            }(),
            20000);

        // Iris, added now, pins hank's new key only. The genesis she verifies records the old
        // one: she asks for the chain from it, and the whole log verifies, SET_KEY included.
        auto iris = device("iris", true);
        QVERIFY(iris);
        QTRY_VERIFY_WITH_TIMEOUT(iris->ready, 20000);
        QVERIFY(change(*gina, g, client::GroupAction::Add, u"iris"_s));
        const auto versionOn = [&](E2eDevice &d) {
            auto s = d.store->groupStates().state(g);
            return s && *s ? (*s)->version : quint64(0);
        };
        QTRY_VERIFY_WITH_TIMEOUT(versionOn(*gina) > 0 && versionOn(*iris) == versionOn(*gina),
                                 30000);
        QCOMPARE(recordedOn(*iris), newKey);
        QVERIFY(hank->client->messaging().sendText(g, "welcome iris").ok());
        QTRY_VERIFY_WITH_TIMEOUT(iris->hasText("welcome iris"), 20000);
    }

    void aRecoveryKeyTakesTheAccountBack() {
        auto frank = device("frank", true);
        auto erin = device("erin", true);
        QVERIFY(frank && erin);
        QTRY_VERIFY_WITH_TIMEOUT(frank->ready && erin->ready, 20000);
        const quint64 conv = frank->openDirect("erin");
        QVERIFY(frank->client->messaging().sendText(conv, "before the loss").ok());
        QTRY_VERIFY_WITH_TIMEOUT(erin->hasText("before the loss"), 20000);

        // Erin writes a recovery key down (it needs her password).
        QString key;
        bool made = false;
        erin->client->devices().createRecoveryKey(u"wrong password"_s, [&](Result<QString> r) {
            QVERIFY(!r);
            QCOMPARE(r.error().code, ErrorCode::BadCredentials);
            made = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(made, 20000);
        QVERIFY(!erin->client->devices().hasRecoveryKey());
        made = false;
        erin->client->devices().createRecoveryKey(u"password1"_s, [&](Result<QString> r) {
            QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
            key = *r;
            made = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(made, 20000);
        QCOMPARE(key.size(), 56 + 13);
        QVERIFY(erin->client->devices().hasRecoveryKey());
        QCOMPARE(
            sql(u"SELECT recovery_key IS NOT NULL FROM users WHERE id = %1"_s.arg(erin->userId())),
            QStringLiteral("t"));
        const QByteArray oldKey = erin->client->keys().engine()->accountKey();
        const quint64 lost = erin->deviceId();

        // Her only device is gone. A new one logs in with the password: not linked, and no
        // device is left to show a link code.
        erin.reset();
        auto fresh = device("erin", false);
        QVERIFY(fresh);
        QVERIFY(!fresh->client->keys().hasAccountKey());

        // A malformed key and someone else's key are refused on the device; nothing is sent.
        Status wrong;
        bool answered = false;
        fresh->client->devices().recoverAccount(u"not-a-key"_s, [&](Status s) {
            wrong = s;
            answered = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(answered, 20000);
        QVERIFY(!wrong);
        QCOMPARE(wrong.error().code, ErrorCode::BadRecoveryKey);
        // Well formed, but not the key her list names.
        const QString other = crypto::encodeRecoveryKey(crypto::newRecoverySecret());
        answered = false;
        fresh->client->devices().recoverAccount(other, [&](Status s) {
            wrong = s;
            answered = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(answered, 20000);
        QCOMPARE(wrong.error().code, ErrorCode::BadRecoveryKey);
        QVERIFY(!fresh->client->keys().hasAccountKey());
        QCOMPARE(sql(u"SELECT count(*) FROM account_key_successions WHERE user_id = (SELECT id "
                     u"FROM users WHERE username = 'erin')"_s),
                 QStringLiteral("0"));

        // The right key (typed in lower case, with spaces): the account is hers again.
        bool recovered = false;
        fresh->client->devices().recoverAccount(key.toLower().replace(u'-', u' '), [&](Status s) {
            QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
            recovered = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(recovered, 20000);
        QVERIFY(fresh->client->keys().hasAccountKey());
        QVERIFY(fresh->client->keys().engine()->accountKey() != oldKey);
        QTRY_VERIFY_WITH_TIMEOUT(fresh->ready, 20000);
        QCOMPARE(sql(u"SELECT revoked_at IS NOT NULL FROM devices WHERE id = %1"_s.arg(lost)),
                 QStringLiteral("t"));
        QCOMPARE(sql(u"SELECT authority FROM account_key_successions WHERE user_id = %1"_s.arg(
                     fresh->userId())),
                 QStringLiteral("2"));
        // The recovery key still stands for the next loss.
        QVERIFY(fresh->client->devices().hasRecoveryKey());

        // Frank and erin talk again, encrypted; frank was told once how her code changed.
        QVERIFY(frank->client->messaging().sendText(conv, "welcome back").ok());
        QTRY_VERIFY_WITH_TIMEOUT(fresh->hasText("welcome back"), 20000);
        const quint64 erinSide = fresh->openDirect("frank");
        QVERIFY(fresh->client->messaging().sendText(erinSide, "thanks").ok());
        QTRY_VERIFY_WITH_TIMEOUT(frank->hasText("thanks"), 20000);
        const auto seen = notices(*frank, conv);
        QCOMPARE(seen.size(), 1);
        QCOMPARE(seen.first().kind, client::SecurityNotice::kKeyRecovered);
    }
};

QTEST_GUILESS_MAIN(TestE2eAccountKey)
#include "test_e2e_account_key.moc"
