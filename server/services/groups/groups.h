#pragma once
// Conversations: opening a 1:1, creating groups, membership and admin changes, renames, info and
// "read by N of M", as the gateway calls them.
#include "core/caller.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <vector>

namespace tidings::server {

enum class MemberRole { Member = 0, Admin = 1 };

struct MemberInfo {
    quint64 userId = 0;
    QString username;
    QString displayName;
    MemberRole role = MemberRole::Member;
    quint64 deliveredSeq = 0;
    quint64 readSeq = 0;
};

struct ConversationInfo {
    quint64 conversationId = 0;
    bool group = false;
    QString name; //!< groups
    quint64 lastSeq = 0;
    std::vector<MemberInfo> members; //!< every member (info answers; empty for openDirect)
    //! Groups with signed state (crypto/group_state.h): the log's newest version and the
    //! group's 16-byte id; 0 and empty without.
    quint64 stateVersion = 0;
    QByteArray groupUid = {};
    // 1:1 only: the other member.
    quint64 peerUserId = 0;
    QString peerUsername;
    QString peerDisplayName;
};

//! Values as on the wire and in tidings_group_change.
//! SetKey: signed groups only, the caller records its own new account key (SET_KEY).
enum class GroupAction {
    Add = 0,
    Remove = 1,
    Promote = 2,
    Demote = 3,
    Leave = 4,
    Rename = 5,
    SetKey = 6
};

struct GroupChange {
    quint64 conversationId = 0;
    GroupAction action = GroupAction::Add;
    QString username; //!< add, remove, promote, demote
    QString name;     //!< rename
    //! The signed change (crypto/group_state.h) for a group with signed state; the fields above
    //! say what it does.
    QByteArray signedChange = {};
};

struct Readers {
    quint32 recipients = 0; //!< members other than the sender who were there when it was sent
    quint32 delivered = 0;
    quint32 read = 0;
    std::vector<MemberInfo> members; //!< the recipients' cursors
};

//! A page of a group's signed state log (crypto/group_state.h), oldest first.
struct GroupLog {
    quint64 conversationId = 0;
    std::vector<QByteArray> changes; //!< signed blobs, versions afterVersion + 1, + 2, ...
    quint64 headVersion = 0;         //!< the newest version in the log (0: no signed state)
    bool hasMore = false;
};

class Groups {
public:
    virtual ~Groups() = default;

    //! Finds or creates the 1:1 conversation with `username`.
    virtual void openDirect(const Caller &caller, const QString &username,
                            Reply<ConversationInfo> reply) = 0;
    //! `signedGenesis`: the creator's signed version 1 (crypto/group_state.h), checked against
    //! the members and their account keys (BAD_GROUP_CHANGE); empty: a group without signed state.
    virtual void create(const Caller &caller, const QString &name, const QStringList &usernames,
                        const QByteArray &signedGenesis, Reply<ConversationInfo> reply) = 0;
    virtual void change(const Caller &caller, const GroupChange &change, StatusReply reply) = 0;
    //! Works for 1:1 conversations too, so a client can learn about a conversation it has never
    //! seen from a pushed message.
    virtual void info(const Caller &caller, quint64 conversationId,
                      Reply<ConversationInfo> reply) = 0;
    virtual void readers(const Caller &caller, quint64 conversationId, quint64 seq,
                         Reply<Readers> reply) = 0;
    //! The signed changes after `afterVersion`, at most `limit` (0: 64); members only.
    virtual void log(const Caller &caller, quint64 conversationId, quint64 afterVersion,
                     quint32 limit, Reply<GroupLog> reply) = 0;
};

} // namespace tidings::server
