// A send racing the media collector, against the real server and PostgreSQL: a send naming a blob
// that was collected, is being collected, was never finished or never existed is refused with
// NO_SUCH_BLOB and stores nothing (no message, no seq, no reference), while a resend of a message
// stored before still gets its seq; a finish that takes a blob back from the collector makes it
// usable only once its file is in place; a batch stores its other sends around a refused one; and
// the two orders of a send and a collection of the same blob, held apart by a transaction of the
// test's own: a collection first refuses the send, a send first keeps the blob.
#include "support/integration_fixture.h"
#include "support/media_client.h"
#include "support/media_helpers.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <libpq-fe.h>

using namespace tidings;
using namespace tidings::test;

namespace {

const QByteArray kMarker = "TIDINGS-RACE-PLAINTEXT-MARKER-77a1";
constexpr quint64 kChunk = 4 * 1024 * 1024;
constexpr qint64 kHour = 3600 * 1000;
//! What tidings_media_collect is asked in the tests that call it directly: a day later than now.
const QString kCollectLater =
    QStringLiteral("SELECT kind || ':' || id FROM tidings_media_collect(now() + interval "
                   "'25 hours', 24, 24, 0, 1000)");

protocol::Frame sendNaming(quint64 conv, const QString &clientId, const QStringList &blobs) {
    protocol::Frame f;
    auto *s = f.mutable_send_request();
    s->set_conversation_id(conv);
    s->set_client_message_id(clientId.toStdString());
    s->set_payload("ciphertext of a caption and its pointers");
    for (const QString &b : blobs)
        s->add_attachment_blob_ids(b.toStdString());
    return f;
}

//! A PostgreSQL session of the test's own, to hold a transaction open while the server works.
class Session {
public:
    explicit Session(const QString &conninfo)
        : m_conn(PQconnectdb(conninfo.toUtf8().constData())) {}
    ~Session() { PQfinish(m_conn); }
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;
    bool ok() const { return PQstatus(m_conn) == CONNECTION_OK; }
    //! The first column of every row, or one "ERROR: …".
    QStringList exec(const QString &sql) { return collect(PQexec(m_conn, sql.toUtf8())); }
    //! Sends `sql` without waiting; result() waits for its answer.
    bool start(const QString &sql) { return PQsendQuery(m_conn, sql.toUtf8()) == 1; }
    QStringList result() {
        QStringList out;
        while (PGresult *r = PQgetResult(m_conn))
            out += collect(r);
        return out;
    }

private:
    static QStringList collect(PGresult *r) {
        QStringList out;
        const auto st = PQresultStatus(r);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
            out << QStringLiteral("ERROR: ") + QString::fromUtf8(PQresultErrorMessage(r));
        else
            for (int i = 0; i < PQntuples(r); ++i)
                out << QString::fromUtf8(PQgetvalue(r, i, 0));
        PQclear(r);
        return out;
    }

    PGconn *m_conn;
};

} // namespace

class TestMediaRace : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QTemporaryDir m_tmp;
    std::unique_ptr<RawClient> m_alice, m_bob;
    std::unique_ptr<MediaClient> m_media;
    int m_files = 0;

    quint16 port() const { return quint16(m_fx.url().port()); }
    //! A new blob of alice's on the server; its file in *file.
    QString upload(std::optional<EncryptedFile> *file = nullptr) {
        const QString name = QStringLiteral("file%1").arg(++m_files);
        auto f = encryptedFile(m_tmp.filePath(name), m_tmp.filePath(name + ".blob"),
                               50'000 + quint64(m_files), kMarker);
        const QString id = f ? uploadFile(*m_media, *f) : QString();
        if (file)
            *file = std::move(f);
        return id;
    }
    quint64 freshConversation() {
        auto peer = m_fx.newUser(QStringLiteral("peer"));
        return peer ? m_alice->openDirect(peer->username) : 0;
    }
    QString count(const QString &table, const QString &where) {
        return m_fx.sql(QStringLiteral("SELECT count(*) FROM %1 WHERE %2").arg(table, where));
    }
    //! Until some other session waits for a lock while running a statement containing `what`.
    bool waitsForALock(const QString &what) {
        return waitFor([&] {
            return m_fx.sql(QStringLiteral("SELECT count(*) FROM pg_stat_activity WHERE "
                                           "wait_event_type = 'Lock' AND query LIKE '%%1%'")
                                .arg(what)) != QStringLiteral("0");
        });
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_alice = m_fx.newUser("alice");
        m_bob = m_fx.newUser("bob");
        QVERIFY(m_alice && m_bob);
        const auto t = mediaToken(*m_alice);
        QVERIFY(t);
        m_media = std::make_unique<MediaClient>(port(), QByteArray::fromStdString(t->token()));
    }

    void aSendNamingABlobTheServerCannotServeIsRefusedAndStoresNothing() {
        const quint64 conv = freshConversation();
        QVERIFY(conv);
        const QString kept = upload();
        // Collected: uploaded, never referenced, and the maintenance ran a day later.
        const QString collected = upload();
        QVERIFY(!kept.isEmpty() && !collected.isEmpty());
        QVERIFY(m_alice->request(sendNaming(conv, "keeps-it", {kept}))->has_send_ack());
        m_fx.shiftClock(25 * kHour);
        QVERIFY(runMaintenance(m_fx.server()));
        m_fx.shiftClock(-25 * kHour);
        QCOMPARE(count("media_blobs", "id = '" + collected + "'"), QStringLiteral("0"));
        QVERIFY(!QFileInfo::exists(blobFile(m_fx.server().dataDir(), collected)));
        // Being collected: marked by the collector, its file about to be deleted.
        const QString collecting = upload();
        QVERIFY(!collecting.isEmpty());
        QCOMPARE(m_fx.sqlColumn(kCollectLater), QStringList{"blob:" + collecting});
        // Not ready: a finish that never completed. And one the server never heard of.
        const QString unfinished(64, QLatin1Char('c'));
        m_fx.sql("INSERT INTO media_blobs (id, size, ready, created_at, touched_at) VALUES ('" +
                 unfinished + "', 10, false, now(), now())");
        const QString unknown(64, QLatin1Char('e'));
        const QString lastSeq =
            m_fx.sql(QStringLiteral("SELECT last_seq FROM conversations WHERE id = %1").arg(conv));

        int n = 0;
        for (const QString &gone : {collected, collecting, unfinished, unknown}) {
            // Also when another blob of the message is fine: the message would lose a file.
            const QString id = QStringLiteral("refused-%1").arg(++n);
            const auto r = m_alice->request(sendNaming(conv, id, {kept, gone}));
            QCOMPARE(errorCode(r), wire::ERROR_NO_SUCH_BLOB);
            QVERIFY(QString::fromStdString(r->error().detail()).contains("upload it again"));
        }
        // Nothing of them exists: no message, no seq taken, no dedup entry, no reference.
        QCOMPARE(count("messages", "client_message_id LIKE 'refused-%'"), QStringLiteral("0"));
        QCOMPARE(count("send_dedup", "client_message_id LIKE 'refused-%'"), QStringLiteral("0"));
        QCOMPARE(
            m_fx.sql(QStringLiteral("SELECT last_seq FROM conversations WHERE id = %1").arg(conv)),
            lastSeq);
        QCOMPARE(m_fx.sqlColumn(QStringLiteral("SELECT blob_id FROM media_refs WHERE "
                                               "conversation_id = %1")
                                    .arg(conv)),
                 QStringList{kept});
        // The same message with the blob uploaded again goes through, with the next seq.
        const QString again = upload();
        const auto stored = m_alice->request(sendNaming(conv, "refused-1", {kept, again}));
        QVERIFY(stored && stored->has_send_ack());
        QCOMPARE(QString::number(stored->send_ack().seq()), QString::number(lastSeq.toInt() + 1));
        QVERIFY(!stored->send_ack().duplicate());
    }

    void aFinishTakingABlobBackFromTheCollectorMakesItUsableOnlyOnceDone() {
        const quint64 conv = freshConversation();
        std::optional<EncryptedFile> file;
        const QString blob = upload(&file);
        QVERIFY(conv && !blob.isEmpty());
        QVERIFY(m_fx.sqlColumn(kCollectLater).contains("blob:" + blob));
        // The same file is uploaded again while the collector deletes it: the first step of the
        // finish takes the row back, not ready (its file may be gone any moment).
        const HttpReply created = m_media->createUpload(file->blobSize);
        QCOMPARE(created.status, 201);
        const QString again = created.json().value("upload").toString();
        QCOMPARE(m_fx.sql(QStringLiteral("SELECT status FROM tidings_media_begin_finish('%1', "
                                         "%2, %3, '%4', now())")
                              .arg(again)
                              .arg(m_alice->userId)
                              .arg(m_alice->deviceId)
                              .arg(blob)),
                 QStringLiteral("0"));
        QCOMPARE(m_fx.sql("SELECT ready || ':' || collecting FROM media_blobs WHERE id = '" + blob +
                          "'"),
                 QStringLiteral("false:false"));
        QCOMPARE(errorCode(m_alice->request(sendNaming(conv, "too-early", {blob}))),
                 wire::ERROR_NO_SUCH_BLOB);
        // The finish completes with its file in place: the blob is ready and can be referenced.
        QFile in(file->blobPath);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QCOMPARE(m_media->upload(again, in, 0, kChunk).status, 200);
        QCOMPARE(m_media->finish(again, file->sha256).status, 201);
        QCOMPARE(m_fx.sql("SELECT ready FROM media_blobs WHERE id = '" + blob + "'"),
                 QStringLiteral("t"));
        QVERIFY(m_alice->request(sendNaming(conv, "too-early", {blob}))->has_send_ack());
        QCOMPARE(m_media->get(blob).status, 200);
    }

    void aResendOfAStoredMessageStillGetsItsSeqOnceTheBlobIsGone() {
        const quint64 conv = freshConversation();
        const QString blob = upload();
        QVERIFY(conv && !blob.isEmpty());
        const protocol::Frame send = sendNaming(conv, "stored-once", {blob});
        const auto first = m_alice->request(send);
        QVERIFY(first && first->has_send_ack());
        const quint64 seq = first->send_ack().seq();
        // The ack was lost and the client resends, with the blob being collected (retention),
        // then collected.
        m_fx.sql("UPDATE media_blobs SET collecting = true WHERE id = '" + blob + "'");
        for (int round = 0; round < 2; ++round) {
            const auto again = m_alice->request(send);
            QVERIFY2(again && again->has_send_ack(), "a duplicate is not refused");
            QCOMPARE(again->send_ack().seq(), seq);
            QVERIFY(again->send_ack().duplicate());
            m_fx.sql("DELETE FROM media_blobs WHERE id = '" + blob + "'");
        }
        QCOMPARE(count("messages", "client_message_id = 'stored-once'"), QStringLiteral("1"));
    }

    void aBatchStoresItsOtherSendsAroundARefusedOne() {
        const quint64 conv = freshConversation();
        const QString blob = upload();
        QVERIFY(conv && !blob.isEmpty());
        const QString gone(64, QLatin1Char('d'));
        const QString user = QString::number(m_alice->userId);
        const QString device = QString::number(m_alice->deviceId);
        const QString c = QString::number(conv);
        const QString peerDevice = m_fx.sql(
            QStringLiteral("SELECT d.id FROM devices d JOIN members m ON m.user_id = d.user_id "
                           "WHERE m.conversation_id = %1 AND d.user_id <> %2")
                .arg(c, user));
        QVERIFY(!peerDevice.isEmpty());
        const int base = m_fx.sql("SELECT last_seq FROM conversations WHERE id = " + c).toInt();
        const auto seq = [base](int n) { return QString::number(base + n); };
        // Three encrypted sends with an envelope each; the second names a blob that is gone.
        const QStringList results = m_fx.sqlColumn(
            QStringLiteral(
                "SELECT idx || ':' || status || ':' || seq || ':' || duplicate FROM "
                "tidings_send_batch_media(ARRAY[%1,%1,%1]::bigint[], ARRAY[%2,%2,%2]::bigint[], "
                "ARRAY[%3,%3,%3]::bigint[], ARRAY['mix-1','mix-2','mix-3'], "
                "ARRAY['\\x01','\\x02','\\x03']::bytea[], ARRAY[true,true,true], "
                "ARRAY[1,2,3]::bigint[], ARRAY[%4,%4,%4]::bigint[], "
                "ARRAY['env-1','env-2','env-3']::bytea[], ARRAY[1,2,3]::bigint[], "
                "ARRAY['%5','%6','%5'], now())")
                .arg(user, device, c, peerDevice, blob, gone));
        QCOMPARE(results, (QStringList{"1:0:" + seq(1) + ":false", "2:4:0:false",
                                       "3:0:" + seq(2) + ":false"}));
        // The stored ones have their own envelopes and references; the refused one nothing.
        QCOMPARE(m_fx.sqlColumn(QStringLiteral("SELECT seq || '=' || convert_from(payload, 'UTF8') "
                                               "FROM envelopes WHERE conversation_id = %1 ORDER "
                                               "BY seq")
                                    .arg(c)),
                 (QStringList{seq(1) + "=env-1", seq(2) + "=env-3"}));
        QCOMPARE(m_fx.sqlColumn(QStringLiteral("SELECT blob_id || '@' || seq FROM media_refs "
                                               "WHERE conversation_id = %1 ORDER BY seq")
                                    .arg(c)),
                 (QStringList{blob + "@" + seq(1), blob + "@" + seq(2)}));
        QCOMPARE(count("messages", "client_message_id = 'mix-2'"), QStringLiteral("0"));
    }

    void aSendWaitingForACollectionInProgressIsRefused() {
        const quint64 conv = freshConversation();
        const QString blob = upload();
        QVERIFY(conv && !blob.isEmpty());
        Session collector(m_fx.conninfo());
        QVERIFY(collector.ok());
        // The collector marked the blob and has not committed yet when the send comes.
        QCOMPARE(collector.exec("BEGIN"), QStringList{});
        QVERIFY(collector.exec(kCollectLater).contains("blob:" + blob));
        const quint64 request = m_alice->sendRequest(sendNaming(conv, "late", {blob}));
        QVERIFY(waitsForALock("tidings_send_batch_media"));
        QVERIFY(!m_alice->hasResponse(request));
        QCOMPARE(collector.exec("COMMIT"), QStringList{});
        QVERIFY(waitFor([&] { return m_alice->hasResponse(request); }));
        QCOMPARE(errorCode(m_alice->takeResponse(request)), wire::ERROR_NO_SUCH_BLOB);
        QCOMPARE(count("messages", "client_message_id = 'late'"), QStringLiteral("0"));
        QCOMPARE(count("media_refs", "blob_id = '" + blob + "'"), QStringLiteral("0"));
    }

    void aCollectionWaitingForASendKeepsTheBlob() {
        const quint64 conv = freshConversation();
        const QString blob = upload();
        QVERIFY(conv && !blob.isEmpty());
        Session sender(m_fx.conninfo()), collector(m_fx.conninfo());
        QVERIFY(sender.ok() && collector.ok());
        // The send locked the blob and stored its message, not committed yet, when the
        // collection comes. Its time is now, a day before the collector's: only the reference
        // row, which the collector must see once the send committed, keeps the blob.
        QCOMPARE(sender.exec("BEGIN"), QStringList{});
        QCOMPARE(sender.exec(
                     QStringLiteral("SELECT status FROM tidings_send_batch_media(ARRAY[%1], "
                                    "ARRAY[%2], ARRAY[%3], ARRAY['early'], ARRAY['\\x01'::bytea], "
                                    "ARRAY[false], '{}', '{}', '{}', ARRAY[1], ARRAY['%4'], now())")
                         .arg(m_alice->userId)
                         .arg(m_alice->deviceId)
                         .arg(conv)
                         .arg(blob)),
                 QStringList{"0"});
        QVERIFY(collector.start(kCollectLater));
        QVERIFY(waitsForALock("tidings_media_collect"));
        QCOMPARE(sender.exec("COMMIT"), QStringList{});
        const QStringList marked = collector.result();
        QVERIFY2(!marked.contains("blob:" + blob), qPrintable(marked.join(u' ')));
        QCOMPARE(
            m_fx.sql("SELECT ready AND NOT collecting FROM media_blobs WHERE id = '" + blob + "'"),
            QStringLiteral("t"));
        QCOMPARE(count("media_refs", "blob_id = '" + blob + "'"), QStringLiteral("1"));
    }
};

QTEST_MAIN(TestMediaRace)
#include "test_media_race.moc"
