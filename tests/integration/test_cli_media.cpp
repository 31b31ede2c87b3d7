// tidings-cli's files end to end against a real tidingsd process and PostgreSQL: send --file to a
// person and to a group, the "attachment" of receive and history lines, download giving the
// same bytes, a tampered or truncated blob refused with no output file, and clear errors for a
// missing, empty, too large or over-quota file.
#include "support/integration_fixture.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPainter>
#include <QProcess>
#include <QRandomGenerator>
#include <QTest>

using namespace tidings::test;

namespace {

constexpr qint64 kMaxBytes = 1'000'000;
constexpr qint64 kQuotaBytes = 2'500'000;

QByteArray randomBytes(qint64 size, quint32 seed) {
    QByteArray b(size, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    gen.fillRange(reinterpret_cast<quint32 *>(b.data()), b.size() / 4);
    return b;
}

QByteArray readAll(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

QStringList filesIn(const QString &dir) {
    return QDir(dir).entryList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name);
}

} // namespace

class TestCliMedia : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    std::unique_ptr<ProcessHarness> m_proc;
    QTemporaryDir m_files;

    ProcessHarness::Run cli(const QString &profile, const QStringList &args,
                            const QByteArray &in = {}) {
        return m_proc->cli(profile, args, in);
    }

    //! A file with `bytes` in the test's scratch folder.
    QString makeFile(const QString &name, const QByteArray &bytes) {
        const QString path = m_files.filePath(name);
        return writeFile(path, bytes) ? path : QString();
    }

    //! A fresh, empty output folder.
    QString outDir(const QString &name) {
        const QString dir = m_files.filePath(u"out-"_qs + name);
        QDir().mkpath(dir);
        return dir;
    }

    //! The stored ciphertext of `blobId` in the server's media store.
    QString blobFile(const QString &blobId) {
        QDirIterator it(m_proc->dataDir() + u"/media"_qs, {blobId}, QDir::Files,
                        QDirIterator::Subdirectories);
        return it.hasNext() ? it.next() : QString();
    }

    //! `from` sends `path` (to a user, or "--group", id) and the stored line is returned.
    QJsonObject sendFile(const QString &from, const QStringList &to, const QString &path,
                         const QStringList &extra = {}) {
        auto r = cli(from, QStringList{"send"} + to + QStringList{"--file", path} + extra);
        if (r.exitCode != 0) {
            qWarning("send failed: %s", r.err.constData());
            return {};
        }
        return r.lines().value(0);
    }

    //! `profile` receives until the line with this id arrived; that line.
    QJsonObject receiveLine(const QString &profile, const QString &id) {
        auto r = cli(profile, {"receive", "--wait-ms", "3000"});
        for (const QJsonObject &l : r.lines())
            if (l.value("id").toString() == id)
                return l;
        qWarning("no line %s in: %s / %s", qPrintable(id), r.out.constData(), r.err.constData());
        return {};
    }

private slots:
    void initTestCase() {
        QVERIFY(m_files.isValid());
        const QString err = m_fx.startDatabase();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_proc = m_fx.processServer({"--media-max-bytes", QString::number(kMaxBytes),
                                     "--media-quota-bytes", QString::number(kQuotaBytes)});
        QVERIFY(m_proc);
        for (const char *u : {"alice", "bob", "carol", "dave"})
            QCOMPARE(cli(u, {"--server", m_proc->url(), "register", u}, "password-123\n").exitCode,
                     0);
    }
    void cleanupTestCase() { m_proc.reset(); }

    void aFileToAPersonArrivesByteIdentical() {
        const QByteArray bytes = randomBytes(300'000, 1);
        const QString path = makeFile(u"report.pdf"_qs, bytes);
        const QJsonObject sent =
            sendFile("alice", {"bob"}, path, {"--caption", "the report, as promised"});
        QCOMPARE(sent.value("status").toString(), QString("stored"));
        QVERIFY(sent.value("seq").toInteger() > 0);
        const QString id = sent.value("id").toString();
        QVERIFY(!id.isEmpty());
        const QJsonObject att = sent.value("attachment").toObject();
        QCOMPARE(att.value("name").toString(), QString("report.pdf"));
        QCOMPARE(att.value("size").toInteger(), qint64(bytes.size()));
        QCOMPARE(att.value("blob_id").toString().size(), 64); // hex SHA-256 of the ciphertext
        const QString blob = att.value("blob_id").toString();

        // bob's line keeps the message fields and adds the attachment.
        const QJsonObject line = receiveLine("bob", id);
        QCOMPARE(line.value("from").toString(), QString("alice"));
        QCOMPARE(line.value("text").toString(), QString("the report, as promised"));
        QCOMPARE(line.value("seq").toInteger(), sent.value("seq").toInteger());
        QVERIFY(line.contains("sent_at"));
        QVERIFY(line.contains("received_at"));
        const QJsonObject got = line.value("attachment").toObject();
        QCOMPARE(got.value("name").toString(), QString("report.pdf"));
        QCOMPARE(got.value("size").toInteger(), qint64(bytes.size()));
        QCOMPARE(got.value("mime_type").toString(), QString("application/pdf"));
        QCOMPARE(got.value("blob_id").toString(), blob);

        // Into a directory: the file's own name, then a free one; never overwritten.
        const QString dir = outDir(u"direct"_qs);
        auto d1 = cli("bob", {"download", id, "--out", dir});
        QCOMPARE(d1.exitCode, 0);
        const QJsonObject saved = d1.lines().value(0);
        QCOMPARE(saved.value("path").toString(), QDir(dir).filePath("report.pdf"));
        QCOMPARE(saved.value("size").toInteger(), qint64(bytes.size()));
        QCOMPARE(readAll(saved.value("path").toString()), bytes);
        auto d2 = cli("bob", {"download", id, "--out", dir});
        QCOMPARE(d2.exitCode, 0);
        QCOMPARE(d2.lines().value(0).value("path").toString(),
                 QDir(dir).filePath("report (1).pdf"));
        QCOMPARE(readAll(QDir(dir).filePath("report (1).pdf")), bytes);
        // An explicit file name that exists is refused and left alone.
        QVERIFY(writeFile(QDir(dir).filePath("mine.pdf"), "keep me"));
        auto refused = cli("bob", {"download", id, "--out", QDir(dir).filePath("mine.pdf")});
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains("not overwritten"), refused.err.constData());
        QCOMPARE(readAll(QDir(dir).filePath("mine.pdf")), QByteArray("keep me"));
        auto named = cli("bob", {"download", id, "--out", QDir(dir).filePath("copy.pdf")});
        QCOMPARE(named.exitCode, 0);
        QCOMPARE(readAll(QDir(dir).filePath("copy.pdf")), bytes);

        // The sender's history shows the attachment too, and an unknown id is a usage error.
        auto history = cli("alice", {"history", "bob"});
        QCOMPARE(history.exitCode, 0);
        bool seen = false;
        for (const QJsonObject &l : history.lines())
            seen = seen || (l.value("id").toString() == id &&
                            l.value("attachment").toObject().value("blob_id").toString() == blob);
        QVERIFY2(seen, history.out.constData());
        auto unknown = cli("bob", {"download", "no-such-message"});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY(unknown.err.contains("no message"));
    }

    void aPhotoKeepsItsKindAndDimensions() {
        QImage image(640, 480, QImage::Format_RGB32);
        image.fill(QColor(40, 120, 200));
        QPainter(&image).fillRect(100, 100, 200, 150, Qt::yellow);
        const QString path = m_files.filePath(u"beach.png"_qs);
        QVERIFY(image.save(path));
        const QJsonObject sent = sendFile("bob", {"alice"}, path);
        const QJsonObject att = sent.value("attachment").toObject();
        QCOMPARE(att.value("kind").toString(), QString("image"));
        QCOMPARE(att.value("width").toInt(), 640);
        QCOMPARE(att.value("height").toInt(), 480);
        const QJsonObject line = receiveLine("alice", sent.value("id").toString());
        QCOMPARE(line.value("attachment").toObject().value("kind").toString(), QString("image"));
        // The photo as sent (re-encoded without metadata): the size printed is what arrives.
        const QString dir = outDir(u"photo"_qs);
        auto d = cli("alice", {"download", sent.value("id").toString(), "--out", dir});
        QCOMPARE(d.exitCode, 0);
        const QString saved = d.lines().value(0).value("path").toString();
        QCOMPARE(QFileInfo(saved).size(), att.value("size").toInteger());
        QCOMPARE(QImage(saved).size(), QSize(640, 480));
    }

    void aFileToAGroupReachesEveryMember() {
        auto created = cli("alice", {"group", "create", "Files", "bob", "carol"});
        QCOMPARE(created.exitCode, 0);
        const QString group = QString::number(created.lines().value(0).value("group").toInteger());
        const QByteArray bytes = randomBytes(250'000, 2);
        const QJsonObject sent =
            sendFile("alice", {"--group", group}, makeFile(u"plan.txt"_qs, bytes));
        QCOMPARE(sent.value("status").toString(), QString("stored"));
        QCOMPARE(QString::number(sent.value("group").toInteger()), group);
        const QString id = sent.value("id").toString();
        // dave is no member: refused before anything is uploaded.
        auto outsider =
            cli("dave", {"send", "--group", group, "--file", m_files.filePath("plan.txt")});
        QCOMPARE(outsider.exitCode, 3);
        QVERIFY2(outsider.err.contains("NOT_MEMBER"), outsider.err.constData());
        for (const char *member : {"bob", "carol"}) {
            const QJsonObject line = receiveLine(member, id);
            QCOMPARE(QString::number(line.value("group").toInteger()), group);
            QCOMPARE(line.value("attachment").toObject().value("name").toString(),
                     QString("plan.txt"));
            const QString dir = outDir(u"group-"_qs + QLatin1String(member));
            auto d = cli(member, {"download", id, "--out", dir});
            QCOMPARE(d.exitCode, 0);
            QCOMPARE(readAll(QDir(dir).filePath("plan.txt")), bytes);
        }
    }

    void aTamperedBlobIsRefusedAndNothingIsWritten() {
        const QJsonObject sent =
            sendFile("alice", {"bob"}, makeFile(u"contract.bin"_qs, randomBytes(200'000, 3)));
        const QString id = sent.value("id").toString();
        const QString blob =
            blobFile(sent.value("attachment").toObject().value("blob_id").toString());
        QVERIFY2(!blob.isEmpty(), "the blob is not in the server's data directory");
        QVERIFY(!receiveLine("bob", id).isEmpty());
        // One byte of the ciphertext changed on the server's disk.
        QByteArray cipher = readAll(blob);
        QVERIFY(cipher.size() > 100'000);
        cipher[100'000] = char(cipher[100'000] ^ 0x5a);
        QVERIFY(writeFile(blob, cipher));
        const QString dir = outDir(u"tampered"_qs);
        auto d = cli("bob", {"download", id, "--out", dir});
        QCOMPARE(d.exitCode, 3);
        QVERIFY2(d.err.contains("BAD_FRAME") || d.err.contains("HASH_MISMATCH"), d.err.constData());
        QVERIFY2(d.err.contains("altered"), d.err.constData());
        QVERIFY(d.out.isEmpty());
        QCOMPARE(filesIn(dir), QStringList());
        // Asked for a file name: not created either.
        auto named = cli("bob", {"download", id, "--out", QDir(dir).filePath("x.bin")});
        QVERIFY(named.exitCode != 0);
        QCOMPARE(filesIn(dir), QStringList());
    }

    void aTruncatedBlobIsRefusedAndNothingIsWritten() {
        const QJsonObject sent =
            sendFile("alice", {"bob"}, makeFile(u"video.bin"_qs, randomBytes(200'000, 4)));
        const QString id = sent.value("id").toString();
        const QString blob =
            blobFile(sent.value("attachment").toObject().value("blob_id").toString());
        QVERIFY(!blob.isEmpty());
        QVERIFY(!receiveLine("bob", id).isEmpty());
        QVERIFY(QFile::resize(blob, 120'000));
        const QString dir = outDir(u"truncated"_qs);
        auto d = cli("bob", {"download", id, "--out", dir});
        QCOMPARE(d.exitCode, 3);
        QVERIFY2(d.err.contains("incomplete"), d.err.constData());
        QCOMPARE(filesIn(dir), QStringList());
    }

    void badFilesGetClearErrors() {
        auto missing = cli("carol", {"send", "bob", "--file", m_files.filePath("nothing.bin")});
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.err.contains("USAGE") && missing.err.contains("no such file"),
                 missing.err.constData());
        auto empty = cli("carol", {"send", "bob", "--file", makeFile(u"empty.txt"_qs, {})});
        QCOMPARE(empty.exitCode, 2);
        QVERIFY2(empty.err.contains("is empty"), empty.err.constData());
        auto folder = cli("carol", {"send", "bob", "--file", m_files.path()});
        QCOMPARE(folder.exitCode, 2);
        QVERIFY2(folder.err.contains("directory"), folder.err.constData());
        auto big = cli("carol", {"send", "bob", "--file",
                                 makeFile(u"big.bin"_qs, randomBytes(kMaxBytes + 1, 5))});
        QCOMPARE(big.exitCode, 3);
        QVERIFY2(big.err.contains("TOO_LARGE") && big.err.contains(QByteArray::number(kMaxBytes)),
                 big.err.constData());
        auto notAudio = cli("carol", {"send", "bob", "--voice", "--file",
                                      makeFile(u"voice.ogg"_qs, randomBytes(4000, 6))});
        QCOMPARE(notAudio.exitCode, 2);
        QVERIFY2(notAudio.err.contains("voice note"), notAudio.err.constData());
        auto withText = cli("carol", {"send", "bob", "hello", "--file", m_files.filePath("x")});
        QCOMPARE(withText.exitCode, 2);
        QVERIFY2(withText.err.contains("--caption"), withText.err.constData());
        // None of them reached bob.
        auto got = cli("bob", {"receive", "--wait-ms", "2000"});
        QCOMPARE(got.exitCode, 0);
        for (const QJsonObject &l : got.lines())
            QVERIFY2(l.value("from").toString() != "carol", got.out.constData());
    }

    void theQuotaIsEnforced() {
        // dave stores two files (1.8 MB of his 2.5 MB); a third does not fit and is refused by
        // name, with what is left.
        for (int n = 1; n <= 2; ++n) {
            const QString name = QStringLiteral("part%1.bin").arg(n);
            const QJsonObject sent =
                sendFile("dave", {"bob"}, makeFile(name, randomBytes(900'000, quint32(10 + n))));
            QCOMPARE(sent.value("status").toString(), QString("stored"));
        }
        auto over = cli("dave", {"send", "bob", "--file",
                                 makeFile(u"one-too-many.bin"_qs, randomBytes(900'000, 99))});
        QCOMPARE(over.exitCode, 3);
        QVERIFY2(over.err.contains("QUOTA_EXCEEDED") && over.err.contains("one-too-many.bin"),
                 over.err.constData());
        // A smaller file still fits.
        QCOMPARE(sendFile("dave", {"bob"}, makeFile(u"small.bin"_qs, randomBytes(100'000, 98)))
                     .value("status")
                     .toString(),
                 QString("stored"));
    }

    void theDemoConversationIsSeededEndToEnd() {
        // scripts/run --demo's seeding (scripts/lib/demo.sh) against its own server: alice and
        // bob exist there under those names.
        auto demo = m_fx.processServer();
        QVERIFY(demo);
        const QString data = demo->path(u"demo-data"_qs);
        QVERIFY(QDir().mkpath(data));
        QProcess bash;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("cli", qEnvironmentVariable("TIDINGS_CLI_BIN"));
        env.insert("server_url", demo->url());
        env.insert("data_dir", data);
        bash.setProcessEnvironment(env);
        bash.start("bash", {"-c",
                            "set -euo pipefail; source \"$1/scripts/lib/common.sh\"; "
                            "source \"$1/scripts/lib/demo.sh\"; demo_setup",
                            "demo", QStringLiteral(TIDINGS_SOURCE_DIR)});
        QVERIFY(bash.waitForFinished(120000));
        const QByteArray log = bash.readAllStandardError();
        QCOMPARE(bash.exitCode(), 0);
        QVERIFY2(log.contains("demo: conversation ready"), log.constData());

        for (const char *user : {"alice", "bob"}) {
            const QString profile = u"demo-data/demo/"_qs + QLatin1String(user);
            const char *peer = qstrcmp(user, "alice") == 0 ? "bob" : "alice";
            auto history = demo->cli(profile, {"history", peer});
            QCOMPARE(history.exitCode, 0);
            const auto lines = history.lines();
            QCOMPARE(lines.size(), 6);
            QCOMPARE(lines[2].value("attachment").toObject().value("kind").toString(),
                     QString("image"));
            QCOMPARE(lines[4].value("attachment").toObject().value("kind").toString(),
                     QString("voice"));
            QVERIFY(lines[4].value("attachment").toObject().value("duration_ms").toInteger() > 0);
            for (const QJsonObject &l : lines)
                QVERIFY2(l.value("status").toString() == "read" ||
                             l.value("status").toString() == "received",
                         history.out.constData());
            // Both files are already on each device (the windows show them at once): saved
            // without the server.
            demo->stopServer();
            for (int i : {2, 4}) {
                auto saved = demo->cli(profile, {"download", lines[i].value("id").toString(),
                                                 "--out", m_files.path(), "--timeout-ms", "2000"});
                QCOMPARE(saved.exitCode, 0);
                QVERIFY(QFile::remove(saved.lines().value(0).value("path").toString()));
            }
            QVERIFY(demo->startServer());
        }
        // Seeded once: a second run sends nothing again.
        bash.start("bash", {"-c",
                            "set -euo pipefail; source \"$1/scripts/lib/common.sh\"; "
                            "source \"$1/scripts/lib/demo.sh\"; demo_setup",
                            "demo", QStringLiteral(TIDINGS_SOURCE_DIR)});
        QVERIFY(bash.waitForFinished(120000));
        QCOMPARE(bash.exitCode(), 0);
        QCOMPARE(demo->cli(u"demo-data/demo/bob"_qs, {"history", "alice"}).lines().size(), 6);
    }
};

QTEST_GUILESS_MAIN(TestCliMedia)
#include "test_cli_media.moc"
