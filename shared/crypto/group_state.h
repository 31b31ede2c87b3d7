#pragma once
// Authenticated group state (issue 12; docs/design/group-state.md): every membership, role and
// name change of a group is a GroupStateChange signed by an admin's account identity key (AIK)
// and chained to the one before by hash and version, so a member's client can check the member
// list the server shows instead of trusting it. The server only stores and relays the blobs.
//
// Stable binary form (big-endian), the exact bytes that are signed and hashed:
//   body   = "TGS" ‖ u8 format(1) ‖ group_uid(16) ‖ u64 version ‖ prev_hash(32) ‖
//            u64 actor_user_id ‖ u64 actor_device_id ‖ i64 issued_at (ms) ‖ u8 flags ‖
//            u32 n ‖ n × op
//   op     = u8 kind ‖ operands: ADD u64 user ‖ AIK(32) ‖ u8 role; REMOVE, PROMOTE, DEMOTE u64
//            user; LEAVE nothing; RENAME u32 len ‖ UTF-8 name; SET_KEY u64 user ‖ AIK(32)
//   signed = "TidingsGroupStatev1" ‖ body        (Ed25519, the actor's AIK)
//   blob   = u32 len(body) ‖ body ‖ signature(64)
//   hash   = SHA-256("TidingsGroupStateHashv1" ‖ body), the next change's prev_hash
// Not protobuf: the chain needs one canonical byte string per change. Version 1 (the genesis)
// has prev_hash = 32 zero bytes; flags bit 0 (REFOUNDED) marks a genesis made for a group that
// existed before signed state, and is refused on any other version.
#include "crypto/primitives.h"

#include <QList>
#include <QMap>
#include <QString>

namespace tidings::crypto {

enum class GroupRole : quint8 { Member = 0, Admin = 1 };

struct GroupOp {
    enum class Kind : quint8 {
        Add = 1,     //!< userId joins with aik and role (admin only in the genesis)
        Remove = 2,  //!< userId leaves (not the actor: that is Leave)
        Promote = 3, //!< userId becomes an admin
        Demote = 4,  //!< userId is an admin no more
        Leave = 5,   //!< the actor leaves
        Rename = 6,  //!< the group's name becomes `name`
        //! The recorded AIK of member userId becomes aik: by an admin, or by the member itself
        //! in a change signed with aik (the successor of its recorded key, account-key rotation)
        SetKey = 7,
    };
    Kind kind = Kind::Add;
    quint64 userId = 0;
    QByteArray aik;
    GroupRole role = GroupRole::Member;
    QString name;
    bool operator==(const GroupOp &o) const = default;
};

struct GroupStateChange {
    static constexpr int kUidSize = 16;
    static constexpr quint8 kRefounded = 1;
    //! Operations in one change after the genesis (the genesis adds up to every member at once).
    static constexpr int kMaxOps = 32;

    QByteArray groupUid; //!< 16 random bytes from the creator, for the group's whole life
    quint64 version = 0;
    QByteArray prevHash; //!< hash of version - 1; 32 zero bytes for version 1
    quint64 actorUserId = 0;
    quint64 actorDeviceId = 0;
    qint64 issuedAtMs = 0;
    quint8 flags = 0;
    QList<GroupOp> ops;

    QByteArray body;      //!< filled by decodeGroupChange and signGroupChange
    QByteArray signature; //!< filled by decodeGroupChange and signGroupChange

    QByteArray encodeBody() const;
};

struct GroupMember {
    quint64 userId = 0;
    QByteArray aik; //!< as the admins recorded it
    GroupRole role = GroupRole::Member;
    quint64 sinceVersion = 0;
    bool operator==(const GroupMember &o) const = default;
};

//! What a member's client trusts about a group: the state after the last change it verified.
struct GroupState {
    QByteArray groupUid;
    quint64 version = 0; //!< 0: nothing verified yet (the next change must be the genesis)
    QByteArray headHash; //!< hash of the change at `version`
    QString name;
    QMap<quint64, GroupMember> members;

    bool isMember(quint64 userId) const { return members.contains(userId); }
    bool isAdmin(quint64 userId) const;
    int adminCount() const;
};

//! Encodes `change` (its body and signature are set), signs it with `aik`: the blob.
QByteArray signGroupChange(GroupStateChange &change, const Ed25519KeyPair &aik);
//! Whether `change` (as decoded) carries a valid signature by `aik` (the server's first filter;
//! a client verifies with applyGroupChange).
bool groupChangeSignedBy(const GroupStateChange &change, const QByteArray &aik);
//! Parses a blob; nothing in it is trusted yet. Malformed for anything not canonical: trailing
//! bytes, unknown kinds or flags, no ops, too many, a user twice, names outside 1..64 bytes of
//! UTF-8, keys that are not 32 bytes.
Result<GroupStateChange> decodeGroupChange(const QByteArray &blob);
QByteArray groupChangeHash(const QByteArray &body);

//! The state after `change`, verified against `prev` and signed by `signerAik` (the actor's AIK
//! as the caller verified it from the actor's device list). Pure. Refusals, all typed:
//!   BadSignature      not signed by signerAik
//!   IdentityMismatch  another group's change, or a genesis whose actor is not its admin
//!   Rollback          a version at or below prev's (a replay), or the next version with another
//!                     prev_hash than prev's head (a fork)
//!   NotNext           a version beyond prev's next (a gap: fetch the changes in between)
//!   NotAdmin          the actor may not make this change (a member: only LEAVE, and SET_KEY of
//!                     itself signed with the new key, else BadSignature)
//!   Malformed         an operation against the rules (a non-member removed, 501 members, ...)
Result<GroupState> applyGroupChange(const GroupState &prev, const GroupStateChange &change,
                                    const QByteArray &signerAik);

} // namespace tidings::crypto
