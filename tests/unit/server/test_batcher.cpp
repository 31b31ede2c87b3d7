// Group commit: items wait while their shard's batch is in flight and then go out together;
// shards do not wait for each other; batches respect the size cap; a paced shard waits between
// batches. ShardLanes: a conversation changes shards only when nothing of it is pending.
#include "services/messaging/batcher.h"
#include "services/messaging/shard_lanes.h"

#include <QTest>

using tidings::server::Batcher;
using tidings::server::ShardLanes;

class TestBatcher : public QObject {
    Q_OBJECT

private slots:
    void firstItemGoesOutAtOnceTheRestWaitForTheBatch() {
        std::vector<std::pair<int, std::vector<int>>> flushed;
        std::vector<std::function<void()>> pending;
        Batcher<int> b(2, 100, [&](int shard, std::vector<int> batch, std::function<void()> done) {
            flushed.emplace_back(shard, batch);
            pending.push_back(std::move(done));
        });
        b.add(0, 1); // idle shard: no added latency
        QCOMPARE(flushed.size(), size_t(1));
        QCOMPARE(flushed[0].second, std::vector<int>{1});
        b.add(0, 2);
        b.add(0, 3);
        b.add(1, 10); // another shard is not held back
        QCOMPARE(flushed.size(), size_t(2));
        QCOMPARE(flushed[1].first, 1);
        pending[0](); // shard 0's batch committed: the waiting items go out as one
        QCOMPARE(flushed.size(), size_t(3));
        QCOMPARE(flushed[2].first, 0);
        QCOMPARE(flushed[2].second, (std::vector<int>{2, 3}));
        QCOMPARE(b.largestBatch(), size_t(2));
    }

    void batchesAreCapped() {
        std::vector<size_t> sizes;
        std::vector<std::function<void()>> pending;
        Batcher<int> b(1, 3, [&](int, std::vector<int> batch, std::function<void()> done) {
            sizes.push_back(batch.size());
            pending.push_back(std::move(done));
        });
        for (int i = 0; i < 8; ++i)
            b.add(0, i);
        while (!pending.empty()) {
            auto done = std::move(pending.front());
            pending.erase(pending.begin());
            done();
        }
        QCOMPARE(sizes, (std::vector<size_t>{1, 3, 3, 1}));
    }

    // A shard's own cap, set between batches, applies from its next batch; others keep theirs.
    void aShardsCapCanChange() {
        std::vector<std::pair<int, size_t>> sizes;
        std::vector<std::function<void()>> pending;
        Batcher<int> b(2, 3, [&](int shard, std::vector<int> batch, std::function<void()> done) {
            sizes.emplace_back(shard, batch.size());
            pending.push_back(std::move(done));
        });
        for (int i = 0; i < 5; ++i) {
            b.add(0, i);
            b.add(1, i);
        }
        b.setMaxBatch(0, 1);
        b.setMaxBatch(1, 0); // at least one
        b.setMaxBatch(1, 3);
        while (!pending.empty()) {
            auto done = std::move(pending.front());
            pending.erase(pending.begin());
            done();
        }
        QCOMPARE(sizes, (std::vector<std::pair<int, size_t>>{
                            {0, 1}, {1, 1}, {0, 1}, {1, 3}, {0, 1}, {1, 1}, {0, 1}, {0, 1}}));
    }

    // Cumulative items (acks) with one key merge while they wait, also across a batch cap; an
    // item already in flight is never merged into; other keys keep their place.
    void waitingItemsWithOneKeyMerge() {
        struct Ack {
            quint64 device, conv, seq;
            int merged = 1;
        };
        std::vector<std::vector<Ack>> flushed;
        std::vector<std::function<void()>> pending;
        Batcher<Ack> b(1, 2, [&](int, std::vector<Ack> batch, std::function<void()> done) {
            flushed.push_back(batch);
            pending.push_back(std::move(done));
        });
        b.setCoalesce([](const Ack &a) { return std::make_pair(a.device, a.conv); },
                      [](Ack &into, Ack &&from) {
                          into.seq = std::max(into.seq, from.seq);
                          into.merged += from.merged;
                      });
        b.add(0, {1, 7, 1}); // goes out at once
        b.add(0, {1, 7, 2}); // waits
        b.add(0, {2, 7, 2});
        b.add(0, {1, 7, 4});
        b.add(0, {1, 8, 1}); // another conversation
        b.add(0, {1, 7, 3}); // lower: the highest stays
        b.add(0, {2, 7, 3});
        QCOMPARE(b.mergedCount(), size_t(3));
        pending[0]();
        QCOMPARE(flushed.size(), size_t(2));
        QCOMPARE(flushed[1].size(), size_t(2)); // capped at 2: {1,7} and {2,7}
        QCOMPARE(flushed[1][0].device, quint64(1));
        QCOMPARE(flushed[1][0].seq, quint64(4));
        QCOMPARE(flushed[1][0].merged, 3);
        QCOMPARE(flushed[1][1].seq, quint64(3));
        // {1,8} is still waiting (past the cap); a new {1,8} merges into it, a new {1,7} does
        // not merge into the batch in flight.
        b.add(0, {1, 8, 5});
        b.add(0, {1, 7, 9});
        pending[1]();
        QCOMPARE(flushed.size(), size_t(3));
        QCOMPARE(flushed[2].size(), size_t(2));
        QCOMPARE(flushed[2][0].conv, quint64(8));
        QCOMPARE(flushed[2][0].seq, quint64(5));
        QCOMPARE(flushed[2][0].merged, 2);
        QCOMPARE(flushed[2][1].conv, quint64(7));
        QCOMPARE(flushed[2][1].seq, quint64(9));
    }

    void orderIsKeptWithinAShard() {
        std::vector<int> seen;
        std::function<void()> last;
        Batcher<int> b(1, 2, [&](int, std::vector<int> batch, std::function<void()> done) {
            seen.insert(seen.end(), batch.begin(), batch.end());
            last = std::move(done);
        });
        for (int i = 0; i < 5; ++i)
            b.add(0, i);
        for (int i = 0; i < 3; ++i)
            last();
        QCOMPARE(seen, (std::vector<int>{0, 1, 2, 3, 4}));
    }

    void aPacedShardWaitsBetweenBatchesOthersDoNot() {
        std::vector<std::pair<int, std::vector<int>>> flushed;
        std::vector<std::function<void()>> pending;
        std::vector<std::function<void()>> paused;
        Batcher<int> b(2, 100, [&](int shard, std::vector<int> batch, std::function<void()> done) {
            flushed.emplace_back(shard, batch);
            pending.push_back(std::move(done));
        });
        b.setPace(1, [&](std::function<void()> next) { paused.push_back(std::move(next)); });
        b.add(1, 1);
        b.add(1, 2);
        pending.back()(); // shard 1's first batch is done: it pauses instead of flushing
        QCOMPARE(flushed.size(), size_t(1));
        QCOMPARE(paused.size(), size_t(1));
        b.add(1, 3); // arrives during the pause: joins the waiting ones
        b.add(0, 7); // shard 0 is not paced
        QCOMPARE(flushed.size(), size_t(2));
        QCOMPARE(flushed.back().first, 0);
        paused.back()();
        QCOMPARE(flushed.size(), size_t(3));
        QCOMPARE(flushed.back().first, 1);
        QCOMPARE(flushed.back().second, (std::vector<int>{2, 3}));
    }

    void aConversationChangesLanesOnlyWhenNothingOfItIsPending() {
        int decided = 0;
        QHash<quint64, int> want{{5, 0}};
        ShardLanes lanes([&](quint64 conv) {
            ++decided;
            return want.value(conv);
        });
        QCOMPARE(lanes.acquire(5), 0);
        QCOMPARE(lanes.acquire(5), 0);
        want[5] = 3; // it became a big group while two of its items are pending
        QCOMPARE(lanes.acquire(5), 0);
        QCOMPARE(decided, 1);
        lanes.release(5);
        lanes.release(5);
        QCOMPARE(lanes.acquire(5), 0); // still one pending: same lane, in order
        lanes.release(5);
        lanes.release(5);
        QCOMPARE(lanes.pending(5), 0);
        QCOMPARE(lanes.size(), 0);     // nothing is kept for a conversation without pending items
        QCOMPARE(lanes.acquire(5), 3); // decided again
        QCOMPARE(decided, 2);
    }
};

QTEST_GUILESS_MAIN(TestBatcher)
#include "test_batcher.moc"
