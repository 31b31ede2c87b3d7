// Migrations on an empty database and on restart; partition maintenance: the 30-day inbox
// expiry and the history retention, both by dropping partitions.
#include "support/pg_fixture.h"
#include "support/raw_client.h"
#include "support/server_harness.h"

#include "db/migrator.h"

#include <QElapsedTimer>
#include <QTest>

#include <libpq-fe.h>

#include <memory>

using namespace tidings;
using namespace tidings::test;
using F = protocol::Frame;

namespace {
constexpr qint64 kDay = 24LL * 3600 * 1000;

QStringList maintain(ServerHarness &h) {
    std::optional<Result<QStringList>> out;
    h.server()->runMaintenance([&](Result<QStringList> r) { out = r; });
    (void)QTest::qWaitFor([&] { return out.has_value(); }, 20000);
    if (!out || !*out)
        return {QStringLiteral("FAILED")};
    return out->value();
}
} // namespace

class TestMaintenance : public QObject {
    Q_OBJECT
    PgFixture m_pg;

private slots:
    void initTestCase() {
        const QString err = m_pg.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void migrationsApplyOnEmptyDatabaseAndAreIdempotent() {
        ServerHarness h(m_pg);
        QVERIFY(h.start());
        const int files = int(server::Migrator::migrationFiles().size());
        QVERIFY(files >= 1);
        const auto versions = m_pg.query(h.conninfo(), "SELECT version FROM schema_migrations");
        QCOMPARE(versions.size(), files);
        const auto applied =
            m_pg.query(h.conninfo(), "SELECT applied_at::text FROM schema_migrations");
        // Every function of db/functions/ exists (one per file).
        QCOMPARE(m_pg.query(h.conninfo(), "SELECT count(DISTINCT proname) FROM pg_proc "
                                          "WHERE proname LIKE 'tidings\\_%'"),
                 QStringList{QString::number(server::Migrator::functionFiles().size())});
        for (const char *table : {"users", "devices", "device_tokens", "conversations", "members",
                                  "receipts", "messages", "inbox", "send_dedup", "device_keys",
                                  "one_time_prekeys", "device_lists", "envelopes"})
            QCOMPARE(m_pg.query(h.conninfo(),
                                QStringLiteral("SELECT to_regclass('%1') IS NOT NULL").arg(table)),
                     QStringList{"t"});
        // messages and inbox are partitioned, with partitions created ahead.
        QCOMPARE(m_pg.query(h.conninfo(), "SELECT count(*) >= 4 FROM pg_inherits i JOIN pg_class p "
                                          "ON p.oid = i.inhparent WHERE p.relname = 'messages'"),
                 QStringList{"t"});
        QCOMPARE(m_pg.query(h.conninfo(), "SELECT count(*) >= 8 FROM pg_inherits i JOIN pg_class p "
                                          "ON p.oid = i.inhparent WHERE p.relname = 'inbox'"),
                 QStringList{"t"});
        // Envelopes are partitioned like messages (same months).
        QCOMPARE(m_pg.query(h.conninfo(), "SELECT count(*) >= 4 FROM pg_inherits i JOIN pg_class p "
                                          "ON p.oid = i.inhparent WHERE p.relname = 'envelopes'"),
                 QStringList{"t"});
        h.stop();
        QVERIFY(h.start());
        h.stop();
        QVERIFY(h.start());
        QCOMPARE(m_pg.query(h.conninfo(), "SELECT applied_at::text FROM schema_migrations"),
                 applied);
    }

    void undeliveredInboxEntryExpiresAfter30Days() {
        ServerHarness h(m_pg);
        h.shiftClock(-40 * kDay);
        QVERIFY(h.start());
        RawClient alice(h.url()), bob(h.url());
        QVERIFY(alice.connectNow() && bob.connectNow());
        QVERIFY(alice.registerUser("alice"));
        QVERIFY(bob.registerUser("bob"));
        const QByteArray bobToken = bob.token;
        bob.close();
        QVERIFY(bob.waitDisconnected());
        const quint64 conv = alice.openDirect("bob");
        QVERIFY(alice.send(conv, "old")->has_send_ack()); // 40 days ago

        h.shiftClock(30 * kDay); // 10 days ago
        QVERIFY(!maintain(h).contains("FAILED"));
        QVERIFY(alice.send(conv, "recent")->has_send_ack());

        h.shiftClock(10 * kDay); // now
        const QStringList dropped = maintain(h);
        QVERIFY2(!dropped.isEmpty() && !dropped.contains("FAILED"), qPrintable(dropped.join(',')));
        for (const auto &name : dropped)
            QVERIFY2(name.startsWith("inbox_"), qPrintable(name)); // history is kept forever

        RawClient back(h.url());
        QVERIFY(back.connectNow());
        QVERIFY(back.auth(bobToken));
        auto drained = back.waitPush(F::kInboxDrained);
        QVERIFY(drained);
        QCOMPARE(drained->inbox_drained().count(), 1u);
        QCOMPARE(int(back.messages.size()), 1);
        QCOMPARE(back.messages[0].client_message_id(), std::string("recent"));
        // The expired entry is still history (default retention: forever).
        F hist;
        hist.mutable_history_request()->set_conversation_id(conv);
        auto r = back.request(hist);
        QCOMPARE(r->history_response().messages_size(), 2);
    }

    // A group has no inbox rows: its backlog is bounded by the same 30 days in the drain itself.
    void undeliveredGroupMessageExpiresAfter30Days() {
        ServerHarness h(m_pg);
        h.shiftClock(-40 * kDay);
        QVERIFY(h.start());
        RawClient alice(h.url()), bob(h.url());
        QVERIFY(alice.connectNow() && bob.connectNow());
        QVERIFY(alice.registerUser("alice"));
        QVERIFY(bob.registerUser("bob"));
        const QByteArray bobToken = bob.token;
        bob.close();
        QVERIFY(bob.waitDisconnected());
        const quint64 g = alice.createGroup("Old", {"bob"});
        QVERIFY(g);
        QVERIFY(alice.send(g, "old")->has_send_ack()); // 40 days ago
        h.shiftClock(30 * kDay);                       // 10 days ago
        QVERIFY(!maintain(h).contains("FAILED"));
        QVERIFY(alice.send(g, "recent")->has_send_ack());
        h.shiftClock(10 * kDay); // now
        QVERIFY(!maintain(h).contains("FAILED"));

        RawClient back(h.url());
        QVERIFY(back.connectNow());
        QVERIFY(back.auth(bobToken));
        QVERIFY(back.waitDrained());
        QStringList got;
        for (const auto &m : back.messages)
            if (!m.has_system_event())
                got << QString::fromStdString(m.client_message_id());
        QCOMPARE(got, QStringList{"recent"});
    }

    void historyPastRetentionIsDropped() {
        server::ServerConfig cfg;
        cfg.retentionDays = 60;
        ServerHarness h(m_pg, cfg);
        h.shiftClock(-100 * kDay);
        QVERIFY(h.start());
        RawClient alice(h.url()), bob(h.url());
        QVERIFY(alice.connectNow() && bob.connectNow());
        QVERIFY(alice.registerUser("alice"));
        QVERIFY(bob.registerUser("bob"));
        const quint64 conv = alice.openDirect("bob");
        QVERIFY(alice.send(conv, "ancient")->has_send_ack());
        QVERIFY(bob.waitMessages(1));
        h.shiftClock(100 * kDay);
        const QStringList dropped = maintain(h);
        QVERIFY(dropped.join(',').contains("messages_"));
        // Envelope partitions of the same months go with them.
        QVERIFY(dropped.join(',').contains("envelopes_"));
        QVERIFY(alice.send(conv, "fresh2")->has_send_ack());
        F hist;
        hist.mutable_history_request()->set_conversation_id(conv);
        auto r = bob.request(hist);
        QVERIFY(r && r->has_history_response());
        for (const auto &m : r->history_response().messages())
            QVERIFY(m.client_message_id() != "ancient");
        QVERIFY(r->history_response().messages_size() >= 1);
    }

    // A long reader holds the messages table while maintenance wants to drop a partition of it.
    // Without a lock timeout the maintenance would wait in the lock queue and every request that
    // reads messages would queue behind it until the reader finished (or deadlock with a drain).
    // It gives way instead, other users' requests are served, and it succeeds once the reader
    // is done.
    void maintenanceGivesWayToReadersAndRetries() {
        server::ServerConfig cfg;
        cfg.retentionDays = 60;
        ServerHarness h(m_pg, cfg);
        h.shiftClock(-100 * kDay);
        QVERIFY(h.start());
        RawClient alice(h.url()), bob(h.url());
        QVERIFY(alice.connectNow() && bob.connectNow());
        QVERIFY(alice.registerUser("alice"));
        QVERIFY(bob.registerUser("bob"));
        const quint64 conv = alice.openDirect("bob");
        QVERIFY(alice.send(conv, "ancient")->has_send_ack());
        QVERIFY(bob.waitMessages(1));
        h.shiftClock(100 * kDay);

        // Closed on every way out: a failed check must not leave the lock held for later tests.
        const std::unique_ptr<PGconn, decltype(&PQfinish)> reader(
            PQconnectdb(h.conninfo().toUtf8().constData()), &PQfinish);
        QVERIFY(PQstatus(reader.get()) == CONNECTION_OK);
        PQclear(PQexec(reader.get(), "BEGIN; LOCK TABLE messages IN ACCESS SHARE MODE"));
        std::optional<Result<QStringList>> out;
        h.server()->runMaintenance([&](Result<QStringList> r) { out = r; });
        QTest::qWait(100); // the maintenance is waiting for its lock now

        F hist;
        hist.mutable_history_request()->set_conversation_id(conv);
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < 5; ++i) {
            auto r = bob.request(hist, 2500);
            QVERIFY(r && r->has_history_response());
        }
        QVERIFY2(t.elapsed() < 2500, qPrintable(QString::number(t.elapsed())));
        QVERIFY(!out.has_value()); // still giving way

        PQclear(PQexec(reader.get(), "COMMIT"));
        QVERIFY(QTest::qWaitFor([&] { return out.has_value(); }, 10000));
        QVERIFY(out->ok());
        QVERIFY(out->value().join(',').contains("messages_"));
    }
};

QTEST_GUILESS_MAIN(TestMaintenance)
#include "test_maintenance.moc"
