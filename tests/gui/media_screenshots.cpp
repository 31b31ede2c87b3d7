// tidings-media-screenshots OUTDIR THEME [VIDEO]: the media features of the desktop client for
// docs/screenshots, on a local profile with a fake MediaPort (no server: the connection banner is
// hidden). A chat with Bob holding photos, a video, a file being uploaded, a file not downloaded
// yet and voice notes; saves chat-photos, video-playing, file-transfer, voice-note, viewer and
// media-tab PNGs. Run it under Xvfb (real fonts) and tests/gui/pulse_run.sh (audio plays).
// VIDEO is an MP4 to play (make_media_screenshots.sh makes one with ffmpeg).
#include "fake_media_port.h"

#include "chat_events.h"
#include "look.h"
#include "media/audio_playback.h"
#include "media/image_viewer.h"
#include "media/video_player.h"
#include "models/message_model.h"
#include "session.h"
#include "views/chat_info_panel.h"
#include "views/connection_banner.h"
#include "views/link_banner.h"
#include "views/conversation_media.h"
#include "views/conversation_view.h"
#include "views/main_window.h"

#include "core/secrets/secret_store.h"
#include "core/store/account_store.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QListView>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::test;
using K = ui::Attachment::Kind;

namespace {
constexpr quint64 kMe = 1, kBob = 2, kChat = 10;

struct Demo {
    QTemporaryDir dir;
    std::unique_ptr<ui::Session> session;
    FakeMediaPort *port = nullptr;
    client::AccountSettings me{QStringLiteral("ws://127.0.0.1:9"), kMe, 11,
                               QStringLiteral("alice"), QStringLiteral("Alice")};
    quint64 seq = 0;
    qint64 t = QDateTime::currentMSecsSinceEpoch() - 40 * 60 * 1000;

    QString file(const QString &name) const { return dir.filePath(name); }
    //! A stored message; `mine` as if sent from this device.
    QString add(bool mine, const QString &text, const QList<ui::Attachment> &attachments = {}) {
        client::IncomingMessage m;
        m.conversationId = kChat;
        m.seq = ++seq;
        m.senderUserId = mine ? kMe : kBob;
        m.senderDeviceId = mine ? 11 : 21;
        m.senderUsername = mine ? QStringLiteral("alice") : QStringLiteral("bob");
        m.clientMessageId = QStringLiteral("demo-%1").arg(seq);
        t += 3 * 60 * 1000;
        m.serverTimeMs = t;
        m.sentAtMs = t - 200;
        m.text = text;
        if (!attachments.isEmpty())
            port->setAttachments(m.clientMessageId, attachments, kChat);
        (void)session->store()->messages().storeIncoming({m}, t, me);
        return m.clientMessageId;
    }
};

void settle(int ms) {
    QTest::qWait(ms);
}

bool save(QWidget *w, const QString &path) {
    settle(400);
    const bool ok = w->grab().save(path);
    std::printf("%s %s\n", ok ? "saved" : "FAILED", qPrintable(path));
    return ok;
}

bool build(Demo &d, const QString &video) {
    const QString profile = d.dir.filePath(QStringLiteral("profile"));
    {
        auto s = ui::Session::open(profile,
                                   std::make_unique<client::FileSecretStore>(profile + "/secrets"));
        if (!s || !(*s)->store()->accounts().saveAccount(d.me))
            return false;
    }
    auto s =
        ui::Session::open(profile, std::make_unique<client::FileSecretStore>(profile + "/secrets"));
    if (!s)
        return false;
    d.session = std::move(*s);
    auto &convs = d.session->store()->conversations();
    if (!convs.upsertConversation(kChat, kBob, QStringLiteral("bob")))
        return false;
    auto port = std::make_unique<FakeMediaPort>(&d.session->store()->messages(), d.me);
    d.port = port.get();
    d.session->setMediaPort(std::move(port));

    const QSize shots[] = {{1600, 1067}, {1200, 1600}, {1600, 1000}, {1400, 1050}};
    QStringList photos;
    for (int i = 0; i < 4; ++i) {
        photos.append(d.file(QStringLiteral("IMG_20%1.jpg").arg(410 + i)));
        media_fixtures::writeJpeg(photos.last(), shots[i], 40 + i);
    }
    d.add(false, QStringLiteral("Back from Köln! Here are the first photos 📷"));
    d.add(false, QString(), {media_fixtures::attachmentFor(photos[0], K::Image, 0)});
    d.add(false, QStringLiteral("The cathedral at night"),
          {media_fixtures::attachmentFor(photos[1], K::Image, 1)});
    // Not downloaded yet: the blurred inline thumbnail.
    ui::Attachment later = media_fixtures::attachmentFor(photos[2], K::Image, 2);
    later.localPath.clear();
    later.transfer = ui::Attachment::Transfer::None;
    d.add(false, QString(), {later});
    d.add(true, QStringLiteral("Wow, they look great!"));
    d.add(true, QStringLiteral("Mine from the bridge"),
          {media_fixtures::attachmentFor(photos[3], K::Image, 3)});
    if (!video.isEmpty()) {
        ui::Attachment v = media_fixtures::attachmentFor(video, K::Video, 5);
        v.width = 640;
        v.height = 360;
        v.durationMs = 6000;
        d.add(false, QStringLiteral("And the boat ride 🚢"), {v});
    }
    media_fixtures::writeWav(d.file(QStringLiteral("voice-bob.wav")), 9000, 220);
    ui::Attachment voice =
        media_fixtures::attachmentFor(d.file(QStringLiteral("voice-bob.wav")), K::Voice, 7);
    voice.durationMs = 9000;
    d.add(false, QString(), {voice});
    QFile pdf(d.file(QStringLiteral("Hotel booking.pdf")));
    if (pdf.open(QIODevice::WriteOnly)) {
        pdf.write(QByteArray(2 * 1000 * 1000 + 345 * 1000, 'x'));
        pdf.close();
    }
    ui::Attachment received = media_fixtures::attachmentFor(pdf.fileName(), K::File, 0);
    received.fileName = QStringLiteral("Train tickets.pdf");
    received.localPath.clear();
    received.transfer = ui::Attachment::Transfer::None;
    d.add(false, QStringLiteral("Tickets for the way back: https://bahn.example.com/trip/4711"),
          {received});
    return true;
}
} // namespace

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    const QStringList a = app.arguments();
    if (a.size() < 3) {
        qWarning("usage: tidings-media-screenshots OUTDIR THEME [VIDEO]");
        return 2;
    }
    const QString outDir = a.at(1), theme = a.at(2), video = a.value(3);
    QDir().mkpath(outDir);
    ui::applyTheme(&app, ui::themeFromString(theme));
    Demo d;
    if (!build(d, video))
        return 1;
    auto shot = [&](const QString &name) {
        return QStringLiteral("%1/%2-%3.png").arg(outDir, name, theme);
    };
    ui::MainWindow window(d.session.get(), d.me.serverUrl);
    window.resize(1200, 760);
    window.show();
    settle(600);
    window.openChat(kChat);
    auto *view = window.conversation();
    // No server and no linked keys here: not a screenshot of "Offline" or "not linked yet".
    view->banner()->setMaximumHeight(0);
    window.linkBanner()->setMaximumHeight(0);
    auto *model = view->model();
    auto *media = view->media();
    bool ok = true;

    // The file upload in progress, sent now.
    const QString pdf = d.file(QStringLiteral("Hotel booking.pdf"));
    media->send({ui::OutgoingMedia{pdf, false, K::File, {}, 0}}, QString());
    const QString upload = d.port->sends.last().clientMessageIds.first();
    d.port->setTransfer(kChat, upload, 0, ui::Attachment::Transfer::Running,
                        quint64(QFileInfo(pdf).size() * 45 / 100));
    view->messageList()->scrollToBottom();
    settle(1200);

    // Photos: the top of the chat.
    view->messageList()->scrollTo(model->index(model->rowOfSeq(2)),
                                  QAbstractItemView::PositionAtTop);
    settle(800);
    ok = save(&window, shot(QStringLiteral("chat-photos"))) && ok;

    // The voice note playing, and the upload at the bottom.
    view->messageList()->scrollToBottom();
    settle(300);
    const int voiceRow = model->rowOfSeq(d.seq - 1);
    media->activate(voiceRow);
    settle(3300);
    ok = save(&window, shot(QStringLiteral("voice-note"))) && ok;
    ok = save(&window, shot(QStringLiteral("file-transfer"))) && ok;
    media->audio()->stop();

    if (!video.isEmpty()) {
        const int row = model->rowOfSeq(d.seq - 2);
        view->messageList()->scrollTo(model->index(row), QAbstractItemView::PositionAtCenter);
        settle(300);
        media->activate(row);
        for (int i = 0; i < 60 && (!media->videoPlayer() || media->videoPlayer()->framesShown() < 20);
             ++i)
            settle(100);
        ok = save(&window, shot(QStringLiteral("video-playing"))) && ok;
        media->stopPlayback();
    }

    // The viewer on the cathedral.
    media->activate(model->rowOfSeq(3));
    settle(1500);
    if (media->viewer()) {
        media->viewer()->resize(1000, 700);
        ok = save(media->viewer(), shot(QStringLiteral("viewer"))) && ok;
        media->viewer()->close();
    }

    // The Media tab.
    view->setInfoVisible(true);
    view->sidePanel()->showMediaTab();
    settle(1200);
    ok = save(&window, shot(QStringLiteral("media-tab"))) && ok;
    return ok ? 0 : 1;
}
