#pragma once
// GroupStore on PostgreSQL: tidings_create_group / tidings_group_change and the reads behind info,
// readers and event pushes, on the conversation's pool connection.
#include "services/groups/group_store.h"

namespace tidings::server {

class PgPool;

class PgGroupStore final : public GroupStore {
public:
    //! `inboxDays`: how far back a leaving member's pending group messages are kept for it.
    explicit PgGroupStore(PgPool &pool, int inboxDays = 30)
        : m_pool(pool)
        , m_inboxDays(inboxDays) {}

    void findUser(const QString &username, Callback<std::optional<UserRef>> cb) override;
    void findUsers(const QStringList &usernames, Callback<std::vector<UserRef>> cb) override;
    void openDirect(quint64 userA, quint64 userB, Callback<DirectConversation> cb) override;
    void createGroup(quint64 creator, const QString &name, const std::vector<quint64> &members,
                     qint64 nowMs, Callback<quint64> cb) override;
    void applyChange(quint64 actor, const GroupChange &change, quint64 targetUserId, qint64 nowMs,
                     int maxMembers, Callback<ChangeOutcome> cb) override;
    void events(quint64 conversationId, quint64 fromSeq, int limit,
                Callback<std::vector<wire::Message>> cb) override;
    void conversation(quint64 conversationId, Callback<ConversationRows> cb) override;
    void readers(quint64 conversationId, quint64 seq, Callback<ReaderRows> cb) override;
    void createSignedGroup(quint64 creator, const QString &name,
                           const std::vector<quint64> &members, qint64 nowMs,
                           const SignedChangeRow &genesis, Callback<quint64> cb) override;
    void refound(quint64 actor, quint64 conversationId,
                 const QList<std::pair<quint64, MemberRole>> &members, const QString &name,
                 const SignedChangeRow &row, qint64 nowMs, Callback<ChangeOutcome> cb) override;
    void applySignedChange(quint64 actor, quint64 conversationId, const std::vector<SignedOp> &ops,
                           const SignedChangeRow &row, qint64 nowMs, int maxMembers,
                           Callback<ChangeOutcome> cb) override;
    void accountKeys(const std::vector<quint64> &userIds,
                     Callback<QHash<quint64, QByteArray>> cb) override;
    void logPage(quint64 conversationId, quint64 userId, quint64 afterVersion, quint32 limit,
                 Callback<LogRows> cb) override;
    void members(quint64 conversationId, Callback<QList<quint64>> cb) override;

private:
    PgPool &m_pool;
    int m_inboxDays;
};

} // namespace tidings::server
