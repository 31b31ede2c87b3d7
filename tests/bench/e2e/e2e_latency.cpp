// End-to-end latency added by end-to-end encryption: the real client core (SQLite store, outbox,
// sync engine, E2E engine) and the real server, in one process against a throwaway PostgreSQL,
// exactly as tests/e2e does. Each message is timed from Messaging::sendText() on the sender to
// Messaging::messagesReceived on the receiver, at a fixed open-loop send rate. Scenarios: 1:1
// without encryption (payloads travel as plain Content), 1:1 encrypted, and a 3-member encrypted
// group (sender -> one receiver). One JSON line per scenario on stdout; docs/PERFORMANCE.md has the
// command and the figures.
#include "core/client.h"
#include "core/secrets/secret_store.h"
#include "core/store/storage.h"
#include "crypto/secret_bytes.h"
#include "support/event_wait.h"
#include "support/pg_fixture.h"
#include "support/server_harness.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <QThread>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>

using namespace tidings;

namespace {

QElapsedTimer g_clock; // one monotonic clock for senders and receivers (same process)

//! One client device: its own SQLite store, sealed with its own master key (as every store is);
//! `encrypted` turns end-to-end encryption on.
struct Device {
    QString path;
    crypto::SecretBytes masterKey = crypto::SecretBytes::random(32);
    std::unique_ptr<client::Storage> store;
    client::MemorySecretStore secrets;
    std::unique_ptr<client::Client> client;
    std::atomic<bool> ready = false; // set on the device's thread, read by the bench's
    //! Called once, on the device's thread, when it is ready for end-to-end encryption.
    std::function<void()> onReady;
    //! Called with every received text and the time it arrived (ns on g_clock).
    std::function<void(const QString &, qint64)> onText;

    bool open(const QString &file, bool encrypted) {
        path = file;
        auto s = client::Storage::open(path, masterKey);
        if (!s) {
            qWarning() << "store:" << s.error().toString();
            return false;
        }
        store = std::move(*s);
        client = std::make_unique<client::Client>(store.get(), &secrets, client::Client::Options{});
        if (encrypted && !client->enableEncryption())
            return false;
        QObject::connect(&client->messaging(), &client::Messaging::messagesReceived, client.get(),
                         [this](quint64, const QList<client::MessageRecord> &msgs) {
                             const qint64 now = g_clock.nsecsElapsed();
                             for (const auto &m : msgs)
                                 if (onText && !m.outgoing)
                                     onText(m.text, now);
                         });
        QObject::connect(&client->devices(), &client::Devices::encryptionReady, client.get(),
                         [this] {
                             if (!ready.exchange(true) && onReady)
                                 onReady();
                         });
        if (!encrypted)
            ready = true;
        return true;
    }

    bool registerAs(const QUrl &url, const QString &name) {
        bool done = false, ok = false;
        client->account().registerAccount(url, name, QStringLiteral("password1"),
                                          QStringLiteral("bench"),
                                          [&](Result<client::AccountSettings> r) {
                                              done = true;
                                              ok = r.ok();
                                              if (!r)
                                                  qWarning() << "register:" << r.error().toString();
                                          });
        return test::waitForEvents([&] { return done; }, 30000) && ok;
    }
};

//! PERF_CTL=FIFO: profiles the first message only, with
//! `perf record -D -1 --control=fifo:FIFO ...` (the bench writes enable/disable into the FIFO).
void perfControl(const char *command) {
    const QByteArray fifo = qgetenv("PERF_CTL");
    if (fifo.isEmpty())
        return;
    if (FILE *f = std::fopen(fifo.constData(), "w")) {
        std::fputs(command, f);
        std::fclose(f);
    }
}

struct Stats {
    double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

double percentile(const std::vector<double> &sorted, double p) {
    if (sorted.empty())
        return -1;
    const size_t i = std::min(sorted.size() - 1, size_t(p / 100.0 * double(sorted.size())));
    return sorted[i];
}

//! The members of a big group other than the sender and the measured receiver: real client
//! cores (their own stores, keys and sockets), on a thread of their own. On the bench's thread
//! their work (498 members each running X3DH and storing every message) would sit in the event
//! loop between the server and the measured receiver, which no real member's machine does; here
//! it competes for the CPU only, as other programs on a user's machine do.
class MemberThread {
public:
    ~MemberThread() { stop(); }

    //! Registers `names` at `url` on the thread (stores under `dir`); returns at once.
    void start(const QUrl &url, const QString &dir, const QStringList &names) {
        m_thread.start();
        m_context.moveToThread(&m_thread);
        QMetaObject::invokeMethod(&m_context, [=, this] {
            for (const QString &name : names) {
                auto d = std::make_unique<Device>();
                d->onReady = [this] { ++m_ready; };
                if (!d->open(QStringLiteral("%1/%2.sqlite").arg(dir, name), true) ||
                    !d->registerAs(url, name)) {
                    m_failed = true;
                    return;
                }
                m_devices.push_back(std::move(d));
            }
        });
    }
    bool failed() const { return m_failed; }
    //! Every member registered and ready for end-to-end encryption.
    bool ready(int count) const { return !m_failed && m_ready.load() == count; }
    void stop() {
        if (!m_thread.isRunning())
            return;
        QMetaObject::invokeMethod(
            &m_context,
            [this] {
                for (auto &d : m_devices)
                    d->client->stop();
                m_devices.clear();
            },
            Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }

private:
    QThread m_thread;
    QObject m_context;
    std::vector<std::unique_ptr<Device>> m_devices; // used on m_thread only
    std::atomic<bool> m_failed = false;
    std::atomic<int> m_ready = 0;
};

class Bench {
public:
    Bench(int count, int rate)
        : m_count(count)
        , m_rate(rate) {}

    bool start() {
        if (!m_dir.isValid())
            return false;
        const QString err = m_pg.start();
        if (!err.isEmpty()) {
            qWarning() << "postgres:" << err;
            return false;
        }
        server::ServerConfig config;
        config.cheapPasswordHashing = true;
        m_server = std::make_unique<test::ServerHarness>(m_pg, config);
        QString serr;
        if (!m_server->start(&serr)) {
            qWarning() << "server:" << serr;
            return false;
        }
        return true;
    }

    std::unique_ptr<Device> device(const QString &name, bool encrypted) {
        auto d = std::make_unique<Device>();
        if (!d->open(m_dir.filePath(QStringLiteral("%1.sqlite").arg(name)), encrypted) ||
            !d->registerAs(m_server->url(), name))
            return nullptr;
        return d;
    }

    //! Where a group's other members run (see MemberThread).
    enum class Members { Thread, Inline, Offline };

    //! Runs one scenario; returns the JSON object (or an "error" object).
    QJsonObject run(const QString &scenario, bool encrypted, int members,
                    Members where = Members::Thread) {
        QJsonObject out{{"scenario", scenario}, {"rate", m_rate}, {"count", m_count}};
        const QString tag = QStringLiteral("s%1").arg(++m_scenarios);
        const auto name = [&](int i) { return QStringLiteral("%1u%2").arg(tag).arg(i); };
        // 0 is the sender, 1 the measured receiver; the others are on `others` (own thread) or
        // here with them (inline, offline).
        std::vector<std::unique_ptr<Device>> devs;
        MemberThread others;
        QStringList otherNames;
        for (int i = 2; i < members; ++i)
            otherNames << name(i);
        const bool threaded = where == Members::Thread && !otherNames.isEmpty();
        if (threaded)
            others.start(m_server->url(), m_dir.path(), otherNames);
        for (int i = 0; i < (threaded ? 2 : members); ++i) {
            devs.push_back(device(name(i), encrypted));
            if (!devs.back())
                return error(out, "device setup failed");
        }
        if (!test::waitForEvents(
                [&] {
                    return std::all_of(devs.begin(), devs.end(),
                                       [](auto &d) { return d->ready.load(); }) &&
                           (!threaded || others.ready(int(otherNames.size())));
                },
                60000 + 200 * members))
            return error(out,
                         others.failed() ? "member setup failed" : "encryptionReady not reached");
        Device &sender = *devs[0];
        Device &receiver = *devs[1];
        QStringList names = otherNames;
        names.prepend(name(1));
        const quint64 conv =
            members == 2 ? openDirect(sender, receiver) : createGroup(sender, names);
        if (conv == 0)
            return error(out, "conversation setup failed");
        if (where == Members::Offline) {
            // Real keys and real inbox rows, but nobody to push to but the measured receiver.
            for (size_t i = 2; i < devs.size(); ++i)
                devs[i]->client->stop();
        }

        // Sequence number i: sent[i] / received[i] in ns on g_clock; -1 until it happens.
        // Index 0 is the first message, sent alone (session setup / sender key distribution);
        // 1..count are the fixed-rate stream.
        std::vector<qint64> sent(size_t(m_count) + 1, -1), received(size_t(m_count) + 1, -1);
        std::vector<qint64> stored(size_t(m_count) + 1, -1);
        QHash<QString, size_t> idOf;
        int arrived = 0;
        const QRegularExpression re(QStringLiteral("^%1 #(\\d+) ").arg(tag));
        receiver.onText = [&](const QString &text, qint64 now) {
            const auto m = re.match(text);
            if (!m.hasMatch())
                return;
            const size_t i = m.captured(1).toULongLong();
            if (i < received.size() && received[i] < 0) {
                received[i] = now;
                ++arrived;
            }
        };
        auto send = [&](size_t i) {
            // ~60 bytes of text, like a short chat line; the number makes each one unique.
            const QString text =
                QStringLiteral("%1 #%2 the quick brown fox jumps over the lazy dog")
                    .arg(tag)
                    .arg(i);
            sent[i] = g_clock.nsecsElapsed();
            if (auto r = sender.client->messaging().sendText(conv, text); !r)
                qWarning() << "sendText:" << r.error().toString();
            else
                idOf.insert(*r, i);
        };
        // The server's ack at the sender (messageStored): splits the latency into the sender's
        // half (outbox, encryption, the server's commit) and the rest (push, decrypt, store).
        // (A context object: the connection ends with this scope, early returns included.)
        QObject scope;
        QObject::connect(&sender.client->messaging(), &client::Messaging::messageStored, &scope,
                         [&](const QString &clientMessageId, quint64, quint64, bool) {
                             if (auto it = idOf.constFind(clientMessageId); it != idOf.cend())
                                 stored[*it] = g_clock.nsecsElapsed();
                         });

        perfControl("enable\n");
        send(0);
        if (!test::waitForEvents([&] { return received[0] >= 0; }, 30000))
            return error(out, "first message not received");
        perfControl("disable\n");
        const double first = double(received[0] - sent[0]) / 1e6;

        // Open loop: every tick sends whatever is due by now, so a slow event loop does not
        // lower the offered rate (the lag is reported as send_lag_max_ms).
        const qint64 start = g_clock.nsecsElapsed();
        const qint64 intervalNs = 1'000'000'000LL / m_rate;
        size_t next = 1;
        double lagMax = 0;
        QTimer tick;
        tick.setTimerType(Qt::PreciseTimer);
        QObject::connect(&tick, &QTimer::timeout, [&] {
            const qint64 now = g_clock.nsecsElapsed();
            while (next <= size_t(m_count) && start + qint64(next - 1) * intervalNs <= now) {
                lagMax =
                    std::max(lagMax, double(now - (start + qint64(next - 1) * intervalNs)) / 1e6);
                send(next++);
            }
            if (next > size_t(m_count))
                tick.stop();
        });
        tick.start(std::max(1, 1000 / m_rate / 2));
        const int budgetMs = 60000 + int(qint64(m_count) * 1000 / m_rate) * 3;
        (void)test::waitForEvents([&] { return arrived == m_count + 1; }, budgetMs);
        tick.stop();
        const double sendSeconds = double(sent[size_t(m_count)] - start) / 1e9;
        receiver.onText = nullptr;
        std::vector<double> ack;
        for (size_t i = 1; i <= size_t(m_count); ++i)
            if (sent[i] >= 0 && stored[i] >= 0)
                ack.push_back(double(stored[i] - sent[i]) / 1e6);
        std::sort(ack.begin(), ack.end());

        std::vector<double> lat;
        lat.reserve(size_t(m_count));
        for (size_t i = 1; i <= size_t(m_count); ++i)
            if (sent[i] >= 0 && received[i] >= 0)
                lat.push_back(double(received[i] - sent[i]) / 1e6);
        std::sort(lat.begin(), lat.end());
        auto r2 = [](double v) { return std::round(v * 100) / 100; };
        out["p50_ms"] = r2(percentile(lat, 50));
        out["p90_ms"] = r2(percentile(lat, 90));
        out["p99_ms"] = r2(percentile(lat, 99));
        out["max_ms"] = r2(lat.empty() ? -1 : lat.back());
        out["first_message_ms"] = r2(first);
        out["lost"] = m_count - int(lat.size());
        out["send_lag_max_ms"] = r2(lagMax);
        out["stored_p50_ms"] = r2(percentile(ack, 50));
        out["stored_p99_ms"] = r2(percentile(ack, 99));
        out["achieved_rate"] = r2(sendSeconds > 0 ? double(m_count - 1) / sendSeconds : 0);
        if (members > 2) {
            out["members"] = members;
            out["members_at"] = where == Members::Thread   ? "thread"
                                : where == Members::Inline ? "inline"
                                                           : "offline";
        }
        for (auto &d : devs)
            d->client->stop();
        others.stop();
        QTest::qWait(50);
        return out;
    }

private:
    QJsonObject error(QJsonObject o, const char *what) {
        o["error"] = QString::fromLatin1(what);
        return o;
    }

    quint64 openDirect(Device &a, Device &b) {
        quint64 id = 0;
        bool done = false;
        a.client->messaging().openDirect(
            b.client->account().settings().username, [&](Result<client::ConversationRecord> r) {
                done = true;
                if (r)
                    id = r->id;
                else
                    qWarning() << "openDirect:" << r.error().toString();
            });
        (void)test::waitForEvents([&] { return done; }, 20000);
        return id;
    }

    quint64 createGroup(Device &creator, const QStringList &names) {
        quint64 id = 0;
        bool done = false;
        creator.client->groups().create(
            QStringLiteral("bench"), names, [&](Result<client::ConversationInfo> r) {
                done = true;
                if (r)
                    id = r->id;
                else
                    qWarning() << "createGroup:" << r.error().toString();
            });
        (void)test::waitForEvents([&] { return done; }, 60000);
        return id;
    }

    int m_count;
    int m_rate;
    int m_scenarios = 0;
    QTemporaryDir m_dir;
    test::PgFixture m_pg;
    std::unique_ptr<test::ServerHarness> m_server;
};

void print(const QJsonObject &o) {
    std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.setApplicationDescription(
        "Latency added by end-to-end encryption: sendText() to messagesReceived, real client core "
        "and server in one process.");
    p.addHelpOption();
    p.addOption({"count", "Messages per scenario (default 2000).", "n", "2000"});
    p.addOption({"rate", "Messages per second, open loop (default 200).", "r", "200"});
    p.addOption({"group", "Members of the encrypted group (default 3; 0 skips it).", "n", "3"});
    p.addOption({"only", "Run one scenario: plain, e2e or group.", "name"});
    p.addOption({"members",
                 "Where a group's members other than sender and receiver run: thread (default: "
                 "connected, on a thread of their own), inline (on the bench's thread, between "
                 "the server and the receiver) or offline (registered, then disconnected).",
                 "where", "thread"});
    p.process(app);
    const int count = p.value("count").toInt();
    const int rate = p.value("rate").toInt();
    const int group = p.value("group").toInt();
    const QString only = p.value("only");
    const QString membersAt = p.value("members");
    const auto where = membersAt == u"inline"    ? Bench::Members::Inline
                       : membersAt == u"offline" ? Bench::Members::Offline
                                                 : Bench::Members::Thread;
    if (membersAt != u"thread" && membersAt != u"inline" && membersAt != u"offline") {
        std::fprintf(stderr, "--members is thread, inline or offline\n");
        return 2;
    }
    if (count < 1 || rate < 1 || rate > 1000 || (group != 0 && group < 3)) {
        std::fprintf(stderr, "need --count >= 1, 1 <= --rate <= 1000, --group 0 or >= 3\n");
        return 2;
    }
    g_clock.start();
    Bench bench(count, rate);
    if (!bench.start())
        return 1;

    std::optional<QJsonObject> plain, e2e;
    if (only.isEmpty() || only == u"plain")
        print(*(plain = bench.run("1:1 plain", false, 2)));
    if (only.isEmpty() || only == u"e2e")
        print(*(e2e = bench.run("1:1 e2e", true, 2)));
    if ((only.isEmpty() && group > 0) || only == u"group")
        print(bench.run("group e2e", true, std::max(3, group), where));
    if (plain && e2e && !plain->contains("error") && !e2e->contains("error")) {
        auto diff = [&](const char *k) {
            return std::round(((*e2e)[k].toDouble() - (*plain)[k].toDouble()) * 100) / 100;
        };
        print(QJsonObject{{"scenario", "added by e2e (1:1 e2e minus 1:1 plain)"},
                          {"rate", rate},
                          {"count", count},
                          {"p50_ms", diff("p50_ms")},
                          {"p99_ms", diff("p99_ms")},
                          {"first_message_ms", diff("first_message_ms")}});
    }
    return 0;
}
