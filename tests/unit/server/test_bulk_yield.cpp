// BulkYield: when the bulk shard (big groups) waits, and for how long.
#include "services/messaging/bulk_yield.h"

#include <QTest>

using tidings::server::BulkYield;

class TestBulkYield : public QObject {
    Q_OBJECT

private slots:
    void neverWaitsWithoutInteractiveTraffic() {
        BulkYield y;
        for (qint64 t = 0; t < 1'000'000; t += 10'000)
            QCOMPARE(y.nextPauseUs(t), 0);
    }

    void neverWaitsWhileInteractiveTrafficIsAsFastAsEver() {
        BulkYield y;
        qint64 t = 0;
        for (int i = 0; i < 200; ++i, t += 1'000) {
            // 1.0-1.9 ms: within 1.5 times the floor plus the margin.
            y.interactiveStored(t, 1'000 + (i % 10) * 100);
            QCOMPARE(y.nextPauseUs(t), 0);
        }
        QCOMPARE(y.floorUs(), 1'000);
    }

    void waitsLongerWhileInteractiveTrafficStaysSlowUpToTheBound() {
        BulkYield y;
        qint64 t = 0;
        for (int i = 0; i < 20; ++i, t += 1'000)
            y.interactiveStored(t, 1'000);
        // Slowed to 10 ms: the pauses double from the first step up to the bound.
        qint64 last = 0;
        for (int i = 0; i < 40; ++i, t += 1'000) {
            y.interactiveStored(t, 10'000);
            const qint64 p = y.nextPauseUs(t);
            if (y.slow(t)) {
                QVERIFY(p >= BulkYield::kStepUs);
                QVERIFY(p == BulkYield::kMaxPauseUs || p == std::max(BulkYield::kStepUs, last * 2));
            }
            last = p;
        }
        QCOMPARE(last, BulkYield::kMaxPauseUs);
        // One slow sample among fast ones does not make it slow (smoothing).
        BulkYield z;
        for (int i = 0; i < 20; ++i, t += 1'000)
            z.interactiveStored(t, 1'000);
        z.interactiveStored(t, 4'000);
        QVERIFY(!z.slow(t));
        QCOMPARE(z.nextPauseUs(t), 0);
    }

    void pausesShrinkOnceInteractiveTrafficRecoversAndEndWhenItStops() {
        BulkYield y;
        qint64 t = 0;
        for (int i = 0; i < 20; ++i, t += 1'000)
            y.interactiveStored(t, 1'000);
        for (int i = 0; i < 20; ++i, t += 1'000) {
            y.interactiveStored(t, 20'000);
            y.nextPauseUs(t);
        }
        qint64 p = y.nextPauseUs(t);
        QVERIFY(p > 0);
        for (int i = 0; i < 100 && p > 0; ++i, t += 1'000) {
            y.interactiveStored(t, 1'000);
            const qint64 next = y.nextPauseUs(t);
            if (!y.slow(t))
                QVERIFY(next < p);
            p = next;
        }
        QCOMPARE(p, 0);
        // Slow again, then interactive traffic stops: no pause once it has been gone a while.
        for (int i = 0; i < 20; ++i, t += 1'000) {
            y.interactiveStored(t, 20'000);
            y.nextPauseUs(t);
        }
        QVERIFY(y.nextPauseUs(t) > 0);
        QCOMPARE(y.nextPauseUs(t + BulkYield::kPresenceUs + 1), 0);
    }

    void theFloorForgetsAFasterPast() {
        BulkYield y;
        qint64 t = 0;
        y.interactiveStored(t, 500);
        // Two windows later only the newer samples count.
        for (int i = 0; i < 3; ++i) {
            t += BulkYield::kFloorWindowUs;
            y.interactiveStored(t, 3'000);
        }
        QCOMPARE(y.floorUs(), 3'000);
    }
};

QTEST_APPLESS_MAIN(TestBulkYield)
#include "test_bulk_yield.moc"
