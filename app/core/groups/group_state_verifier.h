#pragma once
// Verifies signed group state on this device (issue 12; docs/design/group-state.md §3): every
// group event that carries a signed change is checked against the group's verified head (chain,
// version, the signer's account key, the group's rules) before it counts, and the head moves
// only by changes that pass. The signer's key comes from the verified state itself (the key the
// admins recorded for that member); the genesis is anchored on the creator's pinned account key.
// Unsigned events in a signed group count only where a verified change already says the same
// (the LEAVE that follows a signed PROMOTE + LEAVE); anything else is refused.
// No network and no UI: GroupStateSync fetches what is missing, the message path stores.
#include "core/store/records.h"
#include "crypto/group_state.h"
#include "proto/tidings.pb.h"
#include "protocol/result.h"

#include <QSet>

#include <functional>
#include <optional>

namespace tidings::client {

class Storage;

class GroupStateVerifier {
public:
    //! The account key pinned for a user (mine: my own), empty when none is known.
    using PinnedKey = std::function<QByteArray(quint64 userId)>;

    //! `store` must outlive this object. `myUserId` (optional) names this device's user: a live
    //! genesis that does not name it is refused.
    GroupStateVerifier(Storage *store, PinnedKey pinned, std::function<quint64()> myUserId = {});

    struct Verdict {
        EventCheck check = EventCheck::Unsigned;
        //! A refusal key (the k* below) for Refused; kRefounded for a Verified re-founding.
        QString refusal;
        bool removed = false; //!< a verified change removed a member: rotate my sender key
        bool changed = false; //!< the verified state moved
        //! The signed change the event carried (decoded), when it had a readable one.
        std::optional<crypto::GroupStateChange> change;
        //! Writes what was decided (log, head, members, waiting changes); run in the transaction
        //! that stores the event. May be empty.
        std::function<Status()> commit;
    };
    //! What the event at `seq` of group `conversationId` is against the verified state.
    Result<Verdict> check(quint64 conversationId, quint64 seq, const wire::SystemEvent &event);

    //! Applies changes of the server's log (any order; versions at or below the head are
    //! compared, not applied). Own transaction. Returns how many moved the head; a conflicting
    //! entry marks the fork and stops. Stops at a gap.
    Result<int> applyLog(quint64 conversationId, const QList<QByteArray> &changes);

    //! Makes `event` say what the signed `change` says (its first operation: the event that
    //! carries a change is its first): the kind, actor, target and name the server put beside
    //! the change are only display hints, and a server could pair a genuine change with another
    //! claim. `names` gives usernames for ids the event does not name.
    static void describe(const crypto::GroupStateChange &change, SystemEvent &event,
                         const std::function<QString(quint64)> &names);

    //! The verified version of a group (0: none).
    Result<quint64> head(quint64 conversationId) const;

    //! The actors whose current account key `changes` need and this device may lack: a
    //! genesis's creator without a pinned key, and the actor of a later change its pinned key
    //! did not sign (its key may have been handed on since).
    QSet<quint64> keysNeeded(const QList<QByteArray> &changes) const;

    //! Older keys whose successions to the actor's pinned key `changes` need and this device has
    //! not recorded (user → the key the group records for them): a member's SET_KEY, or a change
    //! signed with a handed-on key, seen by a device that pinned the member after the hand-over.
    //! Read with the pinned keys as they are after keysNeeded() was fetched.
    QHash<quint64, QByteArray> chainsNeeded(const QList<QByteArray> &changes) const;

    //! Whether this group's events need the changes before them first: a signed version beyond
    //! the head + 1 that the batch itself does not fill (versions in batch order).
    bool hasGap(quint64 conversationId, QList<quint64> versions) const;

    // Refusal keys, stored with the event; the UI words them.
    static constexpr const char *kUnsigned = "unsigned";      //!< no admin signed it
    static constexpr const char *kSignature = "signature";    //!< not signed by the actor's key
    static constexpr const char *kNotAdmin = "not-admin";     //!< its actor is no admin
    static constexpr const char *kOtherGroup = "other-group"; //!< another group's change
    static constexpr const char *kConflict = "conflict";      //!< another history (a fork)
    static constexpr const char *kRules = "rules";            //!< against the group's rules
    static constexpr const char *kUnknownKey = "unknown-key"; //!< the creator's key is unknown
    static constexpr const char *kMalformed = "malformed";    //!< not a readable change
    //! Not a refusal: a verified re-founding of a group created before signed state (§7).
    static constexpr const char *kRefounded = "refounded";

private:
    //! Next state after `change` on `prev`, or the refusal key.
    Result<crypto::GroupState> next(const crypto::GroupState &prev,
                                    const crypto::GroupStateChange &change, QString *refusal) const;
    //! Applies waiting changes that follow `state` (their events become Verified or Refused).
    Status drainPending(quint64 conversationId, crypto::GroupState state, bool *removed);
    //! Whether an unsigned event says what the verified state already says.
    static bool agrees(const crypto::GroupState &state, const wire::SystemEvent &event);
    static bool removes(const crypto::GroupStateChange &change);

    Storage *m_store;
    PinnedKey m_pinned;
    std::function<quint64()> m_me;
};

} // namespace tidings::client
