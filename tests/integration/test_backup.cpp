// Backups and restore (issue 13): `tidings-admin backup` against the real server while clients
// are connected, `tidings-admin restore` into an empty data directory (an external database and
// the embedded PostgreSQL), the restored server serving the same messages, media and devices,
// archives that are truncated, damaged or from a newer version refused without keeping
// anything, and the daily schedule keeping the newest N.
#include "support/integration_fixture.h"
#include "support/media_client.h"
#include "support/media_helpers.h"

#include "admin/backup_archive.h"
#include "admin/backups.h"
#include "db/migrator.h"
#include "server.h"

#include <QBuffer>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QTime>
#include <QTimer>

using namespace tidings;
using namespace tidings::test;
using protocol::Frame;

namespace {

const QByteArray kMarker = "TIDINGS-BACKUP-PLAINTEXT-MARKER-5c1e";

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
};

//! A program run to its end while the event loop turns (the server lives in this process).
Run runProgram(const QString &program, const QStringList &args, int timeoutMs = 120000) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TIDINGS_TIDINGSD"), qEnvironmentVariable("TIDINGSD_BIN"));
    p.setProcessEnvironment(env);
    p.start(program, args);
    Run r;
    if (!p.waitForStarted(10000))
        return r;
    p.closeWriteChannel();
    QEventLoop loop;
    QObject::connect(&p, &QProcess::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    if (p.state() != QProcess::NotRunning)
        loop.exec();
    r.exitCode = p.state() == QProcess::NotRunning ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

bool isEmptyDir(const QString &dir) {
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty();
}

} // namespace

class TestBackup : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QTemporaryDir m_tmp;
    QString m_dataDir;
    QString m_archive; //!< the first test's backup, reused by the refusal tests
    QString m_aliceName;

    Run admin(QStringList args) {
        return runProgram(qEnvironmentVariable("TIDINGS_ADMIN_BIN"),
                          QStringList{QStringLiteral("--data-dir=") + m_dataDir} + args);
    }
    Run restore(const QString &archive, const QString &dir, const QString &database = {}) {
        QStringList args{QStringLiteral("restore"), archive, QStringLiteral("--data-dir"), dir};
        if (!database.isEmpty())
            args << QStringLiteral("--database-url") << database;
        return runProgram(qEnvironmentVariable("TIDINGS_ADMIN_BIN"), args);
    }
    QString path(const QString &name) const { return m_tmp.filePath(name); }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_dataDir = m_fx.server().dataDir();
        // The embedded PostgreSQL of a restore runs as "postgres" when the test runs as root: it
        // must be able to reach its folder.
        QFile::setPermissions(m_tmp.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                                QFile::ReadOther | QFile::ExeOther |
                                                QFile::ReadGroup | QFile::ExeGroup);
        QVERIFY(!qEnvironmentVariableIsEmpty("TIDINGS_ADMIN_BIN"));
        QVERIFY(!qEnvironmentVariableIsEmpty("TIDINGSD_BIN"));
    }

    void roundTripKeepsMessagesMediaAndDevices() {
        auto alice = m_fx.newUser(QStringLiteral("alice"));
        auto bob = m_fx.newUser(QStringLiteral("bob"));
        QVERIFY(alice && bob);
        m_aliceName = alice->username;
        const quint64 conv = alice->openDirect(bob->username);
        QVERIFY(conv);
        // A photo (a blob) and three messages, one of them pointing to the photo.
        const auto token = mediaToken(*alice);
        QVERIFY(token);
        MediaClient media(quint16(m_fx.url().port()), QByteArray::fromStdString(token->token()));
        const auto photo = encryptedFile(path("photo.jpg"), path("photo.blob"), 300'000, kMarker);
        QVERIFY(photo);
        const QString blob = uploadFile(media, *photo);
        QVERIFY(!blob.isEmpty());
        QVERIFY(alice->send(conv, "m1", "first")->has_send_ack());
        Frame withPhoto;
        auto *s = withPhoto.mutable_send_request();
        s->set_conversation_id(conv);
        s->set_client_message_id("m2");
        s->set_payload("the photo's pointer");
        s->add_attachment_blob_ids(blob.toStdString());
        QVERIFY(alice->request(withPhoto)->has_send_ack());
        QVERIFY(alice->send(conv, "m3", "third")->has_send_ack());
        QVERIFY(bob->waitMessages(3));

        // The data directory's config goes along (as the tray app's wizard writes it).
        {
            QFile conf(m_dataDir + "/tidingsd.conf");
            QVERIFY(conf.open(QIODevice::WriteOnly));
            conf.write("[server]\ndata-dir = \"" + m_dataDir.toUtf8() +
                       "\"\ndatabase-url = \"host=old-server\"\n");
        }

        // Online: the clients stay connected and keep sending while it runs.
        m_archive = path("backup.tar");
        const Run b = admin({"backup", "--out", m_archive});
        QVERIFY2(b.exitCode == 0, b.err.constData());
        QCOMPARE(b.json().value("path").toString(), m_archive);
        QCOMPARE(b.json().value("media_blobs").toInt(), 1);
        QVERIFY(b.json().value("database_bytes").toDouble() > 0);
        QVERIFY(QFileInfo(m_archive).size() > 300'000);
        QVERIFY(alice->isConnected() && bob->isConnected());
        QVERIFY(alice->send(conv, "m4", "after the backup")->has_send_ack());
        // Nothing of it stays behind in DATA/backups (--out moved it); no parts either.
        QVERIFY(isEmptyDir(m_dataDir + "/backups"));
        // `tar` reads it: a plain archive an admin can look into.
        const Run listing = runProgram(QStringLiteral("tar"), {"tf", m_archive});
        QCOMPARE(listing.exitCode, 0);
        QVERIFY(listing.out.startsWith("tidings-backup/manifest.json\n"));
        QVERIFY(listing.out.contains("tidings-backup/media/blobs/" + blob.left(2).toUtf8() + "/"));
        QVERIFY(listing.out.endsWith("tidings-backup/end.json\n"));

        // Restore into an empty directory and an empty database.
        const QString dir = path("restored");
        const QString database = m_fx.pg().createDatabase();
        const Run r = restore(m_archive, dir, database);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("1 media files"));
        QVERIFY(QFileInfo::exists(blobFile(dir, blob)));
        QVERIFY(!QFileInfo::exists(dir + "/.restore"));
        // The restored config names the new data directory and the database restored into.
        QFile conf(dir + "/tidingsd.conf");
        QVERIFY(conf.open(QIODevice::ReadOnly));
        const QByteArray confText = conf.readAll();
        QVERIFY2(confText.contains("data-dir = \"" + dir.toUtf8() + "\""), confText.constData());
        QVERIFY2(confText.contains("database-url = \"" + database.toUtf8() + "\""),
                 confText.constData());
        QVERIFY(!confText.contains("old-server"));

        server::ServerConfig config;
        config.dataDir = dir;
        ServerHarness restored(m_fx.pg(), config, database);
        QString error;
        QVERIFY2(restored.start(&error), qPrintable(error));
        // The same devices come back with their tokens; history and the photo are there.
        auto bobAgain = RawClient::authenticated(restored.url(), bob->token);
        QVERIFY(bobAgain);
        Frame h;
        h.mutable_history_request()->set_conversation_id(conv);
        const auto hist = bobAgain->request(h);
        QVERIFY(hist && hist->has_history_response());
        QCOMPARE(hist->history_response().messages_size(), 3);
        QCOMPARE(hist->history_response().messages(0).payload(), std::string("first"));
        QCOMPARE(hist->history_response().messages(2).payload(), std::string("third"));
        const auto bobToken = mediaToken(*bobAgain);
        QVERIFY(bobToken);
        MediaClient restoredMedia(quint16(restored.url().port()),
                                  QByteArray::fromStdString(bobToken->token()));
        const HttpReply got = restoredMedia.get(blob);
        QCOMPARE(got.status, 200);
        QFile stored(path("photo.blob"));
        QVERIFY(stored.open(QIODevice::ReadOnly));
        QCOMPARE(got.body, stored.readAll());
        // And messages flow on the restored server.
        auto aliceAgain = RawClient::authenticated(restored.url(), alice->token);
        QVERIFY(aliceAgain);
        // m4 (seq 4) was sent after the backup and bob holds it: the restored server numbers on
        // past anything sent since, so no new message takes a number a client already has.
        const auto m5 = aliceAgain->send(conv, "m5", "on the restored server");
        QVERIFY(m5 && m5->has_send_ack());
        QVERIFY2(m5->send_ack().seq() > 1'000'000,
                 qPrintable(QString::number(m5->send_ack().seq())));
        QVERIFY(QTest::qWaitFor(
            [&] {
                for (const auto &m : bobAgain->messages)
                    if (m.payload() == "on the restored server")
                        return true;
                return false;
            },
            10000));
    }

    void restoreIntoTheEmbeddedDatabaseAndServe() {
        QVERIFY(!m_archive.isEmpty());
        const QString dir = path("embedded");
        const Run r = restore(m_archive, dir);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(QFileInfo::exists(dir + "/db/pgdata/PG_VERSION"));
        // tidingsd on the restored directory, as an admin would start it.
        QProcess tidingsd;
        tidingsd.setProcessChannelMode(QProcess::MergedChannels);
        tidingsd.start(qEnvironmentVariable("TIDINGSD_BIN"),
                       {"--data-dir", dir, "--listen", "127.0.0.1:0", "--cheap-password-hashing"});
        QVERIFY(tidingsd.waitForStarted(10000));
        QByteArray output;
        QVERIFY(QTest::qWaitFor(
            [&] {
                output += tidingsd.readAll();
                return output.contains("tidingsd listening on") ||
                       tidingsd.state() == QProcess::NotRunning;
            },
            60000));
        QVERIFY2(output.contains("tidingsd listening on"), output.constData());
        const Run users = runProgram(qEnvironmentVariable("TIDINGS_ADMIN_BIN"),
                                     {"--data-dir", dir, "users", "list", "--search", m_aliceName});
        QVERIFY2(users.exitCode == 0, users.err.constData());
        QVERIFY(users.out.contains("\"username\":\"" + m_aliceName.toUtf8() + "\""));
        tidingsd.terminate();
        QVERIFY(tidingsd.waitForFinished(60000));
    }

    void truncatedDamagedAndNewerArchivesAreRefused() {
        QVERIFY(!m_archive.isEmpty());
        QFile whole(m_archive);
        QVERIFY(whole.open(QIODevice::ReadOnly));
        const QByteArray bytes = whole.readAll();
        const auto refused = [&](const QString &name, const QByteArray &content,
                                 const char *words) {
            QFile f(path(name));
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(content);
            f.close();
            const QString dir = path(name + ".dir");
            const Run r = restore(path(name), dir, m_fx.pg().createDatabase());
            QVERIFY2(r.exitCode == 4, r.err.constData());
            QVERIFY2(r.err.contains(words), r.err.constData());
            // Nothing is kept: the directory is as empty as it was.
            QVERIFY(isEmptyDir(dir));
        };
        refused("truncated.tar", bytes.left(bytes.size() / 2), "truncated");
        refused("no-end.tar", bytes.left(bytes.size() - 2048), "truncated");
        // One bit of the database dump's content (past its 512-byte header).
        QByteArray flipped = bytes;
        const qsizetype at = bytes.indexOf("tidings-backup/database.pgdump") + 512 + 100;
        QVERIFY(at > 612);
        flipped[at] = char(flipped[at] ^ 0x01);
        refused("damaged.tar", flipped, "damaged");
        refused("not-a-backup.tar", QByteArray(4096, 'x'), "damaged");

        // An archive of a newer schema: whole and good, but not for this server.
        QBuffer newer;
        QVERIFY(newer.open(QIODevice::WriteOnly));
        server::backup::TarWriter tar(newer);
        const QJsonObject manifest{{"format", 1},
                                   {"schema_version", server::Migrator::latestVersion() + 1},
                                   {"server_version", "9.0.0"}};
        QVERIFY(tar.addBytes(server::backup::kManifest, QJsonDocument(manifest).toJson()));
        QVERIFY(tar.addBytes(server::backup::kDatabase, "not read"));
        QVERIFY(tar.finish());
        refused("newer.tar", newer.data(), "newer Tidings");

        // Only into an empty directory.
        const QString used = path("used");
        QVERIFY(QDir().mkpath(used));
        QFile(used + "/keep.txt").open(QIODevice::WriteOnly);
        const Run r = restore(m_archive, used);
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("is not empty"), r.err.constData());
        QVERIFY(QFileInfo::exists(used + "/keep.txt"));
    }

    void jsonMembersAreReadUpToOneMebibyte() {
        // manifest.json and end.json are read whole: at most kMaxJsonBytes, checked before the
        // bytes are allocated.
        QBuffer archive;
        QVERIFY(archive.open(QIODevice::WriteOnly));
        server::backup::TarWriter tar(archive);
        QVERIFY(tar.addBytes(server::backup::kRoot + "at.json",
                             QByteArray(server::backup::kMaxJsonBytes, ' ')));
        QVERIFY(tar.addBytes(server::backup::kRoot + "past.json",
                             QByteArray(server::backup::kMaxJsonBytes + 1, ' ')));
        QVERIFY(tar.finish());
        archive.close();
        QVERIFY(archive.open(QIODevice::ReadOnly));
        server::backup::TarReader reader(archive);
        QVERIFY(reader.next());
        const auto at = reader.readAll(server::backup::kMaxJsonBytes);
        QVERIFY(at);
        QCOMPARE(at->size(), server::backup::kMaxJsonBytes);
        QVERIFY(reader.next());
        const auto past = reader.readAll(server::backup::kMaxJsonBytes);
        QVERIFY(!past);
        QCOMPARE(past.error().code, ErrorCode::BadBackup);
    }

    void theDailyBackupRunsAndKeepsTheNewest() {
        // Due once the hour has come and no archive was written since: set to this hour, it
        // runs at once.
        const int hour = QTime::currentTime().hour();
        Run set = admin({"backup", "schedule", QString::number(hour), "--keep", "2"});
        QVERIFY2(set.exitCode == 0, set.err.constData());
        QCOMPARE(set.json().value("backup_hour").toInt(), hour);
        QCOMPARE(set.json().value("backup_keep").toInt(), 2);
        server::Backups *backups = m_fx.server().server()->backups();
        QVERIFY(QTest::qWaitFor([&] { return !backups->running(); }, 60000));
        QCOMPARE(backups->status().value("scheduled").toBool(), true);
        QCOMPARE(backups->list().size(), 1);
        // Two more (by hand): the newest two stay.
        for (int i = 0; i < 2; ++i) {
            const Run b = admin({"backup"});
            QVERIFY2(b.exitCode == 0, b.err.constData());
            QTest::qWait(1100); // names are second-precise
        }
        const Run list = admin({"backup", "list"});
        QCOMPARE(list.exitCode, 0);
        QCOMPARE(list.out.count('\n'), 2);
        // The schedule survives a restart (stored as a setting).
        QString error;
        QVERIFY2(m_fx.restartServer(&error), qPrintable(error));
        QCOMPARE(m_fx.server().server()->backups()->scheduleHour(), hour);
        QVERIFY(admin({"backup", "schedule", "off"}).exitCode == 0);
        QCOMPARE(m_fx.server().server()->backups()->scheduleHour(), -1);
        // Wrong values change nothing.
        const Run bad = admin({"backup", "schedule", "25"});
        QCOMPARE(bad.exitCode, 2);
        // The limits, at and just past them: hours 0-23, 1 to 365 archives kept.
        QCOMPARE(admin({"backup", "schedule", "24"}).exitCode, 2);
        QCOMPARE(admin({"backup", "schedule", "23", "--keep", "365"}).exitCode, 0);
        QCOMPARE(m_fx.server().server()->backups()->scheduleHour(), 23);
        const Run tooMany = admin({"backup", "schedule", "off", "--keep", "366"});
        QCOMPARE(tooMany.exitCode, 4);
        QVERIFY2(tooMany.err.contains("backup_keep"), tooMany.err.constData());
        QCOMPARE(m_fx.server().server()->backups()->keep(), 365);
        QCOMPARE(admin({"backup", "schedule", "off"}).exitCode, 0);
        // A backup the hour 23 may have started ends before the server does.
        QVERIFY(
            QTest::qWaitFor([&] { return !m_fx.server().server()->backups()->running(); }, 60000));
    }
};

QTEST_GUILESS_MAIN(TestBackup)
#include "test_backup.moc"
