// tidings-media-chat: a chat of 1,000 photos in the real desktop UI (MainWindow over a Session
// started offline on a profile seeded by --seed: thumbnails inline, every full picture
// downloaded), opened and scrolled through, measured in-process. Prints one JSON line:
//
//   open_ms              openChat() until the message list has painted (thumbnails or pictures)
//   open_decoded_ms      until a paint showed every photo in view decoded (not the blurred
//                        thumbnail any more)
//   up_s, down_s         scrolling from the newest photo to the first and back, at --speed px/s
//                        (one step per 16 ms frame, sized by the real time since the last step,
//                        as a flick or a held key would move it); pages of history load on the
//                        way up as in the app
//   up_max_stall_ms      the longest gap of a 1 ms timer while scrolling up (and down): how long
//   down_max_stall_ms    the GUI thread was busy at once
//   *_blurred_paints     paints with at least one photo in view still shown blurred (its decode
//                        had not caught up with the scroll)
//   rss_*_mb, vm_hwm_mb  VmRSS after start, after opening, after scrolling; the peak
//   image_cache_mb       decoded pictures held by the view's cache at the end
//
//   tidings-media-chat --profile DIR --seed          (once: writes the chat)
//   cp -r DIR RUN && QT_QPA_PLATFORM=offscreen tidings-media-chat --profile RUN
#include "bench_common.h"
#include "chat_seed.h"

#include "delegates/message_delegate.h"
#include "look.h"
#include "media/image_cache.h"
#include "models/message_model.h"
#include "secrets_setup.h"
#include "session.h"
#include "views/conversation_media.h"
#include "views/conversation_view.h"
#include "views/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QEventLoop>
#include <QListView>
#include <QScrollBar>
#include <QTimer>

#include <cstdio>
#include <optional>

using namespace tidings;
using namespace tidings::bench;

namespace {

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

//! After each paint of the message list: were all photos in view drawn decoded?
class PaintProbe : public QObject {
public:
    explicit PaintProbe(ui::ConversationView *view)
        : m_view(view)
        , m_list(view->messageList()) {
        m_list->viewport()->installEventFilter(this);
    }
    int paints = 0;
    int blurredPaints = 0;
    qint64 lastPaint = -1;
    qint64 firstAllDecoded = -1;
    double longestPaintMs = 0;
    void reset() {
        paints = blurredPaints = 0;
        lastPaint = firstAllDecoded = -1;
        longestPaintMs = 0;
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override {
        if (event->type() != QEvent::Paint || m_inside)
            return false;
        // Deliver the paint through the remaining filters now (the list paints its viewport
        // in the scroll area's own filter, installed before this one), then look at it.
        // Calling watched->event() instead would skip that filter: nothing would be painted.
        const qint64 start = nowNs();
        m_inside = true;
        QCoreApplication::sendEvent(watched, event);
        m_inside = false;
        lastPaint = nowNs();
        longestPaintMs = std::max(longestPaintMs, msBetween(start, lastPaint));
        ++paints;
        if (allDecoded()) {
            if (firstAllDecoded < 0)
                firstAllDecoded = lastPaint;
        } else {
            ++blurredPaints;
        }
        return true;
    }

private:
    bool allDecoded() const {
        const QRect viewport = m_list->viewport()->rect();
        auto *delegate = static_cast<ui::MessageDelegate *>(m_list->itemDelegate());
        ui::ImageCache *images = m_view->media()->images();
        const qreal dpr = m_list->viewport()->devicePixelRatioF();
        const QModelIndex first = m_list->indexAt(viewport.topLeft() + QPoint(4, 1));
        int seen = 0;
        for (int row = first.isValid() ? first.row() : 0; row < m_list->model()->rowCount();
             ++row) {
            const QModelIndex index = m_list->model()->index(row, 0);
            const QRect r = m_list->visualRect(index);
            if (r.top() > viewport.bottom())
                break;
            const QVariant av = index.data(ui::MessageModel::AttachmentRole);
            if (!av.isValid())
                continue;
            const auto a = av.value<ui::Attachment>();
            const QRect block = delegate->attachmentRect(index);
            if (a.localPath.isEmpty() || !block.intersects(viewport))
                continue;
            ++seen;
            // Asking the cache right after the paint tells what the paint drew: it only
            // changes between events of this thread.
            if (images->image(a.localPath, block.size() * dpr).isNull())
                return false;
        }
        return seen > 0;
    }

    ui::ConversationView *m_view;
    QListView *m_list;
    bool m_inside = false;
};

} // namespace

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Tidings"));
    QApplication::setOrganizationName(QStringLiteral("Tidings"));
    QCommandLineParser p;
    p.setApplicationDescription("A chat of 1,000 photos: open it and scroll through it.");
    p.addHelpOption();
    p.addOption({"profile", "Profile directory.", "dir"});
    p.addOption({"seed", "Write the chat into --profile (replacing it), then exit."});
    p.addOption({"photos", "Photos in the seeded chat (default 1000).", "n", "1000"});
    p.addOption({"speed", "Scroll speed in pixels per second (default 3000).", "px", "3000"});
    p.addOption({"width", "Window width (default 1100).", "px", "1100"});
    p.addOption({"height", "Window height (default 800).", "px", "800"});
    p.process(app);
    const QString dir = p.value("profile");
    if (dir.isEmpty()) {
        std::fprintf(stderr, "usage: tidings-media-chat --profile DIR [--seed]\n");
        return 2;
    }
    if (p.isSet("seed")) {
        ChatSeedOptions o;
        o.profile = dir;
        o.photos = p.value("photos").toInt();
        if (const QString err = seedPhotoChat(o); !err.isEmpty()) {
            std::fprintf(stderr, "seed: %s\n", qPrintable(err));
            return 1;
        }
        return 0;
    }
    const double speed = p.value("speed").toDouble();

    ui::applyTheme(&app, ui::Theme::Light);
    ui::SecretsSetup setup(dir);
    std::optional<Result<ui::SecretsChoice>> secrets;
    setup.start([&secrets](Result<ui::SecretsChoice> c) { secrets = std::move(c); });
    while (!secrets)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    if (!*secrets || !(*secrets)->store)
        return 1;
    auto session = ui::Session::open(dir, std::move((*secrets)->store));
    if (!session) {
        std::fprintf(stderr, "cannot open %s: %s\n", qPrintable(dir),
                     qPrintable(session.error().detail));
        return 1;
    }
    ui::MainWindow window(session->get());
    window.resize(p.value("width").toInt(), p.value("height").toInt());
    window.show();
    waitFor([] { return false; }, 500);
    const double rssStart = statusMb(0, "VmRSS:");

    ui::ConversationView *view = window.conversation();
    QListView *list = view->messageList();
    PaintProbe probe(view);
    RssSampler rss(0);
    rss.start();
    const qint64 t0 = nowNs();
    window.openChat(kPhotoChat);
    list->viewport()->repaint();
    const double openMs = msBetween(t0, nowNs());
    waitFor([&] { return probe.firstAllDecoded >= 0; }, 10000);
    const double openDecodedMs =
        probe.firstAllDecoded < 0 ? -1 : msBetween(t0, probe.firstAllDecoded);
    waitFor([] { return false; }, 300);
    const double rssOpen = statusMb(0, "VmRSS:");

    ui::MessageModel *model = view->model();
    QScrollBar *bar = list->verticalScrollBar();
    StallMeter stalls;
    StallTracer tracer;
    // Scrolls towards the top (direction -1) or the bottom (+1) until the end of the chat.
    struct Pass {
        double seconds = 0, maxStall = 0, longestStep = 0, longestPaint = 0;
        int blurred = 0, paints = 0, steps = 0;
    };
    auto scroll = [&](int direction, Pass *pass) {
        probe.reset();
        QEventLoop loop;
        QTimer frame;
        frame.setTimerType(Qt::PreciseTimer);
        frame.setInterval(16);
        qint64 last = nowNs();
        double carry = 0;
        const qint64 start = last;
        QObject::connect(&frame, &QTimer::timeout, &loop, [&] {
            const bool atEnd = direction < 0 ? bar->value() == 0 && !model->hasOlder()
                                             : bar->value() == bar->maximum() && !model->hasNewer();
            if (atEnd || msBetween(start, nowNs()) > 600'000) {
                loop.quit();
                return;
            }
            const qint64 now = nowNs();
            carry += speed * double(now - last) / 1e9;
            last = now;
            const int step = int(carry);
            carry -= step;
            // The scroll handler runs inside setValue(): page loads, layout.
            const qint64 before = nowNs();
            bar->setValue(bar->value() + direction * step);
            pass->longestStep = std::max(pass->longestStep, msBetween(before, nowNs()));
            ++pass->steps;
        });
        stalls.start();
        tracer.start();
        frame.start();
        loop.exec();
        pass->maxStall = stalls.stop();
        tracer.stop();
        for (const QString &s : tracer.longest(5))
            std::fprintf(stderr, "%s: %s\n", direction < 0 ? "up" : "down", qPrintable(s));
        pass->seconds = msBetween(start, nowNs()) / 1000;
        pass->blurred = probe.blurredPaints;
        pass->paints = probe.paints;
        pass->longestPaint = probe.longestPaintMs;
    };
    Pass up, down;
    const qint64 upStart = nowNs();
    scroll(-1, &up);
    const bool reachedFirst = bar->value() == 0 && !model->hasOlder() && model->rowCount() > 0 &&
                              model->messageAt(1).seq == 1;
    const double rssUp = statusMb(0, "VmRSS:");
    const qint64 downStart = nowNs();
    scroll(+1, &down);
    const double rssPeak = rss.stop();
    const char *peakIn = rss.peakAt() >= downStart ? "down"
                         : rss.peakAt() >= upStart ? "up"
                                                   : "open";
    ui::ImageCache *images = view->media()->images();
    std::printf("{\"rows\":%d,\"open_ms\":%.1f,\"open_decoded_ms\":%.1f,\"speed_px_s\":%.0f,"
                "\"up_s\":%.1f,\"up_max_stall_ms\":%.1f,\"up_longest_step_ms\":%.1f,"
                "\"up_longest_paint_ms\":%.1f,\"up_paints\":%d,\"up_blurred_paints\":%d,"
                "\"reached_first\":%s,\"down_s\":%.1f,\"down_max_stall_ms\":%.1f,"
                "\"down_longest_step_ms\":%.1f,\"down_longest_paint_ms\":%.1f,\"down_paints\":%d,"
                "\"down_blurred_paints\":%d,\"rss_start_mb\":%.1f,\"rss_open_mb\":%.1f,"
                "\"rss_after_up_mb\":%.1f,\"rss_end_mb\":%.1f,\"rss_peak_mb\":%.1f,"
                "\"rss_peak_in\":\"%s\",\"vm_hwm_mb\":%.1f,"
                "\"image_cache_mb\":%.1f,\"load\":\"%s\"}\n",
                model->rowCount(), openMs, openDecodedMs, speed, up.seconds, up.maxStall,
                up.longestStep, up.longestPaint, up.paints, up.blurred,
                reachedFirst ? "true" : "false", down.seconds, down.maxStall, down.longestStep,
                down.longestPaint, down.paints, down.blurred, rssStart, rssOpen, rssUp,
                statusMb(0, "VmRSS:"), rssPeak, peakIn, statusMb(0, "VmHWM:"),
                double(images->bytes()) / 1048576.0, qPrintable(loadAverage()));
    std::fflush(stdout);
    return reachedFirst ? 0 : 3;
}
