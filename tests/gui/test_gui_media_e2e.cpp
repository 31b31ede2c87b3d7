// Media between two whole desktop clients with their real client cores (client::Media) against
// the real server in-process (throwaway PostgreSQL, the server's media store in a temporary data
// directory): Alice drops a photo on the conversation, the preview sheet sends it with a caption,
// her bubble uploads it; Bob's bubble shows the blurred inline thumbnail before any byte of the
// file is fetched, the round button downloads it and the bubble paints the decrypted photo; a
// second photo downloads by itself and opens in the viewer. End to end encrypted like any
// message: the server only ever stores ciphertext.
#include "gui_helpers.h"

#include "delegates/message_delegate.h"
#include "dialogs/new_chat_dialog.h"
#include "media/attach_sheet.h"
#include "media/image_cache.h"
#include "media/image_viewer.h"
#include "views/conversation_media.h"

#include "core/keys/keys.h"
#include "core/media/media.h"

#include "support/pg_fixture.h"
#include "support/server_harness.h"

#include <QDirIterator>
#include <QDropEvent>
#include <QListView>
#include <QListWidget>
#include <QMimeData>
#include <QPainter>
#include <QSignalSpy>
#include <QTemporaryDir>

using namespace tidings;
using namespace tidings::test;
using K = ui::Attachment::Kind;
using T = ui::Attachment::Transfer;

namespace {
constexpr int kWait = 20000;

//! Red on the left, blue on the right, so the decoded photo can be told from its thumbnail.
QString writePhoto(const QString &path, QSize size) {
    QImage image(size, QImage::Format_RGB32);
    QPainter p(&image);
    p.fillRect(0, 0, size.width() / 2, size.height(), QColor(200, 30, 30));
    p.fillRect(size.width() / 2, 0, size.width() - size.width() / 2, size.height(),
               QColor(30, 40, 200));
    p.end();
    return image.save(path, "JPEG", 90) ? path : QString();
}
} // namespace

class TestGuiMediaE2e : public QObject {
    Q_OBJECT
    PgFixture m_pg;
    std::unique_ptr<ServerHarness> m_server;
    QTemporaryDir m_dir;
    Device m_alice;
    Device m_bob;
    quint64 m_aliceChat = 0;

    void registerThroughFirstRun(Device &d, const QString &name) {
        QVERIFY(d.open(m_dir.filePath(name), m_server->url().toString()));
        // Messages to a user need their device keys on the server: wait for them.
        QSignalSpy keys(&d.session->client()->keys(), &client::Keys::keysUploaded);
        auto *page = d.window->firstRun();
        QTest::keyClicks(page->usernameEdit(), name);
        QTest::keyClicks(page->passwordEdit(), QStringLiteral("password-%1").arg(name));
        QTest::mouseClick(page->registerButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(d.window->isShowingChats(), kWait);
        QTRY_VERIFY(d.session->client()->isAuthenticated());
        QTRY_VERIFY_WITH_TIMEOUT(!keys.isEmpty(), kWait);
    }
    static ui::MessageDelegate *delegateOf(const Device &d) {
        return static_cast<ui::MessageDelegate *>(d.conversation()->messageList()->itemDelegate());
    }
    //! The row of the newest message carrying a photo named like `fileName`, or -1.
    static int photoRow(const Device &d, const QString &fileName) {
        for (int r = d.messages()->rowCount() - 1; r >= 0; --r) {
            const auto list = d.messages()->attachmentsAt(r);
            if (!list.isEmpty() && list.first().fileName.startsWith(fileName))
                return r;
        }
        return -1;
    }
    static ui::Attachment attachmentAt(const Device &d, int row) {
        return d.messages()->attachmentsAt(row).value(0);
    }
    //! Alice drops `path` on her conversation and sends it from the sheet with `caption`.
    void dropAndSend(const QString &path, const QString &caption) {
        auto *mime = new QMimeData;
        mime->setUrls({QUrl::fromLocalFile(path)});
        ui::ConversationView *view = m_alice.conversation();
        const QPoint at = view->messageList()->geometry().center();
        QDragEnterEvent enter(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(view, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(at), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(view, &drop);
        delete mime;
        ui::AttachSheet *sheet = view->media()->sheet();
        QVERIFY(sheet);
        QCOMPARE(sheet->fileList()->count(), 1);
        QTest::keyClicks(sheet->captionEdit(), caption);
        QTest::mouseClick(sheet->sendButton(), Qt::LeftButton);
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        qputenv("XDG_RUNTIME_DIR", m_dir.path().toUtf8());
        const QString err = m_pg.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
        m_server = std::make_unique<ServerHarness>(m_pg);
        QString e;
        QVERIFY2(m_server->start(&e), qPrintable(e));
        registerThroughFirstRun(m_alice, QStringLiteral("alice"));
        registerThroughFirstRun(m_bob, QStringLiteral("bob"));
        QVERIFY(m_alice.session->media());
        QVERIFY(m_bob.session->media());
        ui::NewChatDialog dialog(
            &m_alice.session->client()->messaging(), &m_alice.session->client()->groups(),
            m_alice.session->chatEvents(), m_alice.session->client()->connection(),
            ui::NewChatDialog::Mode::Direct);
        dialog.nameEdit()->setText(QStringLiteral("bob"));
        dialog.submit();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.conversationId() != 0, kWait);
        m_aliceChat = dialog.conversationId();
        m_alice.window->openChat(m_aliceChat);
        m_alice.type(QStringLiteral("Photos from the trip"));
        QTRY_COMPARE_WITH_TIMEOUT(m_bob.chats()->rowCount(), 1, kWait);
        m_bob.window->openChat(m_bob.chats()->conversationAt(0));
        QTRY_VERIFY_WITH_TIMEOUT(m_bob.hasMessage(QStringLiteral("Photos from the trip")), kWait);
    }
    void cleanupTestCase() {
        m_alice.close();
        m_bob.close();
        m_server.reset();
    }

    void droppedPhotoArrivesAsThumbnailThenFullImage() {
        // Bob fetches photos on request for this one: the thumbnail alone must carry the bubble.
        client::Media::AutoDownload manual;
        manual.imagesUpToBytes = 0;
        m_bob.session->client()->media().setAutoDownload(manual);
        const QString path =
            writePhoto(m_dir.filePath(QStringLiteral("harbour.jpg")), QSize(1600, 1200));
        QVERIFY(!path.isEmpty());
        dropAndSend(path, QStringLiteral("The harbour"));

        // Alice's bubble is there at once and uploads; the message goes once the upload is done.
        int mine = photoRow(m_alice, QStringLiteral("harbour"));
        QVERIFY(mine >= 0);
        QCOMPARE(m_alice.messages()->messageAt(mine).text, QStringLiteral("The harbour"));
        QTRY_VERIFY_WITH_TIMEOUT(
            !attachmentAt(m_alice, photoRow(m_alice, QStringLiteral("harbour"))).blobId.isEmpty(),
            kWait);
        QTRY_COMPARE_WITH_TIMEOUT(m_alice.stateOf(QStringLiteral("The harbour")),
                                  int(client::MessageState::Delivered), kWait);

        // Bob: the preview before any download, at the photo's aspect ratio.
        QTRY_VERIFY_WITH_TIMEOUT(photoRow(m_bob, QStringLiteral("harbour")) >= 0, kWait);
        const int row = photoRow(m_bob, QStringLiteral("harbour"));
        ui::Attachment a = attachmentAt(m_bob, row);
        QCOMPARE(a.kind, K::Image);
        QCOMPARE(a.dimensions(), QSize(1600, 1200));
        QVERIFY(!a.thumbnail.isEmpty());
        QVERIFY(a.localPath.isEmpty());
        QCOMPARE(m_bob.messages()->messageAt(row).text, QStringLiteral("The harbour"));
        QListView *list = m_bob.conversation()->messageList();
        list->scrollTo(m_bob.messages()->index(row));
        const QRect block = delegateOf(m_bob)->attachmentRect(m_bob.messages()->index(row));
        QVERIFY(qAbs(double(block.width()) / block.height() - 4.0 / 3.0) < 0.05);
        ui::ImageCache *cache = m_bob.conversation()->media()->images();
        list->viewport()->repaint();
        QTRY_VERIFY(cache->bytes() > 0); // the blurred thumbnail
        const qint64 blurredOnly = cache->bytes();
        QVERIFY(m_bob.session->client()->media().cacheBytes() == 0); // nothing fetched

        // The round button downloads; the decrypted photo replaces the blur.
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, block.center());
        QTRY_VERIFY_WITH_TIMEOUT(
            !attachmentAt(m_bob, photoRow(m_bob, QStringLiteral("harbour"))).localPath.isEmpty(),
            kWait);
        a = attachmentAt(m_bob, photoRow(m_bob, QStringLiteral("harbour")));
        QCOMPARE(a.transfer, T::Done);
        const QImage full(a.localPath);
        QCOMPARE(full.size(), QSize(1600, 1200));
        QVERIFY(qRed(full.pixel(100, 600)) > 150 && qBlue(full.pixel(100, 600)) < 90);
        QVERIFY(qBlue(full.pixel(1500, 600)) > 150 && qRed(full.pixel(1500, 600)) < 90);
        list->viewport()->repaint();
        QTRY_VERIFY(cache->bytes() > blurredOnly);
        QVERIFY(!cache->failed(a.localPath));
    }

    void aPhotoDownloadsByItselfAndOpensInTheViewer() {
        m_bob.session->client()->media().setAutoDownload(client::Media::AutoDownload{});
        const QString path =
            writePhoto(m_dir.filePath(QStringLiteral("lighthouse.jpg")), QSize(900, 1400));
        QVERIFY(!path.isEmpty());
        dropAndSend(path, QStringLiteral("The lighthouse"));
        QTRY_VERIFY_WITH_TIMEOUT(photoRow(m_bob, QStringLiteral("lighthouse")) >= 0, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(
            !attachmentAt(m_bob, photoRow(m_bob, QStringLiteral("lighthouse"))).localPath.isEmpty(),
            kWait);
        // Enter on the bubble opens the viewer on it, with the chat's photos in order.
        const int row = photoRow(m_bob, QStringLiteral("lighthouse"));
        QListView *list = m_bob.conversation()->messageList();
        list->setFocus();
        list->setCurrentIndex(m_bob.messages()->index(row));
        QTest::keyClick(list, Qt::Key_Return);
        ui::ImageViewer *viewer = m_bob.conversation()->media()->viewer();
        QVERIFY(viewer);
        QCOMPARE(viewer->count(), 2);
        QCOMPARE(viewer->current(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(viewer->hasImage(), kWait);
        QCOMPARE(viewer->image().size(), QSize(900, 1400));
        QTest::keyClick(viewer, Qt::Key_Left);
        QTRY_COMPARE(viewer->image().size(), QSize(1600, 1200));
        QTest::keyClick(viewer, Qt::Key_Escape);
        QTRY_VERIFY(!m_bob.conversation()->media()->viewer());
        // The server's store holds ciphertext only: no JPEG header in any blob.
        QDirIterator it(m_server->dataDir() + QStringLiteral("/media"), QDir::Files,
                        QDirIterator::Subdirectories);
        int blobs = 0;
        while (it.hasNext()) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY(!f.read(4).startsWith("\xff\xd8\xff"));
            ++blobs;
        }
        QVERIFY(blobs >= 2);
    }
};

QTEST_MAIN(TestGuiMediaE2e)
#include "test_gui_media_e2e.moc"
