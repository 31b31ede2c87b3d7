#pragma once
// What conversations and groups need from storage. Work on an existing conversation runs on its
// shard, so a group change is ordered exactly between the messages before and after it.
#include "proto/tidings.pb.h"
#include "services/groups/groups.h"

#include <QHash>
#include <QList>

#include <functional>
#include <optional>
#include <vector>

namespace tidings::server {

//! tidings_group_change's status.
enum class ChangeStatus {
    Done = 0,
    NotMember = 1,
    NoConversation = 2,
    NotAdmin = 3,
    GroupFull = 4,
    TargetNotMember = 5,
    Unchanged = 6,
    NotAGroup = 7,
    LastAdmin = 8,
    Conflict = 9,        //!< a signed change not on the log's head (another version or hash)
    SignedRequired = 10, //!< an unsigned change to a group with signed state
    NotSigned = 11,      //!< a signed change to a group without signed state
    MembersDiffer = 12,  //!< a re-founding names a non-member, or a member with another role
};

struct ChangeOutcome {
    ChangeStatus status = ChangeStatus::Done;
    quint64 firstEventSeq = 0; //!< Done: the seq of the first system event it stored
};

struct UserRef {
    quint64 id = 0;
    QString username;
    QString displayName;
};

struct DirectConversation {
    quint64 conversationId = 0;
    quint64 lastSeq = 0;
};

//! A conversation with its members (no rows: no such conversation).
struct ConversationRows {
    bool group = false;
    QString title;
    quint64 lastSeq = 0;
    std::vector<MemberInfo> members; //!< by join time
    quint64 stateVersion = 0;
    QByteArray groupUid = {};
};

//! A signed change as the log stores it.
struct SignedChangeRow {
    QByteArray groupUid;
    quint64 version = 0;
    QByteArray hash;
    QByteArray blob;
    quint64 actorDeviceId = 0;
    QByteArray prevHash = {}; //!< changes after the genesis: the head they extend
};

struct LogRows {
    bool exists = false; //!< the conversation exists
    bool member = false; //!< the asking user is a member
    quint64 headVersion = 0;
    std::vector<QByteArray> changes;
};

struct ReaderRows {
    std::optional<quint64> sender; //!< the sender of the message asked about, if it exists
    struct Row {
        MemberInfo member;
        bool joinedBefore = false; //!< a member when the message was sent
    };
    std::vector<Row> members; //!< by join time
};

class GroupStore {
public:
    template <typename T> using Callback = std::function<void(Result<T>)>;

    virtual ~GroupStore() = default;

    virtual void findUser(const QString &username, Callback<std::optional<UserRef>> cb) = 0;
    //! The users that exist among `usernames` (any order).
    virtual void findUsers(const QStringList &usernames, Callback<std::vector<UserRef>> cb) = 0;
    //! Insert-or-find the 1:1 conversation of two users.
    virtual void openDirect(quint64 userA, quint64 userB, Callback<DirectConversation> cb) = 0;
    //! Creates the group with its founding members and stores seq 1, the "created" event.
    virtual void createGroup(quint64 creator, const QString &name,
                             const std::vector<quint64> &members, qint64 nowMs,
                             Callback<quint64> cb) = 0;
    virtual void applyChange(quint64 actor, const GroupChange &change, quint64 targetUserId,
                             qint64 nowMs, int maxMembers, Callback<ChangeOutcome> cb) = 0;
    //! System events from `fromSeq` on (at most `limit`).
    virtual void events(quint64 conversationId, quint64 fromSeq, int limit,
                        Callback<std::vector<wire::Message>> cb) = 0;
    virtual void conversation(quint64 conversationId, Callback<ConversationRows> cb) = 0;
    virtual void readers(quint64 conversationId, quint64 seq, Callback<ReaderRows> cb) = 0;
    //! createGroup with its signed genesis stored as the log's version 1. 0: a group with this
    //! group id exists already (nothing was created).
    virtual void createSignedGroup(quint64 creator, const QString &name,
                                   const std::vector<quint64> &members, qint64 nowMs,
                                   const SignedChangeRow &genesis, Callback<quint64> cb) = 0;
    //! The account keys (AIKs) of those of `userIds` that published one.
    //! One signed change (its operations as GroupChange actions with their targets), applied
    //! with the rules and events of applyChange and logged, all or nothing
    //! (tidings_group_signed_change).
    struct SignedOp {
        GroupAction action = GroupAction::Add;
        quint64 target = 0;
        QString name = {};
    };
    virtual void applySignedChange(quint64 actor, quint64 conversationId,
                                   const std::vector<SignedOp> &ops, const SignedChangeRow &row,
                                   qint64 nowMs, int maxMembers, Callback<ChangeOutcome> cb) = 0;
    //! Gives a group without signed state its version 1 (a re-founding by an admin, naming
    //! members with their current roles), carried by one renamed event (tidings_group_refound).
    virtual void refound(quint64 actor, quint64 conversationId,
                         const QList<std::pair<quint64, MemberRole>> &members, const QString &name,
                         const SignedChangeRow &row, qint64 nowMs, Callback<ChangeOutcome> cb) = 0;
    virtual void accountKeys(const std::vector<quint64> &userIds,
                             Callback<QHash<quint64, QByteArray>> cb) = 0;
    //! Up to `limit` + 1 signed changes after `afterVersion` if `userId` is a member (the one
    //! past the limit says there are more).
    virtual void logPage(quint64 conversationId, quint64 userId, quint64 afterVersion,
                         quint32 limit, Callback<LogRows> cb) = 0;
    //! The members of a conversation (for the membership cache).
    virtual void members(quint64 conversationId, Callback<QList<quint64>> cb) = 0;
};

} // namespace tidings::server
