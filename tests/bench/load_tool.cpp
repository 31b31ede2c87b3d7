// tidings-load: a lean load generator on the Tidings protocol (the real codec, no client store).
// Opens sender/receiver device pairs, runs 1:1 traffic at a fixed rate or flat out, measures
// end-to-end latency (send → push at the receiver, both in this process) and, given the server's
// pid, the server's CPU per message and RSS per idle connection. See docs/PERFORMANCE.md.
#include "drain_load.h"
#include "group_load.h"
#include "handshake_load.h"
#include "load_common.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <unistd.h>
#include <vector>

using namespace tidings;
using namespace tidings::bench;

namespace {

struct Options {
    QUrl url;
    int pairs = 50;
    double rate = 0; // messages per second in total; 0 = flat out
    int window = 64; // flat out: messages in flight per sender
    int seconds = 10;
    int idle = 0;
    int idleHoldSeconds = 0;
    qint64 serverPid = 0;
    int payloadBytes = 100;
    QString prefix;
};

class Load : public QObject {
public:
    explicit Load(Options o)
        : m_o(std::move(o)) {}

    void start() {
        if (m_o.idle > 0)
            return startIdle();
        for (int i = 0; i < m_o.pairs * 2; ++i)
            setupDevice(i);
    }

private:
    void fail(const QString &msg) {
        std::fprintf(stderr, "tidings-load: %s\n", qPrintable(msg));
        QCoreApplication::exit(1);
    }

    void setupDevice(int i) {
        auto *d = new Device(m_o.url);
        d->setParent(this);
        m_devices.push_back(d);
        const QString name = QStringLiteral("%1u%2").arg(m_o.prefix).arg(i);
        d->onConnected = [this, d, name] { registerDevice(d, name, 0); };
        d->onPush = [this, d](const F &f) { onPush(d, f); };
    }

    //! Registers `d` as `name`. A server busy hashing (a shared machine, other tests beside this
    //! one) answers RATE_LIMITED with a retry time: wait it out, a few times, like a client.
    void registerDevice(Device *d, const QString &name, int attempt) {
        F f;
        f.mutable_register_request()->set_username(name.toStdString());
        f.mutable_register_request()->set_password("load-test-password");
        d->request(f, [this, d, name, attempt](const F &r) {
            if (!r.has_login_response()) {
                if (r.error().code() == tidings::wire::ERROR_RATE_LIMITED && attempt < 10) {
                    const int wait = int(std::max<quint32>(r.error().retry_after_ms(), 100));
                    QTimer::singleShot(wait, this, [this, d, name, attempt] {
                        registerDevice(d, name, attempt + 1);
                    });
                    return;
                }
                return fail(QStringLiteral("register failed: %1")
                                .arg(QString::fromStdString(r.error().detail())));
            }
            d->token = QByteArray::fromStdString(r.login_response().device_token());
            if (++m_registered == int(m_devices.size()))
                openConversations();
        });
    }

    void openConversations() {
        for (int p = 0; p < m_o.pairs; ++p) {
            Device *sender = m_devices[2 * p];
            F f;
            f.mutable_open_direct_request()->set_username(
                QStringLiteral("%1u%2").arg(m_o.prefix).arg(2 * p + 1).toStdString());
            sender->request(f, [this, sender](const F &r) {
                if (!r.has_conversation_info())
                    return fail(QStringLiteral("open direct failed"));
                sender->conv = r.conversation_info().conversation_id();
                if (++m_opened == m_o.pairs)
                    QTimer::singleShot(500, this, [this] { run(); });
            });
        }
    }

    void run() {
        std::fprintf(
            stderr, "tidings-load: %d pairs ready, running %d s %s\n", m_o.pairs, m_o.seconds,
            m_o.rate > 0 ? qPrintable(QStringLiteral("at %1 msg/s").arg(m_o.rate)) : "flat out");
        m_before = readProc(m_o.serverPid);
        m_startNs = nowNs();
        m_running = true;
        if (m_o.rate > 0) {
            auto *tick = new QTimer(this);
            tick->setTimerType(Qt::PreciseTimer);
            connect(tick, &QTimer::timeout, this, [this] { paceTick(); });
            tick->start(1);
        } else {
            for (int p = 0; p < m_o.pairs; ++p)
                for (int w = 0; w < m_o.window; ++w)
                    sendOne(m_devices[2 * p]);
        }
        QTimer::singleShot(m_o.seconds * 1000, this, [this] { finish(); });
    }

    void paceTick() {
        if (!m_running)
            return;
        const double elapsed = double(nowNs() - m_startNs) / 1e9;
        const quint64 due = quint64(elapsed * m_o.rate);
        while (m_sent < due)
            sendOne(m_devices[2 * (m_sent % quint64(m_o.pairs))]);
    }

    void sendOne(Device *sender) {
        if (!m_running)
            return;
        ++m_sent;
        F f;
        auto *s = f.mutable_send_request();
        s->set_conversation_id(sender->conv);
        s->set_client_message_id(std::to_string(++sender->sent));
        std::string payload(size_t(std::max(16, m_o.payloadBytes)), 'x');
        const qint64 t = nowNs();
        std::memcpy(payload.data(), &t, sizeof t);
        s->set_payload(payload);
        sender->request(f, [this, sender, t](const F &r) {
            if (!r.has_send_ack()) {
                ++m_errors;
                return;
            }
            ++m_acked;
            m_ackLatenciesUs.push_back(double(nowNs() - t) / 1000.0);
            if (m_o.rate <= 0)
                sendOne(sender); // keep the window full
        });
    }

    void onPush(Device *d, const F &f) {
        if (!f.has_message_push())
            return;
        const qint64 t = nowNs();
        quint64 conv = 0, last = 0;
        for (const auto &m : f.message_push().messages()) {
            qint64 sentAt = 0;
            if (m.payload().size() >= sizeof sentAt)
                std::memcpy(&sentAt, m.payload().data(), sizeof sentAt);
            if (m_running && sentAt >= m_startNs) {
                m_latenciesUs.push_back(double(t - sentAt) / 1000.0);
                ++m_delivered;
            }
            conv = m.conversation_id();
            last = std::max<quint64>(last, m.seq());
        }
        if (conv) {
            F ack;
            ack.mutable_delivery_ack()->set_conversation_id(conv);
            ack.mutable_delivery_ack()->set_seq(last);
            d->post(ack);
        }
    }

    void finish() {
        m_running = false;
        const double secs = double(nowNs() - m_startNs) / 1e9;
        const ProcStats after = readProc(m_o.serverPid);
        std::sort(m_latenciesUs.begin(), m_latenciesUs.end());
        std::sort(m_ackLatenciesUs.begin(), m_ackLatenciesUs.end());
        auto pctOf = percentileMs;
        auto pct = [&](double p) { return pctOf(m_latenciesUs, p); };
        QJsonObject out{{"mode", m_o.rate > 0 ? "fixed-rate" : "flat-out"},
                        {"pairs", m_o.pairs},
                        {"seconds", secs},
                        {"sent", double(m_sent)},
                        {"stored_acks", double(m_acked)},
                        {"delivered", double(m_delivered)},
                        {"errors", double(m_errors)},
                        {"delivered_per_s", double(m_delivered) / secs},
                        {"stored_per_s", double(m_acked) / secs},
                        {"latency_p50_ms", pct(0.50)},
                        {"latency_p99_ms", pct(0.99)},
                        {"latency_max_ms", pct(1.0)},
                        {"stored_ack_p50_ms", pctOf(m_ackLatenciesUs, 0.5)},
                        {"stored_ack_p99_ms", pctOf(m_ackLatenciesUs, 0.99)}};
        if (m_o.rate > 0)
            out["target_rate"] = m_o.rate;
        if (m_o.serverPid > 0 && m_delivered > 0) {
            const double cpu = after.cpuSeconds - m_before.cpuSeconds;
            out["server_cpu_s"] = cpu;
            out["server_cpu_us_per_msg"] = cpu * 1e6 / double(m_delivered);
            out["server_rss_kib"] = double(after.rssKiB);
        }
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        QCoreApplication::exit(0);
    }

    void startIdle() {
        // Every idle connection is a user and device of its own, registered on it (a device has
        // one live connection: a second one with the same token replaces the first). The server
        // runs with --cheap-password-hashing for this; the first registration is a warm-up.
        auto *first = new Device(m_o.url);
        first->setParent(this);
        first->onConnected = [this, first] {
            F f;
            f.mutable_register_request()->set_username(
                QStringLiteral("%1idle").arg(m_o.prefix).toStdString());
            f.mutable_register_request()->set_password("load-test-password");
            first->request(f, [this](const F &r) {
                if (!r.has_login_response())
                    return fail(QStringLiteral("register failed"));
                QTimer::singleShot(300, this, [this] {
                    m_before = readProc(m_o.serverPid);
                    startIdlePings();
                    openIdle(0);
                });
            });
        };
    }

    void openIdle(int from) {
        // In batches, so the server's accept queue never overflows.
        const int batch = 200;
        const int to = std::min(m_o.idle, from + batch);
        auto remaining = std::make_shared<int>(to - from);
        for (int i = from; i < to; ++i) {
            auto *d = new Device(m_o.url);
            d->setParent(this);
            d->onConnected = [this, d, remaining, to, i] {
                registerIdle(d, QStringLiteral("%1idle%2").arg(m_o.prefix).arg(i), 0,
                             [this, remaining, to] {
                                 if (--*remaining == 0) {
                                     if (to < m_o.idle)
                                         openIdle(to);
                                     else
                                         QTimer::singleShot(2000, this, [this] { finishIdle(); });
                                 }
                             });
            };
        }
    }

    //! An idle client still sends a Ping every 30 s (app/core/net/connection.cpp); the server
    //! drops a connection silent for 60 s, and opening 10,000 takes longer than that. Every
    //! registered idle device pings once every ~25 s, a few on each 100 ms tick.
    void startIdlePings() {
        auto *tick = new QTimer(this);
        connect(tick, &QTimer::timeout, this, [this] {
            const size_t n = m_idleDevices.size();
            const size_t perTick = std::max<size_t>(1, n / 250 + 1);
            for (size_t k = 0; k < perTick && n > 0; ++k) {
                F f;
                f.mutable_ping()->set_client_time_ms(QDateTime::currentMSecsSinceEpoch());
                m_idleDevices[m_nextPing++ % n]->request(f, [](const F &) {});
            }
        });
        tick->start(100);
    }

    //! Registers `d` as `name`, then `done`. The server's hashing queue answers RATE_LIMITED
    //! past 64 waiting hashes (a batch is 200): wait the time it says and try again, within the
    //! 10 s a connection has to authenticate; an idle connection that never registered would be
    //! closed and not count.
    void registerIdle(Device *d, const QString &name, int attempt, std::function<void()> done) {
        F f;
        f.mutable_register_request()->set_username(name.toStdString());
        f.mutable_register_request()->set_password("load-test-password");
        d->request(f, [this, d, name, attempt, done](const F &r) {
            if (!r.has_login_response() && r.error().code() == tidings::wire::ERROR_RATE_LIMITED &&
                attempt < 20) {
                ++m_retries;
                const int wait = int(std::clamp<quint32>(r.error().retry_after_ms(), 50, 500));
                QTimer::singleShot(wait, this, [this, d, name, attempt, done] {
                    registerIdle(d, name, attempt + 1, done);
                });
                return;
            }
            if (!r.has_login_response())
                ++m_errors;
            else
                m_idleDevices.push_back(d);
            done();
        });
    }

    void finishIdle() {
        const ProcStats after = readProc(m_o.serverPid);
        const double perConn = double(after.rssKiB - m_before.rssKiB) * 1024.0 / m_o.idle;
        QJsonObject out{{"mode", "idle"},
                        {"connections", m_o.idle},
                        {"errors", double(m_errors)},
                        {"rate_limited_retries", double(m_retries)},
                        {"server_rss_before_kib", double(m_before.rssKiB)},
                        {"server_rss_after_kib", double(after.rssKiB)},
                        {"bytes_per_idle_connection", perConn}};
        // Every connection still open at the server (plus its listeners and database sockets)?
        if (m_o.serverPid > 0)
            out["server_sockets"] = openSockets(m_o.serverPid);
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        // --idle-hold: the connections stay open a while for a look at the server (smaps, a
        // heap profiler).
        QTimer::singleShot(m_o.idleHoldSeconds * 1000, this, [] { QCoreApplication::exit(0); });
    }

    Options m_o;
    std::vector<Device *> m_devices;
    int m_registered = 0;
    int m_opened = 0;
    bool m_running = false;
    qint64 m_startNs = 0;
    quint64 m_sent = 0, m_acked = 0, m_delivered = 0, m_errors = 0;
    quint64 m_retries = 0; //!< idle: registrations answered RATE_LIMITED and tried again
    std::vector<Device *> m_idleDevices; //!< idle: registered, pinged in turn
    size_t m_nextPing = 0;
    std::vector<double> m_latenciesUs;
    std::vector<double> m_ackLatenciesUs; //!< send → "stored" ack
    ProcStats m_before;
};

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    nowNs();
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Tidings load generator"));
    p.addHelpOption();
    p.addOption({"server", "Server URL.", "URL"});
    p.addOption({"pairs", "Sender/receiver device pairs.", "N", "50"});
    p.addOption({"rate", "Total messages per second (0 = flat out).", "R", "0"});
    p.addOption({"window", "Flat out: messages in flight per sender.", "N", "64"});
    p.addOption({"seconds", "Duration of the run.", "S", "10"});
    p.addOption(
        {"idle", "Instead: open N idle authenticated connections and report RSS.", "N", "0"});
    p.addOption({"idle-hold", "Idle mode: keep the connections open S seconds after the report.",
                 "S", "0"});
    p.addOption(
        {"group", "Instead: a group of N members, all connected (see --group-sends).", "N", "0"});
    p.addOption(
        {"group-sends", "Group mode: latency sends (then as many seconds flat out).", "N", "100"});
    p.addOption({"drain",
                 "Instead: N messages wait for an offline device; time connect -> last one.", "N",
                 "0"});
    p.addOption({"drain-rounds", "Drain mode: how many times.", "N", "5"});
    p.addOption({"handshakes",
                 "Instead: open and close N connections (TCP, TLS for wss://, WebSocket "
                 "upgrade); report connections/s, connect p50/p99 and CPU per connection.",
                 "N", "0"});
    p.addOption(
        {"handshake-concurrency", "Handshake mode: connections opening at once.", "N", "1"});
    p.addOption({"tls-fingerprint",
                 "wss://: accept the server's certificate only if its SHA-256 is this one "
                 "(tidingsd prints it after the listening line), e.g. for --tls-self-signed.",
                 "AB:CD:..."});
    p.addOption({"server-pid", "Server pid for CPU and RSS figures.", "PID", "0"});
    p.addOption({"payload", "Payload bytes per message.", "B", "100"});
    p.addOption({"prefix", "Username prefix (unique per run on one database).", "P", "load"});
    p.process(app);
    Options o;
    o.url = QUrl(p.value("server"));
    o.pairs = std::max(1, p.value("pairs").toInt());
    o.rate = p.value("rate").toDouble();
    o.window = std::max(1, p.value("window").toInt());
    o.seconds = std::max(1, p.value("seconds").toInt());
    o.idle = p.value("idle").toInt();
    o.idleHoldSeconds = std::max(0, p.value("idle-hold").toInt());
    o.serverPid = p.value("server-pid").toLongLong();
    o.payloadBytes = p.value("payload").toInt();
    o.prefix = p.value("prefix");
    if (!o.url.isValid() ||
        (o.url.scheme() != QLatin1String("ws") && o.url.scheme() != QLatin1String("wss"))) {
        std::fprintf(stderr, "tidings-load: --server ws://HOST:PORT or wss://HOST:PORT is "
                             "required\n");
        return 2;
    }
    pinCertificate(p.value("tls-fingerprint"));
    if (const int count = p.value("handshakes").toInt(); count > 0) {
        HandshakeLoad hs(HandshakeLoad::Options{
            o.url, count, std::max(1, p.value("handshake-concurrency").toInt()),
            std::min(50, count), o.serverPid});
        QTimer::singleShot(0, &hs, [&] { hs.start(); });
        return app.exec();
    }
    if (const int members = p.value("group").toInt(); members > 1) {
        GroupLoad group(GroupLoad::Options{o.url, members, p.value("group-sends").toInt(),
                                           o.seconds, o.serverPid, o.prefix});
        QTimer::singleShot(0, &group, [&] { group.start(); });
        return app.exec();
    }
    if (const int messages = p.value("drain").toInt(); messages > 0) {
        DrainLoad drain(DrainLoad::Options{o.url, messages,
                                           std::max(1, p.value("drain-rounds").toInt()), o.prefix});
        QTimer::singleShot(0, &drain, [&] { drain.start(); });
        return app.exec();
    }
    Load load(o);
    QTimer::singleShot(0, &load, [&] { load.start(); });
    return app.exec();
}
