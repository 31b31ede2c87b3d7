#pragma once
// Group commit: items for one shard (a pool connection) queue up while that shard's previous
// batch is in flight, then go out together as one statement. Under light load a batch holds one
// item and goes out at once (no added latency); under heavy load batches grow by themselves.
#include <QList>

#include <functional>
#include <vector>

namespace tidings::server {

template <typename Item> class Batcher {
public:
    //! `flush` runs one batch and must call `done` exactly once when its results are handled.
    using Flush =
        std::function<void(int shard, std::vector<Item> batch, std::function<void()> done)>;

    Batcher(int shards, std::size_t maxBatch, Flush flush)
        : m_queues(std::size_t(shards))
        , m_inFlight(std::size_t(shards), false)
        , m_maxBatch(maxBatch)
        , m_flush(std::move(flush)) {}

    void add(int shard, Item item) {
        m_queues[std::size_t(shard)].push_back(std::move(item));
        if (!m_inFlight[std::size_t(shard)])
            flushShard(shard);
    }

    std::size_t largestBatch() const { return m_largest; }

    //! After each batch of `shard`, the next waits for `later(next)` to call next (e.g. a timer):
    //! items that arrive meanwhile go out together. Without it the next batch goes at once.
    void setPace(int shard, std::function<void(std::function<void()>)> later) {
        m_pace.resize(m_queues.size());
        m_pace[std::size_t(shard)] = std::move(later);
    }

private:
    void flushShard(int shard) {
        auto &q = m_queues[std::size_t(shard)];
        if (q.empty())
            return;
        std::vector<Item> batch;
        if (q.size() <= m_maxBatch) {
            batch.swap(q);
        } else {
            batch.assign(std::make_move_iterator(q.begin()),
                         std::make_move_iterator(q.begin() + qsizetype(m_maxBatch)));
            q.erase(q.begin(), q.begin() + qsizetype(m_maxBatch));
        }
        m_largest = std::max(m_largest, batch.size());
        m_inFlight[std::size_t(shard)] = true;
        m_flush(shard, std::move(batch), [this, shard] {
            if (std::size_t(shard) < m_pace.size() && m_pace[std::size_t(shard)]) {
                // Still "in flight" while it waits: arrivals queue up behind the pause.
                m_pace[std::size_t(shard)]([this, shard] {
                    m_inFlight[std::size_t(shard)] = false;
                    flushShard(shard);
                });
                return;
            }
            m_inFlight[std::size_t(shard)] = false;
            flushShard(shard);
        });
    }

    std::vector<std::vector<Item>> m_queues;
    std::vector<bool> m_inFlight;
    std::size_t m_maxBatch;
    std::size_t m_largest = 0;
    Flush m_flush;
    std::vector<std::function<void(std::function<void()>)>> m_pace;
};

} // namespace tidings::server
