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
