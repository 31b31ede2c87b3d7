#pragma once
// Which shard (database connection) a conversation's batches go to. A conversation goes to its
// own shard (by id), a big group to the bulk shard: a 500-member group writes 500 inbox rows per
// message and takes 500 acks for it, and on the shared connection everyone's 1:1 messages
// queued behind that work (1:1 p99 3 -> 127 ms beside one flat-out group).
//
// The decision is sticky: a conversation changes lanes only when nothing of it is queued or in
// flight, so its sends are still stored in the order they arrived (seqs are assigned by the
// statement that stores them; two connections could commit out of order).
#include <QHash>

#include <functional>

namespace tidings::server {

class ShardLanes {
public:
    //! The shard a conversation should use now.
    using Decide = std::function<int(quint64 conversationId)>;

    explicit ShardLanes(Decide decide)
        : m_decide(std::move(decide)) {}

    //! The shard for one more item of `conversationId` (decided anew when it has none pending).
    int acquire(quint64 conversationId) {
        Lane &l = m_lanes[conversationId];
        if (l.pending == 0)
            l.shard = m_decide(conversationId);
        ++l.pending;
        return l.shard;
    }
    //! An item acquired before has its outcome (`count` items: acks merged into one).
    void release(quint64 conversationId, int count = 1) {
        const auto it = m_lanes.find(conversationId);
        if (it != m_lanes.end() && (it->pending -= count) <= 0)
            m_lanes.erase(it);
    }
    int pending(quint64 conversationId) const { return m_lanes.value(conversationId).pending; }
    //! Conversations with items pending (bounded by what is in flight).
    qsizetype size() const { return m_lanes.size(); }

private:
    struct Lane {
        int shard = 0;
        int pending = 0;
    };
    Decide m_decide;
    QHash<quint64, Lane> m_lanes;
};

} // namespace tidings::server
