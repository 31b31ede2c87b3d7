// tidings-media-screenshots SERVER PID WORK OUTDIR [REVIEWDIR]: the media features of the desktop
// client for docs/screenshots, in a real chat: Alice's and Bob's profiles (registered by
// make_media_screenshots.sh with tidings-cli) open here with their real client cores against the
// tidingsd at SERVER (process PID). Bob sends photos, a video, a voice note and a file through
// client::Media; Alice's window receives them end to end encrypted, sends a photo of her own and
// uploads a large file. Saves chat-photos, video-playing, file-transfer, voice-note, viewer and
// media-tab, each light and dark. The file transfer is caught in flight by stopping the server
// (SIGSTOP) for the picture. REVIEWDIR also gets what the docs do not show (the attach sheet,
// the voice recorder or its no-microphone error, the Files and Links tabs, a zoomed viewer).
// Run it under Xvfb (real fonts) and tests/gui/pulse_run.sh (audio plays, a microphone).
#include "screenshot_scenes.h"

#include "look.h"
#include "media/attach_sheet.h"
#include "media/audio_playback.h"
#include "media/image_viewer.h"
#include "media/video_player.h"
#include "media/voice_recorder.h"
#include "models/message_model.h"
#include "session.h"
#include "views/chat_info_panel.h"
#include "views/composer.h"
#include "views/conversation_media.h"
#include "views/conversation_view.h"
#include "views/main_window.h"

#include "core/media/media.h"
#include "core/secrets/secret_store.h"
#include "core/store/conversation_store.h"
#include "core/store/storage.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTest>

#include <csignal>
#include <cstdio>
#include <functional>

using namespace tidings;
namespace scenes = tidings::test::scenes;
using K = ui::Attachment::Kind;
using T = ui::Attachment::Transfer;

namespace {

bool waitFor(const std::function<bool()> &done, int ms = 30000) {
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > ms)
            return false;
        QTest::qWait(20);
    }
    return true;
}

std::unique_ptr<ui::Session> openProfile(const QString &dir) {
    auto s = ui::Session::open(dir, std::make_unique<client::FileSecretStore>(dir + "/secrets"));
    if (!s) {
        std::fprintf(stderr, "cannot open %s: %s\n", qPrintable(dir),
                     qPrintable(s.error().toString()));
        return nullptr;
    }
    return std::move(*s);
}

class Shots {
public:
    Shots(QApplication *app, QString out, QString review)
        : m_app(app)
        , m_out(std::move(out))
        , m_review(std::move(review)) {}

    //! Saves `w` as NAME-light.png and NAME-dark.png (the theme switched in between).
    bool both(QWidget *w, const QString &name, const QString &dir = QString()) {
        bool ok = true;
        for (const auto &[theme, label] :
             {std::pair{ui::Theme::Light, "light"}, std::pair{ui::Theme::Dark, "dark"}}) {
            ui::applyTheme(m_app, theme);
            QTest::qWait(250);
            ok = save(w, QStringLiteral("%1/%2-%3.png")
                             .arg(dir.isEmpty() ? m_out : dir, name, QLatin1String(label))) &&
                 ok;
        }
        ui::applyTheme(m_app, ui::Theme::Light);
        return ok;
    }
    bool review(QWidget *w, const QString &name) {
        return m_review.isEmpty() || both(w, name, m_review);
    }
    bool reviewing() const { return !m_review.isEmpty(); }

private:
    static bool save(QWidget *w, const QString &path) {
        const bool ok = w->grab().save(path);
        std::printf("%s %s\n", ok ? "saved" : "FAILED", qPrintable(path));
        return ok;
    }
    QApplication *m_app;
    QString m_out;
    QString m_review;
};

struct Chat {
    ui::Session *alice = nullptr;
    ui::Session *bob = nullptr;
    ui::MainWindow *window = nullptr;
    quint64 bobChat = 0;
    QString files;

    ui::ConversationView *view() const { return window->conversation(); }
    ui::MessageModel *model() const { return view()->model(); }
    //! The newest row whose first attachment's name starts with `name`, or -1.
    int rowOf(const QString &name) const {
        for (int r = model()->rowCount() - 1; r >= 0; --r) {
            const auto list = model()->attachmentsAt(r);
            if (!list.isEmpty() && list.first().fileName.startsWith(name))
                return r;
        }
        return -1;
    }
    ui::Attachment at(const QString &name) const {
        const int r = rowOf(name);
        return r < 0 ? ui::Attachment() : model()->attachmentsAt(r).first();
    }
    //! Bob sends `path`; true once it is in Alice's chat (and `downloaded` there if asked).
    bool bobSends(const QString &path, const QString &caption, K kind, bool downloaded) {
        client::OutgoingFile f;
        f.path = path;
        f.kind = kind == K::Voice ? client::AttachmentRecord::Kind::Voice
                                  : client::AttachmentRecord::Kind::File;
        auto ids = bob->client()->media().sendFiles(bobChat, {f}, caption);
        if (!ids) {
            std::fprintf(stderr, "bob cannot send: %s\n", qPrintable(ids.error().toString()));
            return false;
        }
        const QString name = QFileInfo(path).completeBaseName();
        return waitFor(
            [&] { return rowOf(name) >= 0 && (!downloaded || !at(name).localPath.isEmpty()); });
    }
    void scrollTo(const QString &name, QAbstractItemView::ScrollHint hint) {
        view()->messageList()->scrollTo(model()->index(rowOf(name)), hint);
        QTest::qWait(300);
    }
};

bool fillChat(Chat &c, const QString &ffmpeg) {
    using scenes::Photo;
    const QString dir = c.files;
    const std::tuple<Photo, QSize, QString> photos[] = {
        {Photo::Sunset, {1600, 1067}, "IMG_2041.jpg"},
        {Photo::Cathedral, {1200, 1600}, "IMG_2042.jpg"},
        {Photo::Hills, {1600, 1000}, "IMG_2043.jpg"},
        {Photo::Bridge, {1400, 1050}, "IMG_2047.jpg"}};
    for (const auto &[which, size, name] : photos)
        if (!scenes::photo(which, size).save(QDir(dir).filePath(name), "JPEG", 88))
            return false;
    const auto file = [&](const QString &name) { return QDir(dir).filePath(name); };
    if (!scenes::writeBoatVideo(ffmpeg, file("Boat ride.mp4"), 8) ||
        !scenes::writeVoiceNote(ffmpeg, file("voice-bob.ogg"), 14) ||
        !scenes::writeDocument(file("Train tickets.pdf"), 236'000)) {
        std::fprintf(stderr, "cannot make the media files (ffmpeg)\n");
        return false;
    }
    client::Media &aliceMedia = c.alice->client()->media();
    bool ok = c.bobSends(file("IMG_2041.jpg"), {}, K::Image, true);
    // This one stays as it arrives: the blurred inline thumbnail, before any download.
    client::Media::AutoDownload manual;
    manual.imagesUpToBytes = 0;
    aliceMedia.setAutoDownload(manual);
    ok = ok && c.bobSends(file("IMG_2043.jpg"), {}, K::Image, false);
    aliceMedia.setAutoDownload(client::Media::AutoDownload{});
    ok = ok &&
         c.bobSends(file("IMG_2042.jpg"), QStringLiteral("The cathedral at night"), K::Image, true);
    // Alice answers and sends a photo of hers through the window.
    auto *editor = c.view()->composer()->editor();
    editor->setFocus();
    editor->insertPlainText(QStringLiteral("Wow, they look great! 😍"));
    QTest::keyClick(editor, Qt::Key_Return);
    ok = ok && c.view()->media()->send({{file("IMG_2047.jpg"), false, K::Image, {}, 0}},
                                       QStringLiteral("Mine from the bridge"));
    ok = ok && waitFor([&] { return !c.at("IMG_2047").blobId.isEmpty(); });
    ok = ok &&
         c.bobSends(file("Boat ride.mp4"), QStringLiteral("And the boat ride 🚢"), K::Video, false);
    if (ok) { // videos wait for a click: Alice fetches it
        c.view()->media()->download(c.rowOf("Boat ride"));
        ok = waitFor([&] { return !c.at("Boat ride").localPath.isEmpty(); });
    }
    ok = ok && c.bobSends(file("voice-bob.ogg"), {}, K::Voice, true);
    ok = ok && c.bobSends(file("Train tickets.pdf"),
                          QStringLiteral("Tickets for the way back: "
                                         "https://bahn.example.com/trip/4711"),
                          K::File, false);
    return ok;
}

bool takeShots(Chat &c, Shots &shots, pid_t server) {
    ui::ConversationView *view = c.view();
    ui::ConversationMedia *media = view->media();
    bool ok = true;

    c.scrollTo(QStringLiteral("IMG_2041"), QAbstractItemView::PositionAtTop);
    view->messageList()->verticalScrollBar()->setValue(
        view->messageList()->verticalScrollBar()->value() - 40); // the text above too
    QTest::qWait(500);
    ok = shots.both(c.window, QStringLiteral("media-chat")) && ok;

    c.scrollTo(QStringLiteral("Boat ride"), QAbstractItemView::PositionAtCenter);
    media->activate(c.rowOf(QStringLiteral("Boat ride")));
    ok =
        waitFor([&] { return media->videoPlayer() && media->videoPlayer()->framesShown() > 50; }) &&
        ok;
    ok = shots.both(c.window, QStringLiteral("media-video")) && ok;
    media->stopPlayback();

    view->messageList()->scrollToBottom();
    QTest::qWait(300);
    const int voice = c.rowOf(QStringLiteral("voice-bob"));
    const qint64 key = c.model()->messageAt(voice).rowId;
    media->activate(voice);
    const bool playing = waitFor([&] { return media->audio()->position(key) > 5000; }, 15000);
    if (!playing)
        std::fprintf(stderr, "the voice note does not play (no audio output?)\n");
    ok = shots.both(c.window, QStringLiteral("media-voice")) && ok;
    media->audio()->stop();

    // A large upload, caught in flight: the server stops answering for the picture.
    const QString big = QDir(c.files).filePath(QStringLiteral("Hotel booking.pdf"));
    ok = scenes::writeDocument(big, 48'000'000) && ok;
    ok = media->send({{big, false, K::File, {}, 0}}, {}) && ok;
    const bool caught = waitFor([&] {
        const ui::Attachment a = c.at(QStringLiteral("Hotel booking"));
        return a.transfer == T::Running && a.progress() > 0.3;
    });
    if (caught && server > 0)
        ::kill(server, SIGSTOP);
    QTest::qWait(400);
    view->messageList()->scrollToBottom();
    ok = caught && shots.both(c.window, QStringLiteral("media-transfer")) && ok;
    if (server > 0)
        ::kill(server, SIGCONT);
    ok = waitFor([&] { return !c.at(QStringLiteral("Hotel booking")).blobId.isEmpty(); }, 60000) &&
         ok;

    media->activate(c.rowOf(QStringLiteral("IMG_2042")));
    ok = waitFor([&] { return media->viewer() && media->viewer()->hasImage(); }) && ok;
    if (ui::ImageViewer *viewer = media->viewer()) {
        viewer->resize(1000, 700);
        QTest::qWait(300);
        ok = shots.both(viewer, QStringLiteral("media-viewer")) && ok;
        if (shots.reviewing()) {
            QTest::keyClick(viewer, Qt::Key_Plus);
            QTest::keyClick(viewer, Qt::Key_Plus);
            QTest::keyClick(viewer, Qt::Key_Plus);
            QTest::keyClick(viewer, Qt::Key_Up, Qt::NoModifier);
            QTest::keyClick(viewer, Qt::Key_Tab);
            ok = shots.review(viewer, QStringLiteral("viewer-zoomed")) && ok;
        }
        viewer->close();
    }

    view->setInfoVisible(true);
    view->sidePanel()->showMediaTab();
    QTest::qWait(800);
    ok = shots.both(c.window, QStringLiteral("media-tab")) && ok;
    if (!shots.reviewing())
        return ok;

    view->sidePanel()->setCurrentWidget(view->sidePanel()->filesView());
    ok = shots.review(c.window, QStringLiteral("files-tab")) && ok;
    view->sidePanel()->setCurrentWidget(view->sidePanel()->linksView());
    ok = shots.review(c.window, QStringLiteral("links-tab")) && ok;
    view->setInfoVisible(false);

    const QString d = c.files;
    media->attachFiles({QDir(d).filePath("IMG_2041.jpg"), QDir(d).filePath("IMG_2042.jpg"),
                        QDir(d).filePath("Train tickets.pdf")});
    if (ui::AttachSheet *sheet = media->sheet()) {
        QTest::keyClicks(sheet->captionEdit(), QStringLiteral("For the album"));
        QTest::qWait(500);
        ok = shots.review(sheet, QStringLiteral("attach-sheet")) && ok;
        sheet->reject();
    }
    ui::Composer *composer = view->composer();
    if (ui::VoiceRecorder::hasMicrophone()) {
        composer->startRecording(true);
        waitFor([&] { return composer->recorder()->elapsedMs() > 3000; });
        ok = shots.review(c.window, QStringLiteral("voice-recording")) && ok;
        composer->cancelRecording();
    } else {
        composer->startRecording(false);
        ok = shots.review(c.window, QStringLiteral("no-microphone")) && ok;
    }
    return ok;
}

} // namespace

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    const QStringList a = app.arguments();
    if (a.size() < 5) {
        std::fprintf(stderr, "usage: tidings-media-screenshots SERVER PID WORK OUTDIR [REVIEW]\n");
        return 2;
    }
    const QString server = a.at(1), work = a.at(3), out = a.at(4), review = a.value(5);
    const pid_t serverPid = pid_t(a.at(2).toInt());
    const QString ffmpeg = QStandardPaths::findExecutable(QStringLiteral("ffmpeg"));
    if (ffmpeg.isEmpty()) {
        std::fprintf(stderr, "ffmpeg is needed for the video and the voice note\n");
        return 2;
    }
    QDir().mkpath(out);
    if (!review.isEmpty())
        QDir().mkpath(review);
    ui::applyTheme(&app, ui::Theme::Light);
    auto alice = openProfile(QDir(work).filePath(QStringLiteral("alice")));
    auto bob = openProfile(QDir(work).filePath(QStringLiteral("bob")));
    if (!alice || !bob || !alice->media() || !bob->media())
        return 1;
    ui::MainWindow window(alice.get(), server);
    window.resize(1200, 760);
    window.show();
    // Active, as when someone reads along: what arrives in the open chat is read at once.
    window.activateWindow();
    QApplication::setActiveWindow(&window);
    if (auto s = bob->client()->start(QUrl(server)); !s)
        return 1;
    Chat chat{alice.get(), bob.get(), &window, 0, QDir(work).filePath(QStringLiteral("files"))};
    QDir().mkpath(chat.files);
    if (!waitFor([&] {
            return alice->client()->isAuthenticated() && bob->client()->isAuthenticated() &&
                   window.openChatNamed(QStringLiteral("bob"));
        })) {
        std::fprintf(stderr, "the clients did not connect, or Alice has no chat with Bob\n");
        return 1;
    }
    auto conv = bob->store()->conversations().conversationWithPeer(QStringLiteral("alice"));
    if (!conv || !conv->has_value())
        return 1;
    chat.bobChat = (*conv)->id;
    if (!fillChat(chat, ffmpeg)) {
        std::fprintf(stderr, "the chat could not be filled\n");
        return 1;
    }
    Shots shots(&app, out, review);
    return takeShots(chat, shots, serverPid) ? 0 : 1;
}
