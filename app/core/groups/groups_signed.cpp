// Groups: signing the group's state (issue 12; docs/design/group-state.md §2, §4.5). A new group
// gets a signed genesis naming every member with the account key this device verified from
// their signed device list; every change to a group with signed state is signed with this
// device's account key on the verified head, and made again on the new head when another admin
// changed the group first.
#include "core/account/account.h"
#include "core/groups/groups.h"
#include "core/keys/keys.h"
#include "core/logging.h"
#include "core/store/conversation_store.h"
#include "core/store/group_state_store.h"
#include "core/sync/e2e_coordinator.h"
#include "crypto/crypto_error.h"
#include "protocol/codec.h"

#include <QDateTime>
#include <QRandomGenerator>

#include <algorithm>
#include <memory>

namespace tidings::client {

using crypto::GroupOp;
using crypto::GroupRole;
using crypto::GroupState;
using crypto::GroupStateChange;

namespace {

constexpr int kProfilesPerRequest = 100;

GroupOp memberOp(GroupOp::Kind kind, quint64 userId) {
    GroupOp op;
    op.kind = kind;
    op.userId = userId;
    return op;
}

GroupOp renameOp(const QString &name) {
    GroupOp op;
    op.kind = GroupOp::Kind::Rename;
    op.name = name;
    return op;
}

//! A version 1 (a genesis, or with kRefounded a founding) with a fresh random group id; its
//! operations come next.
GroupStateChange newGenesis(quint8 flags) {
    GroupStateChange genesis;
    genesis.groupUid.resize(GroupStateChange::kUidSize);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(genesis.groupUid.data()),
                                          GroupStateChange::kUidSize / int(sizeof(quint32)));
    genesis.version = 1;
    genesis.prevHash = QByteArray(32, '\0');
    genesis.issuedAtMs = QDateTime::currentMSecsSinceEpoch();
    genesis.flags = flags;
    return genesis;
}

//! A refusal of the local check, as the server would have put it.
Error localRefusal(const Error &e) {
    switch (crypto::cryptoErrorOf(e)) {
    case crypto::CryptoError::NotAdmin:
        return Error{ErrorCode::NotAdmin, QStringLiteral("only an admin can do that")};
    default:
        return Error{ErrorCode::BadGroupChange, e.detail};
    }
}

} // namespace

bool Groups::canSign() const {
    return m_keys && m_keys->engine() && m_keys->coordinator() && m_keys->engine()->hasAccountKey();
}

void Groups::syncState(quint64 conversationId, std::function<void(Status)> done) {
    if (!canSign()) {
        done({});
        return;
    }
    m_keys->coordinator()->syncGroupState(conversationId, std::move(done));
}

void Groups::foundLegacyGroups() {
    if (!canSign())
        return;
    auto all = m_conversations->conversations();
    if (!all)
        return;
    for (const ConversationRecord &c : *all) {
        if (!c.isGroup() || !c.isMember || m_foundingTried.contains(c.id))
            continue;
        if (auto verified = m_states->state(c.id); !verified || verified->has_value())
            continue;
        m_foundingTried.insert(c.id);
        ensureFounded(c.id, [id = c.id](Result<bool> r) {
            if (!r)
                qCInfo(lcClient) << "group" << id << "not founded:" << r.error().toString();
        });
    }
}

void Groups::ensureFounded(quint64 conversationId, std::function<void(Result<bool>)> done) {
    if (!canSign()) {
        done(false);
        return;
    }
    // The log first: another admin may have founded it, or it was signed from the start.
    syncState(conversationId, [this, conversationId, done](Status) {
        if (auto verified = m_states->state(conversationId); verified && verified->has_value()) {
            done(true);
            return;
        }
        info(conversationId, [this, done](Result<ConversationInfo> r) {
            if (!r) {
                done(r.error());
                return;
            }
            if (r->groupStateVersion != 0) {
                done(false); // it has a log this device could not verify: nothing to found
                return;
            }
            signRefounding(*r, done);
        });
    });
}

void Groups::signRefounding(const ConversationInfo &info, std::function<void(Result<bool>)> done) {
    const quint64 me = m_account->userId();
    bool admin = false;
    QList<quint64> others;
    for (const MemberRecord &m : info.members) {
        if (m.userId == me)
            admin = m.role == MemberRole::Admin;
        else
            others.append(m.userId);
    }
    const QString name = info.name.trimmed();
    if (!admin || name.isEmpty() || name.toUtf8().size() > 64) {
        done(false); // only an admin founds it (and the name is part of the signed state)
        return;
    }
    m_keys->coordinator()->ensureSessions(others, [this, info, name, done](Status s) {
        if (!s) {
            done(s.error());
            return;
        }
        e2e::E2eEngine *engine = m_keys->engine();
        GroupStateChange genesis = newGenesis(GroupStateChange::kRefounded);
        QList<MemberRecord> members = info.members;
        std::sort(members.begin(), members.end(),
                  [](const MemberRecord &a, const MemberRecord &b) { return a.userId < b.userId; });
        QList<quint64> ids;
        for (const MemberRecord &m : members)
            ids.append(m.userId);
        const QHash<quint64, QByteArray> keys = engine->pinnedAccountKeys(ids);
        int left = 0;
        for (const MemberRecord &m : members) {
            GroupOp add = memberOp(GroupOp::Kind::Add, m.userId);
            add.aik = keys.value(m.userId);
            add.role = m.role == MemberRole::Admin ? GroupRole::Admin : GroupRole::Member;
            if (add.aik.isEmpty()) {
                ++left; // no keys: stays out until an admin adds them (they read nothing anyway)
                continue;
            }
            genesis.ops.append(add);
        }
        genesis.ops.append(renameOp(name));
        auto blob = engine->signGroupChange(genesis);
        if (!blob) {
            done(blob.error());
            return;
        }
        qCInfo(lcClient) << "founding group" << info.id << "with" << genesis.ops.size() - 1
                         << "signed members," << left << "without keys left out";
        sendChange(info.id, GroupAction::Rename, {}, name, *blob,
                   [this, id = info.id, done](Status r) {
                       if (!r && r.error().code == ErrorCode::GroupStateConflict) {
                           // Another admin was first: verify theirs.
                           syncState(id, [done](Status) { done(true); });
                           return;
                       }
                       if (!r) {
                           done(r.error());
                           return;
                       }
                       done(true);
                   });
    });
}

void Groups::resolve(const QStringList &usernames,
                     std::function<void(Result<QHash<QString, quint64>>)> done) {
    resolveFrom(usernames, 0, std::make_shared<QHash<QString, quint64>>(), std::move(done));
}

void Groups::resolveFrom(const QStringList &usernames, qsizetype from,
                         std::shared_ptr<QHash<QString, quint64>> out,
                         std::function<void(Result<QHash<QString, quint64>>)> done) {
    if (from >= usernames.size()) {
        done(*out);
        return;
    }
    const QStringList chunk = usernames.mid(from, kProfilesPerRequest);
    Frame f;
    for (const QString &u : chunk)
        f.mutable_profiles_request()->add_usernames(u.toStdString());
    m_requests->call<wire::ProfilesResponse>(
        std::move(f), Retry::AfterReconnect,
        [this, usernames, from, chunk, out, done](Result<wire::ProfilesResponse> r) {
            if (!r) {
                done(r.error());
                return;
            }
            for (const auto &p : r->profiles())
                out->insert(protocol::fromStd(p.username()), p.user_id());
            for (const QString &u : chunk) {
                if (!out->contains(u)) {
                    done(Error{ErrorCode::NoSuchUser, QStringLiteral("no user %1").arg(u)});
                    return;
                }
            }
            resolveFrom(usernames, from + chunk.size(), out, done);
        });
}

void Groups::createSigned(const QString &name, const QStringList &usernames, InfoHandler done) {
    const QString me = m_account->settings().username;
    QStringList others;
    for (const QString &u : usernames) {
        const QString n = protocol::normalizeUsername(u);
        if (n != me && !others.contains(n))
            others.append(n);
    }
    resolve(others, [this, name = name.trimmed(), others,
                     done = std::move(done)](Result<QHash<QString, quint64>> ids) {
        if (!ids) {
            done(ids.error());
            return;
        }
        QList<quint64> users = ids->values();
        std::sort(users.begin(), users.end());
        // Every member's signed device list, verified, pins the account key the genesis records
        // (and the sessions the group's first message needs).
        m_keys->coordinator()->ensureSessions(users, [this, name, others, users, ids = *ids,
                                                      done](Status s) {
            if (!s) {
                done(s.error());
                return;
            }
            e2e::E2eEngine *engine = m_keys->engine();
            GroupStateChange genesis = newGenesis(0);
            GroupOp creator = memberOp(GroupOp::Kind::Add, m_account->userId());
            creator.aik = engine->accountKey();
            creator.role = GroupRole::Admin;
            genesis.ops.append(creator);
            const QHash<quint64, QByteArray> keys = engine->pinnedAccountKeys(users);
            for (quint64 u : users) {
                GroupOp add = memberOp(GroupOp::Kind::Add, u);
                add.aik = keys.value(u);
                if (add.aik.isEmpty()) {
                    done(Error{ErrorCode::NoKeys,
                               QStringLiteral("%1 has no end-to-end keys yet").arg(ids.key(u))});
                    return;
                }
                genesis.ops.append(add);
            }
            genesis.ops.append(renameOp(name));
            auto blob = engine->signGroupChange(genesis);
            if (!blob) {
                done(blob.error());
                return;
            }
            sendCreate(name, others, *blob,
                       [this, genesis, blob = *blob, done](Result<ConversationInfo> info) {
                           if (info) {
                               // The genesis is this device's first verified state of the group;
                               // the "created" event confirms it when it arrives.
                               auto state = crypto::applyGroupChange(
                                   GroupState{}, genesis, m_keys->engine()->accountKey());
                               if (state) {
                                   if (auto kept = m_states->append(info->id, *state, blob, 0);
                                       !kept)
                                       qCWarning(lcClient)
                                           << "group state not kept:" << kept.error().toString();
                               }
                           }
                           done(std::move(info));
                       });
        });
    });
}

void Groups::recordOwnKey() {
    if (!canSign())
        return;
    auto all = m_conversations->conversations();
    if (!all)
        return;
    e2e::E2eEngine *engine = m_keys->engine();
    const quint64 me = m_account->userId();
    const QByteArray mine = engine->accountKey();
    for (const ConversationRecord &c : *all) {
        if (!c.isGroup() || !c.isMember || m_keyRecording.contains(c.id))
            continue;
        auto verified = m_states->state(c.id);
        if (!verified || !verified->has_value() || !(*verified)->isMember(me))
            continue;
        const QByteArray recorded = (*verified)->members.value(me).aik;
        if (recorded == mine)
            continue;
        // Only a key my recorded one handed on to (a rotation, a recovery) can be recorded: the
        // members' clients check the same chain. Anything else waits for an admin.
        if (!engine->succeeds(me, recorded, mine)) {
            qCWarning(lcClient) << "group" << c.id << "records a key of mine that did not hand on "
                                << "to my current one";
            m_keyRecording.insert(c.id);
            continue;
        }
        m_keyRecording.insert(c.id);
        qCInfo(lcClient) << "recording my new account key in group" << c.id;
        changeSigned(c.id, GroupAction::SetKey, {}, {}, [this, id = c.id](Status s) {
            if (!s) {
                qCInfo(lcClient) << "group" << id << "key not recorded:" << s.error().toString();
                // A lost connection is tried again at the next idle sync; a refusal is not
                // tried again in this run.
                if (s.error().code == ErrorCode::Network || s.error().code == ErrorCode::Timeout)
                    m_keyRecording.remove(id);
            }
        });
    }
}

void Groups::onAccountKeyChanged() {
    m_keyRecording.clear();
    recordOwnKey();
}

void Groups::changeSigned(quint64 conversationId, GroupAction action, const QString &username,
                          const QString &name, StatusHandler done, int attempt) {
    const bool targeted = action != GroupAction::Leave && action != GroupAction::Rename &&
                          action != GroupAction::SetKey;
    if (!targeted) {
        signAndSend(conversationId, action, username, name, 0, {}, std::move(done), attempt);
        return;
    }
    const QString user = protocol::normalizeUsername(username);
    resolve({user}, [=, this](Result<QHash<QString, quint64>> ids) {
        if (!ids) {
            done(ids.error());
            return;
        }
        const quint64 target = ids->value(user);
        if (action == GroupAction::Remove && target == m_account->userId()) {
            // Removing oneself is leaving (with the admin hand-over).
            signAndSend(conversationId, GroupAction::Leave, {}, name, 0, {}, done, attempt);
            return;
        }
        if (action != GroupAction::Add) {
            signAndSend(conversationId, action, user, name, target, {}, done, attempt);
            return;
        }
        // The new member's account key as their signed device list says (verified, pinned).
        m_keys->coordinator()->refreshDeviceList(target, [=, this](Status s) {
            const QByteArray key = m_keys->engine()->pinnedAccountKey(target);
            if (key.isEmpty()) {
                done(s ? Status(Error{ErrorCode::NoKeys,
                                      QStringLiteral("%1 has no end-to-end keys yet").arg(user)})
                       : s);
                return;
            }
            signAndSend(conversationId, action, user, name, target, key, done, attempt);
        });
    });
}

void Groups::signAndSend(quint64 conversationId, GroupAction action, const QString &username,
                         const QString &name, quint64 target, const QByteArray &targetKey,
                         StatusHandler done, int attempt) {
    auto stored = m_states->state(conversationId);
    if (!stored) {
        done(stored.error());
        return;
    }
    if (!stored->has_value()) {
        done(Error{ErrorCode::Internal, QStringLiteral("the group's signed state is not known")});
        return;
    }
    const GroupState &state = **stored;
    const quint64 me = m_account->userId();
    e2e::E2eEngine *engine = m_keys->engine();
    GroupStateChange change;
    change.groupUid = state.groupUid;
    change.version = state.version + 1;
    change.prevHash = state.headHash;
    change.issuedAtMs = QDateTime::currentMSecsSinceEpoch();
    switch (action) {
    case GroupAction::Add: {
        GroupOp add = memberOp(GroupOp::Kind::Add, target);
        add.aik = targetKey;
        change.ops.append(add);
        break;
    }
    case GroupAction::Remove:
        change.ops.append(memberOp(GroupOp::Kind::Remove, target));
        break;
    case GroupAction::Promote:
        change.ops.append(memberOp(GroupOp::Kind::Promote, target));
        break;
    case GroupAction::Demote:
        change.ops.append(memberOp(GroupOp::Kind::Demote, target));
        break;
    case GroupAction::Rename:
        change.ops.append(renameOp(name.trimmed()));
        break;
    case GroupAction::Leave:
        if (state.isAdmin(me) && state.adminCount() == 1 && state.members.size() > 1) {
            // The last admin hands over first: the longest-standing member, then the lowest id.
            const crypto::GroupMember *successor = nullptr;
            for (const auto &m : state.members) {
                if (m.userId == me)
                    continue;
                if (!successor || m.sinceVersion < successor->sinceVersion)
                    successor = &m;
            }
            change.ops.append(memberOp(GroupOp::Kind::Promote, successor->userId));
        }
        change.ops.append(memberOp(GroupOp::Kind::Leave, 0));
        break;
    case GroupAction::SetKey: {
        if (!state.isMember(me) || state.members.value(me).aik == engine->accountKey()) {
            done({}); // recorded already (by another device of mine), or not mine to record
            return;
        }
        GroupOp own = memberOp(GroupOp::Kind::SetKey, me);
        own.aik = engine->accountKey();
        change.ops.append(own);
        break;
    }
    }
    auto blob = engine->signGroupChange(change);
    if (!blob) {
        done(blob.error());
        return;
    }
    // Checked here by the rules every member applies: a change they would refuse never leaves.
    if (auto next = crypto::applyGroupChange(state, change, engine->accountKey()); !next) {
        done(localRefusal(next.error()));
        return;
    }
    sendChange(conversationId, action, username, name, *blob, [=, this](Status s) {
        if (s || s.error().code != ErrorCode::GroupStateConflict || attempt >= kSignAttempts) {
            done(s);
            return;
        }
        // Another admin changed the group first: verify what they did, then make
        // this change again on the new head (if it is still one to make).
        m_keys->coordinator()->syncGroupState(conversationId, [=, this](Status) {
            changeSigned(conversationId, action, username, name, done, attempt + 1);
        });
    });
}

} // namespace tidings::client
