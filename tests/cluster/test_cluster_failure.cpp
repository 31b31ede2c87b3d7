// Issue 14: failures of a cluster under steady traffic. Pairs of devices, each connected through
// HAProxy to whichever node, send to each other all the time while a node is killed (-9), a NATS
// server restarts, the whole bus goes away and comes back, and a node drains on SIGTERM. After
// each: nothing acknowledged is lost, nothing is seen twice, each sender's messages are in
// order, and every device is back within its reconnect bound.
#include "support/cluster_harness.h"
#include "support/raw_client.h"
#include "support/traffic_client.h"

#include <QTest>

#include <map>

using namespace tidings;
using namespace tidings::test;

namespace {

constexpr int kPairs = 12;
constexpr int kPaceMs = 100; // per device: 24 devices, 240 messages a second in all
//! The client's Backoff ceilings for its first attempts are 0.5, 1 and 2 s (full jitter); a
//! device reconnects at its first attempt unless HAProxy still sends it to the dead node, at
//! the latest at its third. Plus the time to authenticate on a loaded 2-core machine.
constexpr qint64 kReconnectBoundMs = 6000;

} // namespace

class TestClusterFailure : public QObject {
    Q_OBJECT
    std::unique_ptr<ClusterHarness> m_cluster;
    struct Pair {
        std::unique_ptr<TrafficClient> a, b;
    };
    std::vector<Pair> m_pairs;

    std::vector<TrafficClient *> all() {
        std::vector<TrafficClient *> out;
        for (auto &p : m_pairs)
            out.insert(out.end(), {p.a.get(), p.b.get()});
        return out;
    }
    void pace(int ms) {
        for (TrafficClient *c : all())
            c->setPace(ms);
    }
    bool allLive(int timeoutMs) {
        return waitFor(
            [&] {
                for (TrafficClient *c : all())
                    if (!c->isLive())
                        return false;
                return true;
            },
            timeoutMs);
    }

    //! Stops sending, waits until every send is acknowledged and every acknowledged message has
    //! reached its peer, then checks: received exactly what was acknowledged (each once, by
    //! seq), no payload under two seqs, each sender's messages in order. Empty: all good.
    QString settleAndCheck(int timeoutMs = 60000) {
        pace(0);
        const auto delivered = [](const TrafficClient &from, const TrafficClient &to) {
            for (const auto &[n, seq] : from.acked())
                if (!to.received().count(seq))
                    return false;
            return true;
        };
        const bool settled = waitFor(
            [&] {
                for (auto &p : m_pairs)
                    if (p.a->unacked() || p.b->unacked() || !delivered(*p.a, *p.b) ||
                        !delivered(*p.b, *p.a))
                        return false;
                return true;
            },
            timeoutMs);
        QStringList problems;
        for (std::size_t i = 0; i < m_pairs.size(); ++i) {
            const auto &p = m_pairs[i];
            for (const auto &[from, to] :
                 {std::pair{p.a.get(), p.b.get()}, {p.b.get(), p.a.get()}}) {
                int missing = 0, wrong = 0, disorder = 0;
                quint64 lastSeq = 0;
                for (const auto &[n, seq] : from->acked()) {
                    const auto got = to->received().find(seq);
                    if (got == to->received().end())
                        ++missing;
                    else if (got->second.find('-' + std::to_string(n)) == std::string::npos)
                        ++wrong;
                    if (seq < lastSeq)
                        ++disorder;
                    lastSeq = seq;
                }
                // One seq per payload: a message stored twice would show under two seqs.
                std::map<std::string, quint64> seen;
                int twice = 0;
                QString example;
                for (const auto &[seq, payload] : to->received()) {
                    const auto [it, fresh] = seen.emplace(payload, seq);
                    if (!fresh) {
                        ++twice;
                        example = QStringLiteral(" (%1 at seq %2 and %3)")
                                      .arg(QString::fromStdString(payload))
                                      .arg(it->second)
                                      .arg(seq);
                    }
                }
                if (missing || wrong || disorder || twice || from->unacked())
                    problems << QStringLiteral("pair %1: %2 missing, %3 wrong, %4 out of order, %5 "
                                               "stored twice%7, %6 unacknowledged")
                                    .arg(i)
                                    .arg(missing)
                                    .arg(wrong)
                                    .arg(disorder)
                                    .arg(twice)
                                    .arg(from->unacked())
                                    .arg(example);
            }
        }
        if (!settled && problems.isEmpty())
            problems << QStringLiteral("did not settle in time");
        return problems.join(QLatin1Char('\n'));
    }

    void report(const char *what) {
        int sent = 0, received = 0, arrivals = 0, reconnects = 0, errors = 0;
        qint64 longest = 0;
        for (TrafficClient *c : all()) {
            sent += int(c->acked().size());
            received += int(c->received().size());
            arrivals += c->receivedTotal();
            reconnects += c->reconnects();
            errors += c->sendErrors();
            longest = std::max(longest, c->longestOutageMs());
        }
        qInfo("%s: %d messages acknowledged, %d received (%d arrivals), %d reconnects, longest "
              "outage %lld ms, %d sends answered with an error",
              what, sent, received, arrivals, reconnects, qlonglong(longest), errors);
    }

private slots:
    void initTestCase() {
        if (const QString missing = ClusterHarness::missingTools(); !missing.isEmpty())
            QSKIP(qPrintable(QStringLiteral("needs ") + missing));
        ClusterHarness::Options o;
        o.nodeArgs = QStringList{"--drain-window", "3"};
        m_cluster = std::make_unique<ClusterHarness>(o);
        const QString e = m_cluster->start();
        QVERIFY2(e.isEmpty(), qPrintable(e));
        for (int i = 0; i < kPairs; ++i) {
            const QString an = QStringLiteral("fa%1").arg(i), bn = QStringLiteral("fb%1").arg(i);
            auto a = RawClient::registered(m_cluster->url(), an);
            auto b = RawClient::registered(m_cluster->url(), bn);
            QVERIFY(a && b);
            const quint64 conv = a->openDirect(bn);
            QVERIFY(conv);
            Pair p;
            p.a = std::make_unique<TrafficClient>(m_cluster->url(), a->token, conv, an);
            p.b = std::make_unique<TrafficClient>(m_cluster->url(), b->token, conv, bn);
            m_pairs.push_back(std::move(p));
        }
        for (TrafficClient *c : all())
            c->start();
        QVERIFY(allLive(30000));
        pace(kPaceMs);
        QTest::qWait(2000);
        const QString problems = settleAndCheck();
        report("steady");
        QVERIFY2(problems.isEmpty(), qPrintable(problems));
    }

    void killANodeUnderTraffic() {
        pace(kPaceMs);
        QTest::qWait(1500);
        m_cluster->killNode(1);
        QTest::qWait(4000); // traffic goes on on the other two
        QVERIFY(allLive(kReconnectBoundMs));
        const QString problems = settleAndCheck();
        QVERIFY2(problems.isEmpty(), qPrintable(problems));
        for (TrafficClient *c : all())
            QVERIFY2(c->longestOutageMs() < kReconnectBoundMs,
                     qPrintable(QString::number(c->longestOutageMs())));
        report("kill -9 of node-1");
        QVERIFY(m_cluster->startNode(1));
        QVERIFY(m_cluster->waitBackend(1, true, 20000));
    }

    void restartANatsServerUnderTraffic() {
        pace(kPaceMs);
        QTest::qWait(1500);
        m_cluster->killNats(0);
        QTest::qWait(2000);
        QVERIFY(m_cluster->startNats(0));
        QVERIFY(m_cluster->waitNatsCluster(30000));
        QTest::qWait(2000);
        const QString problems = settleAndCheck();
        QVERIFY2(problems.isEmpty(), qPrintable(problems));
        report("restart of nats-0");
    }

    void loseTheWholeBus() {
        // Without NATS each node delivers what it can itself; the rest waits in the inboxes and
        // is drained when the bus is back (or the device reconnects). Nothing is lost.
        pace(kPaceMs);
        QTest::qWait(1000);
        for (int i = 0; i < 3; ++i)
            m_cluster->killNats(i);
        QTest::qWait(4000);
        for (int i = 0; i < 3; ++i)
            QVERIFY(m_cluster->startNats(i));
        QVERIFY(m_cluster->waitNatsCluster(30000));
        const QString problems = settleAndCheck();
        QVERIFY2(problems.isEmpty(), qPrintable(problems));
        report("all NATS servers down for 4 s");
    }

    void drainANodeUnderTraffic() {
        pace(kPaceMs);
        QTest::qWait(1500);
        QElapsedTimer t;
        t.start();
        m_cluster->terminateNode(2);
        // --drain-window 3: the node tells its devices over 3 s, then exits by itself.
        QCOMPARE(m_cluster->waitNodeExit(2, 15000), 0);
        const qint64 took = t.elapsed();
        QVERIFY2(took >= 2000, qPrintable(QString::number(took)));
        QVERIFY(allLive(kReconnectBoundMs));
        const QString problems = settleAndCheck();
        QVERIFY2(problems.isEmpty(), qPrintable(problems));
        int drained = 0;
        QStringList codes;
        for (TrafficClient *c : all()) {
            drained += int(c->closeCodes().count(1001));
            for (int code : c->closeCodes())
                codes << QString::number(code);
        }
        QVERIFY2(drained > 0, qPrintable(codes.join(QLatin1Char(' ')) + QLatin1Char('\n') +
                                         m_cluster->logTail(QStringLiteral("node-2"), 15)));
        qInfo("node-2 drained in %lld ms; %d devices were told to reconnect (1001 Going Away); "
              "close codes seen in this test: %s",
              qlonglong(took), drained, qPrintable(codes.join(' ')));
        report("SIGTERM drain of node-2");
        QVERIFY(m_cluster->startNode(2));
    }

    void cleanupTestCase() {
        for (TrafficClient *c : all())
            c->stop();
    }
};

QTEST_GUILESS_MAIN(TestClusterFailure)
#include "test_cluster_failure.moc"
