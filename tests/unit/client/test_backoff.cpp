// Full-jitter backoff: delays stay in [0, min(cap, base*2^n)], actually use the whole window
// (not "equal jitter"), never overflow, and start over after reset().
#include "core/net/backoff.h"

#include <QTest>

using tidings::client::Backoff;

class TestBackoff : public QObject {
    Q_OBJECT
private slots:
    void ceilingDoublesUpToCap() {
        Backoff b(500, 30000, 1);
        QCOMPARE(b.ceilingMs(0), 500);
        QCOMPARE(b.ceilingMs(1), 1000);
        QCOMPARE(b.ceilingMs(2), 2000);
        QCOMPARE(b.ceilingMs(5), 16000);
        QCOMPARE(b.ceilingMs(6), 30000); // 32000 capped
        QCOMPARE(b.ceilingMs(1000), 30000);
    }

    void delaysStayInsideTheWindow() {
        Backoff b(100, 5000, 42);
        for (int n = 0; n < 200; ++n) {
            const int ceiling = b.ceilingMs(b.attempt());
            const int d = b.nextDelayMs();
            QVERIFY2(
                d >= 0 && d <= ceiling,
                qPrintable(
                    QStringLiteral("attempt %1: %2 not in [0, %3]").arg(n).arg(d).arg(ceiling)));
            QVERIFY(d <= 5000);
        }
    }

    void jitterCoversTheWholeWindow() {
        // Full jitter draws from [0, ceiling]: small and large delays both occur.
        int minSeen = INT_MAX;
        int maxSeen = 0;
        for (quint32 seed = 1; seed <= 400; ++seed) {
            Backoff b(1000, 30000, seed);
            b.nextDelayMs();
            b.nextDelayMs();
            const int d = b.nextDelayMs(); // attempt 2: window [0, 4000]
            minSeen = std::min(minSeen, d);
            maxSeen = std::max(maxSeen, d);
        }
        QVERIFY2(minSeen < 400, qPrintable(QString::number(minSeen)));
        QVERIFY2(maxSeen > 3600, qPrintable(QString::number(maxSeen)));
    }

    void attemptsAdvanceAndReset() {
        Backoff b(500, 30000, 7);
        for (int i = 0; i < 10; ++i)
            b.nextDelayMs();
        QCOMPARE(b.attempt(), 10);
        b.reset();
        QCOMPARE(b.attempt(), 0);
        for (int i = 0; i < 50; ++i) {
            b.reset();
            QVERIFY(b.nextDelayMs() <= 500);
        }
    }

    void capBelowBaseIsClamped() {
        Backoff b(2000, 100, 3);
        QCOMPARE(b.ceilingMs(0), 2000);
        QCOMPARE(b.ceilingMs(10), 2000);
    }
};

QTEST_GUILESS_MAIN(TestBackoff)
#include "test_backoff.moc"
