#pragma once
// Who is in which conversation, cached per conversation (bounded, least recently used evicted).
// Fan-out, receipts, history authorisation, typing and group event pushes ask here; group changes
// invalidate after they commit. Authorisation of writes never depends on the cache: the storing
// statements check membership themselves. (With several nodes, changes will be announced over
// the pub/sub channel and invalidate the other nodes' caches too.)
#include "core/lru_cache.h"
#include "protocol/result.h"

#include <QHash>
#include <QList>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QObject;

namespace tidings::server {

class Membership {
public:
    using Members = QList<quint64>;
    using Callback = std::function<void(Result<Members>)>;
    //! Reads a conversation's members from the store. The PostgreSQL loader reads on the
    //! conversation's shard, so the read is ordered after any change already queued there.
    using Loader = std::function<void(quint64 conversationId, Callback)>;

    Membership(Loader loader, std::size_t capacity);
    ~Membership();

    //! Answers at once on a hit; concurrent misses of one conversation share one load.
    void withMembers(quint64 conversationId, Callback cb);
    //! For pushes after a commit: a failed load is retried (after 250 ms, doubling, for about
    //! half a minute) instead of given up, so that what was stored just before the database went
    //! away still reaches the members connected now. `cb` is not called if every attempt fails.
    void withMembersEventually(quint64 conversationId, std::function<void(const Members &)> cb);
    //! After a change committed here: forgets the cached list and tells the other nodes of a
    //! cluster (setAnnounce). `announce` false: the change was made on another node.
    void invalidate(quint64 conversationId, bool announce = true);
    void setAnnounce(std::function<void(quint64 conversationId)> announce) {
        m_announce = std::move(announce);
    }
    //! Forgets every cached list (a cluster node that may have missed announcements).
    void invalidateAll() { m_cache.clear(); }
    //! How many members a cached conversation has (nullopt when not cached); loads nothing.
    std::optional<qsizetype> cachedSize(quint64 conversationId);

    std::size_t cachedCount() const { return m_cache.size(); }
    std::size_t capacity() const { return m_cache.capacity(); }

private:
    Loader m_loader;
    std::function<void(quint64)> m_announce;
    LruCache<quint64, Members> m_cache;
    QHash<quint64, std::vector<Callback>> m_loading;
    //! The context of retry timers: they die with this object.
    std::unique_ptr<QObject> m_timers;

    void retry(quint64 conversationId, std::function<void(const Members &)> cb, int attempt);
};

} // namespace tidings::server
