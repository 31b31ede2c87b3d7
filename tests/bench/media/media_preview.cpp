// tidings-media-preview: send → the receiver's preview painted, for a ~4 MB photo on loopback.
// The sender is a client core (client::Media::sendFiles); the receiver is the desktop app's
// Session and MainWindow (offscreen QPA) with the chat open; the server is tidingsd as its own
// process on a throwaway PostgreSQL. Both devices run in this process (one GUI thread; the
// sender's photo preparation and encryption run on its worker pool).
//
// Timed from sendFiles() on the sender's device to the end of the first paint of the receiver's
// message list in which the photo's bubble shows
//   preview_ms  the inline thumbnail (blurred): the message arrived, nothing downloaded yet
//   full_ms     the decoded photo (auto-download of images is on, as the app's default)
// A paint "shows" the picture when the bubble is inside the viewport and the picture was in the
// view's ImageCache while the viewport painted (the cache only changes between events of the
// GUI thread, so asking it right after the paint tells what the paint drew).
// Also reported (same clock): uploaded_ms (the sender's upload finished, the message leaves),
// received_ms (Messaging::messagesReceived at the receiver), downloaded_ms (Media::downloaded),
// and the longest stall of the GUI thread during the send (a 1 ms timer's largest gap).
//
//   QT_QPA_PLATFORM=offscreen tidings-media-preview [--sends 5] [--photo FILE]
#include "bench_common.h"

#include "delegates/message_delegate.h"
#include "look.h"
#include "media/image_cache.h"
#include "models/chat_list_model.h"
#include "models/message_model.h"
#include "session.h"
#include "views/conversation_media.h"
#include "views/conversation_view.h"
#include "views/first_run_page.h"
#include "views/main_window.h"

#include "core/secrets/secret_store.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QListView>
#include <QPainter>
#include <QPushButton>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

using namespace tidings;
using namespace tidings::bench;

namespace {

//! A camera-like photo: 4032×3024 with smooth shading, edges and sensor-like noise, saved as a
//! JPEG whose quality is chosen so the file is about `targetBytes`.
QString makePhoto(const QString &path, qint64 targetBytes) {
    QImage image(4032, 3024, QImage::Format_RGB32);
    QRandomGenerator rng(4032);
    for (int y = 0; y < image.height(); ++y) {
        auto *line = reinterpret_cast<QRgb *>(image.scanLine(y));
        for (int x = 0; x < image.width(); ++x) {
            const int n = int(rng.bounded(48u)) - 24;
            const int r = (x * 255 / image.width() + n + ((x / 97 + y / 89) % 2) * 40) & 0xff;
            const int g = (y * 255 / image.height() + n) & 0xff;
            const int b = ((x + y) * 255 / (image.width() + image.height()) - n) & 0xff;
            line[x] = qRgb(qBound(0, r, 255), qBound(0, g, 255), qBound(0, b, 255));
        }
    }
    {
        QPainter p(&image);
        p.setRenderHint(QPainter::Antialiasing);
        for (int i = 0; i < 40; ++i) {
            p.setBrush(QColor::fromHsv(int(rng.bounded(360u)), 160, 220));
            p.drawEllipse(QPoint(int(rng.bounded(4032u)), int(rng.bounded(3024u))),
                          int(rng.bounded(400u)) + 50, int(rng.bounded(300u)) + 50);
        }
    }
    for (int quality = 98; quality >= 40; quality -= 2) {
        if (!image.save(path, "JPEG", quality))
            return {};
        if (QFileInfo(path).size() <= targetBytes)
            break;
    }
    return path;
}

//! A 1 ms timer; the largest gap between its ticks is the longest stall of the GUI thread.
class StallMeter : public QObject {
public:
    StallMeter() {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            m_max = std::max(m_max, m_clock.nsecsElapsed());
            m_clock.restart();
        });
    }
    void start() {
        m_max = 0;
        m_clock.start();
        m_timer.start();
    }
    double stop() {
        m_timer.stop();
        return double(m_max) / 1e6;
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_max = 0;
};

//! Watches the receiver's message list: after every paint of its viewport, whether the bubble of
//! the message at `seq` was drawn with its thumbnail and with the decoded photo.
class PaintProbe : public QObject {
public:
    PaintProbe(ui::ConversationView *view)
        : m_view(view)
        , m_list(view->messageList()) {
        m_list->viewport()->installEventFilter(this);
    }
    void arm(quint64 seqAtLeast) {
        m_seq = seqAtLeast;
        preview = full = -1;
        paints = 0;
    }
    qint64 preview = -1, full = -1;
    int paints = 0;
    QString frames; //!< when set, the window is saved there at the first preview and full paint

protected:
    bool eventFilter(QObject *watched, QEvent *event) override {
        if (event->type() != QEvent::Paint || m_seq == 0 || m_inside)
            return false;
        // Deliver the paint through the remaining filters now (the list paints its viewport
        // in the scroll area's own filter, installed before this one), then look at it.
        m_inside = true;
        QCoreApplication::sendEvent(watched, event);
        m_inside = false;
        const qint64 now = nowNs();
        ++paints;
        inspect(now);
        return true;
    }

private:
    void inspect(qint64 now) {
        ui::MessageModel *model = m_view->model();
        // The newest message with a photo at or after the armed seq.
        for (int row = model->rowCount() - 1; row >= 0; --row) {
            const client::MessageRecord m = model->messageAt(row);
            if (m.seq < m_seq || m.outgoing)
                continue;
            const QModelIndex index = model->index(row);
            const QVariant av = index.data(ui::MessageModel::AttachmentRole);
            if (!av.isValid())
                continue;
            const auto a = av.value<ui::Attachment>();
            auto *delegate = static_cast<ui::MessageDelegate *>(m_list->itemDelegate());
            const QRect block = delegate->attachmentRect(index);
            if (!block.intersects(m_list->viewport()->rect()))
                return;
            const QSize device = block.size() * m_list->viewport()->devicePixelRatioF();
            ui::ImageCache *images = m_view->media()->images();
            const bool wasPreview = preview >= 0, wasFull = full >= 0;
            if (preview < 0 && !images->blurred(a.thumbnail, device).isNull())
                preview = now;
            if (full < 0 && !a.localPath.isEmpty() && !images->image(a.localPath, device).isNull())
                full = now;
            if (!frames.isEmpty() && ((!wasPreview && preview >= 0) || (!wasFull && full >= 0))) {
                // What the window shows now (renders again; this filter stays out of it).
                m_inside = true;
                const QImage shot = m_list->window()->grab().toImage();
                m_inside = false;
                shot.save(QStringLiteral("%1/%2-%3.png")
                              .arg(frames)
                              .arg(m_seq)
                              .arg(full >= 0 ? u"full"_qs : u"preview"_qs));
            }
            return;
        }
    }

    ui::ConversationView *m_view;
    QListView *m_list;
    quint64 m_seq = 0;
    bool m_inside = false;
};

double median(QList<double> v) {
    std::sort(v.begin(), v.end());
    return v.isEmpty() ? -1 : v.at(v.size() / 2);
}

double r1(double v) {
    return std::round(v * 10) / 10;
}

} // namespace

int main(int argc, char **argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Tidings"));
    QCommandLineParser p;
    p.setApplicationDescription("Send → the receiver's preview painted, for a ~4 MB photo.");
    p.addHelpOption();
    p.addOption({"sends", "Photos sent, one after the other (default 5).", "n", "5"});
    p.addOption(
        {"photo", "The photo to send (default: a generated 4032×3024 JPEG of ~4 MB).", "file"});
    p.addOption({"frames", "Save the window at each first preview and photo paint here.", "dir"});
    p.addOption({"make-photo", "Only write the generated photo to this file.", "file"});
    p.addOption({"tidingsd", "The server binary.", "path", QStringLiteral(TIDINGSD_PATH)});
    p.process(app);
    const int sends = p.value("sends").toInt();
    if (sends < 1)
        return 2;
    if (p.isSet("make-photo"))
        return makePhoto(p.value("make-photo"), 4'000'000).isEmpty() ? 1 : 0;

    QTemporaryDir dir(QStringLiteral("/tmp/tidings-media-preview-XXXXXX"));
    qputenv("XDG_RUNTIME_DIR", dir.path().toUtf8());
    QString photo = p.value("photo");
    if (photo.isEmpty())
        photo = makePhoto(dir.filePath(u"photo.jpg"_qs), 4'000'000);
    if (photo.isEmpty() || !QFileInfo::exists(photo)) {
        std::fprintf(stderr, "no photo\n");
        return 1;
    }

    ServerProcess server;
    if (const QString err = server.start(p.value("tidingsd")); !err.isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(err));
        return 1;
    }
    // The receiver: the desktop app, registered through its first-run page.
    ui::applyTheme(&app, ui::Theme::Light);
    const QString bobDir = dir.filePath(u"bob"_qs);
    QDir().mkpath(bobDir);
    auto session = ui::Session::open(
        bobDir, std::make_unique<client::FileSecretStore>(QDir(bobDir).filePath(u"secrets"_qs)));
    if (!session) {
        std::fprintf(stderr, "session: %s\n", qPrintable(session.error().toString()));
        return 1;
    }
    ui::MainWindow window(session->get(), server.url().toString());
    window.resize(1100, 800);
    window.show();
    window.firstRun()->usernameEdit()->setText(u"bob"_qs);
    window.firstRun()->passwordEdit()->setText(u"password-bob"_qs);
    window.firstRun()->registerButton()->click();
    if (!waitFor([&] { return window.isShowingChats() && (*session)->client()->isAuthenticated(); },
                 30000)) {
        std::fprintf(stderr, "bob did not register\n");
        return 1;
    }
    // The sender: a client core.
    Device alice;
    if (!alice.open(dir.filePath(u"alice/client.sqlite"_qs)) ||
        !alice.registerAs(server.url(), u"alice"_qs)) {
        std::fprintf(stderr, "alice did not register\n");
        return 1;
    }
    const quint64 conv = openDirect(*alice.client, u"bob"_qs);
    if (conv == 0)
        return 1;
    // A first text opens the chat on bob's side; his window shows it.
    if (!alice.client->messaging().sendText(conv, u"hello"_qs))
        return 1;
    if (!waitFor([&] { return window.chatModel()->rowCount() > 0; }, 30000))
        return 1;
    window.openChat(conv);
    ui::ConversationView *view = window.conversation();
    PaintProbe probe(view);
    probe.frames = p.value("frames");
    RequestLog sent, fetched;
    sent.watch(alice.media());
    fetched.watch((*session)->client()->media());
    StallMeter stalls;
    StallTracer tracer;
    QList<double> previews, fulls;
    QJsonArray runs;
    for (int i = 0; i < sends; ++i) {
        waitFor([] { return false; }, 1000); // settle: the previous photo's work is done
        quint64 receivedSeq = 0;
        qint64 uploaded = -1, received = -1, downloaded = -1;
        QObject scope;
        QObject::connect(&alice.media(), &client::Media::uploaded, &scope,
                         [&](quint64, const QString &) { uploaded = nowNs(); });
        QObject::connect(&(*session)->client()->messaging(), &client::Messaging::messagesReceived,
                         &scope, [&](quint64, const QList<client::MessageRecord> &ms) {
                             for (const auto &m : ms)
                                 if (!m.attachments.isEmpty() && received < 0) {
                                     received = nowNs();
                                     receivedSeq = m.seq;
                                 }
                         });
        QObject::connect(&(*session)->client()->media(), &client::Media::downloaded, &scope,
                         [&](quint64, quint64 seq, const QString &) {
                             if (seq == receivedSeq)
                                 downloaded = nowNs();
                         });
        probe.arm(view->model()->rowCount() > 0
                      ? view->model()->messageAt(view->model()->rowCount() - 1).seq + 1
                      : 1);
        sent.reset();
        fetched.reset();
        stalls.start();
        tracer.start();
        const qint64 t0 = nowNs();
        client::OutgoingFile f;
        f.path = photo;
        if (!alice.media().sendFiles(conv, {f})) {
            std::fprintf(stderr, "sendFiles refused\n");
            return 1;
        }
        const bool done = waitFor([&] { return probe.full >= 0; }, 60000);
        const double stall = stalls.stop();
        tracer.stop();
        QJsonObject o{{"send", i + 1},
                      {"photo_bytes", QFileInfo(photo).size()},
                      {"preview_ms", probe.preview < 0 ? -1 : r1(msBetween(t0, probe.preview))},
                      {"full_ms", probe.full < 0 ? -1 : r1(msBetween(t0, probe.full))},
                      {"upload_created_ms", r1(msBetween(t0, sent.created))},
                      {"upload_chunk_ms", r1(msBetween(t0, sent.lastChunk))},
                      {"upload_finished_ms", r1(msBetween(t0, sent.finished))},
                      {"fetched_ms", r1(msBetween(t0, fetched.fetched))},
                      {"uploaded_ms", uploaded < 0 ? -1 : r1(msBetween(t0, uploaded))},
                      {"received_ms", received < 0 ? -1 : r1(msBetween(t0, received))},
                      {"downloaded_ms", downloaded < 0 ? -1 : r1(msBetween(t0, downloaded))},
                      {"paints", probe.paints},
                      {"gui_max_stall_ms", r1(stall)},
                      {"load", loadAverage()},
                      {"stalls", QJsonArray::fromStringList(tracer.longest(3))}};
        if (!done)
            o["error"] = QStringLiteral("the full photo was never painted");
        std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        if (!done)
            return 1;
        previews.append(msBetween(t0, probe.preview));
        fulls.append(msBetween(t0, probe.full));
    }
    std::printf("{\"summary\":true,\"sends\":%d,\"preview_median_ms\":%.1f,\"preview_min_ms\":"
                "%.1f,\"preview_max_ms\":%.1f,\"full_median_ms\":%.1f,\"full_min_ms\":%.1f,"
                "\"full_max_ms\":%.1f}\n",
                sends, median(previews), *std::min_element(previews.begin(), previews.end()),
                *std::max_element(previews.begin(), previews.end()), median(fulls),
                *std::min_element(fulls.begin(), fulls.end()),
                *std::max_element(fulls.begin(), fulls.end()));
    alice.client->stop();
    return 0;
}
