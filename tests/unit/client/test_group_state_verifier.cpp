// GroupStateVerifier over a real client store: the outcomes of docs/design/group-state.md §3.1
// (next, duplicate, replay, fork, gap, invalid, unsigned) with real account keys, the genesis
// anchored on the creator's pinned key, waiting changes applied once their predecessor comes,
// and the log applied in signed order whatever order the server sent it in.
#include "core/groups/group_state_verifier.h"
#include "core/store/group_state_store.h"
#include "module_fixture.h"

#include <QTest>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;
using namespace Qt::Literals::StringLiterals;
using crypto::Ed25519KeyPair;
using crypto::GroupOp;
using crypto::GroupRole;
using crypto::GroupState;
using crypto::GroupStateChange;

namespace {

constexpr quint64 kGroup = 7;
const QByteArray kUid = QByteArray(16, '\x42');

struct User {
    quint64 id;
    Ed25519KeyPair aik = Ed25519KeyPair::generate();
};

GroupOp op(GroupOp::Kind kind, quint64 user = 0) {
    GroupOp o;
    o.kind = kind;
    o.userId = user;
    return o;
}

GroupOp add(const User &u, GroupRole role = GroupRole::Member) {
    GroupOp o = op(GroupOp::Kind::Add, u.id);
    o.aik = u.aik.publicKey;
    o.role = role;
    return o;
}

QByteArray sign(const User &actor, quint64 version, const QByteArray &prev,
                const QList<GroupOp> &ops, const Ed25519KeyPair *signer = nullptr,
                const QByteArray &uid = kUid) {
    GroupStateChange c;
    c.groupUid = uid;
    c.version = version;
    c.prevHash = prev.isEmpty() ? QByteArray(32, '\0') : prev;
    c.actorUserId = actor.id;
    c.actorDeviceId = actor.id * 10;
    c.issuedAtMs = 1000;
    c.ops = ops;
    return crypto::signGroupChange(c, signer ? *signer : actor.aik);
}

QByteArray hashOf(const QByteArray &blob) {
    return crypto::groupChangeHash(crypto::decodeGroupChange(blob)->body);
}

wire::SystemEvent groupEvent(const QByteArray &blob,
                             wire::SystemEvent::Kind kind = wire::SystemEvent::KIND_MEMBER_ADDED,
                             quint64 target = 0) {
    wire::SystemEvent e;
    e.set_kind(kind);
    e.set_target_user_id(target);
    if (!blob.isEmpty()) {
        e.set_signed_change(blob.toStdString());
        if (auto c = crypto::decodeGroupChange(blob))
            e.set_group_version(c->version);
    }
    return e;
}

} // namespace

class TestGroupStateVerifier : public QObject {
    Q_OBJECT
    User alice{1}, bob{2}, carol{3}, mallory{4};
    QHash<quint64, QByteArray> m_pins;
    std::unique_ptr<ModuleFixture> m_f;
    std::unique_ptr<GroupStateVerifier> m_v;

    //! The verdict for the event at `seq`, its commit run as the message path runs it.
    GroupStateVerifier::Verdict check(quint64 seq, const wire::SystemEvent &e) {
        auto v = m_v->check(kGroup, seq, e);
        if (!v) {
            qWarning() << v.error().toString();
            return {};
        }
        if (v->commit) {
            if (auto s = v->commit(); !s)
                qWarning() << s.error().toString();
        }
        return *v;
    }
    quint64 headVersion() { return *m_v->head(kGroup); }
    GroupState state() { return **m_f->store->groupStates().state(kGroup); }

private slots:
    void init() {
        m_f = std::make_unique<ModuleFixture>();
        QVERIFY(m_f->open());
        m_pins = {{alice.id, alice.aik.publicKey},
                  {bob.id, bob.aik.publicKey},
                  {carol.id, carol.aik.publicKey},
                  {mallory.id, mallory.aik.publicKey}};
        m_v = std::make_unique<GroupStateVerifier>(m_f->store.get(),
                                                   [this](quint64 u) { return m_pins.value(u); });
    }

    void aChainIsVerifiedDuplicatesPassAndReplaysAreNamed() {
        const QByteArray v1 = sign(alice, 1, {}, {add(alice, GroupRole::Admin), add(bob)});
        QCOMPARE(check(1, groupEvent(v1, wire::SystemEvent::KIND_CREATED)).check,
                 EventCheck::Verified);
        QCOMPARE(headVersion(), 1u);
        QCOMPARE(state().members.size(), 2);
        const QByteArray v2 = sign(alice, 2, hashOf(v1), {add(carol)});
        const auto added = check(2, groupEvent(v2, wire::SystemEvent::KIND_MEMBER_ADDED, carol.id));
        QCOMPARE(added.check, EventCheck::Verified);
        QVERIFY(added.changed);
        QVERIFY(state().isMember(carol.id));
        // The same event delivered again: nothing changes, still verified.
        QCOMPARE(check(2, groupEvent(v2)).check, EventCheck::Verified);
        // The same change on a later event: a replay.
        QCOMPARE(check(9, groupEvent(v2)).check, EventCheck::Replayed);
        QCOMPARE(headVersion(), 2u);
        // A removal says so (the sender key rotates).
        const QByteArray v3 = sign(alice, 3, hashOf(v2), {op(GroupOp::Kind::Remove, carol.id)});
        QVERIFY(
            check(10, groupEvent(v3, wire::SystemEvent::KIND_MEMBER_REMOVED, carol.id)).removed);
        QVERIFY(!state().isMember(carol.id));
    }

    void forgedChangesAreRefusedWithTheirReason() {
        const QByteArray v1 = sign(alice, 1, {}, {add(alice, GroupRole::Admin), add(bob)});
        QCOMPARE(check(1, groupEvent(v1)).check, EventCheck::Verified);
        // Claiming alice, signed by another key (a device without her account key).
        auto forged =
            check(2, groupEvent(sign(alice, 2, hashOf(v1), {add(mallory)}, &mallory.aik)));
        QCOMPARE(forged.check, EventCheck::Refused);
        QCOMPARE(forged.refusal, u"signature"_s);
        // bob is a member, not an admin.
        auto notAdmin = check(3, groupEvent(sign(bob, 2, hashOf(v1), {add(mallory)})));
        QCOMPARE(notAdmin.refusal, u"not-admin"_s);
        // An outsider.
        auto outsider = check(4, groupEvent(sign(mallory, 2, hashOf(v1), {add(mallory)})));
        QCOMPARE(outsider.refusal, u"not-admin"_s);
        // Another history (the next version on another head).
        auto otherHistory =
            check(5, groupEvent(sign(alice, 2, QByteArray(32, 'x'), {add(mallory)})));
        QCOMPARE(otherHistory.refusal, u"conflict"_s);
        // Another group's change.
        auto otherGroup = check(
            6, groupEvent(sign(alice, 2, hashOf(v1), {add(mallory)}, nullptr, QByteArray(16, 1))));
        QCOMPARE(otherGroup.refusal, u"other-group"_s);
        // Against the rules: a member added twice.
        auto twice = check(7, groupEvent(sign(alice, 2, hashOf(v1), {add(bob)})));
        QCOMPARE(twice.refusal, u"rules"_s);
        // Not a change at all.
        auto garbage = check(8, groupEvent("TGS\x01garbage"_ba));
        QCOMPARE(garbage.refusal, u"malformed"_s);
        QCOMPARE(headVersion(), 1u);
        QCOMPARE(state().members.size(), 2);
        // A different version 2 after the genuine one: a fork, remembered for the banner.
        QCOMPARE(check(9, groupEvent(sign(alice, 2, hashOf(v1), {add(carol)}))).check,
                 EventCheck::Verified);
        QVERIFY(!*m_f->store->groupStates().forkSeen(kGroup));
        // Junk at a verified version (signed by no member) is refused, but is no fork.
        auto junk = check(10, groupEvent(sign(alice, 2, hashOf(v1), {add(mallory)}, &mallory.aik)));
        QCOMPARE(junk.refusal, u"signature"_s);
        QVERIFY(!*m_f->store->groupStates().forkSeen(kGroup));
        auto fork = check(10, groupEvent(sign(alice, 2, hashOf(v1), {add(mallory)})));
        QCOMPARE(fork.refusal, u"conflict"_s);
        QVERIFY(*m_f->store->groupStates().forkSeen(kGroup));
    }

    void theGenesisNeedsTheCreatorsPinnedKey() {
        const QByteArray v1 = sign(carol, 1, {}, {add(carol, GroupRole::Admin), add(bob)});
        m_pins.remove(carol.id);
        QCOMPARE(m_v->keysNeeded({v1}), QSet<quint64>{carol.id});
        QCOMPARE(check(1, groupEvent(v1)).refusal, u"unknown-key"_s);
        // A server that makes up carol's key: not the one pinned for her.
        m_pins.insert(carol.id, mallory.aik.publicKey);
        QCOMPARE(check(1, groupEvent(v1)).refusal, u"unknown-key"_s);
        m_pins.insert(carol.id, carol.aik.publicKey);
        QVERIFY(m_v->keysNeeded({v1}).isEmpty());
        QCOMPARE(check(1, groupEvent(v1)).check, EventCheck::Verified);
        // The same genesis replayed into another conversation: its group id is pinned here.
        auto elsewhere = m_v->check(kGroup + 1, 1, groupEvent(v1));
        QVERIFY(elsewhere);
        QCOMPARE(elsewhere->refusal, u"other-group"_s);
    }

    void aChangeAfterAGapWaitsForTheOnesBefore() {
        const QByteArray v1 = sign(alice, 1, {}, {add(alice, GroupRole::Admin), add(bob)});
        const QByteArray v2 = sign(alice, 2, hashOf(v1), {add(carol)});
        const QByteArray v3 = sign(alice, 3, hashOf(v2), {op(GroupOp::Kind::Promote, carol.id)});
        QCOMPARE(check(1, groupEvent(v1)).check, EventCheck::Verified);
        QVERIFY(m_v->hasGap(kGroup, {3}));
        QVERIFY(!m_v->hasGap(kGroup, {3, 2}));
        QCOMPARE(check(3, groupEvent(v3)).check, EventCheck::Pending);
        QCOMPARE(headVersion(), 1u);
        QCOMPARE(m_f->store->groupStates().groupsWithPending()->size(), 1);
        QCOMPARE(check(2, groupEvent(v2)).check, EventCheck::Verified);
        QCOMPARE(headVersion(), 3u);
        QVERIFY(state().isAdmin(carol.id));
        QVERIFY(m_f->store->groupStates().groupsWithPending()->isEmpty());
    }

    // At most GroupStateStore::kMaxPending (64) changes wait per group; the next is refused.
    void waitingChangesAreBounded() {
        const QByteArray v1 = sign(alice, 1, {}, {add(alice, GroupRole::Admin), add(bob)});
        QCOMPARE(check(1, groupEvent(v1)).check, EventCheck::Verified);
        GroupOp rename = op(GroupOp::Kind::Rename);
        rename.name = u"n"_s;
        const int max = GroupStateStore::kMaxPending;
        for (int i = 0; i < max; ++i) {
            const quint64 version = 3 + quint64(i);
            QCOMPARE(
                check(10 + version, groupEvent(sign(alice, version, hashOf(v1), {rename}))).check,
                EventCheck::Pending);
        }
        QCOMPARE(m_f->store->groupStates().pending(kGroup)->size(), max);
        const auto past =
            check(500, groupEvent(sign(alice, 3 + quint64(max), hashOf(v1), {rename})));
        QCOMPARE(past.check, EventCheck::Refused);
        QCOMPARE(past.refusal, u"rules"_s);
        QCOMPARE(m_f->store->groupStates().pending(kGroup)->size(), max);
    }

    void theLogIsAppliedInSignedOrder() {
        const QByteArray v1 = sign(alice, 1, {}, {add(alice, GroupRole::Admin), add(bob)});
        const QByteArray v2 = sign(alice, 2, hashOf(v1), {add(carol)});
        GroupOp rename = op(GroupOp::Kind::Rename);
        rename.name = u"plans"_s;
        const QByteArray v3 = sign(alice, 3, hashOf(v2), {rename});
        auto applied = m_v->applyLog(kGroup, {v3, v1, v2});
        QVERIFY(applied);
        QCOMPARE(*applied, 3);
        QCOMPARE(state().name, u"plans"_s);
        // The events that bring them later are their first delivery, in order...
        QCOMPARE(check(5, groupEvent(v2)).check, EventCheck::Verified);
        QCOMPARE(check(6, groupEvent(v3)).check, EventCheck::Verified);
        // ...and an event of an older version after a newer one is a replay.
        QCOMPARE(check(7, groupEvent(v1)).check, EventCheck::Replayed);
        // A log that contradicts what was verified marks the fork and changes nothing.
        const QByteArray other = sign(alice, 3, hashOf(v2), {add(mallory)});
        QVERIFY(m_v->applyLog(kGroup, {other}));
        QVERIFY(*m_f->store->groupStates().forkSeen(kGroup));
        QCOMPARE(headVersion(), 3u);
        QVERIFY(!state().isMember(mallory.id));
    }

    // The line comes from the signed change: a server that pairs "alice added carol" with the
    // claim "alice added mallory" is shown what alice signed.
    // Nothing replaces or rolls back a verified state: not a second genesis (a server answering
    // a create with the id of a group this device holds), not an older version; and a live
    // genesis must name this device's user.
    void verifiedStateIsNeverReplaced() {
        const QByteArray v1 = sign(alice, 1, {}, {add(alice, GroupRole::Admin), add(bob)});
        QCOMPARE(check(1, groupEvent(v1)).check, EventCheck::Verified);
        const QByteArray v2 = sign(alice, 2, hashOf(v1), {add(carol)});
        QCOMPARE(check(2, groupEvent(v2)).check, EventCheck::Verified);
        const QByteArray otherBlob =
            sign(alice, 1, {}, {add(alice, GroupRole::Admin), add(mallory)}, nullptr,
                 QByteArray(16, '\x09'));
        auto otherState = crypto::applyGroupChange(
            GroupState{}, *crypto::decodeGroupChange(otherBlob), alice.aik.publicKey);
        QVERIFY(otherState);
        QVERIFY(!m_f->store->groupStates().append(kGroup, *otherState, otherBlob, 0));
        auto again = crypto::applyGroupChange(GroupState{}, *crypto::decodeGroupChange(v1),
                                              alice.aik.publicKey);
        QVERIFY(!m_f->store->groupStates().append(kGroup, *again, v1, 0));
        QCOMPARE(headVersion(), 2u);
        QVERIFY(state().isMember(carol.id));
        QVERIFY(!state().isMember(mallory.id));

        GroupStateVerifier asBob(
            m_f->store.get(), [this](quint64 u) { return m_pins.value(u); },
            [this] { return bob.id; });
        const QByteArray notMine = sign(carol, 1, {}, {add(carol, GroupRole::Admin), add(mallory)},
                                        nullptr, QByteArray(16, '\x0a'));
        auto v = asBob.check(kGroup + 5, 1, groupEvent(notMine));
        QVERIFY(v);
        QCOMPARE(v->refusal, u"other-group"_s);
    }

    void theLineSaysWhatWasSigned() {
        const QByteArray v1 = sign(alice, 1, {}, {add(alice, GroupRole::Admin), add(bob)});
        const QByteArray v2 = sign(alice, 2, hashOf(v1), {add(carol)});
        SystemEvent e;
        e.kind = SystemEventKind::MemberRemoved;
        e.actorUserId = bob.id;
        e.actorUsername = u"bob"_s;
        e.targetUserId = mallory.id;
        e.targetUsername = u"mallory"_s;
        const auto names = [](quint64 id) { return id == 1 ? u"alice"_s : u"carol"_s; };
        GroupStateVerifier::describe(*crypto::decodeGroupChange(v2), e, names);
        QCOMPARE(e.kind, SystemEventKind::MemberAdded);
        QCOMPARE(e.actorUsername, u"alice"_s);
        QCOMPARE(e.targetUserId, carol.id);
        QCOMPARE(e.targetUsername, u"carol"_s);
        GroupStateVerifier::describe(*crypto::decodeGroupChange(v1), e, names);
        QCOMPARE(e.kind, SystemEventKind::Created);
        QCOMPARE(e.targetUserId, 0u);
    }

    void unsignedEventsCountOnlyWhereTheStateAgrees() {
        // A group without signed state: the server's word, as before.
        QCOMPARE(check(1, groupEvent({}, wire::SystemEvent::KIND_MEMBER_ADDED, mallory.id)).check,
                 EventCheck::Unsigned);
        const QByteArray v1 = sign(alice, 1, {}, {add(alice, GroupRole::Admin), add(bob)});
        QCOMPARE(check(2, groupEvent(v1)).check, EventCheck::Verified);
        auto injected = check(3, groupEvent({}, wire::SystemEvent::KIND_MEMBER_ADDED, mallory.id));
        QCOMPARE(injected.check, EventCheck::Refused);
        QCOMPARE(injected.refusal, u"unsigned"_s);
        wire::SystemEvent left = groupEvent({}, wire::SystemEvent::KIND_MEMBER_LEFT, carol.id);
        QCOMPARE(check(4, left).check, EventCheck::Refused); // "carol left", said by nobody
        left.set_actor_user_id(carol.id);
        QCOMPARE(check(4, left).check, EventCheck::Verified); // carol's own leave: not a member
        QCOMPARE(check(5, groupEvent({}, wire::SystemEvent::KIND_ADMIN_GRANTED, bob.id)).check,
                 EventCheck::Refused);
        QVERIFY(!state().isMember(mallory.id));
    }
};

QTEST_GUILESS_MAIN(TestGroupStateVerifier)
#include "test_group_state_verifier.moc"
