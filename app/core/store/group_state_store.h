#pragma once
// The signed state of groups as this device verified it (issue 12; docs/design/group-state.md
// §3.4): per group the head (group id, version, hash, name), the members with the account keys
// the admins recorded, the log of changes it was verified from, and changes that came before
// the ones they build on (kept until those arrive). Written by GroupStateVerifier only, always
// in the transaction that stores the event that brought the change.
#include "crypto/group_state.h"
#include "protocol/result.h"

#include <QHash>
#include <QList>

#include <optional>

namespace tidings::client {

class Database;

class GroupStateStore {
public:
    explicit GroupStateStore(Database &db)
        : m_db(db) {}

    //! The verified state of a group; nullopt when it has none (a legacy group, or not learned).
    Result<std::optional<crypto::GroupState>> state(quint64 conversationId) const;
    //! The hash of verified version `version` (empty when not in the log).
    Result<QByteArray> logHash(quint64 conversationId, quint64 version) const;
    //! The seq of the event that first brought verified version `version` (0: from the log).
    Result<quint64> firstEventSeq(quint64 conversationId, quint64 version) const;
    //! Records the event that brought a version first learned from the log.
    Status setFirstEventSeq(quint64 conversationId, quint64 version, quint64 eventSeq);
    //! Whether a later version than `version` was first brought by an event before `seq`: an
    //! event carrying `version` at `seq` then came after it, out of the log's order (a replay).
    Result<bool> laterVersionBefore(quint64 conversationId, quint64 version, quint64 seq) const;
    //! Groups with changes waiting for the ones before them.
    Result<QList<quint64>> groupsWithPending() const;
    //! The conversation that pinned this group id (0: none).
    Result<quint64> conversationOf(const QByteArray &groupUid) const;
    //! Records `next` (verified from `change`, brought by event `eventSeq`, 0 for the log) as
    //! the group's head: log entry, head and members.
    Status append(quint64 conversationId, const crypto::GroupState &next, const QByteArray &change,
                  quint64 eventSeq);
    //! Members saw different logs (a fork): remembered for the banner.
    Status setForkSeen(quint64 conversationId);
    Result<bool> forkSeen(quint64 conversationId) const;

    //! Changes beyond the head + 1, waiting for the ones before them.
    struct Pending {
        quint64 version = 0;
        QByteArray change;
        quint64 eventSeq = 0;
    };
    Status addPending(quint64 conversationId, const Pending &pending);
    Result<QList<Pending>> pending(quint64 conversationId) const; //!< by version
    Status removePending(quint64 conversationId, quint64 version);
    //! At most this many waiting changes per group: more is a server flooding us.
    static constexpr int kMaxPending = 64;

private:
    Database &m_db;
    //! The last state read per group, reused while the head (version and hash) is the same: a
    //! 500-member group is read on every message sent and received. append() drops it.
    mutable QHash<quint64, crypto::GroupState> m_cache;
};

} // namespace tidings::client
