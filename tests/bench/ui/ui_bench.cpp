// tidings-ui-bench: the real desktop UI (MainWindow over a Session, as app/desktop/main.cpp
// wires it) on a profile filled by tidings-ui-datagen, measured in-process. Prints one JSON line:
//
//   start_to_chatlist_ms   process start (/proc/self/stat, 10 ms resolution) to the end of the
//                          first paint of the chat list viewport with rows in the model
//   main_to_chatlist_ms    the same from main()
//   rss_after_20_chats_mb  VmRSS after opening 20 chats one after another (each painted)
//   search_*               the UI's search path: SearchModel::setQuery (chat titles + SearchIndex
//                          FTS query + model), first run and median of 5, plus the FTS query alone
//   big_open_ms            opening the big chat until its message list is painted
//   scroll_top_ms          from then, dragging the scroll bar to the top once per 16 ms frame
//                          (each drag loads one page, as a user would) until the first message
//                          is loaded; scroll_longest_drag_ms is the slowest drag handler
//   scroll_max_stall_ms    the longest gap of a 1 ms timer during that scroll (event-loop stall)
//
//   xvfb-run -a tidings-ui-bench --profile DIR   (or QT_QPA_PLATFORM=offscreen)
#include "look.h"
#include "models/chat_list_model.h"
#include "models/message_model.h"
#include "models/search_model.h"
#include "secrets_setup.h"
#include "session.h"
#include "views/chat_list_panel.h"
#include "views/conversation_view.h"
#include "views/main_window.h"

#include "core/store/search_index.h"
#include "core/store/storage.h"
#include "core/store/view_state_store.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEvent>
#include <QEventLoop>
#include <QFile>
#include <QLineEdit>
#include <QListView>
#include <QScrollBar>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <unistd.h>

using namespace tidings;

namespace {

double msSinceProcessStart() {
    QFile stat(QStringLiteral("/proc/self/stat"));
    QFile uptime(QStringLiteral("/proc/uptime"));
    if (!stat.open(QIODevice::ReadOnly) || !uptime.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray s = stat.readAll();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const QList<QByteArray> f = s.mid(s.lastIndexOf(')') + 2).split(' ');
    const double startTicks = f.value(19).toDouble(); // field 22: starttime
    const double up = uptime.readAll().split(' ').value(0).toDouble();
    return (up - startTicks / double(sysconf(_SC_CLK_TCK))) * 1000.0;
}

double statusMb(const char *key) {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith(key))
            return line.mid(int(qstrlen(key))).trimmed().split(' ').value(0).toDouble() / 1024.0;
    return -1;
}

//! Ends the first paint of a viewport once its model has rows.
class PaintWatch : public QObject {
public:
    PaintWatch(QAbstractItemView *view)
        : m_view(view) {
        view->viewport()->installEventFilter(this);
    }
    bool painted = false;
    QEventLoop loop;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override {
        if (event->type() == QEvent::Paint && !painted && m_view->model()->rowCount() > 0) {
            static_cast<QObject *>(watched)->event(event); // paint now, then note the time
            painted = true;
            loop.quit();
            return true;
        }
        return false;
    }

private:
    QAbstractItemView *m_view;
};

//! A 1 ms timer; the largest gap between its ticks is the longest event-loop stall.
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

void settle() {
    QCoreApplication::processEvents(QEventLoop::AllEvents);
}

double median(QList<double> v) {
    std::sort(v.begin(), v.end());
    return v.isEmpty() ? 0 : v.at(v.size() / 2);
}

} // namespace

int main(int argc, char *argv[]) {
    QElapsedTimer sinceMain;
    sinceMain.start();
    const double mainAt = msSinceProcessStart();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Tidings"));
    QApplication::setOrganizationName(QStringLiteral("Tidings"));

    QCommandLineParser parser;
    parser.addHelpOption();
    QCommandLineOption profileOpt(QStringLiteral("profile"), QStringLiteral("Profile directory."),
                                  QStringLiteral("DIR"));
    QCommandLineOption bigOpt(QStringLiteral("big-chat"), QStringLiteral("Big chat id."),
                              QStringLiteral("ID"), QStringLiteral("1"));
    QCommandLineOption commonOpt(QStringLiteral("common"), QStringLiteral("Common word."),
                                 QStringLiteral("WORD"), QStringLiteral("tomorrow"));
    QCommandLineOption rareOpt(QStringLiteral("rare"), QStringLiteral("Rare word."),
                               QStringLiteral("WORD"), QStringLiteral("zanzibar"));
    QCommandLineOption limitOpt(QStringLiteral("scroll-limit-s"),
                                QStringLiteral("Give up scrolling after this many seconds."),
                                QStringLiteral("S"), QStringLiteral("300"));
    parser.addOptions({profileOpt, bigOpt, commonOpt, rareOpt, limitOpt});
    parser.process(app);
    const QString dir = parser.value(profileOpt);
    if (dir.isEmpty()) {
        std::fprintf(stderr, "usage: tidings-ui-bench --profile DIR\n");
        return 2;
    }

    // As app/desktop/main.cpp does it.
    ui::applyTheme(&app, ui::Theme::System);
    // The profile's secrets as the app reads them (the benchmark may wait in a local loop).
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
    ui::applyTheme(&app, ui::themeFromString(
                             (*session)->store()->viewState().setting(QStringLiteral("theme"))));
    ui::MainWindow window(session->get());
    QListView *chatList = window.chatPanel()->chatList();
    {
        PaintWatch watch(chatList);
        window.show();
        if (!watch.painted)
            watch.loop.exec();
    }
    const double mainToList = double(sinceMain.nsecsElapsed()) / 1e6;
    const double startToList = mainAt + mainToList;
    const int chatCount = window.chatModel()->rowCount();
    settle();

    // Search, through the model the search field drives.
    auto *search = window.chatPanel()->searchModel();
    auto *index = &(*session)->store()->search();
    struct SearchFigures {
        double firstMs = 0, medianMs = 0, ftsMedianMs = 0;
        int hits = 0;
    };
    auto measureSearch = [&](const QString &word) {
        SearchFigures out;
        QList<double> ui, fts;
        for (int i = 0; i < 6; ++i) {
            QElapsedTimer t;
            t.start();
            search->setQuery(word);
            const double ms = double(t.nsecsElapsed()) / 1e6;
            if (i == 0)
                out.firstMs = ms;
            else
                ui.append(ms);
            out.hits = search->rowCount();
            search->setQuery(QString());
            t.restart();
            auto hits = index->search(word, ui::SearchModel::kMaxHits);
            fts.append(double(t.nsecsElapsed()) / 1e6);
        }
        out.medianMs = median(ui);
        out.ftsMedianMs = median(fts);
        return out;
    };
    const SearchFigures common = measureSearch(parser.value(commonOpt));
    const SearchFigures rare = measureSearch(parser.value(rareOpt));
    // And once as typed: field, timer-less searchNow, results painted.
    QElapsedTimer typed;
    typed.start();
    window.chatPanel()->searchField()->setText(parser.value(commonOpt));
    window.chatPanel()->searchNow();
    window.chatPanel()->resultList()->viewport()->repaint();
    const double typedCommonMs = double(typed.nsecsElapsed()) / 1e6;
    window.chatPanel()->clearSearch();
    settle();

    // Open 20 chats one after another (the big one excluded), each painted.
    const quint64 bigId = parser.value(bigOpt).toULongLong();
    QListView *messages = window.conversation()->messageList();
    QList<double> opens;
    for (int row = 0, opened = 0; row < chatCount && opened < 20; ++row) {
        const quint64 id = window.chatModel()->conversationAt(row);
        if (id == bigId)
            continue;
        QElapsedTimer t;
        t.start();
        window.openChat(id);
        messages->viewport()->repaint();
        opens.append(double(t.nsecsElapsed()) / 1e6);
        settle();
        ++opened;
    }
    const double rssAfter20 = statusMb("VmRSS:");

    // The big chat: open, then drag the scroll bar to the top until the first message is in.
    QElapsedTimer t;
    t.start();
    window.openChat(bigId);
    messages->viewport()->repaint();
    const double bigOpenMs = double(t.nsecsElapsed()) / 1e6;
    settle();
    auto *model = window.conversation()->model();
    QScrollBar *bar = messages->verticalScrollBar();
    StallMeter meter;
    int drags = 0;
    double longestDragMs = 0;
    bool reachedTop = false;
    const qint64 limitMs = parser.value(limitOpt).toLongLong() * 1000;
    QEventLoop scrollLoop;
    QTimer driver;
    // One drag per display frame (16 ms), as mouse moves arrive; back-to-back drags would put
    // two handlers between two ticks of the stall meter and double the figure.
    driver.setTimerType(Qt::PreciseTimer);
    driver.setInterval(16);
    QObject::connect(&driver, &QTimer::timeout, [&] {
        const bool firstLoaded = !model->hasOlder() && model->messageAt(1).seq == 1;
        if ((firstLoaded && bar->value() == 0) || t.elapsed() > limitMs) {
            reachedTop = firstLoaded && bar->value() == 0;
            driver.stop();
            scrollLoop.quit();
            return;
        }
        QElapsedTimer step;
        step.start();
        bar->setValue(0);
        ++drags;
        longestDragMs = std::max(longestDragMs, double(step.nsecsElapsed()) / 1e6);
    });
    t.restart();
    meter.start();
    driver.start();
    scrollLoop.exec();
    const double scrollMs = double(t.nsecsElapsed()) / 1e6;
    const double maxStall = meter.stop();
    messages->viewport()->repaint();
    const double rssEnd = statusMb("VmRSS:");

    std::printf(
        "{\"chats\":%d,\"start_to_chatlist_ms\":%.1f,\"main_to_chatlist_ms\":%.1f,"
        "\"rss_after_20_chats_mb\":%.1f,\"open_chat_median_ms\":%.1f,\"open_chat_max_ms\":%.1f,"
        "\"search_common_first_ms\":%.1f,\"search_common_ms\":%.1f,\"search_common_fts_ms\":%.1f,"
        "\"search_common_rows\":%d,\"search_common_typed_painted_ms\":%.1f,"
        "\"search_rare_first_ms\":%.1f,\"search_rare_ms\":%.1f,\"search_rare_fts_ms\":%.1f,"
        "\"search_rare_rows\":%d,\"big_open_ms\":%.1f,\"scroll_top_ms\":%.1f,"
        "\"scroll_reached_first\":%s,\"scroll_drags\":%d,\"scroll_rows\":%d,"
        "\"scroll_longest_drag_ms\":%.1f,\"scroll_max_stall_ms\":%.1f,\"rss_end_mb\":%.1f,"
        "\"vm_hwm_mb\":%.1f}\n",
        chatCount, startToList, mainToList, rssAfter20, median(opens),
        opens.isEmpty() ? 0 : *std::max_element(opens.begin(), opens.end()), common.firstMs,
        common.medianMs, common.ftsMedianMs, common.hits, typedCommonMs, rare.firstMs,
        rare.medianMs, rare.ftsMedianMs, rare.hits, bigOpenMs, scrollMs,
        reachedTop ? "true" : "false", drags, model->rowCount(), longestDragMs, maxStall, rssEnd,
        statusMb("VmHWM:"));
    std::fflush(stdout);
    return reachedTop ? 0 : 3;
}
