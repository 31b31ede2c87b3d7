#pragma once
// Who is in which conversation, cached per conversation. Every service that fans out or
// authorises by membership asks here; group changes invalidate. (With several nodes, changes
// will be announced over the pub/sub channel and invalidate the other nodes' caches too.)
#include "protocol/result.h"

#include <QHash>
#include <QList>

#include <functional>

namespace tidings::server {

class PgPool;

class Membership {
public:
    using Members = QList<quint64>;
    explicit Membership(PgPool *pool)
        : m_pool(pool) {}

    void withMembers(quint64 conversationId, std::function<void(Result<Members>)> cb);
    void invalidate(quint64 conversationId) { m_members.remove(conversationId); }

private:
    PgPool *m_pool;
    QHash<quint64, Members> m_members;
};

} // namespace tidings::server
