// PostgreSQL failover under traffic (issue 14): a primary with a synchronous streaming replica,
// tidingsd on a multi-host database URL with target_session_attrs=read-write, steady 1:1 traffic
// between two users, then the primary killed (`pg_ctl stop -m immediate`) and the replica
// promoted a moment later. Every send that got a SendAck must be in the promoted database and
// reach the recipient once, in seq order; the sends caught by the outage get a retryable typed
// error (the test's client retries them with the same client message id, as the app does) and
// are acked later; the service is back within a bound, measured and printed.
//
// Synchronous replication (synchronous_standby_names = '*', synchronous_commit = on) is what
// makes "acked" mean "on the replica too": with asynchronous replication the last acknowledged
// commits may be lost by a failover, and this test would rightly fail now and then.
//
// Everything runs on loopback and is started and stopped by the test (destructors stop the
// clusters and tidingsd also when a check fails). As root, PostgreSQL runs as `postgres` (or
// `nobody`), as EmbeddedPostgres does.
#include "db/embedded_postgres.h"
#include "db/pg_connection.h"
#include "support/pg_replication.h"
#include "support/raw_client.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QMap>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <csignal>

#include <deque>
#include <map>
#include <memory>
#include <optional>

using namespace tidings;
using namespace tidings::test;

namespace {

//! tidingsd as a process, its log in a file (printed when the test fails).
class Tidingsd {
public:
    Tidingsd(const QString &dir, QString databaseUrl)
        : m_dir(dir)
        , m_url(std::move(databaseUrl))
        , m_port(failoverFreePort()) {}
    ~Tidingsd() { stop(); }

    bool start() {
        const QString bin = qEnvironmentVariable("TIDINGSD_BIN");
        if (bin.isEmpty())
            return false;
        m_proc.setProcessChannelMode(QProcess::MergedChannels);
        m_proc.setStandardOutputFile(logPath());
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("tidings.db.debug=false"));
        m_proc.setProcessEnvironment(env);
        m_proc.start(bin, {"--data-dir", m_dir + QStringLiteral("/server"), "--listen",
                           QStringLiteral("127.0.0.1:%1").arg(m_port), "--database-url", m_url,
                           "--registrations-per-hour", "0", "--cheap-password-hashing",
                           "--allow-unencrypted"});
        if (!m_proc.waitForStarted(5000))
            return false;
        return QTest::qWaitFor(
                   [&] {
                       return m_proc.state() != QProcess::Running ||
                              logLines().join('\n').contains("tidingsd listening on ");
                   },
                   60000) &&
               m_proc.state() == QProcess::Running;
    }
    void stop() {
        if (m_proc.state() != QProcess::Running)
            return;
        m_proc.terminate();
        if (!m_proc.waitForFinished(15000)) {
            m_proc.kill();
            m_proc.waitForFinished(5000);
        }
    }
    bool running() const { return m_proc.state() == QProcess::Running; }
    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_port)); }
    QString logPath() const { return m_dir + QStringLiteral("/tidingsd.log"); }
    QStringList logLines() const {
        QFile f(logPath());
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()).split('\n')
                                           : QStringList();
    }

private:
    QString m_dir;
    QString m_url;
    quint16 m_port;
    QProcess m_proc;
};

//! Stops (SIGSTOP) the primary's backends that are waiting for the synchronous standby to
//! confirm a send batch's commit, and returns those still in that wait once stopped (the others
//! run on: SIGCONT). Empty when none was caught: the caller tries again with the next commit.
QList<qint64> freezeInSyncRepWait(const PgNode &primary) {
    const QString waiting =
        QStringLiteral("SELECT pid FROM pg_stat_activity WHERE datname = 'tidings' AND "
                       "wait_event = 'SyncRep' AND query LIKE '%tidings_send_batch%'");
    QList<qint64> stopped;
    for (const QString &pid : PgFixture::rows(primary.conninfo(), waiting)) {
        if (pid.startsWith(QLatin1String("ERROR")))
            return {};
        if (::kill(pid_t(pid.toLongLong()), SIGSTOP) == 0)
            stopped << pid.toLongLong();
    }
    if (stopped.isEmpty())
        return {};
    // pg_stat_activity lives in shared memory: it answers for a stopped backend too.
    const QStringList still = PgFixture::rows(primary.conninfo(), waiting);
    QList<qint64> frozen;
    for (qint64 pid : stopped) {
        if (still.contains(QString::number(pid)))
            frozen << pid;
        else
            ::kill(pid_t(pid), SIGCONT);
    }
    return frozen;
}

//! What the sender saw of one client message id.
struct SendState {
    quint64 seq = 0;         //!< from its SendAck (0: not acked yet)
    int attempts = 0;        //!< requests sent for it
    qint64 firstSentMs = -1; //!< test clock
    bool retryPending = false;
};

} // namespace

class TestPgFailover : public QObject {
    Q_OBJECT
    QString m_binDir;

private slots:
    void initTestCase() {
        if (qEnvironmentVariable("TIDINGSD_BIN").isEmpty())
            QSKIP("TIDINGSD_BIN is not set: run through ctest");
        m_binDir = server::EmbeddedPostgres::findBinDir();
        if (m_binDir.isEmpty() ||
            server::EmbeddedPostgres::findProgram(QStringLiteral("pg_basebackup"), m_binDir)
                .isEmpty())
            QSKIP("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found");
    }

    //! A connection that lands on a standby anyway (no target_session_attrs, or a pooler in
    //! front that sends it there) must not stay there: a write refused as read-only (SQLSTATE
    //! 25006) fails as safe to retry, and the connection reconnects instead of refusing every
    //! write from then on.
    void writeOnAStandbyReconnects() {
        Pair pair;
        const QString err = pair.start(m_binDir);
        QVERIFY2(err.isEmpty(), qPrintable(err));
        server::PgConnection conn(pair.replica->conninfo(), true);
        QSignalSpy connected(&conn, &server::PgConnection::connected);
        QSignalSpy lost(&conn, &server::PgConnection::connectionLost);
        conn.open();
        QVERIFY(connected.wait(10000));
        std::optional<server::PgResult> res;
        conn.exec(server::PgQuery{"CREATE TABLE written_on_a_standby (x int)", {}, {}},
                  [&](server::PgResult r) { res = std::move(r); });
        QVERIFY(QTest::qWaitFor([&] { return res.has_value(); }, 10000));
        QVERIFY(!res->ok());
        QCOMPARE(res->sqlState(), QByteArray("25006"));
        QCOMPARE(res->failureKind(), server::PgFailure::ReadOnly);
        QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(connected.count() >= 2, 10000); // it came back (still a standby)
        // Reads still work after the reconnect.
        std::optional<server::PgResult> read;
        conn.exec(server::PgQuery{"SELECT 1", {}, {}},
                  [&](server::PgResult r) { read = std::move(r); });
        QVERIFY(QTest::qWaitFor([&] { return read.has_value(); }, 10000));
        QVERIFY(read->ok());
    }

    //! A first host that accepts the TCP connection and then never answers (a machine gone
    //! without a reset looks the same until the kernel gives up, minutes later): libpq ignores
    //! connect_timeout in non-blocking mode, so PgConnection keeps its own and moves that host
    //! to the back; the next attempt reaches the primary.
    void silentFirstHostTimesOut() {
        Pair pair;
        const QString err = pair.start(m_binDir);
        QVERIFY2(err.isEmpty(), qPrintable(err));
        QTcpServer silent; // listens, never accepts: the kernel completes the handshake
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        const QString conninfo =
            QStringLiteral("host=127.0.0.1,127.0.0.1 port=%1,%2 dbname=tidings user=postgres "
                           "password=%3 connect_timeout=2 target_session_attrs=read-write")
                .arg(silent.serverPort())
                .arg(pair.primary->port())
                .arg(kReplicationPassword);
        server::PgConnection conn(conninfo, true);
        QSignalSpy connected(&conn, &server::PgConnection::connected);
        QSignalSpy failed(&conn, &server::PgConnection::connectionFailed);
        QElapsedTimer t;
        t.start();
        conn.open();
        QVERIFY(connected.wait(20000));
        qInfo("connected after %lld ms (%d attempt(s) timed out)", t.elapsed(),
              int(failed.count()));
        QCOMPARE(failed.count(), 1);
        QVERIFY(failed.at(0).at(0).toString().contains(QStringLiteral("timed out")));
    }

    void failoverUnderTraffic_data() {
        QTest::addColumn<bool>("uriForm");
        QTest::addColumn<bool>("lostCommitReply");
        QTest::newRow("postgresql:// URI over TCP") << true << false;
        QTest::newRow("key=value over unix sockets") << false << false;
        // The primary dies while a send batch's COMMIT is on the standby and its reply is not
        // yet out: tidingsd cannot know the outcome (ConnectionLost), answers INTERNAL, and the
        // client's retry finds the message stored (a duplicate ack, the original seq).
        QTest::newRow("COMMIT reply lost") << true << true;
    }

    void failoverUnderTraffic() {
        QFETCH(bool, uriForm);
        QFETCH(bool, lostCommitReply);
        Pair pair;
        const QString err = pair.start(m_binDir);
        QVERIFY2(err.isEmpty(), qPrintable(err));
        PgNode &primary = *pair.primary;
        PgNode &replica = *pair.replica;
        const QString url =
            uriForm ? QStringLiteral("postgresql://postgres:%1@127.0.0.1:%2,127.0.0.1:%3/tidings"
                                     "?target_session_attrs=read-write")
                          .arg(kReplicationPassword)
                          .arg(primary.port())
                          .arg(replica.port())
                    : QStringLiteral("host=%1,%2 port=%3,%4 dbname=tidings user=postgres "
                                     "target_session_attrs=read-write")
                          .arg(primary.socketDir(), replica.socketDir())
                          .arg(primary.port())
                          .arg(replica.port());

        Tidingsd server(pair.tmp.path(), url);
        QVERIFY2(server.start(), qPrintable(server.logLines().join('\n')));
        auto printLogOnFailure = qScopeGuard([&] {
            if (!QTest::currentTestFailed())
                return;
            qWarning("tidingsd log (last lines):\n%s",
                     qPrintable(
                         server.logLines().mid(qMax(0, server.logLines().size() - 80)).join('\n')));
            qWarning("replica log:\n%s", qPrintable(replica.log().right(4000)));
        });

        auto alice = RawClient::registered(server.url(), QStringLiteral("alice"));
        auto bob = RawClient::registered(server.url(), QStringLiteral("bob"));
        QVERIFY(alice && bob);
        const quint64 conv = alice->openDirect(QStringLiteral("bob"));
        QVERIFY(conv != 0);
        const QByteArray aliceToken = alice->token, bobToken = bob->token;

        // Steady traffic: up to kWindow sends in flight; an answered error or no answer within
        // kAnswerMs sends the same client message id again after a short pause, as the app's
        // outbox does. The failover comes after kKillAt acks; kTotal messages in all.
        constexpr int kTotal = 600, kKillAt = 200, kWindow = 4;
        constexpr int kAnswerMs = 10000, kRetryPauseMs = 100, kPromoteAfterMs = 2000;
        constexpr qint64 kResumeBoundMs = 15000;
        QElapsedTimer clock;
        clock.start();
        std::map<QString, SendState> sends; // by client message id
        struct InFlight {
            QString id;
            qint64 sentMs;
        };
        std::map<quint64, InFlight> inFlight;           // by request id
        std::deque<std::pair<qint64, QString>> retries; // (not before, id)
        int nextNew = 1, acked = 0, duplicates = 0, unanswered = 0, reconnects = 0;
        QMap<QString, int> errors; // error code name -> count
        qint64 killedMs = -1, promotedMs = -1, resumedMs = -1, lastAckBeforeKillMs = -1;
        int errorsBeforeKill = 0, freezeProbes = 0;
        QList<qint64> frozen;
        qint64 walReceiver = 0;
        quint64 bobAcked = 0;

        const auto sendOne = [&](const QString &id) {
            protocol::Frame f;
            auto *s = f.mutable_send_request();
            s->set_conversation_id(conv);
            s->set_client_message_id(id.toStdString());
            s->set_payload(("payload of " + id).toStdString());
            const quint64 req = alice->sendRequest(f);
            inFlight[req] = InFlight{id, clock.elapsed()};
            auto &st = sends[id];
            ++st.attempts;
            if (st.firstSentMs < 0)
                st.firstSentMs = clock.elapsed();
        };
        const auto retryLater = [&](const QString &id) {
            retries.emplace_back(clock.elapsed() + kRetryPauseMs, id);
        };

        const qint64 deadline = 240000;
        while (acked < kTotal && clock.elapsed() < deadline) {
            // The failover, mid-traffic.
            if (killedMs < 0 && acked >= kKillAt && lostCommitReply && frozen.isEmpty()) {
                // The standby's WAL receiver stopped: commits now wait for it (SyncRep), long
                // enough to catch a send batch's backend there and stop it; then the receiver
                // goes on, the standby flushes that commit and confirms it, and the stopped
                // backend cannot pass the confirmation on.
                if (walReceiver == 0) {
                    walReceiver =
                        PgFixture::rows(replica.conninfo(),
                                        "SELECT pid FROM pg_stat_activity WHERE backend_type = "
                                        "'walreceiver'")
                            .value(0)
                            .toLongLong();
                    QVERIFY(walReceiver > 0);
                    QCOMPARE(::kill(pid_t(walReceiver), SIGSTOP), 0);
                }
                QVERIFY2(++freezeProbes < 2000, "no send batch caught in its SyncRep wait");
                frozen = freezeInSyncRepWait(primary);
                if (!frozen.isEmpty()) {
                    QCOMPARE(::kill(pid_t(walReceiver), SIGCONT), 0);
                    QVERIFY(QTest::qWaitFor(
                        [&] {
                            return PgFixture::rows(
                                       primary.conninfo(),
                                       "SELECT flush_lsn >= pg_current_wal_flush_lsn() FROM "
                                       "pg_stat_replication")
                                       .value(0) == QLatin1String("t");
                        },
                        10000));
                    qInfo("%d backend(s) stopped after their COMMIT, which is on the standby",
                          int(frozen.size()));
                }
            }
            if (killedMs < 0 && acked >= kKillAt && (!lostCommitReply || !frozen.isEmpty())) {
                killedMs = clock.elapsed();
                errorsBeforeKill = errors.value("total");
                const QString e = lostCommitReply ? primary.crashWithFrozen(frozen)
                                                  : primary.stop(QStringLiteral("immediate"));
                QVERIFY2(e.isEmpty(), qPrintable(e));
                qInfo("primary killed (pg_ctl stop -m immediate) after %d acks, in %lld ms", acked,
                      clock.elapsed() - killedMs);
            }
            // Meanwhile tidingsd's connections land on the replica, still a standby, which
            // libpq refuses for read-write; then the replica is promoted.
            if (killedMs >= 0 && promotedMs < 0 && clock.elapsed() - killedMs >= kPromoteAfterMs) {
                const qint64 t = clock.elapsed();
                const QString e = replica.promote();
                QVERIFY2(e.isEmpty(), qPrintable(e));
                promotedMs = clock.elapsed();
                qInfo("replica promoted (pg_ctl promote -w took %lld ms), %lld ms after the kill",
                      promotedMs - t, promotedMs - killedMs);
            }

            // A dropped connection: everything in flight is unanswered; authenticate again.
            if (!alice->isConnected()) {
                for (const auto &[req, f] : inFlight)
                    retryLater(f.id);
                inFlight.clear();
                alice = RawClient::authenticated(server.url(), aliceToken);
                ++reconnects;
                if (!alice) {
                    alice = std::make_unique<RawClient>(server.url());
                    (void)waitFor([] { return false; }, kRetryPauseMs);
                    continue;
                }
            }
            if (!bob->isConnected()) {
                auto again = RawClient::authenticated(server.url(), bobToken);
                ++reconnects;
                if (again) {
                    // Keep what bob had seen: the drain may bring it again (de-duplicated).
                    again->messages.insert(again->messages.begin(), bob->messages.begin(),
                                           bob->messages.end());
                    bob = std::move(again);
                }
            }

            // Answers.
            for (auto it = inFlight.begin(); it != inFlight.end();) {
                auto answer = alice->takeResponse(it->first);
                if (!answer) {
                    if (clock.elapsed() - it->second.sentMs > kAnswerMs) {
                        ++unanswered;
                        retryLater(it->second.id);
                        it = inFlight.erase(it);
                    } else {
                        ++it;
                    }
                    continue;
                }
                const InFlight f = it->second;
                it = inFlight.erase(it);
                auto &st = sends[f.id];
                if (answer->has_send_ack()) {
                    const quint64 seq = answer->send_ack().seq();
                    if (st.seq != 0) {
                        // An earlier request for it was answered too (after a timeout).
                        QCOMPARE(seq, st.seq);
                        continue;
                    }
                    st.seq = seq;
                    ++acked;
                    if (answer->send_ack().duplicate())
                        ++duplicates;
                    if (killedMs < 0)
                        lastAckBeforeKillMs = clock.elapsed();
                    if (killedMs >= 0 && resumedMs < 0 && f.sentMs >= killedMs)
                        resumedMs = clock.elapsed();
                    continue;
                }
                const auto code = errorCode(answer);
                const QString name = QString::fromStdString(wire::ErrorCode_Name(code));
                ++errors[name];
                ++errors["total"];
                // Only a retryable answer may come for a message that is fine: anything else
                // would make the app give it up.
                QVERIFY2(code == wire::ERROR_INTERNAL || code == wire::ERROR_RATE_LIMITED,
                         qPrintable(QStringLiteral("send %1 refused for good: %2 (%3)")
                                        .arg(f.id, name,
                                             QString::fromStdString(answer->error().detail()))));
                if (st.seq == 0)
                    retryLater(f.id);
            }

            // New sends and due retries, up to the window.
            while (int(inFlight.size()) < kWindow) {
                if (!retries.empty() && retries.front().first <= clock.elapsed()) {
                    const QString id = retries.front().second;
                    retries.pop_front();
                    if (sends[id].seq == 0)
                        sendOne(id);
                    continue;
                }
                if (!retries.empty() || nextNew > kTotal)
                    break; // retries first, in order
                sendOne(QStringLiteral("m%1").arg(nextNew++));
            }

            // Bob acks what he got, as clients do.
            quint64 top = 0;
            for (const auto &m : bob->messages)
                if (m.conversation_id() == conv)
                    top = std::max<quint64>(top, m.seq());
            if (top > bobAcked) {
                bob->ackDelivered(conv, top);
                bobAcked = top;
            }

            (void)waitFor(
                [&] {
                    for (const auto &[req, f] : inFlight)
                        if (alice->hasResponse(req))
                            return true;
                    return !alice->isConnected();
                },
                20);
        }
        QVERIFY2(acked == kTotal,
                 qPrintable(QStringLiteral("only %1 of %2 acked").arg(acked).arg(kTotal)));
        QVERIFY(killedMs >= 0 && promotedMs >= 0 && resumedMs >= 0);

        int sentAfterKillBeforeResume = 0, retried = 0;
        for (const auto &[id, st] : sends) {
            if (st.attempts > 1)
                ++retried;
            if (st.firstSentMs >= killedMs && st.firstSentMs < resumedMs)
                ++sentAfterKillBeforeResume;
        }
        qInfo("%d messages acked; last ack before the kill %lld ms before it; service back "
              "%lld ms after the kill, %lld ms after the promotion",
              acked, killedMs - lastAckBeforeKillMs, resumedMs - killedMs, resumedMs - promotedMs);
        qInfo("%d messages first sent during the outage, %d sent more than once; %d retryable "
              "errors during the outage (%d before the kill), %d duplicate acks, %d unanswered "
              "requests, %d reconnects; errors by code: %s",
              sentAfterKillBeforeResume, retried, errors.value("total") - errorsBeforeKill,
              errorsBeforeKill, duplicates, unanswered, reconnects, qPrintable([&] {
                  QStringList parts;
                  for (auto it = errors.begin(); it != errors.end(); ++it)
                      if (it.key() != QLatin1String("total"))
                          parts << QStringLiteral("%1 %2").arg(it.key()).arg(it.value());
                  return parts.isEmpty() ? QStringLiteral("none") : parts.join(", ");
              }()));
        if (lostCommitReply)
            QVERIFY2(duplicates > 0, "the retry of the send whose COMMIT reply was lost should "
                                     "have found it stored");
        QVERIFY2(resumedMs - killedMs < kResumeBoundMs,
                 qPrintable(QStringLiteral("service back only %1 ms after the kill")
                                .arg(resumedMs - killedMs)));

        // Every acked message is in the promoted database, under the seq its ack named, once;
        // seq is gap-free.
        const QStringList rows = PgFixture::rows(
            replica.conninfo(), QStringLiteral("SELECT seq, client_message_id FROM messages "
                                               "WHERE conversation_id = %1 ORDER BY seq")
                                    .arg(conv));
        QVERIFY2(!rows.value(0).startsWith("ERROR"), qPrintable(rows.value(0)));
        QCOMPARE(rows.size(), kTotal);
        QHash<QString, quint64> stored;
        for (int i = 0; i < rows.size(); ++i) {
            const QStringList cols = rows[i].split('|');
            QCOMPARE(cols.value(0).toULongLong(), quint64(i + 1));
            QVERIFY2(!stored.contains(cols.value(1)), qPrintable("stored twice: " + cols.value(1)));
            stored.insert(cols.value(1), cols.value(0).toULongLong());
        }
        for (const auto &[id, st] : sends)
            QVERIFY2(stored.value(id) == st.seq,
                     qPrintable(QStringLiteral("%1 acked as seq %2, stored as %3")
                                    .arg(id)
                                    .arg(st.seq)
                                    .arg(stored.value(id))));

        // Bob got every one, once in his view (an inbox drain and a live push may both bring
        // one: de-duplicated by seq, as clients do), in seq order as they arrived. A send whose
        // COMMIT reply was lost is acked as a duplicate on its retry, and the server pushes no
        // duplicate (it assumes the first store pushed): bob sees a hole in seq, and his cursor
        // (acked past it) keeps it out of his next drain. The app closes such holes from the
        // history (app/core/sync/catch_up.*); so does this client.
        (void)waitFor([&] { return int(bob->messagesIn(conv).size()) >= kTotal; }, 5000);
        const int live = int(bob->messagesIn(conv).size());
        int fromHistory = 0;
        if (live < kTotal) {
            QSet<quint64> have;
            for (const auto &m : bob->messagesIn(conv))
                have.insert(m.seq());
            for (quint64 seq = 1; seq <= quint64(kTotal); ++seq) {
                if (have.contains(seq))
                    continue;
                protocol::Frame h;
                h.mutable_history_request()->set_conversation_id(conv);
                h.mutable_history_request()->set_after_seq(seq - 1);
                h.mutable_history_request()->set_until_seq(seq);
                h.mutable_history_request()->set_limit(1);
                auto page = bob->request(h);
                QVERIFY2(page && page->has_history_response(),
                         page ? page->error().detail().c_str() : "no answer");
                for (const auto &m : page->history_response().messages()) {
                    bob->messages.push_back(m);
                    ++fromHistory;
                }
            }
        }
        qInfo("bob: %d of %d messages pushed live, %d from the history (seq hole catch-up)", live,
              kTotal, fromHistory);
        if (!lostCommitReply)
            QCOMPARE(live, kTotal);
        const auto view = bob->messagesIn(conv);
        QCOMPARE(int(view.size()), kTotal);
        QSet<QString> seen;
        for (std::size_t i = 0; i < view.size(); ++i) {
            const QString id = QString::fromStdString(view[i].client_message_id());
            QCOMPARE(view[i].seq(), quint64(i + 1));
            QCOMPARE(stored.value(id), view[i].seq());
            QVERIFY2(!seen.contains(id), qPrintable("bob got twice: " + id));
            seen.insert(id);
            QCOMPARE(QByteArray::fromStdString(view[i].payload()), "payload of " + id.toUtf8());
        }
        // A seq at or below one already seen is a repeat (drain after a live push), never a new
        // message arriving behind a later one: every new seq was the next one.
        // Pushed live, every new seq was the next one (or, after a hole, the next after it).
        quint64 highest = 0;
        QSet<quint64> arrived;
        for (std::size_t i = 0; i + std::size_t(fromHistory) < bob->messages.size(); ++i) {
            const auto &m = bob->messages[i];
            if (m.conversation_id() != conv || arrived.contains(m.seq()))
                continue;
            QVERIFY2(m.seq() > highest,
                     qPrintable(QStringLiteral("seq %1 after %2").arg(m.seq()).arg(highest)));
            arrived.insert(m.seq());
            highest = m.seq();
        }
        const int pushes =
            int(std::count_if(bob->messages.begin(), bob->messages.end(),
                              [&](const wire::Message &m) { return m.conversation_id() == conv; }));
        qInfo("bob: %d pushed copies of %d messages (%d repeats, de-duplicated by seq)", pushes,
              kTotal, pushes - kTotal);
    }
};

QTEST_GUILESS_MAIN(TestPgFailover)
#include "test_pg_failover.moc"
