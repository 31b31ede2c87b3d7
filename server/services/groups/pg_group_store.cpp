#include "services/groups/pg_group_store.h"

#include "core/logging.h"
#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "services/common/errors.h"
#include "services/common/message_rows.h"

#include <memory>

namespace tidings::server {

namespace {

ChangeStatus changeStatus(qint64 code) {
    switch (code) {
    case 0:
        return ChangeStatus::Done;
    case 1:
        return ChangeStatus::NotMember;
    case 2:
        return ChangeStatus::NoConversation;
    case 3:
        return ChangeStatus::NotAdmin;
    case 4:
        return ChangeStatus::GroupFull;
    case 5:
        return ChangeStatus::TargetNotMember;
    case 6:
        return ChangeStatus::Unchanged;
    case 7:
        return ChangeStatus::NotAGroup;
    case 8:
        return ChangeStatus::LastAdmin;
    case 9:
        return ChangeStatus::Conflict;
    case 10:
        return ChangeStatus::SignedRequired;
    case 11:
        return ChangeStatus::NotSigned;
    case 12:
        return ChangeStatus::MembersDiffer;
    default:
        // An unknown code is a refusal the client is told about as an internal error.
        return ChangeStatus(-1);
    }
}

//! The one (status, seq) row of a group change function, as a ChangeOutcome.
std::function<void(PgResult)> outcomeOf(GroupStore::Callback<ChangeOutcome> cb) {
    return [cb = std::move(cb)](PgResult r) {
        if (!r.ok() || r.rows() != 1)
            return cb(databaseError(r, lcGroups()));
        cb(ChangeOutcome{changeStatus(r.int64(0, "status")), quint64(r.int64(0, "seq"))});
    };
}

MemberRole role(qint64 value) {
    return value == 1 ? MemberRole::Admin : MemberRole::Member;
}

} // namespace

void PgGroupStore::findUser(const QString &username, Callback<std::optional<UserRef>> cb) {
    m_pool.any()->exec(
        PgQuery{"SELECT id, username, display_name FROM users WHERE username = $1", {}, {}}.arg(
            username),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcGroups()));
            if (r.rows() == 0)
                return cb(std::optional<UserRef>{});
            cb(std::optional<UserRef>{UserRef{quint64(r.int64(0, "id")), r.string(0, "username"),
                                              r.string(0, "display_name")}});
        });
}

void PgGroupStore::findUsers(const QStringList &usernames, Callback<std::vector<UserRef>> cb) {
    std::vector<QByteArray> names;
    for (const auto &n : usernames)
        names.push_back(n.toUtf8());
    m_pool.any()->exec(
        PgQuery{
            "SELECT id, username, display_name FROM users WHERE username = ANY($1::text[])", {}, {}}
            .arg(pgarray::texts(names)),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcGroups()));
            const int cId = r.column("id"), cName = r.column("username"),
                      cDisplay = r.column("display_name");
            std::vector<UserRef> out;
            for (int i = 0; i < r.rows(); ++i)
                out.push_back(
                    UserRef{quint64(r.int64(i, cId)), r.string(i, cName), r.string(i, cDisplay)});
            cb(std::move(out));
        });
}

void PgGroupStore::openDirect(quint64 me, quint64 peer, Callback<DirectConversation> cb) {
    const QByteArray key =
        QByteArray::number(std::min(me, peer)) + ':' + QByteArray::number(std::max(me, peer));
    // Insert-or-find in one statement; a concurrent creator can leave both parts empty for the
    // loser (its snapshot predates the winner's commit), so it retries once.
    const PgQuery query =
        PgQuery{"WITH c AS (INSERT INTO conversations (kind, direct_key) "
                "VALUES (1, $1) ON CONFLICT (direct_key) DO NOTHING RETURNING id), "
                "m AS (INSERT INTO members (conversation_id, user_id) "
                "SELECT c.id, u FROM c, (SELECT DISTINCT unnest(ARRAY[$2, "
                "$3]::bigint[]) AS u) us RETURNING conversation_id) "
                "SELECT id, 0::bigint AS last_seq FROM c UNION ALL "
                "SELECT id, last_seq FROM conversations WHERE direct_key = $1",
                {},
                {}}
            .arg(key)
            .arg(me)
            .arg(peer);
    auto attempt = std::make_shared<std::function<void(PgResult, int)>>();
    *attempt = [this, query, cb, attempt](PgResult r, int n) {
        if (r.ok() && r.rows() == 0 && n == 0) {
            m_pool.any()->exec(query, [attempt](PgResult again) {
                if (*attempt)
                    (*attempt)(std::move(again), 1);
            });
            return;
        }
        const auto done = cb; // the next line destroys this closure and its captures
        *attempt = nullptr;   // breaks the self-reference
        if (!r.ok())
            return done(databaseError(r, lcGroups()));
        if (r.rows() == 0)
            return done(Error{ErrorCode::Internal, QStringLiteral("try again")});
        done(DirectConversation{quint64(r.int64(0, "id")), quint64(r.int64(0, "last_seq"))});
    };
    m_pool.any()->exec(query, [attempt](PgResult r) {
        if (*attempt)
            (*attempt)(std::move(r), 0);
    });
}

void PgGroupStore::createGroup(quint64 creator, const QString &name,
                               const std::vector<quint64> &members, qint64 nowMs,
                               Callback<quint64> cb) {
    m_pool.any()->exec(PgQuery{"SELECT tidings_create_group($1, $2, $3, "
                               "to_timestamp($4::double precision / 1000)) AS conversation_id",
                               {},
                               {}}
                           .arg(creator)
                           .arg(name)
                           .arg(pgarray::ints(members))
                           .arg(nowMs),
                       [cb](PgResult r) {
                           if (!r.ok() || r.rows() != 1)
                               return cb(databaseError(r, lcGroups()));
                           cb(quint64(r.int64(0, "conversation_id")));
                       });
}

void PgGroupStore::applyChange(quint64 actor, const GroupChange &change, quint64 target,
                               qint64 nowMs, int maxMembers, Callback<ChangeOutcome> cb) {
    m_pool.forKey(change.conversationId)
        ->exec(PgQuery{"SELECT status, seq FROM tidings_group_change($1, $2, $3, $4, $5, "
                       "to_timestamp($6::double precision / 1000), $7, $8)",
                       {},
                       {}}
                   .arg(actor)
                   .arg(change.conversationId)
                   .arg(int(change.action))
                   .arg(target)
                   .arg(change.name)
                   .arg(nowMs)
                   .arg(maxMembers)
                   .arg(m_inboxDays),
               outcomeOf(std::move(cb)));
}

void PgGroupStore::events(quint64 conv, quint64 fromSeq, int limit,
                          Callback<std::vector<wire::Message>> cb) {
    m_pool.forKey(conv)->exec(
        PgQuery{QByteArray("SELECT ") + kMessageColumns + " FROM messages m" + kMessageJoins +
                    "WHERE m.conversation_id = $1 AND m.seq >= $2 AND m.event_kind IS NOT NULL "
                    "ORDER BY m.seq LIMIT $3",
                {},
                {}}
            .arg(conv)
            .arg(fromSeq)
            .arg(limit),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcGroups()));
            const MessageReader reader(r);
            std::vector<wire::Message> out(std::size_t(r.rows()));
            for (int i = 0; i < r.rows(); ++i)
                reader.read(i, &out[std::size_t(i)]);
            cb(std::move(out));
        });
}

void PgGroupStore::conversation(quint64 conv, Callback<ConversationRows> cb) {
    m_pool.forKey(conv)->exec(
        PgQuery{"SELECT c.kind, c.title, c.last_seq, c.state_version, c.group_uid, m.user_id, "
                "u.username, m.role, m.delivered_seq, m.read_seq, u.display_name "
                "FROM conversations c "
                "JOIN members m ON m.conversation_id = c.id JOIN users u ON u.id = m.user_id "
                "WHERE c.id = $1 ORDER BY m.joined_at, m.user_id",
                {},
                {}}
            .arg(conv),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcGroups()));
            ConversationRows out;
            if (r.rows() > 0) {
                out.group = r.int64(0, "kind") == 2;
                out.title = r.string(0, "title");
                out.lastSeq = quint64(r.int64(0, "last_seq"));
                out.stateVersion = quint64(r.int64(0, "state_version"));
                if (!r.isNull(0, "group_uid"))
                    out.groupUid = r.bytea(0, "group_uid");
            }
            const int cUser = r.column("user_id"), cName = r.column("username"),
                      cRole = r.column("role"), cDelivered = r.column("delivered_seq"),
                      cRead = r.column("read_seq"), cDisplay = r.column("display_name");
            for (int i = 0; i < r.rows(); ++i)
                out.members.push_back(MemberInfo{quint64(r.int64(i, cUser)), r.string(i, cName),
                                                 r.string(i, cDisplay), role(r.int64(i, cRole)),
                                                 quint64(r.int64(i, cDelivered)),
                                                 quint64(r.int64(i, cRead))});
            cb(std::move(out));
        });
}

void PgGroupStore::readers(quint64 conv, quint64 seq, Callback<ReaderRows> cb) {
    m_pool.forKey(conv)->exec(
        PgQuery{"SELECT m.user_id, u.username, m.role, m.delivered_seq, m.read_seq, "
                "(SELECT sender_user_id FROM messages WHERE conversation_id = $1 AND seq = $2 "
                " LIMIT 1) AS sender_user_id, m.joined_seq < $2 AS joined_before, "
                "u.display_name "
                "FROM members m JOIN users u ON u.id = m.user_id "
                "WHERE m.conversation_id = $1 ORDER BY m.joined_at, m.user_id",
                {},
                {}}
            .arg(conv)
            .arg(seq),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcGroups()));
            ReaderRows out;
            if (r.rows() > 0 && !r.isNull(0, "sender_user_id"))
                out.sender = quint64(r.int64(0, "sender_user_id"));
            const int cUser = r.column("user_id"), cName = r.column("username"),
                      cRole = r.column("role"), cDelivered = r.column("delivered_seq"),
                      cRead = r.column("read_seq"), cDisplay = r.column("display_name"),
                      cBefore = r.column("joined_before");
            for (int i = 0; i < r.rows(); ++i)
                out.members.push_back(ReaderRows::Row{
                    MemberInfo{quint64(r.int64(i, cUser)), r.string(i, cName),
                               r.string(i, cDisplay), role(r.int64(i, cRole)),
                               quint64(r.int64(i, cDelivered)), quint64(r.int64(i, cRead))},
                    r.boolean(i, cBefore)});
            cb(std::move(out));
        });
}

void PgGroupStore::members(quint64 conv, Callback<QList<quint64>> cb) {
    // On the conversation's shard: ordered after the changes that invalidated the cache.
    m_pool.forKey(conv)->exec(
        PgQuery{"SELECT user_id FROM members WHERE conversation_id = $1", {}, {}}.arg(conv),
        [cb](PgResult r) {
            if (!r.ok()) {
                qCWarning(lcGroups) << "database error:" << r.error().detail;
                return cb(Error{ErrorCode::Internal, QStringLiteral("database error")});
            }
            const int cUser = r.column("user_id");
            QList<quint64> members;
            members.reserve(r.rows());
            for (int i = 0; i < r.rows(); ++i)
                members << quint64(r.int64(i, cUser));
            cb(members);
        });
}

void PgGroupStore::logPage(quint64 conv, quint64 userId, quint64 afterVersion, quint32 limit,
                           Callback<LogRows> cb) {
    // One row for the conversation and membership, then one per change (the lateral join is
    // empty for a non-member: nothing of the log leaves for them).
    m_pool.forKey(conv)->exec(
        PgQuery{"SELECT c.state_version, m.user_id IS NOT NULL AS member, l.change "
                "FROM conversations c "
                "LEFT JOIN members m ON m.conversation_id = c.id AND m.user_id = $2 "
                "LEFT JOIN LATERAL (SELECT g.version, g.change FROM group_state_log g "
                "  WHERE g.conversation_id = c.id AND g.version > $3 AND m.user_id IS NOT NULL "
                "  ORDER BY g.version LIMIT $4) l ON true "
                "WHERE c.id = $1 ORDER BY l.version",
                {},
                {}}
            .arg(conv)
            .arg(userId)
            .arg(afterVersion)
            .arg(qint64(limit) + 1),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcGroups()));
            LogRows out;
            if (r.rows() == 0)
                return cb(std::move(out));
            out.exists = true;
            out.member = r.boolean(0, "member");
            out.headVersion = quint64(r.int64(0, "state_version"));
            const int cChange = r.column("change");
            for (int i = 0; i < r.rows(); ++i)
                if (!r.isNull(i, cChange))
                    out.changes.push_back(r.bytea(i, cChange));
            cb(std::move(out));
        });
}

void PgGroupStore::createSignedGroup(quint64 creator, const QString &name,
                                     const std::vector<quint64> &members, qint64 nowMs,
                                     const SignedChangeRow &genesis, Callback<quint64> cb) {
    m_pool.any()->exec(PgQuery{"SELECT tidings_create_signed_group($1, $2, $3, $4, "
                               "to_timestamp($5::double precision / 1000), $6, $7, $8) "
                               "AS conversation_id",
                               {},
                               {}}
                           .arg(creator)
                           .arg(genesis.actorDeviceId)
                           .arg(name)
                           .arg(pgarray::ints(members))
                           .arg(nowMs)
                           .argBytes(genesis.groupUid)
                           .argBytes(genesis.hash)
                           .argBytes(genesis.blob),
                       [cb](PgResult r) {
                           if (!r.ok() || r.rows() != 1)
                               return cb(databaseError(r, lcGroups()));
                           cb(quint64(r.int64(0, "conversation_id")));
                       });
}

void PgGroupStore::applySignedChange(quint64 actor, quint64 conv, const std::vector<SignedOp> &ops,
                                     const SignedChangeRow &row, qint64 nowMs, int maxMembers,
                                     Callback<ChangeOutcome> cb) {
    std::vector<int> actions;
    std::vector<quint64> targets;
    std::vector<QByteArray> names;
    for (const SignedOp &op : ops) {
        actions.push_back(int(op.action));
        targets.push_back(op.target);
        names.push_back(op.name.toUtf8());
    }
    m_pool.forKey(conv)->exec(
        PgQuery{"SELECT status, seq FROM tidings_group_signed_change($1, $2, $3, $4, $5, $6, "
                "to_timestamp($7::double precision / 1000), $8, $9, $10, $11, $12, $13, $14)",
                {},
                {}}
            .arg(actor)
            .arg(row.actorDeviceId)
            .arg(conv)
            .arg(pgarray::ints(actions))
            .arg(pgarray::ints(targets))
            .arg(pgarray::texts(names))
            .arg(nowMs)
            .arg(maxMembers)
            .arg(m_inboxDays)
            .argBytes(row.groupUid)
            .arg(row.version)
            .argBytes(row.prevHash)
            .argBytes(row.hash)
            .argBytes(row.blob),
        outcomeOf(std::move(cb)));
}

void PgGroupStore::refound(quint64 actor, quint64 conv,
                           const QList<std::pair<quint64, MemberRole>> &members,
                           const QString &name, const SignedChangeRow &row, qint64 nowMs,
                           Callback<ChangeOutcome> cb) {
    std::vector<quint64> ids;
    std::vector<int> roles;
    for (const auto &[id, memberRole] : members) {
        ids.push_back(id);
        roles.push_back(memberRole == MemberRole::Admin ? 1 : 0);
    }
    m_pool.forKey(conv)->exec(
        PgQuery{"SELECT status, seq FROM tidings_group_refound($1, $2, $3, $4, $5, $6, "
                "to_timestamp($7::double precision / 1000), $8, $9, $10)",
                {},
                {}}
            .arg(actor)
            .arg(row.actorDeviceId)
            .arg(conv)
            .arg(pgarray::ints(ids))
            .arg(pgarray::ints(roles))
            .arg(name)
            .arg(nowMs)
            .argBytes(row.groupUid)
            .argBytes(row.hash)
            .argBytes(row.blob),
        outcomeOf(std::move(cb)));
}

void PgGroupStore::accountKeys(const std::vector<quint64> &userIds,
                               Callback<QHash<quint64, QByteArray>> cb) {
    m_pool.any()->exec(PgQuery{"SELECT id, account_key FROM users WHERE id = ANY ($1::bigint[]) "
                               "AND account_key IS NOT NULL",
                               {},
                               {}}
                           .arg(pgarray::ints(userIds)),
                       [cb](PgResult r) {
                           if (!r.ok())
                               return cb(databaseError(r, lcGroups()));
                           QHash<quint64, QByteArray> out;
                           for (int i = 0; i < r.rows(); ++i)
                               out.insert(quint64(r.int64(i, "id")), r.bytea(i, "account_key"));
                           cb(std::move(out));
                       });
}

} // namespace tidings::server
