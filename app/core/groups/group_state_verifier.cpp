#include "core/groups/group_state_verifier.h"

#include "core/logging.h"
#include "core/store/conversation_store.h"
#include "core/store/group_state_store.h"
#include "core/store/key_store.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"
#include "core/store/store_p.h"
#include "crypto/crypto_error.h"
#include "protocol/codec.h"

#include <algorithm>

namespace tidings::client {

using crypto::CryptoError;
using crypto::GroupOp;
using crypto::GroupState;
using crypto::GroupStateChange;

GroupStateVerifier::GroupStateVerifier(Storage *store, PinnedKey pinned,
                                       std::function<quint64()> myUserId)
    : m_store(store)
    , m_pinned(std::move(pinned))
    , m_me(std::move(myUserId)) {}

bool GroupStateVerifier::agrees(const GroupState &state, const wire::SystemEvent &event) {
    // Every signed change carries its blob on its first event; the only event after it is the
    // LEAVE of a last admin's PROMOTE + LEAVE: the actor leaving, which the state already says.
    const quint64 target = event.target_user_id();
    return event.kind() == wire::SystemEvent::KIND_MEMBER_LEFT && event.actor_user_id() == target &&
           !state.isMember(target);
}

bool GroupStateVerifier::removes(const GroupStateChange &change) {
    return std::any_of(change.ops.begin(), change.ops.end(), [](const GroupOp &op) {
        return op.kind == GroupOp::Kind::Remove || op.kind == GroupOp::Kind::Leave;
    });
}

Result<GroupState> GroupStateVerifier::next(const GroupState &prev, const GroupStateChange &change,
                                            QString *refusal) const {
    QByteArray signer;
    if (change.version == 1) {
        // The genesis is anchored on the creator's account key as this device pinned it from
        // their signed device list: the server cannot make up a group and its keys.
        for (const GroupOp &op : change.ops) {
            if (op.kind == GroupOp::Kind::Add && op.userId == change.actorUserId)
                signer = op.aik;
        }
        const QByteArray pinned = m_pinned(change.actorUserId);
        if (signer.isEmpty() || pinned.isEmpty() || pinned != signer) {
            *refusal = QLatin1String(kUnknownKey);
            return Error{ErrorCode::Forbidden, QStringLiteral("the creator's key is not theirs")};
        }
    } else if (const auto it = prev.members.constFind(change.actorUserId);
               it != prev.members.cend()) {
        // Later changes: the key the admins recorded for the actor. The chain vouches for it,
        // and the recorded key vouches for the keys it handed on to (account-key rotation).
        signer = it->aik;
        const QByteArray pinned = m_pinned(change.actorUserId);
        if (!pinned.isEmpty() && pinned != signer && !crypto::groupChangeSignedBy(change, signer)) {
            auto reaches = m_store->keys().chainReaches(change.actorUserId, signer, pinned);
            if (reaches && *reaches)
                signer = pinned;
        }
    } else {
        *refusal = QLatin1String(kNotAdmin);
        return Error{ErrorCode::NotAdmin, QStringLiteral("the actor is not a member")};
    }
    auto applied = crypto::applyGroupChange(prev, change, signer);
    if (!applied) {
        switch (crypto::cryptoErrorOf(applied.error())) {
        case CryptoError::BadSignature:
            *refusal = QLatin1String(kSignature);
            break;
        case CryptoError::NotAdmin:
            *refusal = QLatin1String(kNotAdmin);
            break;
        case CryptoError::IdentityMismatch:
            *refusal = QLatin1String(kOtherGroup);
            break;
        case CryptoError::Rollback:
            *refusal = QLatin1String(kConflict);
            break;
        default:
            *refusal = QLatin1String(kRules);
            break;
        }
    }
    return applied;
}

Result<GroupStateVerifier::Verdict> GroupStateVerifier::check(quint64 conversationId, quint64 seq,
                                                              const wire::SystemEvent &event) {
    GroupStateStore &states = m_store->groupStates();
    auto stored = states.state(conversationId);
    if (!stored)
        return stored.error();
    const QByteArray blob = protocol::bytesFromStd(event.signed_change());
    Verdict v;
    if (blob.isEmpty()) {
        if (!stored->has_value())
            return v; // a group without signed state: the server's word, as before
        if (agrees(**stored, event)) {
            v.check = EventCheck::Verified;
            return v;
        }
        qCWarning(lcSync) << "group" << conversationId << "seq" << seq
                          << "unsigned membership event refused";
        v.check = EventCheck::Refused;
        v.refusal = QLatin1String(kUnsigned);
        return v;
    }
    auto decoded = crypto::decodeGroupChange(blob);
    if (!decoded) {
        v.check = EventCheck::Refused;
        v.refusal = QLatin1String(kMalformed);
        return v;
    }
    const GroupStateChange change = std::move(*decoded);
    v.change = change;
    const GroupState state = stored->value_or(GroupState{});
    const bool has = stored->has_value();
    auto refuse = [&](const QString &why) {
        qCWarning(lcSync) << "group" << conversationId << "seq" << seq << "version"
                          << change.version << "refused:" << why;
        v.check = EventCheck::Refused;
        v.refusal = why;
        return v;
    };
    if (has && change.groupUid != state.groupUid)
        return refuse(kOtherGroup);
    if (!has && change.version == 1) {
        // A live genesis names this user (a group it is created in, or founded with it): a
        // server cannot pin another group's genesis here through this device's event stream.
        const quint64 me = m_me ? m_me() : 0;
        bool namesMe = me == 0;
        for (const GroupOp &op : change.ops)
            namesMe = namesMe || (op.kind == GroupOp::Kind::Add && op.userId == me);
        if (!namesMe)
            return refuse(kOtherGroup);
        auto pinnedTo = states.conversationOf(change.groupUid);
        if (!pinnedTo)
            return pinnedTo.error();
        if (*pinnedTo != 0 && *pinnedTo != conversationId)
            return refuse(kOtherGroup);
    }
    if (has && change.version <= state.version) {
        auto known = states.logHash(conversationId, change.version);
        if (!known)
            return known.error();
        if (*known != crypto::groupChangeHash(change.body)) {
            // Another change at a verified version: a fork only if an actor the group knows
            // signed it (anything else is junk, refused without marking the group).
            const auto actor = state.members.constFind(change.actorUserId);
            if (actor == state.members.cend() || !crypto::groupChangeSignedBy(change, actor->aik))
                return refuse(kSignature);
            v.commit = [&states, conversationId] { return states.setForkSeen(conversationId); };
            return refuse(kConflict);
        }
        auto first = states.firstEventSeq(conversationId, change.version);
        if (!first)
            return first.error();
        // Learned from the log first: this event is its first delivery only if no later change
        // came before it (events follow the log's order).
        auto later = states.laterVersionBefore(conversationId, change.version, seq);
        if (!later)
            return later.error();
        if ((*first != 0 && *first != seq) || (*first == 0 && *later)) {
            // The genuine change again, on a later event: a replay, which changes nothing.
            qCWarning(lcSync) << "group" << conversationId << "seq" << seq << "replays version"
                              << change.version;
            v.check = EventCheck::Replayed;
            return v;
        }
        v.check = EventCheck::Verified; // already applied (from the log, or delivered again)
        if (*first == 0) {
            v.commit = [&states, conversationId, seq, version = change.version] {
                return states.setFirstEventSeq(conversationId, version, seq);
            };
        }
        return v;
    }
    if (change.version > state.version + 1) {
        auto waiting = states.pending(conversationId);
        if (!waiting)
            return waiting.error();
        if (waiting->size() >= GroupStateStore::kMaxPending)
            return refuse(kRules); // a server flooding this group with changes from nowhere
        // Changes before it are missing (a gap, or a server that withholds or reorders): it
        // waits for them; GroupStateSync fetches the log.
        v.check = EventCheck::Pending;
        v.commit = [&states, conversationId, seq, version = change.version, blob] {
            return states.addPending(conversationId, GroupStateStore::Pending{version, blob, seq});
        };
        return v;
    }
    QString why;
    auto applied = next(state, change, &why);
    if (!applied)
        return refuse(why);
    v.check = EventCheck::Verified;
    v.changed = true;
    v.removed = removes(change);
    if (change.version == 1 && (change.flags & GroupStateChange::kRefounded) != 0)
        v.refusal = QLatin1String(
            GroupStateVerifier::kRefounded); // a note, not a refusal: the line says so
    v.commit = [this, conversationId, seq, blob, nextState = std::move(*applied)]() -> Status {
        TIDINGS_TRY(m_store->groupStates().append(conversationId, nextState, blob, seq));
        bool removed = false;
        TIDINGS_TRY(drainPending(conversationId, nextState, &removed));
        return m_store->conversations().alignWithVerifiedMembers(conversationId);
    };
    return v;
}

Status GroupStateVerifier::drainPending(quint64 conversationId, GroupState state, bool *removed) {
    GroupStateStore &states = m_store->groupStates();
    auto waiting = states.pending(conversationId);
    if (!waiting)
        return waiting.error();
    for (const GroupStateStore::Pending &p : *waiting) {
        if (p.version > state.version + 1)
            break; // still a gap before it
        auto setCheck = [&](EventCheck check, const QString &refusal) -> Status {
            TIDINGS_TRY(states.removePending(conversationId, p.version));
            return p.eventSeq == 0 ? Status()
                                   : m_store->messages().setEventCheck(conversationId, p.eventSeq,
                                                                       check, refusal);
        };
        auto change = crypto::decodeGroupChange(p.change);
        if (!change) {
            TIDINGS_TRY(setCheck(EventCheck::Refused, QLatin1String(kMalformed)));
            continue;
        }
        if (p.version <= state.version) {
            auto known = states.logHash(conversationId, p.version);
            if (!known)
                return known.error();
            if (*known == crypto::groupChangeHash(change->body)) {
                TIDINGS_TRY(setCheck(EventCheck::Verified, {}));
                TIDINGS_TRY(states.setFirstEventSeq(conversationId, p.version, p.eventSeq));
            } else {
                TIDINGS_TRY(states.setForkSeen(conversationId));
                TIDINGS_TRY(setCheck(EventCheck::Refused, QLatin1String(kConflict)));
            }
            continue;
        }
        QString why;
        auto applied = next(state, *change, &why);
        if (!applied) {
            TIDINGS_TRY(setCheck(EventCheck::Refused, why));
            continue;
        }
        TIDINGS_TRY(states.append(conversationId, *applied, p.change, p.eventSeq));
        TIDINGS_TRY(setCheck(EventCheck::Verified, {}));
        *removed = *removed || removes(*change);
        state = std::move(*applied);
    }
    return {};
}

Result<int> GroupStateVerifier::applyLog(quint64 conversationId, const QList<QByteArray> &changes) {
    QList<std::pair<GroupStateChange, QByteArray>> sorted;
    for (const QByteArray &blob : changes) {
        auto c = crypto::decodeGroupChange(blob);
        if (!c) {
            qCWarning(lcSync) << "group" << conversationId << "log entry unreadable";
            continue;
        }
        sorted.append({std::move(*c), blob});
    }
    // Only the signed version orders the log, never the order the server sent it in.
    std::sort(sorted.begin(), sorted.end(),
              [](const auto &a, const auto &b) { return a.first.version < b.first.version; });
    GroupStateStore &states = m_store->groupStates();
    int applied = 0;
    const Status done = m_store->transaction([&]() -> Status {
        auto stored = states.state(conversationId);
        if (!stored)
            return stored.error();
        GroupState state = stored->value_or(GroupState{});
        bool has = stored->has_value();
        for (const auto &[change, blob] : sorted) {
            if (has && change.groupUid != state.groupUid)
                return Error{ErrorCode::Forbidden, QStringLiteral("another group's log")};
            if (has && change.version <= state.version) {
                auto known = states.logHash(conversationId, change.version);
                if (!known)
                    return known.error();
                if (*known != crypto::groupChangeHash(change.body)) {
                    qCWarning(lcSync) << "group" << conversationId << "log conflicts at version"
                                      << change.version;
                    return states.setForkSeen(conversationId);
                }
                continue;
            }
            if (change.version != state.version + 1)
                break; // a gap: the rest waits
            if (!has) {
                auto pinnedTo = states.conversationOf(change.groupUid);
                if (!pinnedTo)
                    return pinnedTo.error();
                if (*pinnedTo != 0 && *pinnedTo != conversationId)
                    return Error{ErrorCode::Forbidden, QStringLiteral("another group's genesis")};
            }
            QString why;
            auto next = this->next(state, change, &why);
            if (!next) {
                qCWarning(lcSync) << "group" << conversationId << "log version" << change.version
                                  << "refused:" << why;
                break;
            }
            TIDINGS_TRY(states.append(conversationId, *next, blob, 0));
            state = std::move(*next);
            has = true;
            ++applied;
        }
        if (!has)
            return {};
        bool removed = false;
        TIDINGS_TRY(drainPending(conversationId, state, &removed));
        return m_store->conversations().alignWithVerifiedMembers(conversationId);
    });
    if (!done)
        return done.error();
    return applied;
}

void GroupStateVerifier::describe(const GroupStateChange &change, SystemEvent &event,
                                  const std::function<QString(quint64)> &names) {
    if (change.ops.isEmpty())
        return;
    auto nameOf = [&](quint64 id, quint64 claimed, const QString &claimedName) {
        return id == claimed ? claimedName : names(id);
    };
    event.actorUsername = nameOf(change.actorUserId, event.actorUserId, event.actorUsername);
    event.actorUserId = change.actorUserId;
    if (change.version == 1) {
        if (change.flags & GroupStateChange::kRefounded)
            return; // shown as the confirmation of the member list
        event.kind = SystemEventKind::Created;
        event.targetUserId = 0;
        event.targetUsername.clear();
        for (const GroupOp &op : change.ops) {
            if (op.kind == GroupOp::Kind::Rename)
                event.name = op.name;
        }
        return;
    }
    const GroupOp &op = change.ops.first();
    quint64 target = op.userId;
    switch (op.kind) {
    case GroupOp::Kind::Add:
        event.kind = SystemEventKind::MemberAdded;
        break;
    case GroupOp::Kind::Remove:
        event.kind = SystemEventKind::MemberRemoved;
        break;
    case GroupOp::Kind::Promote:
        event.kind = SystemEventKind::AdminGranted;
        break;
    case GroupOp::Kind::Demote:
        event.kind = SystemEventKind::AdminRevoked;
        break;
    case GroupOp::Kind::Leave:
        event.kind = SystemEventKind::MemberLeft;
        target = change.actorUserId;
        break;
    case GroupOp::Kind::Rename:
        event.kind = SystemEventKind::Renamed;
        event.name = op.name;
        target = 0;
        break;
    case GroupOp::Kind::SetKey:
        event.kind = SystemEventKind::MemberKeyChanged;
        target = op.userId;
        break;
    }
    event.targetUsername =
        target == 0 ? QString() : nameOf(target, event.targetUserId, event.targetUsername);
    event.targetUserId = target;
}

Result<quint64> GroupStateVerifier::head(quint64 conversationId) const {
    auto stored = m_store->groupStates().state(conversationId);
    if (!stored)
        return stored.error();
    return stored->has_value() ? (*stored)->version : quint64(0);
}

QSet<quint64> GroupStateVerifier::keysNeeded(const QList<QByteArray> &changes) const {
    QSet<quint64> out;
    for (const QByteArray &blob : changes) {
        auto c = crypto::decodeGroupChange(blob);
        if (!c)
            continue;
        const QByteArray pinned = m_pinned(c->actorUserId);
        // A genesis needs its creator's key; a later change signed with another key than the
        // one pinned may be signed by the actor's successor key (a SET_KEY, or an admin whose key
        // was handed on), which the actor's current list and its successions show.
        if (pinned.isEmpty() || (c->version > 1 && !crypto::groupChangeSignedBy(*c, pinned)))
            out.insert(c->actorUserId);
    }
    return out;
}

QHash<quint64, QByteArray>
GroupStateVerifier::chainsNeeded(const QList<QByteArray> &changes) const {
    // The keys each group records for its members as of each change: the verified state, then
    // the batch's own ADD and SET_KEY operations in version order (a log page may add a member
    // and later carry its SET_KEY).
    QList<GroupStateChange> sorted;
    for (const QByteArray &blob : changes)
        if (auto c = crypto::decodeGroupChange(blob))
            sorted.append(std::move(*c));
    std::sort(sorted.begin(), sorted.end(),
              [](const auto &a, const auto &b) { return a.version < b.version; });
    QHash<QByteArray, QHash<quint64, QByteArray>> recorded; // group uid → user → key
    QHash<QByteArray, quint64> verifiedUpTo;
    QHash<quint64, QByteArray> out;
    for (const GroupStateChange &c : sorted) {
        if (!recorded.contains(c.groupUid)) {
            auto &keys = recorded[c.groupUid];
            auto conv = m_store->groupStates().conversationOf(c.groupUid);
            auto state = conv && *conv ? m_store->groupStates().state(*conv)
                                       : Result<std::optional<GroupState>>(std::nullopt);
            if (state && state->has_value()) {
                for (const auto &m : (*state)->members)
                    keys.insert(m.userId, m.aik);
                verifiedUpTo.insert(c.groupUid, (*state)->version);
            }
        }
        auto &keys = recorded[c.groupUid];
        if (c.version > verifiedUpTo.value(c.groupUid)) {
            const QByteArray from = keys.value(c.actorUserId);
            const QByteArray pinned = m_pinned(c.actorUserId);
            if (!from.isEmpty() && !pinned.isEmpty() && from != pinned &&
                !crypto::groupChangeSignedBy(c, from) && crypto::groupChangeSignedBy(c, pinned)) {
                auto reaches = m_store->keys().chainReaches(c.actorUserId, from, pinned);
                if (reaches && !*reaches && !out.contains(c.actorUserId))
                    out.insert(c.actorUserId, from);
            }
        }
        for (const GroupOp &op : c.ops)
            if (op.kind == GroupOp::Kind::Add || op.kind == GroupOp::Kind::SetKey)
                keys.insert(op.userId, op.aik);
    }
    return out;
}

bool GroupStateVerifier::hasGap(quint64 conversationId, QList<quint64> versions) const {
    auto stored = m_store->groupStates().state(conversationId);
    quint64 head = stored && stored->has_value() ? (*stored)->version : 0;
    std::sort(versions.begin(), versions.end());
    for (quint64 v : versions) {
        if (v <= head)
            continue;
        if (v != head + 1)
            return true;
        head = v;
    }
    return false;
}

} // namespace tidings::client
