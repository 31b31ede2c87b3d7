// Signed group state against the real server (issue 12; docs/design/group-state.md, parts 1-4):
// users with real published account keys create a group with a signed genesis and change it
// with signed changes; the server refuses a genesis or change that is not what the asking device
// signed for exactly those members and keys, an unsigned change to a signed group, a replayed or
// stale version, and a member's change that needs an admin; a member fetches the log and verifies
// the whole chain with the account keys the members published, arriving at the server's members.
#include "crypto/group_state.h"
#include "support/e2e_keys.h"
#include "support/integration_fixture.h"

#include <QTest>

using namespace tidings;
using namespace tidings::test;
using namespace tidings::crypto;
using F = protocol::Frame;

namespace {

struct Member {
    std::unique_ptr<RawClient> client;
    Ed25519KeyPair aik = Ed25519KeyPair::generate();
    std::unique_ptr<TestDevice> keys;
    quint64 id() const { return client->userId; }
};

GroupOp add(const Member &m, GroupRole role = GroupRole::Member) {
    GroupOp op;
    op.kind = GroupOp::Kind::Add;
    op.userId = m.id();
    op.aik = m.aik.publicKey;
    op.role = role;
    return op;
}

GroupOp on(GroupOp::Kind kind, quint64 user = 0) {
    GroupOp op;
    op.kind = kind;
    op.userId = user;
    return op;
}

F signedChangeFrame(quint64 conv, wire::GroupChangeRequest::Action action, const QString &username,
                    const QByteArray &blob) {
    F f;
    auto *g = f.mutable_group_change_request();
    g->set_conversation_id(conv);
    g->set_action(action);
    g->set_username(username.toStdString());
    g->set_signed_change(blob.toStdString());
    return f;
}

} // namespace

class TestGroupState : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;

    //! A new user whose device published its keys and a signed device list.
    bool join(Member &m, const char *prefix) {
        m.client = m_fx.newUser(QString::fromLatin1(prefix));
        if (!m.client)
            return false;
        m.keys = std::make_unique<TestDevice>(m.client->userId, m.client->deviceId);
        auto up = m.client->request(m.keys->upload(m.aik.publicKey, 5));
        if (!up || !up->has_keys_response())
            return false;
        auto listed = m.client->request(publishList(m.aik, m.id(), 1, {m.keys->identity()}));
        return listed && listed->has_ok();
    }

    //! A change after `head` (a genesis for an empty one), by `actor`.
    GroupStateChange change(const GroupState &head, const Member &actor, QList<GroupOp> ops,
                            const QByteArray &uid) {
        GroupStateChange c;
        c.groupUid = uid;
        c.version = head.version + 1;
        c.prevHash = head.version ? head.headHash : QByteArray(32, '\0');
        c.actorUserId = actor.id();
        c.actorDeviceId = actor.client->deviceId;
        c.issuedAtMs = 1'800'000'000'000;
        c.ops = std::move(ops);
        return c;
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void signedGroupOverTheWire() {
        Member alice, bob, carol, dave;
        QVERIFY(join(alice, "alice") && join(bob, "bob") && join(carol, "carol") &&
                join(dave, "dave"));
        const QByteArray uid = QByteArray::fromHex("00112233445566778899aabbccddeeff");
        GroupOp name = on(GroupOp::Kind::Rename);
        name.name = QStringLiteral("Signed");

        // A genesis the creator did not sign is refused; nothing is created.
        GroupStateChange forged =
            change({}, alice, {add(alice, GroupRole::Admin), add(bob), name}, uid);
        F create;
        create.mutable_create_group_request()->set_name("Signed");
        create.mutable_create_group_request()->add_usernames(bob.client->username.toStdString());
        create.mutable_create_group_request()->set_signed_genesis(
            signGroupChange(forged, bob.aik).toStdString());
        QCOMPARE(errorCode(alice.client->request(create)), wire::ERROR_BAD_GROUP_CHANGE);

        GroupStateChange genesis =
            change({}, alice, {add(alice, GroupRole::Admin), add(bob), name}, uid);
        const QByteArray genesisBlob = signGroupChange(genesis, alice.aik);
        create.mutable_create_group_request()->set_signed_genesis(genesisBlob.toStdString());
        const auto created = alice.client->request(create);
        QVERIFY(created && created->has_conversation_info());
        const auto &info = created->conversation_info();
        QCOMPARE(info.group_state_version(), 1u);
        QCOMPARE(QByteArray::fromStdString(info.group_uid()), uid);
        const quint64 conv = info.conversation_id();
        const GroupState v1 =
            *applyGroupChange(GroupState{}, *decodeGroupChange(genesisBlob), alice.aik.publicKey);

        // An unsigned change to a signed group: refused, update Tidings.
        QCOMPARE(errorCode(alice.client->groupChange(conv, wire::GroupChangeRequest::ACTION_ADD,
                                                     carol.client->username)),
                 wire::ERROR_FORBIDDEN);
        // A signed change that records another key for the new member than the one published.
        GroupOp wrongKey = add(carol);
        wrongKey.aik = dave.aik.publicKey;
        GroupStateChange bad = change(v1, alice, {wrongKey}, uid);
        QCOMPARE(errorCode(alice.client->request(
                     signedChangeFrame(conv, wire::GroupChangeRequest::ACTION_ADD,
                                       carol.client->username, signGroupChange(bad, alice.aik)))),
                 wire::ERROR_BAD_GROUP_CHANGE);
        // A signed change that is not the requested action's user.
        GroupStateChange other = change(v1, alice, {add(carol)}, uid);
        QCOMPARE(errorCode(alice.client->request(
                     signedChangeFrame(conv, wire::GroupChangeRequest::ACTION_ADD,
                                       dave.client->username, signGroupChange(other, alice.aik)))),
                 wire::ERROR_BAD_GROUP_CHANGE);

        // The real one: carol joins as version 2.
        GroupStateChange addCarol = change(v1, alice, {add(carol)}, uid);
        const QByteArray addCarolBlob = signGroupChange(addCarol, alice.aik);
        const auto added = alice.client->request(signedChangeFrame(
            conv, wire::GroupChangeRequest::ACTION_ADD, carol.client->username, addCarolBlob));
        QVERIFY(added && added->has_ok());
        const GroupState v2 =
            *applyGroupChange(v1, *decodeGroupChange(addCarolBlob), alice.aik.publicKey);
        // The same version again (a replay) and one built on an old head: not on the head.
        QCOMPARE(
            errorCode(alice.client->request(signedChangeFrame(
                conv, wire::GroupChangeRequest::ACTION_ADD, carol.client->username, addCarolBlob))),
            wire::ERROR_GROUP_STATE_CONFLICT);
        GroupStateChange stale = change(v1, alice, {add(dave)}, uid);
        QCOMPARE(errorCode(alice.client->request(
                     signedChangeFrame(conv, wire::GroupChangeRequest::ACTION_ADD,
                                       dave.client->username, signGroupChange(stale, alice.aik)))),
                 wire::ERROR_GROUP_STATE_CONFLICT);
        // bob is a member, not an admin: his signed add is refused by the group's rules.
        GroupStateChange bobAdds = change(v2, bob, {add(dave)}, uid);
        QCOMPARE(errorCode(bob.client->request(
                     signedChangeFrame(conv, wire::GroupChangeRequest::ACTION_ADD,
                                       dave.client->username, signGroupChange(bobAdds, bob.aik)))),
                 wire::ERROR_NOT_ADMIN);
        // The last admin leaves only after promoting a successor in the same change.
        GroupStateChange leaveAlone = change(v2, alice, {on(GroupOp::Kind::Leave)}, uid);
        QCOMPARE(errorCode(alice.client->request(
                     signedChangeFrame(conv, wire::GroupChangeRequest::ACTION_LEAVE, {},
                                       signGroupChange(leaveAlone, alice.aik)))),
                 wire::ERROR_FORBIDDEN);
        GroupStateChange handOver = change(
            v2, alice, {on(GroupOp::Kind::Promote, bob.id()), on(GroupOp::Kind::Leave)}, uid);
        const QByteArray handOverBlob = signGroupChange(handOver, alice.aik);
        const auto left = alice.client->request(
            signedChangeFrame(conv, wire::GroupChangeRequest::ACTION_LEAVE, {}, handOverBlob));
        QVERIFY(left && left->has_ok());

        // carol reads the log and verifies every change with the keys the signers published;
        // the state it arrives at is the server's member list.
        F ask;
        ask.mutable_group_log_request()->set_conversation_id(conv);
        ask.mutable_group_log_request()->set_limit(2);
        const auto page1 = carol.client->request(ask);
        QVERIFY(page1 && page1->has_group_log_response());
        QCOMPARE(page1->group_log_response().changes_size(), 2);
        QVERIFY(page1->group_log_response().has_more());
        QCOMPARE(page1->group_log_response().head_version(), 3u);
        ask.mutable_group_log_request()->set_after_version(2);
        const auto page2 = carol.client->request(ask);
        QVERIFY(page2 && page2->has_group_log_response());
        QCOMPARE(page2->group_log_response().changes_size(), 1);
        QVERIFY(!page2->group_log_response().has_more());
        GroupState verified;
        QList<std::string> blobs(page1->group_log_response().changes().begin(),
                                 page1->group_log_response().changes().end());
        blobs.append(page2->group_log_response().changes(0));
        for (const std::string &b : blobs) {
            auto c = decodeGroupChange(QByteArray::fromStdString(b));
            QVERIFY(c);
            const QByteArray signer =
                c->actorUserId == alice.id() ? alice.aik.publicKey : bob.aik.publicKey;
            auto next = applyGroupChange(verified, *c, signer);
            QVERIFY2(next, qPrintable(next ? QString() : next.error().toString()));
            verified = *next;
        }
        QCOMPARE(verified.version, 3u);
        QCOMPARE(QSet<quint64>(verified.members.keyBegin(), verified.members.keyEnd()),
                 (QSet<quint64>{bob.id(), carol.id()}));
        QVERIFY(verified.isAdmin(bob.id()));
        F infoReq;
        infoReq.mutable_group_info_request()->set_conversation_id(conv);
        const auto now = carol.client->request(infoReq);
        QVERIFY(now && now->has_conversation_info());
        QSet<quint64> serverMembers;
        for (const auto &m : now->conversation_info().members())
            serverMembers.insert(m.user_id());
        QCOMPARE(serverMembers, (QSet<quint64>{bob.id(), carol.id()}));
        QCOMPARE(now->conversation_info().group_state_version(), 3u);
        // The events carry their signed change: pushed to carol as they happened, and in
        // history (the same reader serves drains), the change's first event only.
        F history;
        history.mutable_history_request()->set_conversation_id(conv);
        history.mutable_history_request()->set_limit(50);
        const auto page = carol.client->request(history);
        QVERIFY(page && page->has_history_response());
        QMap<quint64, QByteArray> carried;
        for (const auto &m : page->history_response().messages()) {
            if (m.has_system_event() && m.system_event().group_version() != 0)
                carried.insert(m.system_event().group_version(),
                               QByteArray::fromStdString(m.system_event().signed_change()));
        }
        QCOMPARE(carried.value(2), addCarolBlob);
        QCOMPARE(carried.value(3), handOverBlob);
        QVERIFY(carol.client->waitMessages(2));
        int pushedSigned = 0;
        for (const auto &m : carol.client->messagesIn(conv, true)) {
            const auto &e = m.system_event();
            if (e.group_version() == 0)
                continue;
            ++pushedSigned;
            QCOMPARE(QByteArray::fromStdString(e.signed_change()),
                     carried.value(e.group_version()));
        }
        QVERIFY(pushedSigned >= 1); // at least the hand-over, which happened while she was in
        // Someone outside the group reads nothing of it.
        QCOMPARE(errorCode(dave.client->request(ask)), wire::ERROR_NOT_MEMBER);
    }

    // A group without signed state (created unsigned) gets version 1 from an admin, once: a
    // REFOUNDED genesis naming members with their roles, sent as a rename. A member who is not
    // an admin, a list with a non-member or another role, and a second founding are refused.
    void legacyGroupsAreFoundedOnce() {
        Member erin, finn, gus;
        QVERIFY(join(erin, "erin") && join(finn, "finn") && join(gus, "gus"));
        auto keyless = m_fx.newUser(QStringLiteral("hank")); // never published keys
        QVERIFY(keyless);
        const quint64 conv =
            erin.client->createGroup("Old", {finn.client->username, keyless->username});
        QVERIFY(conv != 0);
        auto founding = [&](const Member &actor, QList<GroupOp> ops, const QByteArray &uid) {
            GroupOp name = on(GroupOp::Kind::Rename);
            name.name = QStringLiteral("Old");
            ops.append(name);
            GroupStateChange c = change({}, actor, ops, uid);
            c.flags = GroupStateChange::kRefounded;
            F f = signedChangeFrame(conv, wire::GroupChangeRequest::ACTION_RENAME, {},
                                    signGroupChange(c, actor.aik));
            f.mutable_group_change_request()->set_name("Old");
            return actor.client->request(f);
        };
        const QByteArray uid = QByteArray(16, '\x07');
        // finn is a member, not an admin.
        QCOMPARE(errorCode(founding(
                     finn, {add(finn, GroupRole::Admin), add(erin, GroupRole::Admin)}, uid)),
                 wire::ERROR_NOT_ADMIN);
        // gus is not a member; finn is not an admin.
        QCOMPARE(errorCode(founding(erin, {add(erin, GroupRole::Admin), add(gus)}, uid)),
                 wire::ERROR_BAD_GROUP_CHANGE);
        QCOMPARE(errorCode(founding(
                     erin, {add(erin, GroupRole::Admin), add(finn, GroupRole::Admin)}, uid)),
                 wire::ERROR_BAD_GROUP_CHANGE);
        QCOMPARE(
            m_fx.sql(
                QStringLiteral("SELECT state_version FROM conversations WHERE id = %1").arg(conv)),
            QStringLiteral("0"));
        // The admin's founding: version 1, carried by one renamed event.
        const auto done = founding(erin, {add(erin, GroupRole::Admin), add(finn)}, uid);
        QVERIFY(done && done->has_ok());
        QCOMPARE(
            m_fx.sql(
                QStringLiteral("SELECT state_version FROM conversations WHERE id = %1").arg(conv)),
            QStringLiteral("1"));
        QCOMPARE(
            m_fx.sql(QStringLiteral("SELECT m.event_kind FROM group_state_log l JOIN messages m"
                                    " ON m.conversation_id = l.conversation_id AND m.seq ="
                                    " l.first_seq WHERE l.conversation_id = %1")
                         .arg(conv)),
            QStringLiteral("4"));
        // hank, left out (no keys), left the group with it: a signed add can name him later.
        QCOMPARE(m_fx.sql(QStringLiteral("SELECT count(*) FROM members WHERE conversation_id = %1")
                              .arg(conv)),
                 QStringLiteral("2"));
        QCOMPARE(m_fx.sql(QStringLiteral("SELECT count(*) FROM messages WHERE conversation_id = %1"
                                         " AND event_kind = 2 AND event_target_user_id = %2")
                              .arg(conv)
                              .arg(keyless->userId)),
                 QStringLiteral("1"));
        // A second founding (another admin racing, or a replay): the group has signed state.
        QCOMPARE(errorCode(founding(erin, {add(erin, GroupRole::Admin), add(finn)},
                                    QByteArray(16, '\x08'))),
                 wire::ERROR_GROUP_STATE_CONFLICT);
        // And unsigned changes are refused from now on.
        QCOMPARE(errorCode(erin.client->groupChange(conv, wire::GroupChangeRequest::ACTION_ADD,
                                                    gus.client->username)),
                 wire::ERROR_FORBIDDEN);
    }
};

QTEST_GUILESS_MAIN(TestGroupState)
#include "test_group_state.moc"
