// The operator's HTTP endpoints (issue 13).
// GET /healthz (gateway/health_http.h): 200 with the server's version, uptime and connected
// devices while every database connection is up and the database answers; 503 with a reason
// within about 2 s when it does not (the database's backends are frozen with SIGSTOP, as a hung
// disk would), and 200 again once it answers.
// GET /metrics (gateway/metrics_http.h): the Prometheus text on the server's port and on a
// separate listener, with figures that follow the traffic the test makes.
#include "support/integration_fixture.h"
#include "support/media_client.h"

#include "core/metrics.h"
#include "gateway/metrics_http.h"
#include "server.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

#include <csignal>

using namespace tidings;
using namespace tidings::test;

class TestHealth : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;

    HttpReply get(quint16 port, const char *path) {
        MediaClient http(port);
        return http.raw(QByteArray("GET ") + path + " HTTP/1.1\r\nHost: t\r\n\r\n", 10000);
    }
    //! The value of an unlabelled sample (or one with exactly these labels) in `text`.
    static double sample(const QByteArray &text, const QByteArray &name) {
        for (const QByteArray &line : text.split('\n')) {
            if (line.startsWith(name + ' '))
                return line.mid(name.size() + 1).toDouble();
        }
        return -1;
    }
    //! /metrics right after the storage figures were read again (they are cached for 15 s).
    QByteArray refreshedMetrics(quint16 port) {
        bool done = false;
        m_fx.server().server()->metricsHttp().withStorage([&done](const auto &) { done = true; },
                                                          true);
        if (!QTest::qWaitFor([&] { return done; }, 10000))
            return {};
        return get(port, "/metrics").body;
    }
    HttpReply health() {
        MediaClient http(quint16(m_fx.url().port()));
        return http.raw("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 10000);
    }
    //! SIGSTOP or SIGCONT to the database's client backends (the server's connections).
    void signalBackends(int sig) {
        const QStringList pids = m_fx.sqlColumn(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
            "pg_backend_pid() AND backend_type = 'client backend'");
        QVERIFY(!pids.isEmpty());
        for (const QString &pid : pids)
            QCOMPARE(::kill(pid_t(pid.toInt()), sig), 0);
    }

private slots:
    void initTestCase() {
        server::ServerConfig config;
        config.metricsOnMainPort = true;
        config.metricsPort = 0;
        const QString err = m_fx.start(config);
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void healthSaysWhetherTheDatabaseAnswers() {
        auto alice = m_fx.newUser(QStringLiteral("alice"));
        QVERIFY(alice);
        HttpReply ok = health();
        QCOMPARE(ok.status, 200);
        QCOMPARE(ok.json().value("status").toString(), QStringLiteral("ok"));
        QCOMPARE(ok.json().value("devices_connected").toInt(), 1);
        QVERIFY(ok.json().value("database_connections").toInt() >= 1);
        QVERIFY(ok.json().contains("uptime_s"));
        QCOMPARE(ok.header("cache-control"), QByteArray("no-store"));

        // The database stops answering: 503 with the reason, in bounded time.
        signalBackends(SIGSTOP);
        QElapsedTimer t;
        t.start();
        HttpReply down = health();
        const qint64 took = t.elapsed();
        signalBackends(SIGCONT);
        QCOMPARE(down.status, 503);
        QCOMPARE(down.json().value("status").toString(), QStringLiteral("unavailable"));
        QVERIFY2(down.json().value("reason").toString().contains("did not answer"),
                 down.body.constData());
        QVERIFY2(took < 5000, qPrintable(QString::number(took)));
        // Back to normal once it answers.
        QTRY_COMPARE_WITH_TIMEOUT(health().status, 200, 10000);
        QVERIFY(alice->ping());
    }

    void metricsFollowTheTraffic() {
        const quint16 main = quint16(m_fx.url().port());
        const quint16 separate = m_fx.server().server()->metricsPort();
        QVERIFY(separate != 0 && separate != main);
        const HttpReply before = get(separate, "/metrics");
        QCOMPARE(before.status, 200);
        QVERIFY2(before.header("content-type").startsWith("text/plain; version=0.0.4"),
                 before.header("content-type").constData());
        const double storedBefore = sample(before.body, "tidings_messages_stored_total");
        const double deliveredBefore = sample(before.body, "tidings_messages_delivered_total");
        QVERIFY(storedBefore >= 0 && deliveredBefore >= 0);

        auto alice = m_fx.newUser(QStringLiteral("mia"));
        auto bob = m_fx.newUser(QStringLiteral("max"));
        QVERIFY(alice && bob);
        const quint64 conv = alice->openDirect(bob->username);
        QVERIFY(conv);
        for (int i = 0; i < 5; ++i)
            QVERIFY(alice->send(conv, QStringLiteral("metrics-%1").arg(i))->has_send_ack());
        QVERIFY(bob->waitMessages(5));
        // A refused request is counted by its code.
        QVERIFY(alice->send(987654321, QStringLiteral("nowhere"))->has_error());

        // The storage figures are cached for 15 s: read them again first.
        const QByteArray t = refreshedMetrics(main);
        QCOMPARE(sample(t, "tidings_messages_stored_total"), storedBefore + 5);
        QCOMPARE(sample(t, "tidings_messages_delivered_total"), deliveredBefore + 5);
        QCOMPARE(sample(t, "tidings_send_stored_seconds_count"), storedBefore + 5);
        QCOMPARE(sample(t, "tidings_send_stored_seconds_bucket{le=\"+Inf\"}"), storedBefore + 5);
        QVERIFY(sample(t, "tidings_send_stored_seconds_sum") > 0);
        QVERIFY2(t.contains("tidings_request_errors_total{code=\"NOT_MEMBER\"} 1\n") ||
                     t.contains("tidings_request_errors_total{code=\"NO_SUCH_CONVERSATION\"} 1\n"),
                 t.constData());
        QCOMPARE(sample(t, "tidings_devices_connected"), 2.0);
        QVERIFY(sample(t, "tidings_users") >= 2);
        QVERIFY(sample(t, "tidings_database_bytes") > 1e6);
        QVERIFY(sample(t, "tidings_db_connections_up") >= 1);
        QCOMPARE(sample(t, "tidings_db_connections_up"), sample(t, "tidings_db_connections"));
        QVERIFY(sample(t, "tidings_db_queue_depth") >= 0);
        QVERIFY(sample(t, "process_resident_memory_bytes") > 1e6);
        QVERIFY(sample(t, "process_cpu_seconds_total") > 0);
        QVERIFY(sample(t, "process_open_fds") > 3);
        QVERIFY(sample(t, "process_start_time_seconds") > 1.7e9);
        // Every sample line belongs to a declared metric, and every value parses.
        QByteArray declared;
        for (const QByteArray &line : t.split('\n')) {
            if (line.isEmpty())
                continue;
            if (line.startsWith("# TYPE ")) {
                declared = line.split(' ').value(2);
                continue;
            }
            if (line.startsWith('#'))
                continue;
            QVERIFY2(line.startsWith(declared), line.constData());
            bool ok = false;
            line.mid(line.lastIndexOf(' ') + 1).toDouble(&ok);
            QVERIFY2(ok, line.constData());
        }
        // Every metric the Grafana dashboard in docs/ reads is served.
        QFile dashboard(QStringLiteral(TIDINGS_SOURCE_DIR "/docs/grafana-tidings.json"));
        QVERIFY(dashboard.open(QIODevice::ReadOnly));
        const QString panels = QString::fromUtf8(dashboard.readAll());
        QRegularExpression name(QStringLiteral("\\b((?:tidings|process)_[a-z_]+?)(?:_bucket)?\\b"));
        int names = 0;
        for (auto it = name.globalMatch(panels); it.hasNext(); ++names) {
            const QString metric = it.next().captured(1);
            QVERIFY2(t.contains("# TYPE " + metric.toUtf8() + ' '), qPrintable(metric));
        }
        QVERIFY(names >= 10);
        // The inbox backlog: nothing once Bob acknowledged, one message once he is away.
        QVERIFY(bob->ackDeliveredAndWait(conv, 5));
        QCOMPARE(sample(refreshedMetrics(separate), "tidings_inbox_backlog"), 0.0);
        bob.reset();
        QVERIFY(alice->send(conv, QStringLiteral("metrics-away"))->has_send_ack());
        QCOMPARE(sample(refreshedMetrics(separate), "tidings_inbox_backlog"), 1.0);
    }
};

QTEST_GUILESS_MAIN(TestHealth)
#include "test_health.moc"
