#pragma once
// Group commit: items for one shard (a pool connection) queue up while that shard's previous
// batch is in flight, then go out together as one statement. Under light load a batch holds one
// item and goes out at once (no added latency); under heavy load batches grow by themselves.
#include <QList>

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <utility>
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
        , m_maxBatch(std::size_t(shards), maxBatch)
        , m_flush(std::move(flush)) {}

    //! Items are merged while they wait: cumulative ones (acks: the highest cursor wins) with the
    //! same key become one. An item only waits while its shard has a batch in flight.
    using Key = std::pair<quint64, quint64>;
    void setCoalesce(std::function<Key(const Item &)> key,
                     std::function<void(Item &into, Item &&from)> merge) {
        m_key = std::move(key);
        m_merge = std::move(merge);
        m_index.assign(m_queues.size(), {});
    }

    void add(int shard, Item item) {
        auto &q = m_queues[std::size_t(shard)];
        if (m_key) {
            auto &index = m_index[std::size_t(shard)];
            const auto [it, added] = index.try_emplace(m_key(item), q.size());
            if (!added) {
                m_merge(q[it->second], std::move(item));
                ++m_merged;
                return;
            }
        }
        q.push_back(std::move(item));
        if (!m_inFlight[std::size_t(shard)])
            flushShard(shard);
    }

    //! How many items were merged into one already waiting, so far.
    std::size_t mergedCount() const { return m_merged; }

    std::size_t largestBatch() const { return m_largest; }

    //! The most items one batch of `shard` takes (at least one), from its next batch on.
    void setMaxBatch(int shard, std::size_t maxBatch) {
        m_maxBatch[std::size_t(shard)] = std::max<std::size_t>(maxBatch, 1);
    }

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
        const std::size_t most = m_maxBatch[std::size_t(shard)];
        if (q.size() <= most) {
            batch.swap(q);
        } else {
            batch.assign(std::make_move_iterator(q.begin()),
                         std::make_move_iterator(q.begin() + qsizetype(most)));
            q.erase(q.begin(), q.begin() + qsizetype(most));
        }
        if (m_key) {
            auto &index = m_index[std::size_t(shard)];
            index.clear();
            for (std::size_t i = 0; i < q.size(); ++i)
                index.emplace(m_key(q[i]), i);
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
    std::vector<std::size_t> m_maxBatch;
    std::size_t m_largest = 0;
    Flush m_flush;
    std::vector<std::function<void(std::function<void()>)>> m_pace;
    struct KeyHash {
        std::size_t operator()(const Key &k) const {
            return std::hash<quint64>{}(k.first * 0x9E3779B97F4A7C15ULL ^ k.second);
        }
    };
    std::function<Key(const Item &)> m_key;
    std::function<void(Item &, Item &&)> m_merge;
    std::vector<std::unordered_map<Key, std::size_t, KeyHash>> m_index; //!< key → queue position
    std::size_t m_merged = 0;
};

} // namespace tidings::server
