// The desktop's media features offscreen, against a fake MediaPort and a local cache without a
// server: attaching by drag and drop (the preview sheet, the caption, sendFiles), photos in
// bubbles (blurred thumbnail, then the decoded file), the image viewer, a file's progress,
// cancel and retry on its bubble, an audio note played in place, a video played in place, a
// voice note recorded (under pulse_run.sh: a microphone that hears noise), and the message model
// with attachments under QAbstractItemModelTester.
#include "fake_media_port.h"
#include "gui_helpers.h"

#include "chat_events.h"
#include "delegates/message_delegate.h"
#include "media/attach_sheet.h"
#include "media/audio_playback.h"
#include "media/image_cache.h"
#include "media/image_viewer.h"
#include "media/video_player.h"
#include "media/video_posters.h"
#include "media/voice_record_bar.h"
#include "media/voice_recorder.h"
#include "models/chat_media_model.h"
#include "views/chat_info_panel.h"
#include "views/conversation_media.h"
#include "views/group_info_panel.h"

#include "core/media/audio_probe.h"
#include "core/store/account_store.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QClipboard>
#include <QDropEvent>
#include <QListView>
#include <QListWidget>
#include <QMediaDevices>
#include <QMimeData>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QToolButton>

#include <algorithm>

using namespace tidings;
using namespace tidings::ui;
using namespace tidings::test;
using K = Attachment::Kind;
using T = Attachment::Transfer;

namespace {
constexpr quint64 kMe = 1;
constexpr quint64 kChat = 100;
} // namespace

class TestGuiMedia : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<MainWindow> m_window;
    FakeMediaPort *m_port = nullptr;
    client::AccountSettings m_me{
        QStringLiteral("ws://127.0.0.1:1"), kMe, 11, QStringLiteral("me"), {}};
    quint64 m_seq = 0;
    int m_profiles = 0;

    ConversationView *view() const { return m_window->conversation(); }
    MessageModel *model() const { return view()->model(); }
    ConversationMedia *media() const { return view()->media(); }
    QString file(const QString &name) const { return m_dir.filePath(name); }

    //! A message of anna's in the chat carrying `a`; returns its row.
    int receive(const Attachment &a, const QString &caption = QString()) {
        client::IncomingMessage m;
        m.conversationId = kChat;
        m.seq = ++m_seq;
        m.senderUserId = 2;
        m.senderDeviceId = 20;
        m.senderUsername = QStringLiteral("anna");
        m.clientMessageId = QStringLiteral("in-%1").arg(m.seq);
        m.serverTimeMs = m.sentAtMs = QDateTime::currentMSecsSinceEpoch();
        m.text = caption;
        m_port->setAttachments(m.clientMessageId, {a}, kChat);
        if (!m_session->store()->messages().storeIncoming({m}, m.serverTimeMs, m_me))
            return -1;
        m_session->chatEvents()->announce(kChat);
        return model()->rowOfSeq(m.seq);
    }
    QPoint circleOf(int row) const {
        const QRect block = static_cast<MessageDelegate *>(view()->messageList()->itemDelegate())
                                ->attachmentRect(model()->index(row));
        return attachment_layout::blockOf(model()->attachmentsAt(row).first()) ==
                       attachment_layout::Block::Visual
                   ? block.center()
                   : QPoint(block.left() + 22, block.center().y());
    }
    void scrollTo(int row) {
        view()->messageList()->scrollTo(model()->index(row));
        QCoreApplication::processEvents();
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void init() {
        const QString dir = m_dir.filePath(QStringLiteral("profile%1").arg(++m_profiles));
        {
            auto s =
                Session::open(dir, std::make_unique<client::FileSecretStore>(dir + "/secrets"));
            QVERIFY(s);
            QVERIFY((*s)->store()->accounts().saveAccount(m_me));
        }
        auto s = Session::open(dir, std::make_unique<client::FileSecretStore>(dir + "/secrets"));
        QVERIFY(s);
        m_session = std::move(*s);
        QVERIFY(m_session->store()->conversations().upsertConversation(kChat, 2,
                                                                       QStringLiteral("anna")));
        auto port = std::make_unique<FakeMediaPort>(&m_session->store()->messages(), m_me);
        m_port = port.get();
        m_session->setMediaPort(std::move(port));
        m_window = std::make_unique<MainWindow>(m_session.get(), m_me.serverUrl);
        m_window->resize(1100, 760);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->openChat(kChat);
        m_seq = 0;
    }

    void cleanup() {
        m_window.reset();
        m_session.reset();
    }

    void dropImageShowsSheetAndSends() {
        QVERIFY(media_fixtures::writeJpeg(file("beach.jpg"), QSize(1600, 1200), 1));
        QVERIFY(media_fixtures::writeJpeg(file("hills.jpg"), QSize(900, 1400), 2));
        auto *mime = new QMimeData;
        mime->setUrls(
            {QUrl::fromLocalFile(file("beach.jpg")), QUrl::fromLocalFile(file("hills.jpg"))});
        const QPoint at = view()->messageList()->geometry().center();
        QDragEnterEvent enter(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(view(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(at), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(view(), &drop);
        QVERIFY(drop.isAccepted());
        delete mime;
        AttachSheet *sheet = media()->sheet();
        QVERIFY(sheet);
        QTRY_VERIFY(sheet->isVisible());
        QCOMPARE(sheet->fileList()->count(), 2);
        QVERIFY(sheet->fileList()->item(0)->text().contains(QStringLiteral("beach.jpg")));
        QVERIFY(sheet->asFilesBox()->isVisibleTo(sheet));
        QCOMPARE(sheet->files().first().kind, K::Image);
        QVERIFY(sheet->summary().startsWith(QStringLiteral("2 files, ")));
        QTest::keyClicks(sheet->captionEdit(), QStringLiteral("At the sea"));
        QTest::mouseClick(sheet->sendButton(), Qt::LeftButton);
        QTRY_COMPARE(m_port->sends.size(), 1);
        const auto &call = m_port->sends.first();
        QCOMPARE(call.conversationId, kChat);
        QCOMPARE(call.caption, QStringLiteral("At the sea"));
        QCOMPARE(call.files.size(), 2);
        QCOMPARE(call.files.at(0).path, QFileInfo(file("beach.jpg")).absoluteFilePath());
        QCOMPARE(call.files.at(1).kind, K::Image);
        // Both appear at once as pending messages with their previews, the caption on the first.
        const int first = model()->rowOfClientId(call.clientMessageIds.at(0));
        const int second = model()->rowOfClientId(call.clientMessageIds.at(1));
        QVERIFY(first >= 0 && second > first);
        QCOMPARE(model()->data(model()->index(first), MessageModel::TextRole).toString(),
                 QStringLiteral("At the sea"));
        QCOMPARE(model()->data(model()->index(first), MessageModel::AttachmentKindRole).toInt(),
                 int(K::Image));
        QCOMPARE(
            model()->data(model()->index(second), MessageModel::AttachmentDimensionsRole).toSize(),
            QSize(900, 1400));
        // At their aspect ratio: the landscape photo is wider than tall, the portrait one taller.
        auto *delegate = static_cast<MessageDelegate *>(view()->messageList()->itemDelegate());
        const QRect land = delegate->attachmentRect(model()->index(first));
        const QRect port = delegate->attachmentRect(model()->index(second));
        QVERIFY2(land.width() > land.height(),
                 qPrintable(QStringLiteral("%1x%2").arg(land.width()).arg(land.height())));
        QVERIFY(port.height() > port.width());
        QVERIFY(qAbs(double(land.width()) / land.height() - 4.0 / 3.0) < 0.05);
        // The sheet refuses what cannot be sent.
        QFile empty(file("empty.txt"));
        QVERIFY(empty.open(QIODevice::WriteOnly));
        empty.close();
        media()->attachFiles({file("empty.txt"), file("missing.bin")});
        QVERIFY(media()->sheet());
        QCOMPARE(media()->sheet()->fileList()->count(), 0);
        QCOMPARE(media()->sheet()->refused().size(), 2);
        QVERIFY(!media()->sheet()->sendButton()->isEnabled());
        media()->sheet()->reject();
        // Delete takes a file out of the sheet before sending.
        media()->attachFiles({file("beach.jpg"), file("hills.jpg")});
        AttachSheet *again = media()->sheet();
        again->fileList()->setFocus();
        again->fileList()->setCurrentRow(0);
        QTest::keyClick(again->fileList(), Qt::Key_Delete);
        QCOMPARE(again->fileList()->count(), 1);
        QCOMPARE(again->files().size(), 1);
        QVERIFY(again->files().first().path.endsWith(QStringLiteral("hills.jpg")));
        QVERIFY(again->summary().startsWith(QStringLiteral("1 file, ")));
        again->fileList()->setCurrentRow(0);
        QTest::keyClick(again->fileList(), Qt::Key_Delete);
        QVERIFY(!again->sendButton()->isEnabled());
        again->reject();
    }

    void pastedImageGoesThroughTheSheet() {
        QImage image = media_fixtures::picture(QSize(300, 200), 5);
        auto *mime = new QMimeData;
        mime->setImageData(image);
        QApplication::clipboard()->setMimeData(mime); // the clipboard owns it
        view()->composer()->editor()->paste();
        QVERIFY(media()->sheet());
        QCOMPARE(media()->sheet()->fileList()->count(), 1);
        QCOMPARE(media()->sheet()->files().first().kind, K::Image);
        QVERIFY(view()->composer()->text().isEmpty()); // nothing pasted as text
        media()->sheet()->reject();
    }

    void photoBlurredThenFull() {
        QVERIFY(media_fixtures::writeJpeg(file("sunset.jpg"), QSize(1200, 800), 3));
        Attachment a = media_fixtures::attachmentFor(file("sunset.jpg"), K::Image, 3);
        const QString path = a.localPath;
        a.localPath.clear();
        a.transfer = T::None;
        const int row = receive(a, QStringLiteral("Sunset"));
        QVERIFY(row >= 0);
        scrollTo(row);
        ImageCache *cache = media()->images();
        view()->messageList()->viewport()->repaint();
        QTRY_VERIFY(cache->bytes() > 0); // the blurred thumbnail decoded off the GUI thread
        const qint64 blurredOnly = cache->bytes();
        // Not downloaded: the round button downloads.
        QTest::mouseClick(view()->messageList()->viewport(), Qt::LeftButton, {}, circleOf(row));
        QCOMPARE(m_port->downloads.size(), 1);
        QCOMPARE(m_port->downloads.first().second, m_seq);
        m_port->setTransfer(kChat, QStringLiteral("in-%1").arg(m_seq), m_seq, T::Running,
                            a.size / 2);
        QCOMPARE(model()->data(model()->index(row), MessageModel::TransferProgressRole).toDouble(),
                 double(a.size / 2) / double(a.size));
        m_port->finishDownload(kChat, QStringLiteral("in-%1").arg(m_seq), m_seq, path);
        QCOMPARE(model()->data(model()->index(row), MessageModel::LocalPathRole).toString(), path);
        view()->messageList()->viewport()->repaint();
        QTRY_VERIFY(cache->bytes() > blurredOnly); // and now the photo itself
        QVERIFY(!cache->failed(path));
    }

    void viewerOpensAndNavigates() {
        QList<int> rows;
        for (int i = 0; i < 3; ++i) {
            const QString path = file(QStringLiteral("v%1.jpg").arg(i));
            QVERIFY(media_fixtures::writeJpeg(path, QSize(800 + 200 * i, 600), 10 + i));
            rows.append(receive(media_fixtures::attachmentFor(path, K::Image, i)));
        }
        scrollTo(rows.at(1));
        QTest::mouseClick(view()->messageList()->viewport(), Qt::LeftButton, {},
                          circleOf(rows.at(1)));
        ImageViewer *viewer = media()->viewer();
        QVERIFY(viewer);
        QTRY_VERIFY(viewer->isVisible());
        QCOMPARE(viewer->count(), 3);
        QCOMPARE(viewer->current(), 1);
        QTRY_VERIFY(viewer->hasImage());
        QCOMPARE(viewer->image().size(), QSize(1000, 600));
        QTest::keyClick(viewer, Qt::Key_Right);
        QCOMPARE(viewer->current(), 2);
        QTRY_COMPARE(viewer->image().size(), QSize(1200, 600));
        QTest::keyClick(viewer, Qt::Key_Left);
        QTest::keyClick(viewer, Qt::Key_Left);
        QCOMPARE(viewer->current(), 0);
        QTest::keyClick(viewer, Qt::Key_Left); // stays at the first
        QCOMPARE(viewer->current(), 0);
        QTRY_VERIFY(viewer->hasImage());
        QVERIFY(viewer->fitted());
        const double fit = viewer->zoom();
        QTest::keyClick(viewer, Qt::Key_Plus);
        QVERIFY(viewer->zoom() > fit);
        QVERIFY(!viewer->fitted());
        QTest::keyClick(viewer, Qt::Key_0);
        QVERIFY(viewer->fitted());
        QTest::keyClick(viewer, Qt::Key_1);
        QCOMPARE(viewer->zoom(), 1.0);
        QCOMPARE(viewer->zoomText(), QStringLiteral("100 %"));
        // Tab reaches every button in the order they are laid out, with their names.
        QStringList names;
        viewer->setFocus();
        for (int i = 0; i < 8; ++i) {
            QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
            names.append(QApplication::focusWidget()->accessibleName());
        }
        QCOMPARE(names, (QStringList{"Next", "Zoom out", "Zoom in", "Fit to window", "Save as",
                                     "Copy", "Open with system viewer", "Image viewer"}));
        QVERIFY(viewer->saveTo(file("saved.jpg")));
        QCOMPARE(QFileInfo(file("saved.jpg")).size(), QFileInfo(file("v0.jpg")).size());
        viewer->copy();
        QCOMPARE(QApplication::clipboard()->image().size(), QSize(800, 600));
        QTest::keyClick(viewer, Qt::Key_Escape);
        QTRY_VERIFY(!media()->viewer());
    }

    void fileProgressCancelRetry() {
        QFile f(file("report.pdf"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(300 * 1000, 'x'));
        f.close();
        QVERIFY(media()->send({OutgoingMedia{file("report.pdf"), false, K::File, {}, 0}}, {}));
        const QString id = m_port->sends.last().clientMessageIds.first();
        const int row = model()->rowOfClientId(id);
        QVERIFY(row >= 0);
        scrollTo(row);
        m_port->setTransfer(kChat, id, 0, T::Running, 120 * 1000);
        QCOMPARE(model()->data(model()->index(row), MessageModel::TransferStateRole).toInt(),
                 int(T::Running));
        QCOMPARE(model()->data(model()->index(row), MessageModel::TransferProgressRole).toDouble(),
                 0.4);
        QCOMPARE(model()->data(model()->index(row), MessageModel::AttachmentNameRole).toString(),
                 QStringLiteral("report.pdf"));
        // Cancel on the bubble.
        QTest::mouseClick(view()->messageList()->viewport(), Qt::LeftButton, {}, circleOf(row));
        QCOMPARE(m_port->cancels, QStringList{id});
        QCOMPARE(model()->data(model()->index(row), MessageModel::TransferStateRole).toInt(),
                 int(T::Cancelled));
        // A failure shows its words, and the same button retries.
        m_port->setTransfer(kChat, id, 0, T::Failed, 0, QStringLiteral("Storage quota exceeded"));
        QCOMPARE(model()->data(model()->index(row), MessageModel::TransferErrorRole).toString(),
                 QStringLiteral("Storage quota exceeded"));
        QTest::mouseClick(view()->messageList()->viewport(), Qt::LeftButton, {}, circleOf(row));
        QCOMPARE(m_port->retries, QStringList{id});
        // A send the core refuses is said in words under the composer.
        m_port->sendError = Error{ErrorCode::TooLarge, QStringLiteral("the file is too large")};
        QVERIFY(!media()->send({OutgoingMedia{file("report.pdf"), false, K::File, {}, 0}}, {}));
        QVERIFY(view()->composer()->errorText().contains(QStringLiteral("too large")));
    }

    void playShortAudio() {
        if (QMediaDevices::audioOutputs().isEmpty())
            QSKIP("no audio output here (run under tests/gui/pulse_run.sh)");
        QVERIFY(media_fixtures::writeWav(file("note.wav"), 1500));
        Attachment a = media_fixtures::attachmentFor(file("note.wav"), K::Voice, 1);
        a.durationMs = 1500;
        const int row = receive(a);
        scrollTo(row);
        const qint64 key = model()->messageAt(row).rowId;
        AudioPlayback *audio = media()->audio();
        // Space on the focused bubble plays and pauses it, like the round button.
        view()->messageList()->setFocus();
        view()->messageList()->setCurrentIndex(model()->index(row));
        QTest::keyClick(view()->messageList(), Qt::Key_Space);
        QCOMPARE(audio->currentKey(), key);
        QTRY_VERIFY_WITH_TIMEOUT(audio->isPlaying(key), 10000);
        QTest::keyClick(view()->messageList(), Qt::Key_Space);
        QTRY_VERIFY(!audio->isPlaying(key));
        audio->stop();
        QTest::mouseClick(view()->messageList()->viewport(), Qt::LeftButton, {}, circleOf(row));
        QCOMPARE(audio->currentKey(), key);
        QTRY_VERIFY_WITH_TIMEOUT(audio->position(key) > 200, 10000);
        QVERIFY(audio->errorText().isEmpty());
        audio->cycleSpeed();
        QCOMPARE(audio->speed(), 1.5);
        QCOMPARE(audio->player()->playbackRate(), 1.5);
        // It ends by itself and lets the note go.
        QTRY_COMPARE_WITH_TIMEOUT(audio->currentKey(), qint64(0), 10000);
        audio->setSpeed(1.0);
        // The widget form of the same control.
        AudioRow row2(audio, 4242);
        row2.setAudio(file("note.wav"), a.waveform, 1500);
        QCOMPARE(row2.timeText(), QStringLiteral("0:01"));
        QTest::mouseClick(row2.playButton(), Qt::LeftButton);
        QCOMPARE(audio->currentKey(), qint64(4242));
        QTRY_VERIFY_WITH_TIMEOUT(audio->isPlaying(4242), 5000);
        QCOMPARE(row2.playButton()->accessibleName(), QStringLiteral("Pause"));
        audio->stop();
    }

    void playVideoInPlace() {
        const QString ffmpeg = QStandardPaths::findExecutable(QStringLiteral("ffmpeg"));
        if (ffmpeg.isEmpty())
            QSKIP("ffmpeg is not installed: no test video can be made");
        const QString path = file("clip.mp4");
        QProcess p;
        p.start(ffmpeg, {"-loglevel", "error", "-y", "-f", "lavfi", "-i",
                         "testsrc=size=320x180:rate=15:duration=2", "-pix_fmt", "yuv420p", path});
        QVERIFY(p.waitForFinished(60000) && p.exitCode() == 0);
        Attachment a = media_fixtures::attachmentFor(path, K::Video, 1);
        a.width = 320;
        a.height = 180;
        const int row = receive(a);
        scrollTo(row);
        // The downloaded video's bubble shows its first frame instead of the blurred thumbnail.
        view()->messageList()->viewport()->repaint();
        QTRY_VERIFY_WITH_TIMEOUT(!media()->posters()->poster(path).isNull(), 15000);
        QCOMPARE(media()->posters()->poster(path).size(), QSize(320, 180));
        QTest::mouseClick(view()->messageList()->viewport(), Qt::LeftButton, {}, circleOf(row));
        VideoPlayer *player = media()->videoPlayer();
        QVERIFY(player);
        QTRY_VERIFY_WITH_TIMEOUT(player->framesShown() > 3 || !player->errorText().isEmpty(),
                                 15000);
        QVERIFY2(player->errorText().isEmpty(), qPrintable(player->errorText()));
        QCOMPARE(player->currentFrame().size(), QSize(320, 180));
        // Over the bubble's picture.
        auto *delegate = static_cast<MessageDelegate *>(view()->messageList()->itemDelegate());
        QCOMPARE(player->size(), delegate->attachmentRect(model()->index(row)).size());
        QTest::keyClick(player, Qt::Key_M);
        QVERIFY(player->isMuted());
        QTest::keyClick(player, Qt::Key_Space);
        QTRY_VERIFY(!player->isPlaying());
        m_window->openChat(kChat + 1); // switching chats stops it
        QTRY_VERIFY(!media()->videoPlayer());
    }

    void recordVoiceNote() {
        Composer *composer = view()->composer();
        if (!VoiceRecorder::hasMicrophone()) {
            // The clear error instead of a silent recording.
            QVERIFY(!composer->startRecording(false));
            QVERIFY(composer->errorText().contains(QStringLiteral("microphone")));
            QVERIFY(!composer->isRecording());
            QSKIP("no microphone here: the error was checked; run under tests/gui/pulse_run.sh "
                  "to record");
        }
        // Hold, slide left: cancelled, nothing sent.
        QTest::mousePress(composer->recordButton(), Qt::LeftButton);
        QVERIFY(composer->isRecording());
        QTRY_VERIFY(composer->recorder()->elapsedMs() > 300);
        QMouseEvent move(QEvent::MouseMove, QPointF(-200, 5),
                         composer->recordButton()->mapToGlobal(QPointF(-200, 5)), Qt::NoButton,
                         Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(composer->recordButton(), &move);
        QTRY_VERIFY(!composer->isRecording());
        QTest::mouseRelease(composer->recordButton(), Qt::LeftButton);
        QCOMPARE(m_port->sends.size(), 0);
        // Hands-free from the keyboard, then Send.
        composer->recordButton()->setFocus();
        QTest::keyClick(composer->recordButton(), Qt::Key_Space);
        QVERIFY(composer->isRecording());
        QVERIFY(composer->isRecordingLocked());
        QVERIFY(composer->recordBar()->cancelButton()->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(composer->recorder()->elapsedMs() > 2000, 6000);
        // pulse_run.sh's microphone hears noise: the bar's live waveform shows it.
        const bool loud = qEnvironmentVariable("TIDINGS_TEST_MICROPHONE") == u"noise";
        if (loud) {
            QTRY_VERIFY(!composer->recorder()->levels().isEmpty());
            const auto &levels = composer->recorder()->levels();
            QVERIFY2(*std::max_element(levels.cbegin(), levels.cend()) > 0.05f,
                     qPrintable(QString::number(levels.last())));
        }
        QTest::mouseClick(composer->sendButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_port->sends.size(), 1, 10000);
        const OutgoingMedia voice = m_port->sends.first().files.first();
        QCOMPARE(voice.kind, K::Voice);
        QVERIFY2(voice.durationMs >= 2000, qPrintable(QString::number(voice.durationMs)));
        QVERIFY2(voice.path.endsWith(QStringLiteral(".ogg")), qPrintable(voice.path));
        QVERIFY2(QFileInfo(voice.path).size() > 200, // Opus of silence is small
                 qPrintable(QString::number(QFileInfo(voice.path).size())));
        // The waveform is the file's own: the noise the microphone heard.
        QCOMPARE(voice.waveform.size(), VoiceRecorder::kWaveformBuckets);
        if (loud) {
            QVERIFY2(quint8(voice.waveform.at(voice.waveform.size() / 2)) > 32,
                     qPrintable(voice.waveform.toHex()));
            // The file holds the whole note, not only its end.
            client::media::AudioProbe probe;
            QSignalSpy probed(&probe, &client::media::AudioProbe::finished);
            QVERIFY(probe.start(voice.path));
            QVERIFY(probed.wait(10000));
            const auto info = probed.first().first().value<client::media::AudioInfo>();
            QVERIFY2(info.durationMs > 1700, qPrintable(QString::number(info.durationMs)));
        }
        QVERIFY(!composer->isRecording());
        // Escape cancels a hands-free recording.
        QVERIFY(composer->startRecording(true));
        QTRY_VERIFY(composer->recorder()->elapsedMs() > 700);
        QVERIFY(view()->closePanels());
        QTRY_VERIFY(!composer->isRecording());
        QCOMPARE(m_port->sends.size(), 1);
    }

    void closingTheWindowWhileRecordingIsSafe() {
        if (!VoiceRecorder::hasMicrophone())
            QSKIP("no microphone here (run under tests/gui/pulse_run.sh)");
        // A cancelled note still stopping when the window goes (it crashed in the recorder's
        // teardown), then a note still recording when the window goes.
        Composer *composer = view()->composer();
        QVERIFY(composer->startRecording(true));
        QTRY_VERIFY(composer->recorder()->elapsedMs() > 300);
        const QString dir = media()->temporaryDirectory();
        composer->cancelRecording();
        m_window.reset();
        m_window = std::make_unique<MainWindow>(m_session.get(), m_me.serverUrl);
        m_window->show();
        m_window->openChat(kChat);
        QVERIFY(view()->composer()->startRecording(true));
        QTRY_VERIFY(view()->composer()->recorder()->elapsedMs() > 300);
        m_window.reset();
        QVERIFY(!QDir(dir).exists() || QDir(dir + QStringLiteral("/voice")).isEmpty());
    }

    void infoPanelListsMediaFilesAndLinks() {
        QList<int> photos;
        for (int i = 0; i < 3; ++i) {
            const QString path = file(QStringLiteral("p%1.jpg").arg(i));
            QVERIFY(media_fixtures::writeJpeg(path, QSize(640, 480), 20 + i));
            photos.append(receive(media_fixtures::attachmentFor(path, K::Image, i)));
        }
        QVERIFY(media_fixtures::writeWav(file("memo.wav"), 800));
        receive(media_fixtures::attachmentFor(file("memo.wav"), K::Voice, 1));
        QFile f(file("notes.txt"));
        QVERIFY(f.open(QIODevice::WriteOnly) && f.write("notes") == 5);
        f.close();
        receive(media_fixtures::attachmentFor(file("notes.txt"), K::File, 1),
                QStringLiteral("see https://example.org/a"));
        // Links come from plain texts too.
        client::IncomingMessage m;
        m.conversationId = kChat;
        m.seq = ++m_seq;
        m.senderUserId = 2;
        m.senderDeviceId = 20;
        m.senderUsername = QStringLiteral("anna");
        m.clientMessageId = QStringLiteral("text-%1").arg(m.seq);
        m.serverTimeMs = m.sentAtMs = QDateTime::currentMSecsSinceEpoch();
        m.text = QStringLiteral("Tickets: https://tickets.example.com/x?id=3, and the map at "
                                "www.example.net/map (north).");
        QVERIFY(m_session->store()->messages().storeIncoming({m}, m.serverTimeMs, m_me));
        m_session->chatEvents()->announce(kChat);

        view()->setInfoVisible(true);
        ChatInfoPanel *panel = view()->sidePanel();
        QVERIFY(panel->isVisible());
        QCOMPARE(panel->currentWidget(), panel->mediaView()); // a 1:1 chat: no members tab
        QCOMPARE(panel->indexOf(view()->infoPanel()), -1);
        QAbstractItemModelTester t1(panel->mediaModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(panel->filesModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t3(panel->linksModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(panel->mediaModel()->rowCount(), 3);
        // The photos fill the panel's width in (at least) three columns.
        panel->setCurrentWidget(panel->mediaView());
        QListView *grid = panel->mediaView();
        const QRect c0 = grid->visualRect(panel->mediaModel()->index(0));
        const QRect c2 = grid->visualRect(panel->mediaModel()->index(2));
        QCOMPARE(c2.top(), c0.top());
        QVERIFY(c0.width() == c0.height());
        QVERIFY2(
            grid->viewport()->width() - c2.right() < c0.width() / 2,
            qPrintable(QStringLiteral("%1 of %2").arg(c2.right()).arg(grid->viewport()->width())));
        QCOMPARE(panel->filesModel()->rowCount(), 2); // the voice note and the text file
        QCOMPARE(panel->linksModel()->rowCount(), 3);
        // Newest first.
        QCOMPARE(panel->mediaModel()->index(0).data().toString(), QStringLiteral("p2.jpg"));
        QCOMPARE(panel->filesModel()->index(0).data().toString(), QStringLiteral("notes.txt"));
        QCOMPARE(panel->linksModel()->index(0).data(ChatMediaModel::UrlRole).toUrl(),
                 QUrl(QStringLiteral("https://tickets.example.com/x?id=3")));
        QCOMPARE(panel->linksModel()->index(1).data(ChatMediaModel::UrlRole).toUrl(),
                 QUrl(QStringLiteral("https://www.example.net/map")));
        QCOMPARE(panel->linksModel()->index(2).data(ChatMediaModel::UrlRole).toUrl(),
                 QUrl(QStringLiteral("https://example.org/a")));
        // Enter on a photo opens the viewer on it, with the chat's photos in order.
        panel->setCurrentWidget(panel->mediaView());
        panel->mediaView()->setFocus();
        panel->mediaView()->setCurrentIndex(panel->mediaModel()->index(1));
        QTest::keyClick(panel->mediaView(), Qt::Key_Return);
        QVERIFY(media()->viewer());
        QCOMPARE(media()->viewer()->count(), 3);
        QCOMPARE(media()->viewer()->item().name, QStringLiteral("p1.jpg"));
        media()->viewer()->close();
        // A file opens where it is in the chat (the voice note plays).
        panel->filesView()->setCurrentIndex(panel->filesModel()->index(1));
        QTest::keyClick(panel->filesView(), Qt::Key_Return);
        QCOMPARE(
            model()->attachmentsAt(view()->messageList()->currentIndex().row()).value(0).fileName,
            QStringLiteral("memo.wav"));
        media()->audio()->stop();
        // Esc closes the panel.
        QVERIFY(view()->closePanels());
        QVERIFY(!panel->isVisible());
    }

    void tabReachesTheMediaControls() {
        // From the message list (where Enter and Space open and play attachments), Tab goes
        // through the composer as it is laid out, and on to the header's Chat info.
        QVERIFY(media_fixtures::writeJpeg(file("tab.jpg"), QSize(400, 300), 1));
        receive(media_fixtures::attachmentFor(file("tab.jpg"), K::Image, 1));
        view()->composer()->editor()->setPlainText(QStringLiteral("x")); // Send is enabled
        view()->messageList()->setFocus();
        QStringList chain;
        for (int i = 0; i < 16; ++i) {
            QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
            chain.append(QApplication::focusWidget()->accessibleName());
        }
        const qsizetype at = chain.indexOf(QStringLiteral("Attach files"));
        QVERIFY2(at >= 0, qPrintable(chain.join(u", ")));
        QCOMPARE(chain.mid(at, 4),
                 (QStringList{"Attach files", "Message", "Record a voice message", "Send"}));
        QVERIFY(chain.contains(QStringLiteral("Chat info")));
        view()->composer()->setTextSilently(QString());
    }

    void previewsSayWhatAMessageCarries() {
        client::MessageRecord m;
        m.text = QStringLiteral("Hello");
        QCOMPARE(messagePreview(m), QStringLiteral("Hello"));
        client::AttachmentRecord a;
        a.kind = client::AttachmentRecord::Kind::Image;
        a.fileName = QStringLiteral("IMG_1.jpg");
        m.text.clear();
        m.attachments = {a};
        QCOMPARE(messagePreview(m), QStringLiteral("Photo"));
        m.text = QStringLiteral("At the\nsea");
        QCOMPARE(messagePreview(m), QStringLiteral("Photo: At the sea"));
        m.text.clear();
        m.attachments.first().kind = client::AttachmentRecord::Kind::File;
        QCOMPARE(messagePreview(m), QStringLiteral("File: IMG_1.jpg"));
        m.attachments.first().kind = client::AttachmentRecord::Kind::Voice;
        m.attachments.first().durationMs = 9400;
        QCOMPARE(messagePreview(m), QStringLiteral("Voice message (0:09)"));
    }

    void linksInTexts() {
        const auto links = ChatMediaModel::linksIn(
            QStringLiteral("a http://x.de/(b) c, https://y.org. www.z.com! ftp://no "
                           "https://w.org/wiki/A_(b)"));
        QCOMPARE(links.size(), 4);
        QCOMPARE(links.at(0).toString(), QStringLiteral("http://x.de/(b)"));
        QCOMPARE(links.at(1).toString(), QStringLiteral("https://y.org"));
        QCOMPARE(links.at(2).toString(), QStringLiteral("https://www.z.com"));
        QCOMPARE(links.at(3).toString(), QStringLiteral("https://w.org/wiki/A_(b)"));
    }

    void modelWithAttachmentsUnderTester() {
        QAbstractItemModelTester tester(model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (int i = 0; i < 5; ++i) {
            const QString path = file(QStringLiteral("m%1.jpg").arg(i));
            QVERIFY(media_fixtures::writeJpeg(path, QSize(400, 300), i));
            receive(media_fixtures::attachmentFor(path, i % 2 ? K::Image : K::File, i));
        }
        m_window->openChat(kChat);
        QVERIFY(model()->rowCount() >= 5);
        int withMedia = 0;
        for (int r = 0; r < model()->rowCount(); ++r)
            withMedia +=
                model()->data(model()->index(r), MessageModel::AttachmentCountRole).toInt();
        QCOMPARE(withMedia, 5);
        const int row = model()->rowOfSeq(m_seq);
        QVERIFY(model()
                    ->data(model()->index(row), Qt::AccessibleTextRole)
                    .toString()
                    .contains(QStringLiteral("m4.jpg")));
        m_port->setTransfer(kChat, QStringLiteral("in-%1").arg(m_seq), m_seq, T::Running, 10);
        m_port->finishDownload(kChat, QStringLiteral("in-%1").arg(m_seq), m_seq, file("m4.jpg"));
    }
};

QTEST_MAIN(TestGuiMedia)
#include "test_gui_media.moc"
