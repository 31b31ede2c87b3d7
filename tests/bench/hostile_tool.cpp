// tidings-hostile: hostile connections for the abuse scenario of docs/PERFORMANCE.md (issue 11).
// Each kind is one signed-in device on a raw socket that never reads what the server sends and
// writes as fast as its socket takes it (at most 1 MiB waiting in this process):
//   history  HistoryRequest{limit 500} over a conversation of 50 messages
//   sends    SendRequest with 64 KiB payloads
//   pings    WebSocket pings (125 bytes): QtWebSockets answers each by itself
//   typing   typing indicators flipping on and off
// Runs them for --seconds while sampling the server's RSS (--server-pid), then prints one JSON
// line: frames written per kind, when the server dropped each connection, the server's RSS at
// start and its peak. With --wait-file it signs in first and floods once the file exists (so
// that another tool's sign-ins, whose Argon2 hashing takes 64 MiB each, are not in its figure). (A
// burst is written again and again: repeated sends are duplicates to the server, which still has to
// take each one in.) Meant to run beside tidings-load (run_load.sh hostile).
#include "../unit/server/support/slow_reader.h"
#include "load_common.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>
#include <memory>

using namespace tidings;
using namespace tidings::bench;

namespace {

struct Hostile {
    QString kind;
    QByteArray token;
    quint64 conv = 0;
    std::unique_ptr<server::test::SlowReader> socket;
    qint64 frames = 0;
    double droppedAfterS = -1;
    QByteArray burst; //!< what one write puts out
};

QByteArray burstFor(const Hostile &h) {
    QByteArray out;
    F f;
    switch (h.kind.at(0).unicode()) {
    case 'h':
        f.mutable_history_request()->set_conversation_id(h.conv);
        f.mutable_history_request()->set_limit(500);
        break;
    case 's':
        f.mutable_send_request()->set_conversation_id(h.conv);
        f.mutable_send_request()->set_payload(std::string(64 * 1024 - 64, 's'));
        break;
    case 't':
        f.mutable_typing_request()->set_conversation_id(h.conv);
        break;
    case 'p':
        for (int i = 0; i < 200; ++i)
            out += server::test::wsPing(QByteArray(125, 'p'));
        return out;
    }
    const int n = h.kind == QLatin1String("sends") ? 4 : 200;
    for (int i = 0; i < n; ++i) {
        f.set_request_id(quint64(i + 1));
        if (f.has_send_request())
            f.mutable_send_request()->set_client_message_id("x" + std::to_string(i));
        if (f.has_typing_request())
            f.mutable_typing_request()->set_typing(i % 2 == 0);
        out += server::test::wsFrame(protocol::encodeFrame(f));
    }
    return out;
}

class Run : public QObject {
public:
    Run(QUrl url, QStringList kinds, int seconds, qint64 serverPid, QString waitFile)
        : m_waitFile(std::move(waitFile))
        , m_url(std::move(url))
        , m_seconds(seconds)
        , m_pid(serverPid) {
        for (const QString &k : kinds)
            m_hostile.push_back(Hostile{k, {}, 0, nullptr, 0, -1, {}});
    }

    void start() { setUp(0); }

private:
    // Registers the device's user and a partner, opens their conversation and, for history,
    // writes the 50 messages it reads back; then the raw socket takes over.
    void setUp(std::size_t i) {
        if (i == m_hostile.size())
            return flood();
        auto *partner = new Device(m_url);
        auto *d = new Device(m_url, false);
        partner->setParent(this);
        d->setParent(this);
        const QString base =
            QStringLiteral("hostile%1x%2").arg(i).arg(QCoreApplication::applicationPid());
        auto registerAs = [](Device *dev, const QString &name, std::function<void()> next) {
            dev->onConnected = [dev, name, next] {
                F f;
                f.mutable_register_request()->set_username(name.toStdString());
                f.mutable_register_request()->set_password("hostile-password");
                dev->request(f, [dev, next](const F &r) {
                    dev->token = QByteArray::fromStdString(r.login_response().device_token());
                    next();
                });
            };
        };
        // The partner exists before the direct conversation is opened.
        registerAs(partner, base + "b", [d] { d->open(); });
        registerAs(d, base + "a", [this, d, i, base] {
            F open;
            open.mutable_open_direct_request()->set_username((base + "b").toStdString());
            d->request(open, [this, d, i](const F &r) {
                Hostile &h = m_hostile[i];
                h.token = d->token;
                h.conv = r.conversation_info().conversation_id();
                auto left = std::make_shared<int>(h.kind == QLatin1String("history") ? 50 : 0);
                if (*left == 0)
                    return setUp(i + 1);
                for (int m = 0; m < 50; ++m) {
                    F s;
                    s.mutable_send_request()->set_conversation_id(h.conv);
                    s.mutable_send_request()->set_client_message_id("h" + std::to_string(m));
                    s.mutable_send_request()->set_payload(std::string(100, 'h'));
                    d->request(s, [this, i, left](const F &) {
                        if (--*left == 0)
                            setUp(i + 1);
                    });
                }
            });
        });
    }

    void flood() {
        if (!m_waitFile.isEmpty() && !QFile::exists(m_waitFile)) {
            if (!m_toldSignedIn) {
                m_toldSignedIn = true;
                std::fprintf(stderr, "tidings-hostile: signed in, waiting for %s\n",
                             qPrintable(m_waitFile));
            }
            QTimer::singleShot(20, this, [this] { flood(); });
            return;
        }
        for (Hostile &h : m_hostile) {
            h.socket = std::make_unique<server::test::SlowReader>();
            if (!h.socket->open(quint16(m_url.port()))) {
                std::fprintf(stderr, "tidings-hostile: cannot connect\n");
                QCoreApplication::exit(1);
                return;
            }
            F auth;
            auth.mutable_auth_request()->set_device_token(h.token.toStdString());
            h.socket->send(auth, 1);
            // Its answer first (frames sent while the login is checked would only be refused).
            QByteArray in;
            if (!QTest::qWaitFor(
                    [&] {
                        in += h.socket->socket.readAll();
                        return in.size() > 8;
                    },
                    10000)) {
                std::fprintf(stderr, "tidings-hostile: no answer to auth\n");
                QCoreApplication::exit(1);
                return;
            }
            h.burst = burstFor(h);
        }
        m_startRss = readProc(m_pid).rssKiB;
        m_peakRss = m_startRss;
        m_clock.start();
        std::fprintf(stderr, "tidings-hostile: flooding with %d connections\n",
                     int(m_hostile.size()));
        auto *tick = new QTimer(this);
        connect(tick, &QTimer::timeout, this, [this] { onTick(); });
        tick->start(5);
    }

    void onTick() {
        m_peakRss = std::max(m_peakRss, readProc(m_pid).rssKiB);
        const double t = double(m_clock.elapsed()) / 1000.0;
        for (Hostile &h : m_hostile) {
            QTcpSocket &s = h.socket->socket;
            if (s.state() != QAbstractSocket::ConnectedState) {
                if (h.droppedAfterS < 0)
                    h.droppedAfterS = t;
                continue;
            }
            if (s.bytesToWrite() < 1024 * 1024) {
                s.write(h.burst);
                h.frames += h.kind == QLatin1String("sends") ? 4 : 200;
            }
        }
        if (t < m_seconds)
            return;
        QJsonObject out{{"mode", "hostile"},
                        {"seconds", m_seconds},
                        {"server_rss_start_kib", double(m_startRss)},
                        {"server_rss_peak_kib", double(m_peakRss)},
                        {"server_rss_peak_above_start_kib", double(m_peakRss - m_startRss)}};
        for (const Hostile &h : m_hostile) {
            out[h.kind + "_frames"] = double(h.frames);
            out[h.kind + "_dropped_after_s"] = h.droppedAfterS;
        }
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        QCoreApplication::exit(0);
    }

    QString m_waitFile;
    bool m_toldSignedIn = false;
    QUrl m_url;
    int m_seconds;
    qint64 m_pid;
    std::vector<Hostile> m_hostile;
    QElapsedTimer m_clock;
    qint64 m_startRss = 0;
    qint64 m_peakRss = 0;
};

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.addHelpOption();
    p.addOption({"server", "Server URL.", "URL"});
    p.addOption({"kinds", "Comma-separated: history,sends,pings,typing.", "K",
                 "history,sends,pings,typing"});
    p.addOption({"seconds", "How long to flood.", "S", "15"});
    p.addOption({"server-pid", "Server pid for its RSS.", "PID", "0"});
    p.addOption({"wait-file", "Sign in, then wait until this file exists before flooding.", "F"});
    p.process(app);
    Run run(QUrl(p.value("server")), p.value("kinds").split(','), p.value("seconds").toInt(),
            p.value("server-pid").toLongLong(), p.value("wait-file"));
    QTimer::singleShot(0, &run, [&run] { run.start(); });
    return app.exec();
}
