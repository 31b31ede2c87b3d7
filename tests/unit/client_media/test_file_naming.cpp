// Received file names are attacker-controlled: no directories, no bidi tricks, no control or
// zero-width characters, no reserved device names, at most 255 UTF-8 bytes with the extension
// kept, "file" when nothing is left. MIME types by content; the send kind by MIME type.
#include "core/media/file_naming.h"

#include <QImage>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings::client::media;

class TestFileNaming : public QObject {
    Q_OBJECT
private slots:
    void names_data() {
        QTest::addColumn<QString>("raw");
        QTest::addColumn<QString>("safe");
        QTest::newRow("plain") << "holiday.jpg"
                               << "holiday.jpg";
        QTest::newRow("traversal") << "../../etc/passwd"
                                   << "passwd";
        QTest::newRow("windows path") << "C:\\Users\\bob\\evil.exe"
                                      << "evil.exe";
        QTest::newRow("trailing slash") << "dir/"
                                        << "file";
        QTest::newRow("dot dot") << ".."
                                 << "file";
        QTest::newRow("empty") << ""
                               << "file";
        QTest::newRow("hidden") << ".bashrc"
                                << "bashrc";
        // Found by fuzz_attachment_pointer: the leading dot only showed once the space went.
        QTest::newRow("dot behind a space") << "..   \t .exe"
                                            << "exe";
        QTest::newRow("space dot space") << " . .hidden"
                                         << "hidden";
        QTest::newRow("trailing dots") << "report. . "
                                       << "report";
        QTest::newRow("RLO trick")
            << QString::fromUtf8("invoice\u202Efdp.exe") << QString("invoicefdp.exe");
        QTest::newRow("isolates") << QString::fromUtf8("a\u2066b\u2069c.txt") << "abc.txt";
        QTest::newRow("zero width") << QString::fromUtf8("pay\u200Bpal\uFEFF.pdf") << "paypal.pdf";
        QTest::newRow("controls") << QString("a\x01"
                                             "b\nc\x7f"
                                             "d.txt")
                                  << "abcd.txt";
        QTest::newRow("C1 control") << QString::fromUtf8("a\u0085b.txt") << "ab.txt";
        QTest::newRow("NUL") << QString::fromLatin1("a\0b.txt", 7) << "ab.txt";
        QTest::newRow("windows chars") << "a<b>c:d|e?f*g\"h.txt"
                                       << "a_b_c_d_e_f_g_h.txt";
        QTest::newRow("device name") << "CON.txt"
                                     << "_CON.txt";
        QTest::newRow("device name 2") << "lpt1"
                                       << "_lpt1";
        QTest::newRow("spaces") << QString::fromUtf8("  my\u00A0\u00A0photo .png ")
                                << QString("my photo.png");
        QTest::newRow("unicode kept")
            << QString::fromUtf8("Köln 日本 😀.jpg") << QString::fromUtf8("Köln 日本 😀.jpg");
    }
    void names() {
        QFETCH(QString, raw);
        QFETCH(QString, safe);
        QCOMPARE(safeFileName(raw), safe);
    }

    void longNamesKeepTheExtension_data() {
        QTest::addColumn<QString>("unit");
        QTest::newRow("ascii") << "a";
        QTest::newRow("two bytes") << QString::fromUtf8("é");
        QTest::newRow("three bytes") << QString::fromUtf8("日");
        QTest::newRow("surrogate pairs") << QString::fromUtf8("😀");
    }
    void longNamesKeepTheExtension() {
        QFETCH(QString, unit);
        const QString safe = safeFileName(unit.repeated(300) + ".jpeg");
        QVERIFY2(safe.toUtf8().size() <= kMaxFileNameBytes, qPrintable(safe));
        QVERIFY(safe.toUtf8().size() > kMaxFileNameBytes - 4); // not cut more than needed
        QVERIFY(safe.endsWith(".jpeg"));
        QCOMPARE(QString::fromUtf8(safe.toUtf8()), safe); // whole code points only
        QVERIFY(!safe.back().isHighSurrogate());
        // A long "extension" is just part of the name.
        const QString odd = safeFileName("x." + QString(300, 'y'));
        QCOMPARE(odd.toUtf8().size(), kMaxFileNameBytes);
    }

    void mimeByContent() {
        QTemporaryDir dir;
        const QString png = dir.filePath("photo.txt"); // the name lies
        QImage img(8, 8, QImage::Format_RGB32);
        img.fill(Qt::red);
        QVERIFY(img.save(png, "PNG"));
        QCOMPARE(detectMimeType(png), QString("image/png"));
        QFile text(dir.filePath("notes"));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("just some words\n");
        text.close();
        QCOMPARE(detectMimeType(text.fileName()), QString("text/plain"));
        QFile bin(dir.filePath("blob"));
        QVERIFY(bin.open(QIODevice::WriteOnly));
        bin.write(QByteArray("\x00\x01\x02\x03\xfe\xff\x00\x10", 8));
        bin.close();
        QCOMPARE(detectMimeType(bin.fileName()), QString("application/octet-stream"));
        QFile csv(dir.filePath("table.csv"));
        QVERIFY(csv.open(QIODevice::WriteOnly));
        csv.write("a,b\n1,2\n");
        csv.close();
        QCOMPARE(detectMimeType(csv.fileName()), QString("text/csv")); // refined by the name
    }

    void kinds() {
        QCOMPARE(kindForMimeType("image/jpeg"), AttachmentKind::Image);
        QCOMPARE(kindForMimeType("image/png"), AttachmentKind::Image);
        QCOMPARE(kindForMimeType("image/gif"), AttachmentKind::File); // animated: a file
        QCOMPARE(kindForMimeType("image/svg+xml"), AttachmentKind::File);
        QCOMPARE(kindForMimeType("video/mp4"), AttachmentKind::Video);
        QCOMPARE(kindForMimeType("audio/ogg"), AttachmentKind::Audio);
        QCOMPARE(kindForMimeType("audio/ogg", true), AttachmentKind::Voice);
        QCOMPARE(kindForMimeType("application/pdf"), AttachmentKind::File);
        QCOMPARE(QString(mediaErrorName(MediaErrorCode::TooLarge)), QString("TOO_LARGE"));
    }
};

QTEST_GUILESS_MAIN(TestFileNaming)
#include "test_file_naming.moc"
