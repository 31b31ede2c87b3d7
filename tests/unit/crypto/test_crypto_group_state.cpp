// Signed, hash-chained group state (shared/crypto/group_state; docs/design/group-state.md): a
// genesis and later changes round-trip and chain; one encoding per change (fixed bytes); every
// operation's rule; a change signed by another key, by a member who is no admin, replayed,
// re-ordered (a gap), forked or of another group is refused with its own typed error; 500
// members and not 501; every flipped bit of a blob refused.
#include "test_helpers.h"

#include "crypto/group_state.h"
#include "protocol/limits.h"

#include <QTest>

using namespace tidings;
using namespace tidings::crypto;

namespace {

using Kind = GroupOp::Kind;

Ed25519KeyPair keyFromByte(char b) {
    auto key = Ed25519KeyPair::fromSeed(SecretBytes::fromRaw(QByteArray(32, b).constData(), 32));
    return std::move(*key);
}

GroupOp add(quint64 user, const QByteArray &aik, GroupRole role = GroupRole::Member) {
    GroupOp op;
    op.kind = Kind::Add;
    op.userId = user;
    op.aik = aik;
    op.role = role;
    return op;
}
GroupOp on(Kind kind, quint64 user = 0) {
    GroupOp op;
    op.kind = kind;
    op.userId = user;
    return op;
}
GroupOp rename(const QString &name) {
    GroupOp op;
    op.kind = Kind::Rename;
    op.name = name;
    return op;
}

struct Chain {
    Ed25519KeyPair alice = keyFromByte('a'), bob = keyFromByte('b'), carol = keyFromByte('c');
    GroupState state;
    QByteArray uid = QByteArray(16, '\x42');

    //! A change after the current state, by `actor` (signed with `key`).
    GroupStateChange next(quint64 actor, QList<GroupOp> ops, quint64 version = 0) const {
        GroupStateChange c;
        c.groupUid = uid;
        c.version = version ? version : state.version + 1;
        c.prevHash = state.version ? state.headHash : QByteArray(32, '\0');
        c.actorUserId = actor;
        c.actorDeviceId = actor * 10;
        c.issuedAtMs = 1'800'000'000'000 + qint64(c.version);
        c.ops = std::move(ops);
        return c;
    }
    //! Signs, decodes the blob as a receiver would, and applies it.
    Result<GroupState> apply(GroupStateChange c, const Ed25519KeyPair &key,
                             const QByteArray &signer = {}) const {
        const QByteArray blob = signGroupChange(c, key);
        auto decoded = decodeGroupChange(blob);
        if (!decoded)
            return decoded.error();
        return applyGroupChange(state, *decoded, signer.isEmpty() ? key.publicKey : signer);
    }
    bool commit(const GroupStateChange &c, const Ed25519KeyPair &key) {
        auto s = apply(c, key);
        if (!s) {
            qWarning() << s.error().toString();
            return false;
        }
        state = *s;
        return true;
    }
    //! alice (1, admin) with bob (2) and carol (3), named "Trip".
    bool genesis() {
        return commit(next(1, {add(1, alice.publicKey, GroupRole::Admin), add(2, bob.publicKey),
                               add(3, carol.publicKey), rename(QStringLiteral("Trip"))}),
                      alice);
    }
};

CryptoError errorOf(const Result<GroupState> &r) {
    return r ? CryptoError::None : cryptoErrorOf(r.error());
}

} // namespace

class TestCryptoGroupState : public QObject {
    Q_OBJECT
private slots:
    void genesisAndChangesChain() {
        Chain g;
        QVERIFY(g.genesis());
        QCOMPARE(g.state.version, 1u);
        QCOMPARE(g.state.name, QStringLiteral("Trip"));
        QCOMPARE(g.state.members.size(), 3);
        QVERIFY(g.state.isAdmin(1) && !g.state.isAdmin(2));
        QCOMPARE(g.state.members.value(2).aik, g.bob.publicKey);
        QCOMPARE(g.state.members.value(3).sinceVersion, 1u);
        const QByteArray head1 = g.state.headHash;
        QCOMPARE(head1.size(), 32);

        QVERIFY(g.commit(g.next(1, {on(Kind::Promote, 2)}), g.alice));
        QVERIFY(g.state.isAdmin(2));
        QVERIFY(
            g.commit(g.next(2, {on(Kind::Remove, 3), rename(QStringLiteral("Trip 2"))}), g.bob));
        QVERIFY(!g.state.isMember(3));
        QCOMPARE(g.state.name, QStringLiteral("Trip 2"));
        QVERIFY(g.commit(g.next(1, {add(3, g.carol.publicKey)}), g.alice));
        QCOMPARE(g.state.members.value(3).sinceVersion, 4u);
        QVERIFY(g.commit(g.next(3, {on(Kind::Leave)}), g.carol)); // a member may leave
        QCOMPARE(g.state.version, 5u);
        QVERIFY(g.state.headHash != head1);
    }

    void oneEncodingPerChange() {
        // Fixed keys, fixed change: fixed bytes (Ed25519 signatures are deterministic). A change
        // in the encoder breaks every stored log; this catches it.
        Chain g;
        GroupStateChange c =
            g.next(1, {add(1, g.alice.publicKey, GroupRole::Admin), rename(QStringLiteral("Ö"))});
        const QByteArray blob = signGroupChange(c, g.alice);
        QCOMPARE(c.body.left(4), QByteArray("TGS\x01", 4));
        QCOMPARE(c.body.size(),
                 4 + 16 + 8 + 32 + 8 + 8 + 8 + 1 + 4 + (1 + 8 + 32 + 1) + (1 + 4 + 2));
        QCOMPARE(blob.size(), 4 + c.body.size() + 64);
        QCOMPARE(groupChangeHash(c.body), sha256(QByteArray("TidingsGroupStateHashv1") + c.body));
        QCOMPARE(
            QString::fromLatin1(sha256(blob).toHex()),
            QStringLiteral("50579278729513d9f7860896457c95030e55fa8729a8842df520aa5d9e7ec599"));
        auto decoded = decodeGroupChange(blob);
        QVERIFY(decoded);
        QCOMPARE(decoded->body, c.body);
        QCOMPARE(decoded->ops, c.ops);
        GroupStateChange again = *decoded;
        QCOMPARE(signGroupChange(again, g.alice), blob);
        // Trailing bytes, a zero version or actor, no ops, unknown flags: not a change.
        QVERIFY(!decodeGroupChange(blob + 'x'));
        GroupStateChange bad = c;
        bad.flags = 2;
        QVERIFY(!decodeGroupChange(signGroupChange(bad, g.alice)));
        bad = c;
        bad.flags = GroupStateChange::kRefounded;
        QVERIFY(decodeGroupChange(signGroupChange(bad, g.alice))); // a re-founded genesis
        bad.version = 2;
        QVERIFY(!decodeGroupChange(signGroupChange(bad, g.alice)));
        bad = c;
        bad.ops.clear();
        QVERIFY(!decodeGroupChange(signGroupChange(bad, g.alice)));
        bad = c;
        bad.ops.append(on(Kind::Promote, 1)); // user 1 twice
        QVERIFY(!decodeGroupChange(signGroupChange(bad, g.alice)));
        bad = c;
        bad.ops.last().name = QString(65, QLatin1Char('n'));
        QVERIFY(!decodeGroupChange(signGroupChange(bad, g.alice)));
    }

    void everyBitMatters() {
        Chain g;
        GroupStateChange c = g.next(1, {add(1, g.alice.publicKey, GroupRole::Admin)});
        const QByteArray blob = signGroupChange(c, g.alice);
        for (qsizetype bit = 0; bit < blob.size() * 8; ++bit) {
            QByteArray flipped = blob;
            flipped[bit / 8] = char(flipped[bit / 8] ^ (1 << (bit % 8)));
            auto d = decodeGroupChange(flipped);
            if (d)
                QVERIFY2(!applyGroupChange(g.state, *d, g.alice.publicKey),
                         qPrintable(QString::number(bit)));
        }
    }

    void refusalsAreTyped() {
        Chain g;
        QVERIFY(g.genesis());
        // Signed by another key than the actor's (the server, or a device without the AIK).
        QCOMPARE(errorOf(g.apply(g.next(1, {on(Kind::Remove, 3)}), g.bob, g.alice.publicKey)),
                 CryptoError::BadSignature);
        // A member who is no admin adds someone.
        QCOMPARE(errorOf(g.apply(g.next(2, {add(9, g.carol.publicKey)}), g.bob)),
                 CryptoError::NotAdmin);
        // Someone who is not a member at all.
        const Ed25519KeyPair mallory = keyFromByte('m');
        QCOMPARE(errorOf(g.apply(g.next(9, {add(9, mallory.publicKey)}), mallory)),
                 CryptoError::NotAdmin);
        // A replay of version 1, a gap, a fork, another group.
        const GroupState before = g.state;
        QVERIFY(g.commit(g.next(1, {on(Kind::Promote, 2)}), g.alice));
        const GroupState atTwo = g.state;
        g.state = atTwo;
        QCOMPARE(errorOf(g.apply(g.next(1, {on(Kind::Demote, 2)}, 2), g.alice)),
                 CryptoError::Rollback); // version 2 again
        QCOMPARE(errorOf(g.apply(g.next(1, {on(Kind::Demote, 2)}, 4), g.alice)),
                 CryptoError::NotNext);
        GroupStateChange fork = g.next(1, {on(Kind::Remove, 3)});
        fork.prevHash = before.headHash; // chained to version 1, claims version 3
        QCOMPARE(errorOf(g.apply(fork, g.alice)), CryptoError::Rollback);
        GroupStateChange other = g.next(1, {on(Kind::Remove, 3)});
        other.groupUid = QByteArray(16, '\x07');
        QCOMPARE(errorOf(g.apply(other, g.alice)), CryptoError::IdentityMismatch);
        // A genesis that does not make its signer an admin, or that does more than add and name.
        Chain h;
        QCOMPARE(errorOf(h.apply(h.next(1, {add(1, h.alice.publicKey)}), h.alice)),
                 CryptoError::IdentityMismatch);
        QCOMPARE(errorOf(h.apply(h.next(1, {add(1, h.bob.publicKey, GroupRole::Admin)}), h.alice)),
                 CryptoError::IdentityMismatch); // the recorded key is not the signer's
        QCOMPARE(errorOf(h.apply(
                     h.next(1, {add(1, h.alice.publicKey, GroupRole::Admin), on(Kind::Remove, 1)}),
                     h.alice)),
                 CryptoError::Malformed);
        QCOMPARE(
            errorOf(h.apply(h.next(1, {add(1, h.alice.publicKey, GroupRole::Admin)}, 2), h.alice)),
            CryptoError::NotNext); // a change before any genesis
    }

    void operationRules() {
        Chain g;
        QVERIFY(g.genesis());
        const auto refused = [&](QList<GroupOp> ops, quint64 actor = 1) {
            return errorOf(g.apply(g.next(actor, std::move(ops)), actor == 1 ? g.alice : g.bob)) ==
                   CryptoError::Malformed;
        };
        QVERIFY(refused({add(2, g.bob.publicKey)}));                   // a member already
        QVERIFY(refused({add(9, g.bob.publicKey, GroupRole::Admin)})); // admins are promoted
        QVERIFY(refused({on(Kind::Remove, 9)}));                       // not a member
        QVERIFY(refused({on(Kind::Remove, 1)}));                       // oneself: LEAVE
        QVERIFY(refused({on(Kind::Promote, 1)}));                      // an admin already
        QVERIFY(refused({on(Kind::Demote, 2)}));                       // not an admin
        QVERIFY(refused({on(Kind::Demote, 1)}));                       // the last admin
        QVERIFY(refused({on(Kind::Leave)}));                           // the last admin leaves
        QVERIFY(refused({on(Kind::SetKey, 9)}));                       // not a member
        // The last admin leaves after promoting a successor in the same change.
        QVERIFY(g.commit(g.next(1, {on(Kind::Promote, 2), on(Kind::Leave)}), g.alice));
        QVERIFY(!g.state.isMember(1));
        QVERIFY(g.state.isAdmin(2));
        // SET_KEY records a member's new account key.
        const Ed25519KeyPair carol2 = keyFromByte('C');
        GroupOp setKey = on(Kind::SetKey, 3);
        setKey.aik = carol2.publicKey;
        QVERIFY(g.commit(g.next(2, {setKey}), g.bob));
        QCOMPARE(g.state.members.value(3).aik, carol2.publicKey);
    }

    void aMemberRecordsItsOwnNewKeySignedWithIt() {
        Chain g;
        QVERIFY(g.genesis());
        const Ed25519KeyPair bob2 = keyFromByte('B');
        GroupOp own = on(Kind::SetKey, 2);
        own.aik = bob2.publicKey;
        // Signed with the old key: whoever holds only that cannot name a key of its choosing.
        QCOMPARE(errorOf(g.apply(g.next(2, {own}), g.bob)), CryptoError::BadSignature);
        // A member may not set another member's key, nor do anything else beside it.
        GroupOp carols = on(Kind::SetKey, 3);
        carols.aik = bob2.publicKey;
        QCOMPARE(errorOf(g.apply(g.next(2, {carols}), bob2)), CryptoError::NotAdmin);
        QCOMPARE(errorOf(g.apply(g.next(2, {own, rename(QStringLiteral("Bob's"))}), bob2)),
                 CryptoError::NotAdmin);
        // Signed with the new key it is recorded (the caller vouches that the new key succeeds
        // the old one); from then on the old key signs nothing for bob.
        QVERIFY(g.commit(g.next(2, {own}), bob2));
        QCOMPARE(g.state.members.value(2).aik, bob2.publicKey);
        QCOMPARE(g.state.members.value(2).role, GroupRole::Member);
        QCOMPARE(errorOf(g.apply(g.next(2, {on(Kind::Leave)}), g.bob, bob2.publicKey)),
                 CryptoError::BadSignature);
        // The same key again changes nothing, and is no refusal (the server cannot tell it).
        QVERIFY(g.commit(g.next(2, {own}), bob2));
        QCOMPARE(g.state.members.value(2).aik, bob2.publicKey);
        // An admin records its own new key the same way.
        const Ed25519KeyPair alice2 = keyFromByte('A');
        GroupOp admins = on(Kind::SetKey, 1);
        admins.aik = alice2.publicKey;
        QCOMPARE(errorOf(g.apply(g.next(1, {admins}), g.alice)), CryptoError::BadSignature);
        QVERIFY(g.commit(g.next(1, {admins}), alice2));
        QVERIFY(g.state.isAdmin(1));
    }

    void fiveHundredMembersAndNotOneMore() {
        Chain g;
        QList<GroupOp> ops{add(1, g.alice.publicKey, GroupRole::Admin)};
        for (quint64 u = 2; u <= quint64(limits::kMaxGroupMembers); ++u)
            ops.append(add(u, g.bob.publicKey));
        QVERIFY(g.commit(g.next(1, ops), g.alice));
        QCOMPARE(g.state.members.size(), limits::kMaxGroupMembers);
        QCOMPARE(errorOf(g.apply(g.next(1, {add(1000, g.carol.publicKey)}), g.alice)),
                 CryptoError::Malformed);
        // Later changes are bounded in size; the genesis is not (it adds everyone at once).
        QList<GroupOp> many;
        for (quint64 u = 2; u < quint64(3 + GroupStateChange::kMaxOps); ++u)
            many.append(on(Kind::Remove, u));
        GroupStateChange big = g.next(1, many);
        QVERIFY(!decodeGroupChange(signGroupChange(big, g.alice)));
    }
};

QTEST_GUILESS_MAIN(TestCryptoGroupState)
#include "test_crypto_group_state.moc"
