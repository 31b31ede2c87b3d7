#pragma once
// The logic of conversations and groups: who may do what (the store's statement checks it again
// inside its transaction), which refusal the caller hears, and who is told about a change: the
// members before and after it (a removed or leaving member still gets the event of its own
// removal, then nothing more).
#include "crypto/group_state.h"
#include "services/groups/group_store.h"
#include "services/groups/groups.h"

namespace tidings::server {

class Clock;
class Delivery;
class Membership;

class GroupService final : public Groups {
public:
    //! System events pushed live after one change (a change stores one or two).
    static constexpr int kMaxEventsPerPush = 16;

    GroupService(GroupStore &store, Membership &membership, Delivery &delivery, const Clock &clock);

    void openDirect(const Caller &caller, const QString &username,
                    Reply<ConversationInfo> reply) override;
    void create(const Caller &caller, const QString &name, const QStringList &usernames,
                const QByteArray &signedGenesis, Reply<ConversationInfo> reply) override;
    void change(const Caller &caller, const GroupChange &change, StatusReply reply) override;
    void info(const Caller &caller, quint64 conversationId, Reply<ConversationInfo> reply) override;
    void log(const Caller &caller, quint64 conversationId, quint64 afterVersion, quint32 limit,
             Reply<GroupLog> reply) override;
    void readers(const Caller &caller, quint64 conversationId, quint64 seq,
                 Reply<Readers> reply) override;

    static Error refusal(ChangeStatus status);

private:
    void applyChange(const Caller &caller, const GroupChange &change, quint64 targetId,
                     StatusReply reply);
    //! change() of a group with signed state: checked (actor, signature, the requested action,
    //! an added member's key), then applied and logged if it is the next version.
    void changeSigned(const Caller &caller, const GroupChange &change, StatusReply reply);
    //! create() with a signed genesis: checked against the members' account keys, then stored
    //! as version 1 of the group's log.
    void createSigned(const Caller &caller, const QString &name, std::vector<quint64> ids,
                      const QByteArray &blob, Reply<ConversationInfo> reply);
    //! changeSigned() of a REFOUNDED version 1: a group without signed state gets one from an
    //! admin naming members with their current roles and published keys.
    void refound(const Caller &caller, const GroupChange &requested, crypto::GroupStateChange c,
                 StatusReply reply);
    //! Pushes the system events from `fromSeq` on to every member and to `extraUsers`.
    void pushEvents(quint64 conversationId, quint64 fromSeq, QList<quint64> extraUsers);

    GroupStore &m_store;
    Membership &m_membership;
    Delivery &m_delivery;
    const Clock &m_clock;
};

} // namespace tidings::server
