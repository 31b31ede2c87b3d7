#include "crypto/group_state.h"

#include "protocol/limits.h"

#include <QSet>
#include <QStringDecoder>

namespace tidings::crypto {

namespace {
constexpr char kGroupMagic[] = "TGS";
constexpr std::uint8_t kGroupFormat = 1;
constexpr char kGroupSigDomain[] = "TidingsGroupStatev1";
constexpr char kGroupHashDomain[] = "TidingsGroupStateHashv1";
// The largest body: a genesis adding every member (42 bytes each) plus a name.
constexpr std::size_t kMaxOpsInGenesis = limits::kMaxGroupMembers + 2;
constexpr std::size_t kMaxGroupBody =
    4 + 16 + 8 + 32 + 8 + 8 + 8 + 1 + 4 + kMaxOpsInGenesis * (1 + 8 + 32 + 1) + 64;

Error groupMalformed(const QString &why) {
    return makeError(CryptoError::Malformed, why);
}

bool hasTarget(GroupOp::Kind k) {
    return k != GroupOp::Kind::Leave && k != GroupOp::Kind::Rename;
}

void appendOp(QByteArray &out, const GroupOp &op) {
    out.append(char(op.kind));
    switch (op.kind) {
    case GroupOp::Kind::Add:
        appendU64(out, op.userId);
        out += op.aik;
        out.append(char(op.role));
        break;
    case GroupOp::Kind::Remove:
    case GroupOp::Kind::Promote:
    case GroupOp::Kind::Demote:
        appendU64(out, op.userId);
        break;
    case GroupOp::Kind::Leave:
        break;
    case GroupOp::Kind::Rename:
        appendBlob(out, op.name.toUtf8());
        break;
    case GroupOp::Kind::SetKey:
        appendU64(out, op.userId);
        out += op.aik;
        break;
    }
}

Result<GroupOp> readOp(ByteReader &r) {
    GroupOp op;
    const quint8 kind = r.getU8();
    if (kind < 1 || kind > 7)
        return groupMalformed(QStringLiteral("unknown group operation %1").arg(kind));
    op.kind = GroupOp::Kind(kind);
    switch (op.kind) {
    case GroupOp::Kind::Add: {
        op.userId = r.getU64();
        op.aik = r.getRaw(kKeySize);
        const quint8 role = r.getU8();
        if (role > 1)
            return groupMalformed(QStringLiteral("unknown role"));
        op.role = GroupRole(role);
        break;
    }
    case GroupOp::Kind::Remove:
    case GroupOp::Kind::Promote:
    case GroupOp::Kind::Demote:
        op.userId = r.getU64();
        break;
    case GroupOp::Kind::Leave:
        break;
    case GroupOp::Kind::Rename: {
        const QByteArray utf8 = r.getBlob(std::size_t(limits::kMaxGroupNameBytes));
        if (!r.ok() || utf8.isEmpty())
            return groupMalformed(QStringLiteral("group name"));
        QStringDecoder decode(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        op.name = decode(utf8);
        if (decode.hasError())
            return groupMalformed(QStringLiteral("group name is not UTF-8"));
        break;
    }
    case GroupOp::Kind::SetKey:
        op.userId = r.getU64();
        op.aik = r.getRaw(kKeySize);
        break;
    }
    if (!r.ok())
        return groupMalformed(QStringLiteral("truncated group operation"));
    if (hasTarget(op.kind) && op.userId == 0)
        return groupMalformed(QStringLiteral("group operation on user 0"));
    return op;
}

//! One operation against the state as it is so far in the change. `actor` is the signer.
Status applyOp(GroupState &s, const GroupOp &op, quint64 actor, quint64 version) {
    const auto refuse = [](const QString &why) { return Status(groupMalformed(why)); };
    switch (op.kind) {
    case GroupOp::Kind::Add:
        if (s.isMember(op.userId))
            return refuse(QStringLiteral("user %1 is a member already").arg(op.userId));
        if (s.members.size() >= limits::kMaxGroupMembers)
            return refuse(
                QStringLiteral("a group holds at most %1 members").arg(limits::kMaxGroupMembers));
        if (op.role == GroupRole::Admin && version != 1)
            return refuse(QStringLiteral("members are added as members, then promoted"));
        s.members.insert(op.userId, GroupMember{op.userId, op.aik, op.role, version});
        return {};
    case GroupOp::Kind::Remove:
        if (!s.isMember(op.userId))
            return refuse(QStringLiteral("user %1 is not a member").arg(op.userId));
        if (op.userId == actor)
            return refuse(QStringLiteral("the actor leaves with LEAVE, not REMOVE"));
        s.members.remove(op.userId);
        break;
    case GroupOp::Kind::Promote:
        if (!s.isMember(op.userId) || s.isAdmin(op.userId))
            return refuse(QStringLiteral("user %1 is not a member to promote").arg(op.userId));
        s.members[op.userId].role = GroupRole::Admin;
        return {};
    case GroupOp::Kind::Demote:
        if (!s.isAdmin(op.userId))
            return refuse(QStringLiteral("user %1 is not an admin").arg(op.userId));
        s.members[op.userId].role = GroupRole::Member;
        break;
    case GroupOp::Kind::Leave:
        if (!s.isMember(actor))
            return refuse(QStringLiteral("the actor is not a member"));
        s.members.remove(actor);
        break;
    case GroupOp::Kind::Rename:
        s.name = op.name;
        return {};
    case GroupOp::Kind::SetKey:
        if (!s.isMember(op.userId))
            return refuse(QStringLiteral("user %1 is not a member").arg(op.userId));
        s.members[op.userId].aik = op.aik;
        return {};
    }
    // Removals and demotions: a group with members always has an admin left (the last admin
    // promotes a successor earlier in the same change before leaving).
    if (!s.members.isEmpty() && s.adminCount() == 0)
        return refuse(QStringLiteral("the group would have no admin"));
    return {};
}

} // namespace

bool GroupState::isAdmin(quint64 userId) const {
    const auto it = members.constFind(userId);
    return it != members.cend() && it->role == GroupRole::Admin;
}

int GroupState::adminCount() const {
    int n = 0;
    for (const GroupMember &m : members)
        n += m.role == GroupRole::Admin ? 1 : 0;
    return n;
}

QByteArray GroupStateChange::encodeBody() const {
    QByteArray out(kGroupMagic);
    out.append(char(kGroupFormat));
    out += groupUid;
    appendU64(out, version);
    out += prevHash;
    appendU64(out, actorUserId);
    appendU64(out, actorDeviceId);
    appendU64(out, quint64(issuedAtMs));
    out.append(char(flags));
    appendU32(out, quint32(ops.size()));
    for (const GroupOp &op : ops)
        appendOp(out, op);
    return out;
}

QByteArray signGroupChange(GroupStateChange &change, const Ed25519KeyPair &aik) {
    change.body = change.encodeBody();
    change.signature = ed25519Sign(aik.secretKey, QByteArray(kGroupSigDomain) + change.body);
    if (change.signature.isEmpty())
        return {};
    QByteArray blob;
    appendBlob(blob, change.body);
    return blob + change.signature;
}

bool groupChangeSignedBy(const GroupStateChange &change, const QByteArray &aik) {
    return aik.size() == qsizetype(kKeySize) &&
           ed25519Verify(aik, QByteArray(kGroupSigDomain) + change.body, change.signature);
}

QByteArray groupChangeHash(const QByteArray &body) {
    return sha256(QByteArray(kGroupHashDomain) + body);
}

Result<GroupStateChange> decodeGroupChange(const QByteArray &blob) {
    ByteReader outer(blob);
    GroupStateChange c;
    c.body = outer.getBlob(kMaxGroupBody);
    c.signature = outer.getRaw(kSignatureSize);
    if (!outer.ok() || !outer.atEnd())
        return groupMalformed(QStringLiteral("signed group change"));
    ByteReader r(c.body);
    if (r.getRaw(3) != QByteArray(kGroupMagic) || r.getU8() != kGroupFormat)
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("group change"));
    c.groupUid = r.getRaw(GroupStateChange::kUidSize);
    c.version = r.getU64();
    c.prevHash = r.getRaw(32);
    c.actorUserId = r.getU64();
    c.actorDeviceId = r.getU64();
    c.issuedAtMs = qint64(r.getU64());
    c.flags = r.getU8();
    const quint32 n = r.getU32();
    if (!r.ok())
        return groupMalformed(QStringLiteral("truncated group change"));
    if (c.version == 0 || c.actorUserId == 0 || c.actorDeviceId == 0)
        return groupMalformed(QStringLiteral("group change without version or actor"));
    if (c.flags & ~GroupStateChange::kRefounded ||
        ((c.flags & GroupStateChange::kRefounded) && c.version != 1))
        return groupMalformed(QStringLiteral("unknown group change flags"));
    const quint32 maxOps =
        c.version == 1 ? quint32(kMaxOpsInGenesis) : quint32(GroupStateChange::kMaxOps);
    if (n == 0 || n > maxOps)
        return groupMalformed(QStringLiteral("%1 operations in one group change").arg(n));
    QSet<quint64> targets;
    for (quint32 i = 0; i < n; ++i) {
        auto op = readOp(r);
        if (!op)
            return op.error();
        // One canonical change: each user is the target of at most one operation (a last admin
        // leaving promotes another, so PROMOTE(b), LEAVE by a is fine).
        const quint64 target = hasTarget(op->kind) ? op->userId : 0;
        if (target != 0 && targets.contains(target))
            return groupMalformed(QStringLiteral("user %1 twice in one group change").arg(target));
        targets.insert(target);
        c.ops.append(std::move(*op));
    }
    if (!r.atEnd())
        return groupMalformed(QStringLiteral("trailing bytes in a group change"));
    return c;
}

Result<GroupState> applyGroupChange(const GroupState &prev, const GroupStateChange &c,
                                    const QByteArray &signerAik) {
    // The signature first: nothing of an unsigned change counts.
    if (signerAik.size() != qsizetype(kKeySize) ||
        !ed25519Verify(signerAik, QByteArray(kGroupSigDomain) + c.body, c.signature))
        return makeError(CryptoError::BadSignature, QStringLiteral("group change"));
    GroupState next = prev;
    if (prev.version == 0) {
        // The genesis: version 1, no predecessor, the signer adds itself as an admin.
        if (c.version != 1)
            return makeError(CryptoError::NotNext,
                             QStringLiteral("version %1 before the genesis").arg(c.version));
        if (c.prevHash != QByteArray(32, '\0'))
            return groupMalformed(QStringLiteral("a genesis with a predecessor"));
        bool creatorIsAdmin = false;
        for (const GroupOp &op : c.ops)
            if (op.kind == GroupOp::Kind::Add && op.userId == c.actorUserId &&
                op.role == GroupRole::Admin && constantTimeEquals(op.aik, signerAik))
                creatorIsAdmin = true;
        if (!creatorIsAdmin)
            return makeError(CryptoError::IdentityMismatch,
                             QStringLiteral("the genesis does not make its signer an admin"));
        for (const GroupOp &op : c.ops)
            if (op.kind != GroupOp::Kind::Add && op.kind != GroupOp::Kind::Rename)
                return groupMalformed(QStringLiteral("a genesis only adds members and names"));
        next.groupUid = c.groupUid;
    } else {
        if (c.groupUid != prev.groupUid)
            return makeError(CryptoError::IdentityMismatch,
                             QStringLiteral("a change of another group"));
        if (c.version <= prev.version)
            return makeError(
                CryptoError::Rollback,
                QStringLiteral("version %1, verified up to %2").arg(c.version).arg(prev.version));
        if (c.version > prev.version + 1)
            return makeError(
                CryptoError::NotNext,
                QStringLiteral("version %1 after %2").arg(c.version).arg(prev.version));
        if (!constantTimeEquals(c.prevHash, prev.headHash))
            return makeError(
                CryptoError::Rollback,
                QStringLiteral("version %1 forks from the verified history").arg(c.version));
        // Rights on the state before the change: an admin may do anything the rules allow; a
        // member only leave and record its own new key.
        if (!prev.isMember(c.actorUserId))
            return makeError(CryptoError::NotAdmin,
                             QStringLiteral("user %1 is not a member").arg(c.actorUserId));
        const auto ownKey = [&](const GroupOp &op) {
            return op.kind == GroupOp::Kind::SetKey && op.userId == c.actorUserId;
        };
        if (!prev.isAdmin(c.actorUserId))
            for (const GroupOp &op : c.ops)
                if (op.kind != GroupOp::Kind::Leave && !ownKey(op))
                    return makeError(CryptoError::NotAdmin,
                                     QStringLiteral("user %1 is not an admin").arg(c.actorUserId));
        // A member records its own new key with a change signed by that new key: whoever holds
        // only the old one (a stolen device) cannot name a key of its choosing. That the new key
        // is the old one's successor is the caller's check (it knows the succession chain).
        for (const GroupOp &op : c.ops) {
            if (!ownKey(op))
                continue;
            // (The key recorded already is no refusal: the server cannot tell which key a
            // group records, and a refused change would stop every member's verified head.)
            if (!constantTimeEquals(op.aik, signerAik))
                return makeError(CryptoError::BadSignature,
                                 QStringLiteral("an own key change not signed by that key"));
        }
    }
    for (const GroupOp &op : c.ops)
        if (auto s = applyOp(next, op, c.actorUserId, c.version); !s)
            return s.error();
    next.version = c.version;
    next.headHash = groupChangeHash(c.body);
    return next;
}

} // namespace tidings::crypto
