// Hostile connections against the real server (issue 11, "under abuse, everyone else stays real
// time"): each case the issue measured becomes a test here, and each checks the effect on the
// others, not only that the hostile one was stopped.
// - a flood of history requests does not hold up another pair's messages (one database
//   connection, so without per-connection admission the pair's send queues behind all of them);
// - connections that never finish their request head are closed at the deadline;
// - a socket that sends WebSocket pings and never reads is dropped (its pongs are bounded);
// - protocol pings from a socket that never reads: paused, then dropped.
#include "../unit/server/support/slow_reader.h"
#include "common/sanitizers.h"
#include "support/integration_fixture.h"

#include "admin/admin_service.h"
#include "server.h"
#include "services/media/media_service.h"

#include <QFile>
#include <QHostAddress>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace tidings;
using namespace tidings::test;
using F = protocol::Frame;

namespace {
// Under ASan every history answer costs several times its normal CPU and the suite runs two tests
// at a time, so the other pair's round trips beside the flood move with the machine's load far
// more than alone. The failure this guards against was seconds (every statement of the flood
// queued ahead of the pair's first send), so a wider cushion there still tells it apart.
constexpr qint64 kCushionMs = tidings::test::kUnderAsan ? 750 : 250;
} // namespace

class TestAbuse : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;

    QString name(const char *base) { return m_fx.uniqueName(QLatin1String(base)); }
    //! A raw socket signed in as a new user's device, reading nothing from now on.
    bool signInSlow(server::test::SlowReader &slow) {
        auto owner = m_fx.newUser(QStringLiteral("slow"));
        if (!owner)
            return false;
        const QByteArray token = owner->token;
        owner->close();
        if (!slow.open(m_fx.url().port()))
            return false;
        F auth;
        auth.mutable_auth_request()->set_device_token(token.toStdString());
        slow.send(auth, 1);
        QByteArray in;
        // The answer and the inbox drain's end arrive; from here on it reads nothing.
        return waitFor([&] {
            in += slow.socket.readAll();
            return in.size() > 20;
        });
    }

    //! Writes `burst` again and again (at most 1 MiB waiting here) until the server closes the
    //! connection, or 60 s pass: a loaded machine reads slower, it does not stop the flood.
    static void floodUntilDropped(server::test::SlowReader &slow, const QByteArray &burst) {
        QElapsedTimer t;
        t.start();
        const auto open = [&] { return slow.socket.state() == QAbstractSocket::ConnectedState; };
        while (open() && t.elapsed() < 60000) {
            if (slow.socket.bytesToWrite() < 1 << 20)
                slow.socket.write(burst);
            (void)waitFor([&] { return slow.socket.bytesToWrite() < 1 << 20 || !open(); }, 1000);
        }
    }

private slots:
    void initTestCase() {
        server::ServerConfig config;
        // One database connection: every statement of every user queues on it, so a client that
        // could put thousands there would stall everybody.
        config.poolSize = 1;
        config.authTimeoutMs = 1500;
        config.heartbeatCheckMs = 100;
        config.sendPauseBytes = 256 * 1024;
        config.sendDropBytes = 1024 * 1024;
        const QString err = m_fx.start(config);
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void aHistoryFloodDoesNotHoldUpAnotherPairsMessages() {
        auto hostile = m_fx.newUser(QStringLiteral("hostile"));
        auto accomplice = m_fx.newUser(QStringLiteral("accomplice"));
        auto alice = m_fx.newUser(QStringLiteral("alice"));
        auto bob = m_fx.newUser(QStringLiteral("bob"));
        QVERIFY(hostile && accomplice && alice && bob);
        const quint64 own = hostile->openDirect(accomplice->username);
        QVERIFY(own);
        // History worth reading: 50 messages.
        std::vector<F> sends;
        for (int i = 0; i < 50; ++i) {
            F f;
            f.mutable_send_request()->set_conversation_id(own);
            f.mutable_send_request()->set_client_message_id("h" + std::to_string(i));
            f.mutable_send_request()->set_payload(std::string(10, 'x'));
            sends.push_back(f);
        }
        for (const auto &r : hostile->pipeline(sends))
            QVERIFY(r.has_send_ack());
        const quint64 pair = alice->openDirect(bob->username);
        QVERIFY(pair);
        // Ten messages, each acked and pushed before the next.
        int sent = 0;
        auto talk = [&] {
            QElapsedTimer t;
            t.start();
            for (int i = 0; i < 10; ++i) {
                auto ack = alice->send(pair, QStringLiteral("p%1").arg(sent));
                if (!ack || !ack->has_send_ack() || !bob->waitMessages(++sent))
                    return qint64(-1);
            }
            return t.elapsed();
        };
        const qint64 alone = talk();
        QVERIFY(alone >= 0);

        // 5,000 history requests, all written at once (the 4,987 in 0.5 s).
        constexpr int kFlood = 5000;
        std::vector<quint64> ids;
        for (int i = 0; i < kFlood; ++i) {
            F f;
            f.mutable_history_request()->set_conversation_id(own);
            f.mutable_history_request()->set_limit(500);
            ids.push_back(hostile->sendRequest(f));
        }
        QVERIFY(hostile->ping()); // the server has read all of them
        const qint64 flooded = talk();
        QVERIFY(flooded >= 0);
        int answered = 0;
        for (quint64 id : ids)
            answered += hostile->hasResponse(id);
        qInfo("the pair's ten round trips: %lld ms alone, %lld ms beside the flood (%d of %d "
              "history answers in by then)",
              alone, flooded, answered, kFlood);
        // Without admission every one of the 5,000 statements was queued on the one database
        // connection ahead of Alice's first send (seconds); now at most four are.
        QVERIFY2(flooded <= 5 * alone + kCushionMs,
                 qPrintable(QStringLiteral("%1 ms, %2 ms alone").arg(flooded).arg(alone)));
        // The flood itself is served, in full and in order, to a client that reads it.
        QVERIFY(waitFor([&] { return hostile->hasResponse(ids.back()); }, 120000));
        for (quint64 id : ids) {
            auto r = hostile->takeResponse(id);
            QVERIFY(r && r->has_history_response());
            QCOMPARE(r->history_response().messages_size(), 50);
        }
    }

    void requestHeadsThatNeverEndAreClosedAtTheDeadline() {
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 100; ++i) {
            auto s = std::make_unique<QTcpSocket>();
            s->connectToHost(QHostAddress::LocalHost, quint16(m_fx.url().port()));
            sockets.push_back(std::move(s));
        }
        for (auto &s : sockets) {
            QVERIFY(waitFor([&] { return s->state() == QAbstractSocket::ConnectedState; }));
            // Half a WebSocket handshake, and then nothing.
            s->write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
        }
        QElapsedTimer clock;
        clock.start();
        QVERIFY(waitFor(
            [&] {
                return std::all_of(sockets.begin(), sockets.end(), [](const auto &s) {
                    return s->state() == QAbstractSocket::UnconnectedState;
                });
            },
            15000));
        // The deadline is 1.5 s (the sweep runs every 1.5 s / 8).
        QVERIFY2(clock.elapsed() < 8000, qPrintable(QString::number(clock.elapsed())));
        // The server still serves.
        auto c = m_fx.newUser(QStringLiteral("after"));
        QVERIFY(c && c->ping());
    }

    void webSocketConnectionsAreBoundedPerAddress() {
        server::ServerConfig config;
        config.maxSessionsPerIp = 3;
        QString error;
        auto h = m_fx.freshServer(config, &error);
        QVERIFY2(h, qPrintable(error));
        // Three connections from this address: signed in or not, each one counts.
        auto a = RawClient::registered(h->url(), QStringLiteral("capa"));
        auto b = RawClient::registered(h->url(), QStringLiteral("capb"));
        RawClient waiting(h->url());
        QVERIFY(a && b && waiting.connectNow());
        // A fourth hears why (a typed error with a retry time) and is closed.
        RawClient fourth(h->url());
        (void)fourth.connectNow(); // it may be closed before this side saw it open
        const auto refusal = fourth.waitPush(F::kError);
        QVERIFY(refusal);
        QCOMPARE(refusal->error().code(), wire::ERROR_RATE_LIMITED);
        QVERIFY(refusal->error().retry_after_ms() > 0);
        QVERIFY(fourth.waitDisconnected());
        // The others are served as before; one leaving makes room for a new one.
        QVERIFY(a->ping() && b->ping());
        waiting.close();
        QVERIFY(waitFor(
            [&] {
                auto c = RawClient::registered(h->url(), QStringLiteral("capc"));
                return c && c->ping();
            },
            10000));
    }

    void sighupReloadsLimitsWithoutDroppingConnections() {
        // tidingsd as a process on a config file: SIGHUP reads it again.
        QTemporaryDir tmp;
        const QString conf = tmp.filePath(QStringLiteral("tidingsd.conf"));
        const auto write = [&](const QByteArray &value) {
            QFile f(conf);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write("[server]\nconnections-per-address = " + value + "\n");
        };
        write("3");
        auto proc = m_fx.processServer(
            {QStringLiteral("--config"), conf, QStringLiteral("--cheap-password-hashing")});
        QVERIFY(proc);
        const QUrl url(proc->url());
        auto a = RawClient::registered(url, name("hupa"));
        auto b = RawClient::registered(url, name("hupb"));
        QVERIFY(a && b);
        // Whether a third connection from this address is turned away now.
        const auto thirdRefused = [&] {
            RawClient third(url);
            (void)third.connectNow(1500); // a refused one may close before it reads as open
            const auto push = third.waitPush(F::kError, 1500);
            return push && push->error().code() == wire::ERROR_RATE_LIMITED;
        };
        QVERIFY(!thirdRefused());
        const auto hup = [&] { QCOMPARE(::kill(pid_t(proc->serverPid()), SIGHUP), 0); };

        write("2");
        hup();
        QVERIFY(waitFor(thirdRefused, 15000));
        // The two open connections were not touched.
        QVERIFY(a->ping() && b->ping());

        // A file that does not check changes nothing, and the server keeps serving.
        write("lots");
        hup();
        QTest::qWait(500);
        QVERIFY(thirdRefused());
        QVERIFY(a->ping() && b->ping());

        write("3");
        hup();
        QVERIFY(waitFor([&] { return !thirdRefused(); }, 15000));
        QVERIFY(a->ping() && b->ping());
    }

    void aReloadAppliesWhatCanChangeAndNamesTheRest() {
        QString error;
        auto h = m_fx.freshServer({}, &error);
        QVERIFY2(h, qPrintable(error));
        server::ServerConfig fresh = h->config();
        fresh.mediaMaxBytes = 1000;
        fresh.registrationsPerHour = 7;
        fresh.registration = QStringLiteral("closed");
        fresh.host = QHostAddress(QStringLiteral("127.0.0.2"));
        const QStringList changes = h->server()->reloadConfig(fresh);
        QVERIFY2(changes.contains(QStringLiteral("media-max-bytes: 2147483648 -> 1000")),
                 qPrintable(changes.join('|')));
        QVERIFY(changes.contains(QStringLiteral("registrations-per-hour: 0 -> 7")));
        QVERIFY(changes.contains(QStringLiteral("listen changes at the next start")));
        QVERIFY(changes.contains(QStringLiteral("registration: open -> closed")));
        QCOMPARE(changes.size(), 4);
        // The file's registration applies (no admin setting was stored on this server).
        RawClient refused(h->url());
        QVERIFY(refused.connectNow());
        QCOMPARE(errorCode(refused.registerUser(name("closedreg"))),
                 wire::ERROR_REGISTRATION_CLOSED);
        QCOMPARE(h->server()->media()->options().maxFileBytes, quint64(1000));
        // Nothing changed: nothing to say.
        QVERIFY(h->server()->reloadConfig(fresh).filter(QStringLiteral("->")).isEmpty());

        // A setting the admin stored through the API stays over the file's.
        std::optional<Result<QJsonValue>> set;
        h->server()->admin().call(QStringLiteral("settings.set"), {{"retention_days", 30}},
                                  [&set](Result<QJsonValue> r) { set = std::move(r); });
        QVERIFY(QTest::qWaitFor([&] { return set.has_value(); }, 10000));
        QVERIFY(*set);
        fresh.retentionDays = 5;
        const QStringList kept = h->server()->reloadConfig(fresh);
        QVERIFY2(kept.contains(QStringLiteral("retention-days: 0 -> 5 (not applied: the setting "
                                              "made with tidings-admin stays)")),
                 qPrintable(kept.join('|')));
        std::optional<Result<QJsonValue>> got;
        h->server()->admin().call(QStringLiteral("settings.get"), {},
                                  [&got](Result<QJsonValue> r) { got = std::move(r); });
        QVERIFY(QTest::qWaitFor([&] { return got.has_value(); }, 10000));
        QCOMPARE((*got)->toObject().value("retention_days").toInt(), 30);
    }

    void aSocketThatPingsButNeverReadsIsDropped() {
        server::test::SlowReader slow;
        QVERIFY(signInSlow(slow));
        // WebSocket pings of 125 bytes: QtWebSockets answers each with a pong by itself.
        const QByteArray ping = server::test::wsPing(QByteArray(125, 'p'));
        QByteArray burst;
        for (int i = 0; i < 1000; ++i)
            burst += ping;
        floodUntilDropped(slow, burst);
        QVERIFY(waitFor([&] { return slow.socket.state() == QAbstractSocket::UnconnectedState; },
                        15000));
        auto c = m_fx.newUser(QStringLiteral("after"));
        QVERIFY(c && c->ping());
    }

    void protocolPingsFromASocketThatNeverReadsArePausedThenDropped() {
        server::test::SlowReader slow;
        QVERIFY(signInSlow(slow));
        F ping;
        ping.mutable_ping()->set_client_time_ms(1);
        QByteArray burst;
        for (int i = 0; i < 1000; ++i) {
            ping.set_request_id(quint64(i + 10));
            burst += server::test::wsFrame(protocol::encodeFrame(ping));
        }
        floodUntilDropped(slow, burst);
        QVERIFY(waitFor([&] { return slow.socket.state() == QAbstractSocket::UnconnectedState; },
                        15000));
        auto c = m_fx.newUser(QStringLiteral("after"));
        QVERIFY(c && c->ping());
    }
};

QTEST_GUILESS_MAIN(TestAbuse)
#include "test_abuse.moc"
