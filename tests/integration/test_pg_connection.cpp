// PgConnection's callback contract under failure: every callback runs exactly once, from the
// event loop (never inside exec()), in order, with a typed failure when the statement could not
// complete — a failed pipeline sync or send, a failure inside a callback, the simple protocol,
// a connection that never came up — and the connection recovers by reconnecting.
#include "support/pg_fixture.h"

#include "db/pg_connection.h"

#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <optional>

using namespace tidings;
using namespace tidings::server;
using namespace tidings::test;

namespace {

//! What the callbacks of one test saw, in call order.
struct Recorder {
    struct Call {
        int id;
        PgResult result;
    };
    std::vector<Call> calls;

    PgCallback cb(int id) {
        return [this, id](PgResult r) { calls.push_back(Call{id, std::move(r)}); };
    }
    std::vector<int> order() const {
        std::vector<int> ids;
        for (const auto &c : calls)
            ids.push_back(c.id);
        return ids;
    }
    int count(int id) const {
        return int(
            std::count_if(calls.begin(), calls.end(), [id](const Call &c) { return c.id == id; }));
    }
    const PgResult &result(int id) const {
        static const PgResult none;
        for (const auto &c : calls)
            if (c.id == id)
                return c.result;
        return none;
    }
};

PgQuery sql(const char *text) {
    return PgQuery{text, {}, {}};
}

//! A statement that is still running on the server when the test breaks the connection.
PgQuery slow() {
    return sql("SELECT 1 FROM pg_sleep(0.3)");
}

bool waitConnected(PgConnection &conn) {
    if (conn.isReady())
        return true;
    QSignalSpy spy(&conn, &PgConnection::connected);
    return spy.wait(10000) || conn.isReady();
}

//! Runs one statement and returns its result (the loop runs meanwhile).
PgResult run(PgConnection &conn, PgQuery query) {
    std::optional<PgResult> out;
    conn.exec(std::move(query), [&out](PgResult r) { out = std::move(r); });
    (void)QTest::qWaitFor([&] { return out.has_value(); }, 10000);
    return out ? *out : PgResult::failure(PgFailure::Statement, QStringLiteral("timed out"));
}

} // namespace

class TestPgConnection : public QObject {
    Q_OBJECT
    PgFixture m_pg;
    QString m_conninfo;

private slots:
    void initTestCase() {
        const QString err = m_pg.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_conninfo = m_pg.createDatabase();
    }

    void statementResultsAndErrorsAreTyped() {
        PgConnection conn(m_conninfo, true);
        conn.open();
        QVERIFY(waitConnected(conn));
        const PgResult ok = run(conn, sql("SELECT 41 + 1 AS answer"));
        QVERIFY(ok.ok());
        QCOMPARE(ok.failureKind(), PgFailure::None);
        QCOMPARE(ok.int64(0, "answer"), 42);
        const PgResult bad = run(conn, sql("SELECT 1 / 0"));
        QCOMPARE(bad.failureKind(), PgFailure::Statement);
        QCOMPARE(bad.sqlState(), QByteArray("22012"));
        QCOMPARE(bad.error().code, ErrorCode::Internal);
        // A failed statement does not hurt the connection.
        QVERIFY(run(conn, sql("SELECT 1")).ok());
    }

    // The liveness bug this guards against: a failed PQpipelineSync used to drop the batch's
    // callbacks, so whatever waited for them (a shard's send batcher) waited forever.
    // libpq reports the first failed write only on the next one (it wants to read the server's
    // last words first): after the socket breaks, statement 3 still "goes out", the sync of
    // statement 4 is what fails.
    void failedPipelineSyncFailsTheBatchAndEverythingAroundIt() {
        PgConnection conn(m_conninfo, true);
        QSignalSpy lost(&conn, &PgConnection::connectionLost);
        conn.open();
        QVERIFY(waitConnected(conn));
        Recorder rec;
        conn.exec(slow(), rec.cb(1)); // in flight when the socket breaks
        conn.exec(sql("SELECT 2"), rec.cb(2));
        QVERIFY(conn.breakSocketForTest());
        conn.exec(sql("SELECT 3"), rec.cb(3));
        QCOMPARE(lost.count(), 0);
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression("database connection failed: \"cannot send a "
                                                "pipeline sync"));
        conn.exec(sql("SELECT 4"), rec.cb(4)); // its sync fails
        conn.exec(sql("SELECT 5"), rec.cb(5)); // behind the failure
        QCOMPARE(int(rec.calls.size()), 0);    // none inside exec()
        QCOMPARE(lost.count(), 1);
        QCOMPARE(conn.lastError(), PgConnection::ConnectError::Lost);
        QTRY_COMPARE(int(rec.calls.size()), 5);
        QCOMPARE(rec.order(), (std::vector<int>{1, 2, 3, 4, 5}));
        for (int id : {1, 2, 3}) // sent as far as we know: they may or may not have run
            QCOMPARE(rec.result(id).failureKind(), PgFailure::ConnectionLost);
        for (int id : {4, 5})
            QCOMPARE(rec.result(id).failureKind(), PgFailure::NotSent);
        for (int id = 1; id <= 5; ++id)
            QCOMPARE(rec.result(id).error().code, ErrorCode::Internal);

        // It reconnects by itself, and the same connection works again.
        QVERIFY(waitConnected(conn));
        const PgResult again = run(conn, sql("SELECT 42 AS v"));
        QVERIFY2(again.ok(), qPrintable(again.error().detail));
        QCOMPARE(again.int64(0, "v"), 42);
        QCOMPARE(int(rec.calls.size()), 5); // and nobody was called twice
    }

    void failedSendFailsTheBatch() {
        PgConnection conn(m_conninfo, true);
        conn.open();
        QVERIFY(waitConnected(conn));
        Recorder rec;
        conn.exec(slow(), rec.cb(1));
        QVERIFY(conn.breakSocketForTest());
        conn.exec(sql("SELECT 2"), rec.cb(2)); // takes libpq's first, silent, write failure
        // A statement larger than libpq's output buffer is written (and fails) while it is
        // being sent, before any sync.
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression("database connection failed: \"cannot send: "));
        conn.exec(PgQuery{"SELECT length($1)", {}, {}}.arg(QByteArray(256 * 1024, 'x')), rec.cb(3));
        QCOMPARE(int(rec.calls.size()), 0);
        QTRY_COMPARE(int(rec.calls.size()), 3);
        QCOMPARE(rec.order(), (std::vector<int>{1, 2, 3}));
        QCOMPARE(rec.result(1).failureKind(), PgFailure::ConnectionLost);
        QCOMPARE(rec.result(2).failureKind(), PgFailure::ConnectionLost);
        QCOMPARE(rec.result(3).failureKind(), PgFailure::NotSent);
        QVERIFY(waitConnected(conn));
        QVERIFY(
            run(conn, PgQuery{"SELECT length($1)", {}, {}}.arg(QByteArray(256 * 1024, 'x'))).ok());
    }

    // A one-batch-in-flight queue, as the services' group commit uses per shard: the next batch
    // goes out only when the previous one's callback ran. A lost callback stalls it for good.
    void aOneInFlightQueueDrainsThroughAFailure() {
        PgConnection conn(m_conninfo, true);
        conn.open();
        QVERIFY(waitConnected(conn));
        std::deque<int> queue;
        std::map<int, PgFailure> outcome;
        bool inFlight = false;
        std::function<void()> next = [&] {
            if (inFlight || queue.empty())
                return;
            const int id = queue.front();
            queue.pop_front();
            inFlight = true;
            conn.exec(PgQuery{"SELECT $1::int FROM pg_sleep(0.05)", {}, {}}.arg(id),
                      [&, id](PgResult r) {
                          QVERIFY(!outcome.count(id)); // once
                          outcome[id] = r.failureKind();
                          inFlight = false;
                          next();
                      });
        };
        for (int id = 1; id <= 6; ++id)
            queue.push_back(id);
        next();
        QVERIFY(conn.breakSocketForTest());
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("database connection failed"));
        QTRY_VERIFY(queue.empty() && !inFlight);
        QCOMPARE(int(outcome.size()), 6);
        QCOMPARE(outcome[1], PgFailure::ConnectionLost);
        // Later items go out once the connection is back: add more and see them succeed.
        QVERIFY(waitConnected(conn));
        queue.push_back(7);
        next();
        QTRY_VERIFY(outcome.count(7));
        QCOMPARE(outcome[7], PgFailure::None);
    }

    void connectionFailingInsideACallback() {
        PgConnection conn(m_conninfo, true);
        conn.open();
        QVERIFY(waitConnected(conn));
        Recorder rec;
        bool ranInsideCallback = false;
        conn.exec(sql("SELECT 1"), [&](PgResult r) {
            rec.calls.push_back(Recorder::Call{1, std::move(r)});
            // The connection fails right here, while the results of 2 and 3 may already sit
            // in libpq's buffer: they must not be delivered after the failure.
            QVERIFY(conn.breakSocketForTest());
            conn.exec(sql("SELECT 4"), rec.cb(4));
            conn.exec(sql("SELECT 5"), rec.cb(5)); // this sync fails
            ranInsideCallback = rec.count(4) + rec.count(5) > 0;
        });
        conn.exec(sql("SELECT 2"), rec.cb(2));
        conn.exec(sql("SELECT 3"), rec.cb(3));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("database connection failed"));
        QTRY_COMPARE(int(rec.calls.size()), 5);
        QVERIFY(!ranInsideCallback);
        QCOMPARE(rec.order(), (std::vector<int>{1, 2, 3, 4, 5}));
        QVERIFY(rec.result(1).ok());
        QCOMPARE(rec.result(2).failureKind(), PgFailure::ConnectionLost);
        QCOMPARE(rec.result(3).failureKind(), PgFailure::ConnectionLost);
        QCOMPARE(rec.result(4).failureKind(), PgFailure::ConnectionLost);
        QCOMPARE(rec.result(5).failureKind(), PgFailure::NotSent);
        QVERIFY(waitConnected(conn));
        QVERIFY(run(conn, sql("SELECT 6")).ok());
        QCOMPARE(int(rec.calls.size()), 5);
    }

    void simpleProtocolFailures() {
        PgConnection conn(m_conninfo, false);
        conn.open();
        QVERIFY(waitConnected(conn));
        Recorder rec;
        // The simple protocol flushes every query: a large one fails while it is being sent.
        QVERIFY(conn.breakSocketForTest());
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression("database connection failed: \"cannot send: "));
        conn.exec(PgQuery{"SELECT length('" + QByteArray(64 * 1024, 'x') + "')", {}, {}},
                  rec.cb(1));
        conn.exec(sql("SELECT 2"), rec.cb(2));
        QCOMPARE(int(rec.calls.size()), 0);
        QTRY_COMPARE(int(rec.calls.size()), 2);
        QCOMPARE(rec.order(), (std::vector<int>{1, 2}));
        QCOMPARE(rec.result(1).failureKind(), PgFailure::NotSent);
        QCOMPARE(rec.result(2).failureKind(), PgFailure::NotSent);

        // One query running, two waiting for their turn, and the server ends the session.
        QVERIFY(waitConnected(conn));
        conn.exec(sql("SELECT 3 FROM pg_sleep(30)"), rec.cb(3));
        conn.exec(sql("SELECT 4"), rec.cb(4));
        conn.exec(sql("SELECT 5; SELECT 6"), rec.cb(5));
        QTRY_COMPARE(m_pg.query(m_conninfo, "SELECT count(*) FROM pg_stat_activity "
                                            "WHERE query LIKE 'SELECT 3 FROM pg_sleep%'"),
                     QStringList{"1"});
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("database connection failed"));
        QCOMPARE(m_pg.query(m_conninfo, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE query LIKE 'SELECT 3 FROM pg_sleep%'"),
                 QStringList{"t"});
        QTRY_COMPARE(int(rec.calls.size()), 5);
        QCOMPARE(rec.order(), (std::vector<int>{1, 2, 3, 4, 5}));
        QCOMPARE(rec.result(3).failureKind(), PgFailure::ConnectionLost);
        QCOMPARE(rec.result(4).failureKind(), PgFailure::NotSent);
        QCOMPARE(rec.result(5).failureKind(), PgFailure::NotSent);

        // Multi-statement SQL after the reconnect: the last result.
        QVERIFY(waitConnected(conn));
        const PgResult multi = run(conn, sql("SELECT 7; SELECT 8 AS v"));
        QVERIFY(multi.ok());
        QCOMPARE(multi.int64(0, "v"), 8);
    }

    void statementsWaitingForAConnectionThatNeverComesFailOnce() {
        QTemporaryDir nowhere;
        PgConnection conn(
            QStringLiteral("host=%1 port=5432 dbname=x user=postgres").arg(nowhere.path()), true);
        QSignalSpy failed(&conn, &PgConnection::connectionFailed);
        Recorder rec;
        conn.exec(sql("SELECT 1"), rec.cb(1)); // before open(): waits for the connection
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("database connection failed"));
        conn.open(); // a missing socket fails at once, inside open()
        conn.exec(sql("SELECT 2"), rec.cb(2));
        QTRY_VERIFY(failed.count() >= 1);
        QCOMPARE(conn.lastError(), PgConnection::ConnectError::Connect);
        QTRY_COMPARE(int(rec.calls.size()), 2);
        QCOMPARE(rec.order(), (std::vector<int>{1, 2}));
        QCOMPARE(rec.result(1).failureKind(), PgFailure::NotSent);
        QCOMPARE(rec.result(2).failureKind(), PgFailure::NotSent);
        // It keeps retrying (and failing) without calling anyone again.
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("database connection failed"));
        QVERIFY(failed.wait(10000));
        QCOMPARE(int(rec.calls.size()), 2);
    }

    void destroyingAConnectionWithFailuresPendingCallsNobody() {
        Recorder rec;
        // Breaks the socket and makes the second statement's sync fail: both callbacks owe a
        // failure, delivered on the next loop pass.
        auto failTwo = [&rec](PgConnection &conn, int firstId) {
            QVERIFY(conn.breakSocketForTest());
            QTest::ignoreMessage(QtWarningMsg, QRegularExpression("database connection failed"));
            conn.exec(sql("SELECT 1"), rec.cb(firstId));
            conn.exec(sql("SELECT 2"), rec.cb(firstId + 1));
        };
        {
            PgConnection conn(m_conninfo, true);
            conn.open();
            QVERIFY(waitConnected(conn));
            failTwo(conn, 1);
            QVERIFY(!conn.isReady());
        }
        QCoreApplication::sendPostedEvents();
        QCOMPARE(int(rec.calls.size()), 0);
        // A connection that lives delivers them on that pass: the check above was not vacuous.
        PgConnection conn(m_conninfo, true);
        conn.open();
        QVERIFY(waitConnected(conn));
        failTwo(conn, 3);
        QCoreApplication::sendPostedEvents();
        QCOMPARE(rec.order(), (std::vector<int>{3, 4}));
    }
};

QTEST_GUILESS_MAIN(TestPgConnection)
#include "test_pg_connection.moc"
