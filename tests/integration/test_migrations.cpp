// The Migrator on databases that hold data: an upgrade from the first schema to the last with
// users, devices, 1:1 and group conversations, partitioned messages, inbox rows and receipts in
// it, the functions working on the upgraded rows; a second run changes nothing; racing servers
// take the advisory lock in turn; a failing migration leaves the database as it was.
#include "support/pg_fixture.h"

#include "db/migrator.h"
#include "db/pg_connection.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTest>

#include <libpq-fe.h>

#include <optional>

using namespace tidings;
using namespace tidings::server;
using namespace tidings::test;

namespace {

// Version 1 as a server of that version left it: its tables (from 0001) with rows in them.
// Ids come from the identity columns: users 1 alice, 2 bob, 3 carol; devices 1 alice's laptop,
// 2 alice's phone (revoked), 3 bob's desktop, 4 carol's tablet; conversations 1 alice–bob,
// 2 the group "team" (alice admin, bob, carol).
const char *kVersion1Rows = R"SQL(
INSERT INTO users (username, display_name, password_hash, created_at) VALUES
    ('alice', 'Alice', '$argon2id$v=19$a', '2025-01-01 08:00+00'),
    ('bob', 'Bob', '$argon2id$v=19$b', '2025-01-01 08:01+00'),
    ('carol', '', '$argon2id$v=19$c', '2025-01-02 09:00+00');
INSERT INTO devices (user_id, name, created_at, last_seen_at) VALUES
    (1, 'laptop', '2025-01-01 08:00+00', '2025-02-01 12:30+00'),
    (1, 'phone', '2025-01-03 10:00+00', NULL),
    (2, 'desktop', '2025-01-01 08:01+00', '2025-02-01 12:10+00'),
    (3, 'tablet', '2025-01-02 09:00+00', NULL);
UPDATE devices SET revoked_at = '2025-01-20 00:00+00' WHERE id = 2;
INSERT INTO device_tokens (token_hash, device_id) VALUES
    (sha256('token-1'), 1), (sha256('token-3'), 3), (sha256('token-4'), 4);
INSERT INTO conversations (kind, direct_key, last_seq, created_at)
    VALUES (1, '1:2', 3, '2025-01-10 10:00+00');
INSERT INTO conversations (kind, title, last_seq, created_at)
    VALUES (2, 'team', 2, '2025-01-11 10:00+00');
INSERT INTO members (conversation_id, user_id, role, delivered_seq, read_seq) VALUES
    (1, 1, 0, 3, 3), (1, 2, 0, 2, 1), (2, 1, 1, 2, 2), (2, 2, 0, 2, 0), (2, 3, 0, 0, 0);
INSERT INTO receipts (conversation_id, device_id, delivered_seq, read_seq) VALUES
    (1, 1, 3, 3), (1, 3, 2, 1), (2, 3, 2, 0);
CREATE TABLE messages_202501 PARTITION OF messages
    FOR VALUES FROM ('2025-01-01 00:00+00') TO ('2025-02-01 00:00+00');
CREATE TABLE messages_202502 PARTITION OF messages
    FOR VALUES FROM ('2025-02-01 00:00+00') TO ('2025-03-01 00:00+00');
CREATE TABLE inbox_20250131 PARTITION OF inbox
    FOR VALUES FROM ('2025-01-31 00:00+00') TO ('2025-02-01 00:00+00');
CREATE TABLE inbox_20250201 PARTITION OF inbox
    FOR VALUES FROM ('2025-02-01 00:00+00') TO ('2025-02-02 00:00+00');
INSERT INTO messages (conversation_id, seq, created_at, sender_user_id, sender_device_id,
                      client_message_id, payload) VALUES
    (1, 1, '2025-01-31 10:00+00', 1, 1, 'a-1', '\x0101'),
    (1, 2, '2025-01-31 10:01+00', 2, 3, 'b-1', '\x0202'),
    (1, 3, '2025-02-01 09:00+00', 1, 1, 'a-2', '\x0303'),
    (2, 1, '2025-01-31 11:00+00', 1, 1, 'a-3', '\x0404'),
    (2, 2, '2025-02-01 12:00+00', 3, 4, 'c-1', '\x0505');
INSERT INTO send_dedup (device_id, client_message_id, conversation_id, seq, created_at)
    SELECT sender_device_id, client_message_id, conversation_id, seq, created_at FROM messages;
INSERT INTO inbox (device_id, conversation_id, seq, created_at) VALUES
    (3, 1, 3, '2025-02-01 09:00+00'), (4, 2, 1, '2025-01-31 11:00+00'),
    (3, 2, 2, '2025-02-01 12:00+00'), (1, 2, 2, '2025-02-01 12:00+00');
-- What the functions of version 1 left behind: the signatures that later versions changed
-- (their bodies do not matter here).
CREATE FUNCTION tidings_send_batch(p_users bigint[], p_devices bigint[], p_convs bigint[],
                                   p_client_ids text[], p_payloads bytea[], p_now timestamptz)
RETURNS TABLE (idx bigint, status int, seq bigint, created_at timestamptz, duplicate boolean)
LANGUAGE sql AS $$ SELECT 1::bigint, 0, 0::bigint, now(), false WHERE false $$;
CREATE FUNCTION tidings_ack_batch(p_users bigint[], p_devices bigint[], p_convs bigint[],
                                  p_delivered bigint[], p_read bigint[])
RETURNS TABLE (kind text, idx bigint, conversation_id bigint, user_id bigint,
               delivered_seq bigint, read_seq bigint)
LANGUAGE sql AS $$ SELECT ''::text, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint
                   WHERE false $$;
)SQL";

//! "status/seq/duplicate (t or f)" of one send through tidings_send_batch.
QString sendSql(int user, int device, int conv, const char *clientId) {
    return QStringLiteral("SELECT format('%s/%s/%s', status, seq, duplicate) FROM "
                          "tidings_send_batch(ARRAY[%1]::bigint[], ARRAY[%2]::bigint[], "
                          "ARRAY[%3]::bigint[], ARRAY['%4'], ARRAY['\\x99'::bytea], "
                          "ARRAY[false], '{}'::bigint[], '{}'::bigint[], '{}'::bytea[], now())")
        .arg(user)
        .arg(device)
        .arg(conv)
        .arg(QString::fromLatin1(clientId));
}

//! The error text of a failed run, empty for a successful one (QVERIFY2 always evaluates it).
QString why(const Result<QList<int>> &r) {
    return r.ok() ? QString() : r.error().detail;
}

} // namespace

class TestMigrations : public QObject {
    Q_OBJECT
    PgFixture m_pg;

    //! The first column of the first row (or the error text).
    QString one(const QString &conninfo, const QString &sql) {
        const QStringList rows = m_pg.query(conninfo, sql);
        return rows.isEmpty() ? QString() : rows.first();
    }

    static std::optional<Result<QList<int>>> migrate(const QString &conninfo,
                                                     Migrator::Options options = {}) {
        PgConnection conn(conninfo, false);
        conn.open();
        Migrator migrator(&conn, options);
        std::optional<Result<QList<int>>> out;
        migrator.run([&out](Result<QList<int>> r) { out = std::move(r); });
        (void)QTest::qWaitFor([&out] { return out.has_value(); }, 60000);
        return out;
    }

    QString functionDefinitions(const QString &conninfo) {
        return one(conninfo, "SELECT md5(string_agg(pg_get_functiondef(p.oid), '' ORDER BY "
                             "p.oid::regprocedure::text)) FROM pg_proc p "
                             "WHERE p.proname LIKE 'tidings\\_%'");
    }

private slots:
    void initTestCase() {
        const QString err = m_pg.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void migrationsHoldNoFunctionsAndFunctionFilesNameTheirs() {
        QList<int> versions;
        for (const QString &file : Migrator::migrationFiles()) {
            const QString name = QFileInfo(file).fileName();
            QVERIFY2(QRegularExpression("^\\d{4}_\\w+\\.sql$").match(name).hasMatch(),
                     qPrintable(name));
            versions << name.left(4).toInt();
            QFile f(file);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(!QRegularExpression("CREATE\\s+(OR\\s+REPLACE\\s+)?FUNCTION",
                                         QRegularExpression::CaseInsensitiveOption)
                          .match(QString::fromUtf8(f.readAll()))
                          .hasMatch(),
                     qPrintable(name + ": functions belong in db/functions/"));
        }
        QVERIFY(versions.size() >= 3);
        for (qsizetype i = 1; i < versions.size(); ++i)
            QVERIFY(versions[i] > versions[i - 1]);
        const QStringList functions = Migrator::functionFiles();
        QVERIFY(!functions.isEmpty());
        for (const QString &file : functions) {
            const QString fn = QFileInfo(file).completeBaseName();
            QFile f(file);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QString sql = QString::fromUtf8(f.readAll());
            // The header documents the function (and its status codes) first thing.
            QVERIFY2(sql.startsWith("-- " + fn + "("), qPrintable(fn));
            QVERIFY2(sql.contains("CREATE OR REPLACE FUNCTION " + fn + "("), qPrintable(fn));
        }
    }

    void upgradesADatabaseWithDataFromTheFirstSchemaToTheLast() {
        const QString db = m_pg.createDatabase();
        auto first = migrate(db, Migrator::Options{1});
        QVERIFY(first && first->ok());
        QCOMPARE(first->value(), QList<int>{1});
        QCOMPARE(one(db, "SELECT string_agg(version::text, ',') FROM schema_migrations"), "1");
        QCOMPARE(one(db, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'tidings\\_%'"), "0");
        const QStringList inserted = m_pg.query(db, QString::fromUtf8(kVersion1Rows));
        QVERIFY2(inserted.isEmpty(), qPrintable(inserted.join(' '))); // no "ERROR: ..."

        auto rest = migrate(db);
        QVERIFY(rest.has_value());
        QVERIFY2(rest->ok(), qPrintable(why(*rest)));
        QCOMPARE(rest->value(), (QList<int>{2, 3, 4, 5, 6, 7, 8, 9, 10}));
        QCOMPARE(one(db, "SELECT string_agg(version::text, ',' ORDER BY version) "
                         "FROM schema_migrations"),
                 "1,2,3,4,5,6,7,8,9,10");
        // Accounts from before the admin API are enabled; registration keeps its default (no
        // stored setting: open), and there are no invites.
        QCOMPARE(one(db, "SELECT count(*) FROM users WHERE disabled_at IS NOT NULL"), "0");
        QCOMPARE(one(db, "SELECT (SELECT count(*) FROM server_settings) + (SELECT count(*) FROM "
                         "invites)"),
                 "0");
        // Accounts from before recovery keys have none, and no key has been handed on.
        QCOMPARE(one(db, "SELECT count(recovery_key) + (SELECT count(*) FROM "
                         "account_key_successions) FROM users"),
                 "0");
        // Tokens issued before expiry existed get a full lifetime from the upgrade on.
        QCOMPARE(one(db, "SELECT count(*) FROM device_tokens WHERE expires_at > now() + "
                         "interval '89 days' AND successor IS NULL"),
                 "3");
        // Media starts empty: no blobs, no uploads, a secret made by the first server.
        QCOMPARE(one(db, "SELECT (SELECT count(*) FROM media_blobs) + (SELECT count(*) FROM "
                         "media_uploads) + (SELECT count(*) FROM media_secret)"),
                 "0");

        // The rows survived, in their partitions, with the new columns at their defaults.
        for (const auto &[table, rows] :
             std::initializer_list<std::pair<const char *, const char *>>{{"users", "3"},
                                                                          {"devices", "4"},
                                                                          {"device_tokens", "3"},
                                                                          {"conversations", "2"},
                                                                          {"members", "5"},
                                                                          {"receipts", "3"},
                                                                          {"messages", "5"},
                                                                          {"messages_202501", "3"},
                                                                          {"messages_202502", "2"},
                                                                          {"send_dedup", "5"},
                                                                          {"inbox", "4"},
                                                                          {"inbox_20250201", "3"}})
            QCOMPARE(one(db, QStringLiteral("SELECT count(*) FROM %1").arg(table)),
                     QString::fromLatin1(rows));
        QCOMPARE(one(db, "SELECT string_agg(encode(payload, 'hex'), ',' ORDER BY "
                         "conversation_id, seq) FROM messages"),
                 "0101,0202,0303,0404,0505");
        QCOMPARE(one(db, "SELECT bool_and(NOT encrypted AND event_kind IS NULL) FROM messages"),
                 "t");
        QCOMPARE(one(db, "SELECT bool_and(joined_seq = 0) FROM members"), "t");
        QCOMPARE(one(db, "SELECT bool_and(last_seen_visibility = 0 AND account_key IS NULL) "
                         "FROM users"),
                 "t");
        QCOMPARE(one(db, "SELECT string_agg(id::text, ',' ORDER BY id) FROM devices "
                         "WHERE revoked_at IS NULL"),
                 "1,3,4");
        QCOMPARE(one(db, "SELECT string_agg(last_seq::text, ',' ORDER BY id) FROM conversations"),
                 "3,2");

        // One current definition of each function; the old signatures are gone.
        QCOMPARE(one(db, "SELECT count(*) FROM pg_proc WHERE proname = 'tidings_send_batch'"), "1");
        QCOMPARE(one(db, "SELECT pronargs FROM pg_proc WHERE proname = 'tidings_send_batch'"),
                 "10");
        QVERIFY(one(db, "SELECT pg_get_function_result(oid) FROM pg_proc "
                        "WHERE proname = 'tidings_ack_batch'")
                    .contains("all_changed"));
        QCOMPARE(one(db, "SELECT count(DISTINCT proname) FROM pg_proc "
                         "WHERE proname LIKE 'tidings\\_%'"),
                 QString::number(Migrator::functionFiles().size()));

        // The functions work on the old rows.
        QCOMPARE(one(db, "SELECT tidings_ensure_partitions(now(), 1, 1)"), QString());
        QCOMPARE(one(db, sendSql(1, 1, 1, "a-new")), "0/4/f"); // the next seq
        QCOMPARE(one(db, "SELECT last_seq FROM conversations WHERE id = 1"), "4");
        // Queued for bob's device only: alice's phone is revoked, her laptop sent it.
        QCOMPARE(one(db, "SELECT string_agg(device_id::text, ',') FROM inbox "
                         "WHERE conversation_id = 1 AND seq = 4"),
                 "3");
        QCOMPARE(one(db, sendSql(1, 1, 1, "a-1")), "0/1/t"); // a resend of a version-1 send
        QCOMPARE(one(db, sendSql(3, 4, 1, "c-x")), "1/0/f"); // carol is not in the 1:1
        QCOMPARE(one(db, sendSql(3, 4, 2, "c-2")), "0/3/f"); // the group's next seq
        // A group's message has no inbox rows (fan-out on read): its members' devices find it
        // past their cursors.
        QCOMPARE(one(db, "SELECT count(*) FROM inbox WHERE conversation_id = 2 AND seq = 3"), "0");
        QCOMPARE(one(db, "INSERT INTO blocks (owner_id, blocked_id) VALUES (2, 1)"), QString());
        QCOMPARE(one(db, sendSql(1, 1, 1, "a-blocked")), "3/0/f");
        QCOMPARE(one(db, "SELECT format('%s/%s/%s/%s', kind, delivered_seq, read_seq, all_read) "
                         "FROM tidings_ack_batch(ARRAY[2]::bigint[], ARRAY[3]::bigint[], "
                         "ARRAY[1]::bigint[], ARRAY[4]::bigint[], ARRAY[4]::bigint[])"),
                 "c/4/4/4");
        QCOMPARE(one(db, "SELECT format('%s/%s', status, seq) FROM "
                         "tidings_group_change(1, 2, 5, NULL, 'team2', now(), 500, 30)"),
                 "0/4");
        QCOMPARE(one(db, "SELECT format('%s/%s', status, seq) FROM "
                         "tidings_group_change(3, 2, 2, 2, NULL, now(), 500, 30)"),
                 "3/0"); // carol is no admin

        // A second run is a no-op: nothing applied, nothing recorded, the same functions.
        const QString applied = one(db, "SELECT string_agg(applied_at::text, ',' ORDER BY "
                                        "version) FROM schema_migrations");
        const QString functions = functionDefinitions(db);
        const QString messages = one(db, "SELECT count(*) FROM messages");
        auto again = migrate(db);
        QVERIFY(again && again->ok());
        QCOMPARE(again->value(), QList<int>{});
        QCOMPARE(one(db, "SELECT string_agg(applied_at::text, ',' ORDER BY version) "
                         "FROM schema_migrations"),
                 applied);
        QCOMPARE(functionDefinitions(db), functions);
        QCOMPARE(one(db, "SELECT count(*) FROM messages"), messages);
    }

    void racingMigratorsTakeTheLockInTurn() {
        const QString db = m_pg.createDatabase();
        // Someone holds the lock: both migrators queue behind it, then run one after the other.
        PGconn *holder = PQconnectdb(db.toUtf8().constData());
        QCOMPARE(PQstatus(holder), CONNECTION_OK);
        const QByteArray key = QByteArray::number(Migrator::kLockKey);
        PQclear(PQexec(holder, "SELECT pg_advisory_lock(" + key + ")"));

        PgConnection a(db, false), b(db, false);
        a.open();
        b.open();
        Migrator ma(&a), mb(&b);
        std::optional<Result<QList<int>>> ra, rb;
        ma.run([&ra](Result<QList<int>> r) { ra = std::move(r); });
        mb.run([&rb](Result<QList<int>> r) { rb = std::move(r); });
        QTRY_COMPARE(one(db, "SELECT count(*) FROM pg_locks "
                             "WHERE locktype = 'advisory' AND NOT granted"),
                     "2");
        QVERIFY(!ra && !rb);
        PQclear(PQexec(holder, "SELECT pg_advisory_unlock(" + key + ")"));
        PQfinish(holder);

        QTRY_VERIFY_WITH_TIMEOUT(ra && rb, 60000);
        QVERIFY2(ra->ok(), qPrintable(why(*ra)));
        QVERIFY2(rb->ok(), qPrintable(why(*rb)));
        const int files = int(Migrator::migrationFiles().size());
        // One applied everything, the other found nothing left to do.
        QCOMPARE(int(ra->value().size() + rb->value().size()), files);
        QVERIFY(ra->value().isEmpty() || rb->value().isEmpty());
        QCOMPARE(one(db, "SELECT count(*) FROM schema_migrations"), QString::number(files));
        QCOMPARE(one(db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"), "0");
    }

    // One client message id in two conversations is two messages, in one batch or in two, and
    // each is deduplicated on its own: never "stored" with another message's seq.
    void oneClientIdInTwoConversationsIsTwoMessages() {
        const QString db = m_pg.createDatabase();
        auto first = migrate(db, Migrator::Options{1});
        QVERIFY(first && first->ok());
        QVERIFY(m_pg.query(db, QString::fromUtf8(kVersion1Rows)).isEmpty());
        auto rest = migrate(db);
        QVERIFY(rest && rest->ok());
        QCOMPARE(one(db, "SELECT tidings_ensure_partitions(now(), 1, 1)"), QString());
        // alice's laptop (user 1, device 1) is in the 1:1 (last seq 3) and the group (2).
        const auto batch = [](const char *clientId) {
            return QStringLiteral(
                       "SELECT string_agg(format('%s/%s/%s', status, seq, duplicate), ',' "
                       "ORDER BY idx) FROM tidings_send_batch(ARRAY[1,1]::bigint[], "
                       "ARRAY[1,1]::bigint[], ARRAY[1,2]::bigint[], ARRAY['%1','%1'], "
                       "ARRAY['\\x01'::bytea, '\\x02'::bytea], ARRAY[false,false], "
                       "'{}'::bigint[], '{}'::bigint[], '{}'::bytea[], now())")
                .arg(QString::fromLatin1(clientId));
        };
        QCOMPARE(one(db, batch("twice")), "0/4/f,0/3/f");
        QCOMPARE(one(db, batch("twice")), "0/4/t,0/3/t"); // both resent: both duplicates
        QCOMPARE(one(db, "SELECT string_agg(format('%s:%s:%s', conversation_id, seq, "
                         "encode(payload, 'hex')), ',' ORDER BY conversation_id) FROM messages "
                         "WHERE client_message_id = 'twice'"),
                 "1:4:01,2:3:02");
        // In two batches: the second conversation's message gets a dedup row of its own.
        QCOMPARE(one(db, sendSql(1, 1, 1, "apart")), "0/5/f");
        QCOMPARE(one(db, sendSql(1, 1, 2, "apart")), "0/4/f");
        QCOMPARE(one(db, sendSql(1, 1, 2, "apart")), "0/4/t");
        QCOMPARE(one(db, "SELECT count(*) FROM messages WHERE client_message_id = 'apart'"), "2");
        QCOMPARE(one(db, "SELECT count(*) FROM send_dedup WHERE client_message_id = 'apart'"), "2");
    }

    void aFailingMigrationLeavesTheDatabaseAsItWas() {
        const QString db = m_pg.createDatabase();
        auto first = migrate(db, Migrator::Options{1});
        QVERIFY(first && first->ok());
        // 0002 creates this table: with it in the way, 0002 fails half-way.
        QCOMPARE(one(db, "CREATE TABLE contacts (x int)"), QString());
        auto failed = migrate(db);
        QVERIFY(failed.has_value());
        QVERIFY(!failed->ok());
        QVERIFY2(failed->error().detail.contains("0002_groups.sql"),
                 qPrintable(failed->error().detail));
        QCOMPARE(one(db, "SELECT string_agg(version::text, ',') FROM schema_migrations"), "1");
        // Its statements before the failing one were rolled back too, and no function exists.
        QCOMPARE(one(db, "SELECT count(*) FROM information_schema.columns "
                         "WHERE table_name = 'users' AND column_name = 'last_seen_visibility'"),
                 "0");
        QCOMPARE(one(db, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'tidings\\_%'"), "0");
        // Once the obstacle is gone, the upgrade goes through.
        QCOMPARE(one(db, "DROP TABLE contacts"), QString());
        auto retried = migrate(db);
        QVERIFY(retried && retried->ok());
        QCOMPARE(retried->value(), (QList<int>{2, 3, 4, 5, 6, 7, 8, 9, 10}));
    }
};

QTEST_GUILESS_MAIN(TestMigrations)
#include "test_migrations.moc"
