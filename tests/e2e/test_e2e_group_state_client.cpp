// Signed group state against a rogue server (issue 12; docs/design/group-state.md §8): the real
// server and the real client core, with the test rewriting the server's database the way a
// compromised server would. Members verify every change to the member list against the admins'
// signatures, so the server can neither add a member (unsigned, forged, or replayed) nor make
// members skip or reorder changes: an injected user never gets a sender key or a message, and
// is named in the chat instead.
#include "core/e2e/e2e_engine.h"
#include "core/keys/keys.h"
#include "core/store/database.h"
#include "core/store/group_state_store.h"
#include "core/store/security_notice_store.h"
#include "crypto/group_state.h"
#include "e2e_device.h"
#include "support/integration_fixture.h"
#include "support/raw_client.h"

#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::test;
using namespace Qt::Literals::StringLiterals;
using client::EventCheck;
using client::GroupAction;
using crypto::GroupOp;
using crypto::GroupState;
using crypto::GroupStateChange;

class TestE2eGroupStateClient : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QTemporaryDir m_dir;
    int m_n = 0;

    std::unique_ptr<E2eDevice> device(const QString &name) {
        auto d = std::make_unique<E2eDevice>();
        if (!d->open(m_dir.filePath(QStringLiteral("d%1.sqlite").arg(++m_n))))
            return nullptr;
        if (!d->account(m_fx.url(), name, true))
            return nullptr;
        return d;
    }
    QString sql(const QString &q) { return m_fx.sql(q); }
    Status change(E2eDevice &d, quint64 g, GroupAction action, const QString &user,
                  const QString &name = {}) {
        std::optional<Status> out;
        d.client->groups().change(g, action, user, name, [&](Status s) { out = s; });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 30000))
            return Error{ErrorCode::Timeout, QStringLiteral("no answer")};
        return *out;
    }
    static std::optional<GroupState> head(E2eDevice &d, quint64 g) {
        auto s = d.store->groupStates().state(g);
        return s ? *s : std::nullopt;
    }
    static bool atVersion(E2eDevice &d, quint64 g, quint64 version) {
        const auto h = head(d, g);
        return h && h->version == version;
    }
    static std::optional<EventCheck> checkAt(E2eDevice &d, quint64 g, quint64 seq) {
        const auto m = d.stored(g, seq);
        if (!m || !m->event)
            return std::nullopt;
        return m->event->check;
    }
    static QString refusalAt(E2eDevice &d, quint64 g, quint64 seq) {
        const auto m = d.stored(g, seq);
        return m && m->event ? m->event->refusal : QString();
    }
    //! What a compromised server writes: an event row, as tidings_add_event does.
    quint64 rogueEvent(quint64 g, quint64 actor, int kind, quint64 target) {
        return sql(u"SELECT tidings_add_event(%1, %2, %3, %4, NULL, now())"_s.arg(g)
                       .arg(actor)
                       .arg(kind)
                       .arg(target))
            .toULongLong();
    }
    //! Makes the event at `seq` carry `blob` as log version `version`.
    void rogueLogRow(quint64 g, quint64 version, const QByteArray &blob, quint64 actor,
                     quint64 actorDevice, quint64 seq) {
        const auto c = crypto::decodeGroupChange(blob);
        QVERIFY(c);
        QCOMPARE(sql(u"INSERT INTO group_state_log (conversation_id, version, hash, change,"
                     " actor_user_id, actor_device_id, first_seq) VALUES (%1, %2, '\\x%3',"
                     " '\\x%4', %5, %6, %7) RETURNING version"_s.arg(g)
                         .arg(version)
                         .arg(QString::fromLatin1(crypto::groupChangeHash(c->body).toHex()),
                              QString::fromLatin1(blob.toHex()))
                         .arg(actor)
                         .arg(actorDevice)
                         .arg(seq)),
                 QString::number(version));
    }
    void rogueMember(quint64 g, quint64 user) {
        sql(u"INSERT INTO members (conversation_id, user_id, joined_seq) SELECT id, %2, last_seq"
            " FROM conversations WHERE id = %1 ON CONFLICT DO NOTHING"_s.arg(g)
                .arg(user));
    }
    //! Envelopes the server stored for `device` in `g` after `seq`: a sender key or a message.
    int envelopesFor(quint64 g, quint64 device, quint64 afterSeq = 0) {
        return sql(u"SELECT count(*) FROM envelopes WHERE conversation_id = %1 AND device_id = %2"
                   " AND seq > %3"_s.arg(g)
                       .arg(device)
                       .arg(afterSeq))
            .toInt();
    }
    quint64 seqOf(const QString &clientId) {
        return sql(u"SELECT seq FROM messages WHERE client_message_id = '%1'"_s.arg(clientId))
            .toULongLong();
    }
    //! A change signed by `signer` claiming `actor`, built on `state`.
    static QByteArray forge(const GroupState &state, quint64 version, quint64 actor,
                            quint64 actorDevice, const QList<GroupOp> &ops,
                            const crypto::Ed25519KeyPair &signer, const QByteArray &prevHash = {}) {
        GroupStateChange c;
        c.groupUid = state.groupUid;
        c.version = version;
        c.prevHash = prevHash.isEmpty() ? state.headHash : prevHash;
        c.actorUserId = actor;
        c.actorDeviceId = actorDevice;
        c.issuedAtMs = 1;
        c.ops = ops;
        return crypto::signGroupChange(c, signer);
    }
    static GroupOp addOp(E2eDevice &d) {
        GroupOp op;
        op.kind = GroupOp::Kind::Add;
        op.userId = d.userId();
        op.aik = d.client->keys().engine()->accountKey();
        return op;
    }
    void seeAll(const QList<E2eDevice *> &devices, quint64 g) {
        for (E2eDevice *d : devices)
            d->client->messaging().refreshConversation(g);
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void theServerCannotAddAMember() {
        auto alice = device("alice");
        auto bob = device("bob");
        auto carol = device("carol");
        auto mallory = device("mallory");
        auto dave = device("dave");
        QVERIFY(alice && bob && carol && mallory && dave);
        QTRY_VERIFY_WITH_TIMEOUT(
            alice->ready && bob->ready && carol->ready && mallory->ready && dave->ready, 20000);
        const QList<E2eDevice *> honest{alice.get(), bob.get(), carol.get()};

        // 1. alice creates the group; every member verifies the same signed genesis.
        const quint64 g = createGroup(*alice, "plans", {"bob", "carol"});
        QVERIFY(g != 0);
        auto hello = alice->client->messaging().sendText(g, "hello");
        QVERIFY(hello.ok());
        QTRY_VERIFY_WITH_TIMEOUT(bob->hasText("hello") && carol->hasText("hello"), 20000);
        for (E2eDevice *d : honest)
            QTRY_VERIFY_WITH_TIMEOUT(atVersion(*d, g, 1), 20000);
        QCOMPARE(head(*bob, g)->headHash, head(*alice, g)->headHash);
        QCOMPARE(head(*carol, g)->headHash, head(*alice, g)->headHash);
        QCOMPARE(head(*bob, g)->members.size(), 3);

        // 2. The server adds mallory on its own: a member row and an unsigned "alice added
        // mallory". A signed rename by alice makes the server reload its members and push.
        rogueMember(g, mallory->userId());
        const quint64 injected = rogueEvent(g, alice->userId(), 1, mallory->userId());
        QVERIFY(injected != 0);
        QVERIFY(change(*alice, g, GroupAction::Rename, {}, "plans!").ok());
        seeAll(honest, g);
        for (E2eDevice *d : honest) {
            QTRY_COMPARE_WITH_TIMEOUT(checkAt(*d, g, injected), EventCheck::Refused, 20000);
            QCOMPARE(refusalAt(*d, g, injected), u"unsigned"_s);
            QTRY_VERIFY_WITH_TIMEOUT(atVersion(*d, g, 2), 20000);
            QVERIFY(!head(*d, g)->isMember(mallory->userId()));
        }
        // alice writes: the server wants mallory's device in the digest (it lists her), so it
        // is named there, and gets no key and no message.
        auto secret1 = alice->client->messaging().sendText(g, "secret 1");
        QVERIFY(secret1.ok());
        QTRY_VERIFY_WITH_TIMEOUT(bob->hasText("secret 1") && carol->hasText("secret 1"), 20000);
        QCOMPARE(envelopesFor(g, mallory->deviceId()), 0);
        QVERIFY(!mallory->hasText("secret 1"));
        auto notices = alice->store->securityNotices().all(g);
        QVERIFY(notices);
        bool named = false;
        for (const auto &n : *notices)
            named = named || (n.kind == client::SecurityNotice::kServerOnlyMember &&
                              n.userId == mallory->userId());
        QVERIFY(named);
        // bob writes too (his first message carries his sender key): not to mallory either.
        auto fromBob = bob->client->messaging().sendText(g, "bob here");
        QVERIFY(fromBob.ok());
        QTRY_VERIFY_WITH_TIMEOUT(alice->hasText("bob here") && carol->hasText("bob here"), 20000);
        QCOMPARE(envelopesFor(g, mallory->deviceId()), 0);

        // 3. Forged signed changes, each as version 3 "add mallory": (a) claiming alice, signed
        // by a key that is not alice's (a device without her account key); (b) on another
        // history (prev hash of zeros); (c) the genesis of another group replayed into this one.
        const GroupState v2 = *head(*alice, g);
        const auto forger = crypto::Ed25519KeyPair::generate();
        const QByteArray badSignature =
            forge(v2, 3, alice->userId(), alice->deviceId(), {addOp(*mallory)}, forger);
        const quint64 seqA = rogueEvent(g, alice->userId(), 1, mallory->userId());
        rogueLogRow(g, 3, badSignature, alice->userId(), alice->deviceId(), seqA);
        seeAll(honest, g);
        for (E2eDevice *d : honest) {
            QTRY_COMPARE_WITH_TIMEOUT(checkAt(*d, g, seqA), EventCheck::Refused, 20000);
            QCOMPARE(refusalAt(*d, g, seqA), u"signature"_s);
        }
        sql(u"DELETE FROM group_state_log WHERE conversation_id = %1 AND version = 3"_s.arg(g));
        const QByteArray otherHistory = forge(v2, 3, alice->userId(), alice->deviceId(),
                                              {addOp(*mallory)}, forger, QByteArray(32, '\0'));
        const quint64 seqB = rogueEvent(g, alice->userId(), 1, mallory->userId());
        rogueLogRow(g, 3, otherHistory, alice->userId(), alice->deviceId(), seqB);
        seeAll(honest, g);
        for (E2eDevice *d : honest)
            QTRY_COMPARE_WITH_TIMEOUT(checkAt(*d, g, seqB), EventCheck::Refused, 20000);
        sql(u"DELETE FROM group_state_log WHERE conversation_id = %1 AND version = 3"_s.arg(g));
        const quint64 h = createGroup(*alice, "other", {"bob"});
        QVERIFY(h != 0);
        const QByteArray otherGenesis = QByteArray::fromHex(
            sql(u"SELECT encode(change, 'hex') FROM group_state_log WHERE conversation_id = %1"
                " AND version = 1"_s.arg(h))
                .toLatin1());
        QVERIFY(!otherGenesis.isEmpty());
        const quint64 seqC = rogueEvent(g, alice->userId(), 0, 0);
        rogueLogRow(g, 3, otherGenesis, alice->userId(), alice->deviceId(), seqC);
        seeAll(honest, g);
        for (E2eDevice *d : honest) {
            QTRY_COMPARE_WITH_TIMEOUT(checkAt(*d, g, seqC), EventCheck::Refused, 20000);
            QCOMPARE(refusalAt(*d, g, seqC), u"other-group"_s);
        }
        sql(u"DELETE FROM group_state_log WHERE conversation_id = %1 AND version = 3"_s.arg(g));
        for (E2eDevice *d : honest)
            QVERIFY(atVersion(*d, g, 2));

        // 4. Withheld and reordered: bob is offline while alice adds dave (v3) and renames the
        // group (v4); the server withholds v3 from bob (no blob on its event, none in the log).
        bob->client->stop();
        QVERIFY(change(*alice, g, GroupAction::Add, "dave").ok());
        QVERIFY(change(*alice, g, GroupAction::Rename, {}, "plans 2").ok());
        QTRY_VERIFY_WITH_TIMEOUT(atVersion(*alice, g, 4), 20000);
        sql(u"CREATE TABLE withheld AS SELECT * FROM group_state_log WHERE conversation_id = %1"
            " AND version = 3"_s.arg(g));
        sql(u"DELETE FROM group_state_log WHERE conversation_id = %1 AND version = 3"_s.arg(g));
        QVERIFY(bob->client->start().ok());
        const quint64 v4Seq =
            sql(u"SELECT first_seq FROM group_state_log WHERE conversation_id = %1 AND version = 4"_s
                    .arg(g))
                .toULongLong();
        QTRY_COMPARE_WITH_TIMEOUT(checkAt(*bob, g, v4Seq), EventCheck::Pending, 20000);
        QVERIFY(atVersion(*bob, g, 2));
        // bob writes: dave is on the server's list, not on bob's verified one.
        const quint64 beforeBob =
            sql(u"SELECT last_seq FROM conversations WHERE id = %1"_s.arg(g)).toULongLong();
        auto fromBob2 = bob->client->messaging().sendText(g, "from bob");
        QVERIFY(fromBob2.ok());
        QTRY_VERIFY_WITH_TIMEOUT(alice->hasText("from bob"), 20000);
        QCOMPARE(envelopesFor(g, dave->deviceId(), beforeBob), 0);
        // The server relays v3 again; at bob's next connection he verifies v3, then v4.
        sql(u"INSERT INTO group_state_log SELECT * FROM withheld"_s);
        sql(u"DROP TABLE withheld"_s);
        bob->client->stop();
        QVERIFY(bob->client->start().ok());
        QTRY_VERIFY_WITH_TIMEOUT(atVersion(*bob, g, 4), 20000);
        QCOMPARE(head(*bob, g)->headHash, head(*alice, g)->headHash);
        QVERIFY(head(*bob, g)->isMember(dave->userId()));
        QTRY_COMPARE_WITH_TIMEOUT(checkAt(*bob, g, v4Seq), EventCheck::Verified, 20000);
        const quint64 beforeBob3 =
            sql(u"SELECT last_seq FROM conversations WHERE id = %1"_s.arg(g)).toULongLong();
        auto fromBob3 = bob->client->messaging().sendText(g, "welcome dave");
        QVERIFY(fromBob3.ok());
        QTRY_VERIFY_WITH_TIMEOUT(dave->hasText("welcome dave"), 20000);
        QVERIFY(envelopesFor(g, dave->deviceId(), beforeBob3) > 0);

        // 5. Replay: alice removes dave (v5); the server replays the genuine "alice added dave"
        // (v3) on a new event and puts dave back on its list.
        QVERIFY(change(*alice, g, GroupAction::Remove, "dave").ok());
        for (E2eDevice *d : honest)
            QTRY_VERIFY_WITH_TIMEOUT(atVersion(*d, g, 5), 20000);
        const quint64 removedAt =
            sql(u"SELECT last_seq FROM conversations WHERE id = %1"_s.arg(g)).toULongLong();
        rogueMember(g, dave->userId());
        const quint64 replay = rogueEvent(g, alice->userId(), 1, dave->userId());
        sql(u"UPDATE group_state_log SET first_seq = %2 WHERE conversation_id = %1 AND"
            " version = 3"_s.arg(g)
                .arg(replay));
        QVERIFY(change(*alice, g, GroupAction::Rename, {}, "plans 3").ok());
        seeAll(honest, g);
        for (E2eDevice *d : honest) {
            QTRY_COMPARE_WITH_TIMEOUT(checkAt(*d, g, replay), EventCheck::Replayed, 20000);
            QTRY_VERIFY_WITH_TIMEOUT(atVersion(*d, g, 6), 20000);
            QVERIFY(!head(*d, g)->isMember(dave->userId()));
        }
        auto after = alice->client->messaging().sendText(g, "after dave");
        QVERIFY(after.ok());
        QTRY_VERIFY_WITH_TIMEOUT(bob->hasText("after dave") && carol->hasText("after dave"), 20000);
        QCOMPARE(envelopesFor(g, dave->deviceId(), removedAt), 0);
        QVERIFY(!dave->hasText("after dave"));

        // 6. Throughout: mallory got nothing of the group, and every honest member agrees.
        QCOMPARE(envelopesFor(g, mallory->deviceId()), 0);
        for (const char *text : {"hello", "secret 1", "bob here", "from bob", "after dave"})
            QVERIFY2(!mallory->hasText(QString::fromLatin1(text)), text);
        for (E2eDevice *d : honest)
            QCOMPARE(head(*d, g)->headHash, head(*alice, g)->headHash);
        const QString dump = dumpDatabase(m_fx.pg(), m_fx.conninfo());
        for (const char *text : {"hello", "secret 1", "from bob", "after dave"})
            QVERIFY2(!dumpContains(dump, QString::fromLatin1(text)), text);
    }

    // A group created before signed state (by an older client: no genesis) is founded by its
    // first admin that comes online: every member then verifies the same version 1, and its
    // changes are signed from then on.
    void aLegacyGroupIsFoundedByItsAdmin() {
        auto erik = device("erik");
        auto fay = device("fay");
        QVERIFY(erik && fay);
        QTRY_VERIFY_WITH_TIMEOUT(erik->ready && fay->ready, 20000);
        quint64 g = 0;
        {
            // What an older client of erik's did: an unsigned create.
            auto old = RawClient::loggedIn(m_fx.url(), "erik");
            QVERIFY(old);
            g = old->createGroup("legacy", {"fay"});
            QVERIFY(g != 0);
            QCOMPARE(sql(u"SELECT state_version FROM conversations WHERE id = %1"_s.arg(g)),
                     u"0"_s);
        }
        // erik's client founds it once it is synced; fay verifies the same version 1.
        QTRY_VERIFY_WITH_TIMEOUT(atVersion(*erik, g, 1), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(atVersion(*fay, g, 1), 30000);
        QCOMPARE(head(*fay, g)->headHash, head(*erik, g)->headHash);
        QCOMPARE(head(*fay, g)->members.size(), 2);
        QVERIFY(head(*fay, g)->isAdmin(erik->userId()));
        const quint64 founding =
            sql(u"SELECT first_seq FROM group_state_log WHERE conversation_id = %1 AND version = 1"_s
                    .arg(g))
                .toULongLong();
        QTRY_COMPARE_WITH_TIMEOUT(checkAt(*fay, g, founding), EventCheck::Verified, 20000);
        QCOMPARE(refusalAt(*fay, g, founding), u"refounded"_s);
        // Founding again does nothing; changes are signed now.
        std::optional<Result<bool>> again;
        erik->client->groups().ensureFounded(g, [&](Result<bool> r) { again = r; });
        QTRY_VERIFY_WITH_TIMEOUT(again.has_value(), 20000);
        QVERIFY(again->ok() && **again);
        QCOMPARE(sql(u"SELECT count(*) FROM group_state_log WHERE conversation_id = %1"_s.arg(g)),
                 u"1"_s);
        QVERIFY(change(*erik, g, GroupAction::Rename, {}, "not legacy").ok());
        QTRY_VERIFY_WITH_TIMEOUT(atVersion(*fay, g, 2), 20000);
        auto hi = erik->client->messaging().sendText(g, "founded");
        QVERIFY(hi.ok());
        QTRY_VERIFY_WITH_TIMEOUT(fay->hasText("founded"), 20000);
    }

    // A server that shows two members different histories (design §4.4) is caught at the next
    // message: each group message carries the sender's verified head inside the encryption.
    void aSplitViewIsCaughtAtTheNextMessage() {
        auto gina = device("gina");
        auto hal = device("hal");
        QVERIFY(gina && hal);
        QTRY_VERIFY_WITH_TIMEOUT(gina->ready && hal->ready, 20000);
        const quint64 g = createGroup(*gina, "split", {"hal"});
        QVERIFY(g != 0);
        QVERIFY(change(*gina, g, GroupAction::Rename, {}, "split 2").ok());
        QTRY_VERIFY_WITH_TIMEOUT(atVersion(*hal, g, 2) && atVersion(*gina, g, 2), 20000);
        auto one = gina->client->messaging().sendText(g, "one");
        QVERIFY(one.ok());
        QTRY_VERIFY_WITH_TIMEOUT(hal->hasText("one"), 20000);
        QVERIFY(!*hal->store->groupStates().forkSeen(g));
        // What gina would hold had the server shown her another version 2.
        const QString other = QString::fromLatin1(QByteArray(32, '\x5a').toHex());
        QVERIFY(gina->store->database().exec(
            u"UPDATE group_state_log SET hash = X'%1' WHERE conversation_id = %2 AND version = 2"_s
                .arg(other)
                .arg(g)));
        QVERIFY(gina->store->database().exec(
            u"UPDATE group_state SET head_hash = X'%1' WHERE conversation_id = %2"_s.arg(other).arg(
                g)));
        auto two = gina->client->messaging().sendText(g, "two");
        QVERIFY(two.ok());
        QTRY_VERIFY_WITH_TIMEOUT(hal->hasText("two"), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(*hal->store->groupStates().forkSeen(g), 20000);
        auto notices = hal->store->securityNotices().all(g);
        QVERIFY(notices);
        bool named = false;
        for (const auto &n : *notices)
            named = named ||
                    (n.kind == client::SecurityNotice::kGroupForked && n.userId == gina->userId());
        QVERIFY(named);
    }
};

QTEST_GUILESS_MAIN(TestE2eGroupStateClient)
#include "test_e2e_group_state_client.moc"
