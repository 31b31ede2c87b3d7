#include "services/groups/group_service.h"

#include "core/clock.h"
#include "core/logging.h"
#include "crypto/group_state.h"
#include "protocol/codec.h"
#include "protocol/limits.h"
#include "routing/delivery.h"
#include "services/common/errors.h"
#include "services/common/membership.h"

#include <QSet>

#include <algorithm>
#include <optional>

namespace tidings::server {

GroupService::GroupService(GroupStore &store, Membership &membership, Delivery &delivery,
                           const Clock &clock)
    : m_store(store)
    , m_membership(membership)
    , m_delivery(delivery)
    , m_clock(clock) {}

namespace {
Error badGroupChange(const QString &why) {
    return Error{ErrorCode::BadGroupChange, QStringLiteral("signed group change refused: ") + why};
}
} // namespace

Error GroupService::refusal(ChangeStatus status) {
    switch (status) {
    case ChangeStatus::NotMember:
        return Error{ErrorCode::NotMember, QStringLiteral("you are not a member of this group")};
    case ChangeStatus::NoConversation:
        return Error{ErrorCode::NoSuchConversation, QStringLiteral("no such group")};
    case ChangeStatus::NotAdmin:
        return Error{ErrorCode::NotAdmin, QStringLiteral("only admins can do that")};
    case ChangeStatus::GroupFull:
        return Error{ErrorCode::GroupFull, QStringLiteral("a group holds at most 500 members")};
    case ChangeStatus::TargetNotMember:
        return Error{ErrorCode::NotMember, QStringLiteral("that user is not a member")};
    case ChangeStatus::NotAGroup:
        return Error{ErrorCode::NotAGroup, QStringLiteral("this is a 1:1 conversation")};
    case ChangeStatus::LastAdmin:
        return Error{ErrorCode::Forbidden,
                     QStringLiteral("the last admin cannot step down; promote someone first")};
    case ChangeStatus::Conflict:
        return Error{ErrorCode::GroupStateConflict,
                     QStringLiteral("the group changed meanwhile: fetch its log and sign again")};
    case ChangeStatus::SignedRequired:
        return Error{ErrorCode::Forbidden,
                     QStringLiteral("this group needs signed changes; update Tidings")};
    case ChangeStatus::NotSigned:
        return badGroupChange(QStringLiteral("this group has no signed state"));
    case ChangeStatus::MembersDiffer:
        return badGroupChange(QStringLiteral("the change names members the group does not have, "
                                             "or other roles"));
    case ChangeStatus::Done:
    case ChangeStatus::Unchanged:
        break;
    }
    return Error{ErrorCode::Internal, QStringLiteral("unexpected group change result")};
}

void GroupService::openDirect(const Caller &caller, const QString &username,
                              Reply<ConversationInfo> reply) {
    const QString peerName = protocol::normalizeUsername(username);
    const quint64 me = caller.userId;
    m_store.findUser(peerName, [this, me, reply](Result<std::optional<UserRef>> peer) {
        if (!peer)
            return reply(peer.error());
        if (!*peer)
            return reply(noSuchUserError());
        const UserRef other = **peer;
        m_store.openDirect(me, other.id, [reply, other](Result<DirectConversation> c) {
            if (!c)
                return reply(c.error());
            ConversationInfo info;
            info.conversationId = c->conversationId;
            info.lastSeq = c->lastSeq;
            info.peerUserId = other.id;
            info.peerUsername = other.username;
            info.peerDisplayName = other.displayName;
            reply(std::move(info));
        });
    });
}

void GroupService::create(const Caller &caller, const QString &groupName,
                          const QStringList &usernames, const QByteArray &signedGenesis,
                          Reply<ConversationInfo> reply) {
    const QString name = groupName.trimmed();
    QStringList names;
    QSet<QString> unique;
    for (const auto &u : usernames) {
        const QString n = protocol::normalizeUsername(u);
        if (!unique.contains(n) && n != caller.username) {
            unique.insert(n);
            names << n;
        }
    }
    if (names.size() + 1 > limits::kMaxGroupMembers)
        return reply(refusal(ChangeStatus::GroupFull));
    m_store.findUsers(
        names, [this, caller, name, names, signedGenesis, reply](Result<std::vector<UserRef>> r) {
            if (!r)
                return reply(r.error());
            if (r->size() != std::size_t(names.size())) {
                QSet<QString> found;
                for (const auto &u : *r)
                    found.insert(u.username);
                QStringList missing;
                for (const auto &n : names)
                    if (!found.contains(n))
                        missing << n;
                return reply(Error{ErrorCode::NoSuchUser,
                                   QStringLiteral("no such user: %1").arg(missing.join(", "))});
            }
            std::vector<quint64> ids;
            for (const auto &u : *r)
                ids.push_back(u.id);
            if (!signedGenesis.isEmpty())
                return createSigned(caller, name, std::move(ids), signedGenesis, reply);
            m_store.createGroup(caller.userId, name, ids, m_clock.nowMs(),
                                [this, caller, reply, count = ids.size()](Result<quint64> conv) {
                                    if (!conv)
                                        return reply(conv.error());
                                    qCInfo(lcGroups) << "group" << *conv << "created with"
                                                     << count + 1 << "members";
                                    info(caller, *conv, reply);
                                    pushEvents(*conv, 1, {});
                                });
        });
}

void GroupService::createSigned(const Caller &caller, const QString &name, std::vector<quint64> ids,
                                const QByteArray &blob, Reply<ConversationInfo> reply) {
    auto genesis = crypto::decodeGroupChange(blob);
    if (!genesis)
        return reply(badGroupChange(genesis.error().detail));
    std::vector<quint64> everyone = ids;
    everyone.push_back(caller.userId);
    m_store.accountKeys(everyone, [this, caller, name, ids = std::move(ids), blob,
                                   change = std::move(*genesis),
                                   reply](Result<QHash<quint64, QByteArray>> keys) {
        if (!keys)
            return reply(keys.error());
        // The server is only a first filter here (the members' clients verify the genesis
        // themselves), but it stores nothing it can tell is not what the creator signed for
        // exactly these members with their published account keys.
        if (change.actorUserId != caller.userId || change.actorDeviceId != caller.deviceId)
            return reply(badGroupChange(QStringLiteral("the genesis names another actor")));
        const QByteArray creatorKey = keys->value(caller.userId);
        if (creatorKey.isEmpty())
            return reply(badGroupChange(QStringLiteral("publish your keys before signing")));
        auto state = crypto::applyGroupChange(crypto::GroupState{}, change, creatorKey);
        if (!state)
            return reply(badGroupChange(state.error().detail));
        if (state->name != name)
            return reply(badGroupChange(QStringLiteral("the genesis names another group name")));
        if (state->members.size() != qsizetype(ids.size()) + 1)
            return reply(badGroupChange(QStringLiteral("the genesis adds other members")));
        for (const crypto::GroupMember &m : state->members) {
            if (m.userId != caller.userId &&
                std::find(ids.begin(), ids.end(), m.userId) == ids.end())
                return reply(badGroupChange(QStringLiteral("the genesis adds other members")));
            if (m.aik != keys->value(m.userId))
                return reply(badGroupChange(
                    QStringLiteral("the genesis records another key for user %1").arg(m.userId)));
        }
        const SignedChangeRow row{change.groupUid, 1, state->headHash, blob, caller.deviceId};
        m_store.createSignedGroup(
            caller.userId, name, ids, m_clock.nowMs(), row,
            [this, caller, reply, count = ids.size()](Result<quint64> conv) {
                if (!conv)
                    return reply(conv.error());
                if (*conv == 0)
                    return reply(badGroupChange(QStringLiteral("a group with this id exists")));
                qCInfo(lcGroups) << "signed group" << *conv << "created with" << count + 1
                                 << "members";
                info(caller, *conv, reply);
                pushEvents(*conv, 1, {});
            });
    });
}

namespace {
std::optional<GroupAction> actionOf(crypto::GroupOp::Kind kind) {
    using K = crypto::GroupOp::Kind;
    switch (kind) {
    case K::Add:
        return GroupAction::Add;
    case K::Remove:
        return GroupAction::Remove;
    case K::Promote:
        return GroupAction::Promote;
    case K::Demote:
        return GroupAction::Demote;
    case K::Leave:
        return GroupAction::Leave;
    case K::Rename:
        return GroupAction::Rename;
    case K::SetKey:
        return GroupAction::SetKey;
    }
    return std::nullopt;
}
} // namespace

void GroupService::change(const Caller &caller, const GroupChange &change, StatusReply reply) {
    if (!change.signedChange.isEmpty())
        return changeSigned(caller, change, std::move(reply));
    if (change.action == GroupAction::SetKey)
        return reply(badGroupChange(QStringLiteral("a key change is signed or nothing")));
    if (change.action == GroupAction::Leave || change.action == GroupAction::Rename)
        return applyChange(caller, change, 0, std::move(reply));
    const QString target = protocol::normalizeUsername(change.username);
    m_store.findUser(target, [this, caller, change, reply](Result<std::optional<UserRef>> r) {
        if (!r)
            return reply(r.error());
        if (!*r)
            return reply(noSuchUserError());
        const quint64 target = (*r)->id;
        if (change.action == GroupAction::Remove && target == caller.userId) {
            // Removing oneself is leaving (with the admin hand-over).
            GroupChange leave = change;
            leave.action = GroupAction::Leave;
            return applyChange(caller, leave, 0, reply);
        }
        applyChange(caller, change, target, reply);
    });
}

void GroupService::changeSigned(const Caller &caller, const GroupChange &requested,
                                StatusReply reply) {
    auto decoded = crypto::decodeGroupChange(requested.signedChange);
    if (!decoded)
        return reply(badGroupChange(decoded.error().detail));
    crypto::GroupStateChange c = std::move(*decoded);
    if (c.actorUserId != caller.userId || c.actorDeviceId != caller.deviceId)
        return reply(badGroupChange(QStringLiteral("the change names another actor")));
    if (c.version == 1 && (c.flags & crypto::GroupStateChange::kRefounded) != 0)
        return refound(caller, requested, std::move(c), std::move(reply));
    // What the request says it does: one operation, or the last admin's PROMOTE then LEAVE.
    using K = crypto::GroupOp::Kind;
    const bool handOver =
        c.ops.size() == 2 && c.ops[0].kind == K::Promote && c.ops[1].kind == K::Leave;
    if (c.ops.size() != 1 && !handOver)
        return reply(
            badGroupChange(QStringLiteral("one operation a change, or PROMOTE then LEAVE")));
    std::vector<GroupStore::SignedOp> ops;
    for (const crypto::GroupOp &op : c.ops) {
        const auto action = actionOf(op.kind);
        if (!action)
            return reply(badGroupChange(QStringLiteral("an operation this server cannot apply")));
        if (op.kind == K::SetKey && op.userId != caller.userId)
            return reply(badGroupChange(QStringLiteral("a member records only its own key")));
        const bool targeted = op.kind != K::Leave && op.kind != K::Rename;
        ops.push_back(GroupStore::SignedOp{*action, targeted ? op.userId : 0, op.name});
    }
    const crypto::GroupOp &main = c.ops.back();
    if (ops.back().action != requested.action ||
        (main.kind == K::Rename && main.name != requested.name.trimmed()))
        return reply(badGroupChange(QStringLiteral("the change is not the requested one")));
    const quint64 conv = requested.conversationId;
    const SignedChangeRow row{
        c.groupUid,      c.version, crypto::groupChangeHash(c.body), requested.signedChange,
        caller.deviceId, c.prevHash};
    auto apply = [=, this]() {
        m_membership.withMembers(conv, [=, this](Result<Membership::Members> before) {
            m_store.applySignedChange(
                caller.userId, conv, ops, row, m_clock.nowMs(), limits::kMaxGroupMembers,
                [=, this](Result<ChangeOutcome> r) {
                    if (!r)
                        return reply(r.error());
                    if (r->status == ChangeStatus::Unchanged)
                        return reply(badGroupChange(QStringLiteral("nothing to change")));
                    if (r->status != ChangeStatus::Done)
                        return reply(refusal(r->status));
                    qCInfo(lcGroups) << "group" << conv << "signed change" << row.version;
                    reply(Status{});
                    m_membership.invalidate(conv);
                    pushEvents(conv, r->firstEventSeq, before ? *before : QList<quint64>{});
                });
        });
    };
    // The keys: the actor's signs the change, an added member's is the one recorded for them.
    auto checkKeys = [=, this]() {
        std::vector<quint64> users{caller.userId};
        if (main.kind == K::Add)
            users.push_back(main.userId);
        m_store.accountKeys(users, [=](Result<QHash<quint64, QByteArray>> keys) {
            if (!keys)
                return reply(keys.error());
            if (!crypto::groupChangeSignedBy(c, keys->value(caller.userId)))
                return reply(badGroupChange(QStringLiteral("not signed with your account key")));
            // Only the key the caller published (its old key handed on to it: the succession
            // was checked when the list was published) may be recorded for it.
            if (main.kind == K::SetKey && main.aik != keys->value(caller.userId))
                return reply(badGroupChange(QStringLiteral("the change records another key")));
            if (main.kind == K::Add &&
                (keys->value(main.userId).isEmpty() || main.aik != keys->value(main.userId)))
                return reply(badGroupChange(
                    QStringLiteral("the change records another key for the new member")));
            apply();
        });
    };
    if (main.kind == K::Leave || main.kind == K::Rename || main.kind == K::SetKey)
        return checkKeys();
    // The username the request names is the user the signed operation names.
    m_store.findUser(
        protocol::normalizeUsername(requested.username), [=](Result<std::optional<UserRef>> r) {
            if (!r)
                return reply(r.error());
            if (!*r || (*r)->id != main.userId)
                return reply(badGroupChange(QStringLiteral("the change names another user")));
            checkKeys();
        });
}

void GroupService::refound(const Caller &caller, const GroupChange &requested,
                           crypto::GroupStateChange c, StatusReply reply) {
    using K = crypto::GroupOp::Kind;
    // A re-founding is version 1: every member it names (ADD with their role), then the name.
    if (requested.action != GroupAction::Rename || c.ops.isEmpty() ||
        c.ops.back().kind != K::Rename || c.ops.back().name != requested.name.trimmed())
        return reply(badGroupChange(QStringLiteral("a re-founding is sent as a rename")));
    QList<std::pair<quint64, MemberRole>> members;
    std::vector<quint64> users;
    for (qsizetype i = 0; i + 1 < c.ops.size(); ++i) {
        const crypto::GroupOp &op = c.ops[i];
        if (op.kind != K::Add)
            return reply(badGroupChange(QStringLiteral("a re-founding only names members")));
        members.append({op.userId, op.role == crypto::GroupRole::Admin ? MemberRole::Admin
                                                                       : MemberRole::Member});
        users.push_back(op.userId);
    }
    const quint64 conv = requested.conversationId;
    const QString name = c.ops.back().name;
    m_store.accountKeys(users, [=, this](Result<QHash<quint64, QByteArray>> keys) {
        if (!keys)
            return reply(keys.error());
        const QByteArray actorKey = keys->value(caller.userId);
        auto state = crypto::applyGroupChange(crypto::GroupState{}, c, actorKey);
        if (actorKey.isEmpty() || !state)
            return reply(badGroupChange(state ? QStringLiteral("publish your keys before signing")
                                              : state.error().detail));
        for (const crypto::GroupMember &m : state->members) {
            if (m.aik != keys->value(m.userId))
                return reply(badGroupChange(
                    QStringLiteral("the change records another key for user %1").arg(m.userId)));
        }
        const SignedChangeRow row{c.groupUid, 1, state->headHash, requested.signedChange,
                                  caller.deviceId};
        m_membership.withMembers(conv, [=, this](Result<Membership::Members> before) {
            m_store.refound(caller.userId, conv, members, name, row, m_clock.nowMs(),
                            [=, this](Result<ChangeOutcome> r) {
                                if (!r)
                                    return reply(r.error());
                                if (r->status != ChangeStatus::Done)
                                    return reply(refusal(r->status));
                                qCInfo(lcGroups) << "group" << conv << "re-founded with"
                                                 << members.size() << "signed members";
                                reply(Status{});
                                m_membership.invalidate(conv);
                                pushEvents(conv, r->firstEventSeq,
                                           before ? *before : QList<quint64>{});
                            });
        });
    });
}

void GroupService::applyChange(const Caller &caller, const GroupChange &requested, quint64 targetId,
                               StatusReply reply) {
    GroupChange change = requested;
    change.name = change.name.trimmed();
    const quint64 conv = change.conversationId;
    // Members before the change: a removed or leaving member still gets its own event.
    m_membership.withMembers(conv, [=, this](Result<Membership::Members> before) {
        m_store.applyChange(
            caller.userId, change, targetId, m_clock.nowMs(), limits::kMaxGroupMembers,
            [=, this](Result<ChangeOutcome> r) {
                if (!r)
                    return reply(r.error());
                if (r->status != ChangeStatus::Done && r->status != ChangeStatus::Unchanged)
                    return reply(refusal(r->status));
                reply(Status{});
                if (r->status == ChangeStatus::Unchanged)
                    return; // already a member, already an admin
                m_membership.invalidate(conv);
                pushEvents(conv, r->firstEventSeq, before ? *before : QList<quint64>{});
            });
    });
}

void GroupService::pushEvents(quint64 conv, quint64 fromSeq, QList<quint64> extraUsers) {
    m_store.events(
        conv, fromSeq, kMaxEventsPerPush, [=, this](Result<std::vector<wire::Message>> r) {
            if (!r)
                return; // the events are in the inboxes; live push is best effort
            std::vector<Push> events(r->begin(), r->end());
            m_membership.withMembers(conv, [=, this](Result<Membership::Members> members) {
                QSet<quint64> users(extraUsers.begin(), extraUsers.end());
                if (members)
                    users.unite(QSet<quint64>(members->begin(), members->end()));
                for (quint64 user : users)
                    for (const auto &e : events)
                        m_delivery.toUser(user, e);
            });
        });
}

void GroupService::info(const Caller &caller, quint64 conv, Reply<ConversationInfo> reply) {
    const quint64 me = caller.userId;
    m_store.conversation(conv, [conv, me, reply](Result<ConversationRows> r) {
        if (!r)
            return reply(r.error());
        const bool member = std::any_of(r->members.begin(), r->members.end(),
                                        [me](const MemberInfo &m) { return m.userId == me; });
        if (!member)
            return reply(refusal(r->members.empty() ? ChangeStatus::NoConversation
                                                    : ChangeStatus::NotMember));
        ConversationInfo info;
        info.conversationId = conv;
        info.group = r->group;
        info.name = r->title;
        info.lastSeq = r->lastSeq;
        info.stateVersion = r->stateVersion;
        info.groupUid = r->groupUid;
        info.members = std::move(r->members);
        if (!info.group)
            for (const auto &m : info.members)
                if (m.userId != me) {
                    info.peerUserId = m.userId;
                    info.peerUsername = m.username;
                    info.peerDisplayName = m.displayName;
                }
        reply(std::move(info));
    });
}

void GroupService::log(const Caller &caller, quint64 conv, quint64 afterVersion, quint32 limit,
                       Reply<GroupLog> reply) {
    const quint32 page = limit == 0 ? quint32(limits::kMaxGroupLogPage)
                                    : std::min(limit, quint32(limits::kMaxGroupLogPage));
    m_store.logPage(conv, caller.userId, afterVersion, page,
                    [conv, page, reply](Result<LogRows> r) {
                        if (!r)
                            return reply(r.error());
                        if (!r->exists || !r->member)
                            return reply(refusal(r->exists ? ChangeStatus::NotMember
                                                           : ChangeStatus::NoConversation));
                        GroupLog out;
                        out.conversationId = conv;
                        out.headVersion = r->headVersion;
                        out.hasMore = r->changes.size() > page;
                        if (out.hasMore)
                            r->changes.resize(page);
                        out.changes = std::move(r->changes);
                        reply(std::move(out));
                    });
}

void GroupService::readers(const Caller &caller, quint64 conv, quint64 seq, Reply<Readers> reply) {
    const quint64 me = caller.userId;
    m_store.readers(conv, seq, [me, seq, reply](Result<ReaderRows> r) {
        if (!r)
            return reply(r.error());
        const bool member =
            std::any_of(r->members.begin(), r->members.end(),
                        [me](const ReaderRows::Row &m) { return m.member.userId == me; });
        if (!member)
            return reply(refusal(r->members.empty() ? ChangeStatus::NoConversation
                                                    : ChangeStatus::NotMember));
        const quint64 sender = r->sender.value_or(0);
        Readers out;
        for (auto &row : r->members) {
            // Members who joined after the message never got it: they are not its recipients.
            if (row.member.userId == sender || !row.joinedBefore)
                continue;
            ++out.recipients;
            out.delivered += row.member.deliveredSeq >= seq ? 1 : 0;
            out.read += row.member.readSeq >= seq ? 1 : 0;
            out.members.push_back(std::move(row.member));
        }
        reply(std::move(out));
    });
}

} // namespace tidings::server
