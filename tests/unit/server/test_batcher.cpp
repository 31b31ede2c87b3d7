// Group commit: items wait while their shard's batch is in flight and then go out together;
// shards do not wait for each other; batches respect the size cap.
#include "services/messaging/batcher.h"

#include <QTest>

using tidings::server::Batcher;

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
};

QTEST_GUILESS_MAIN(TestBatcher)
#include "test_batcher.moc"
