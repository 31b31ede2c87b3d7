#include "handshake_load.h"

#include "load_common.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslCipher>
#include <QSslKey>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <cstdio>
#include <unistd.h>
#include <utility>

namespace tidings::bench {

namespace {

QString protocolName(QSsl::SslProtocol p) {
    switch (p) {
    case QSsl::TlsV1_2:
        return QStringLiteral("TLSv1.2");
    case QSsl::TlsV1_3:
        return QStringLiteral("TLSv1.3");
    default:
        return QStringLiteral("other (%1)").arg(int(p));
    }
}

QString keyName(const QSslKey &key) {
    switch (key.algorithm()) {
    case QSsl::Ec:
        return QStringLiteral("EC %1-bit").arg(key.length());
    case QSsl::Rsa:
        return QStringLiteral("RSA %1-bit").arg(key.length());
    default:
        return QStringLiteral("other (%1)").arg(int(key.algorithm()));
    }
}

} // namespace

void HandshakeLoad::start() {
    // A watchdog: a connection that never opens nor fails must not hang the run.
    auto *watchdog = new QTimer(this);
    connect(watchdog, &QTimer::timeout, this, [this] {
        if (nowNs() - m_lastProgressNs > 30'000'000'000LL) {
            std::fprintf(stderr, "tidings-load: no connection finished for 30 s; stopping\n");
            m_errors += m_target - m_finished;
            finish();
        }
    });
    watchdog->start(1000);
    startPhase(m_o.warmup, false);
}

void HandshakeLoad::startPhase(int count, bool measured) {
    if (count <= 0 && !measured)
        return startPhase(m_o.count, true);
    m_measured = measured;
    m_target = count;
    m_started = m_finished = 0;
    m_lastProgressNs = nowNs();
    if (measured) {
        std::fprintf(stderr, "tidings-load: %d connections to %s, %d at a time\n", count,
                     qPrintable(m_o.url.toString()), m_o.concurrency);
        m_serverCpuBefore = readProc(m_o.serverPid).cpuSeconds;
        m_clientCpuBefore = readProc(getpid()).cpuSeconds;
        m_startNs = nowNs();
    }
    for (int i = 0; i < std::min(m_o.concurrency, count); ++i)
        openOne();
}

void HandshakeLoad::openOne() {
    ++m_started;
    auto *ws = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    acceptPinnedCertificate(*ws);
    const qint64 t0 = nowNs();
    connect(ws, &QWebSocket::connected, this, [this, ws, t0] {
        if (m_measured)
            m_connectUs.push_back(double(nowNs() - t0) / 1000.0);
        if (m_cipher.isEmpty())
            noteTls(*ws);
        ws->close();
    });
    connect(ws, &QWebSocket::disconnected, this, [this, ws] { done(ws, true); });
    // Qt 6.4 names it error() (errorOccurred() from 6.5).
    connect(ws, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this, ws](QAbstractSocket::SocketError) {
                if (ws->state() != QAbstractSocket::ConnectedState)
                    done(ws, false);
            });
    ws->open(m_o.url);
}

void HandshakeLoad::done(QWebSocket *ws, bool ok) {
    if (ws->property("done").toBool())
        return; // an error and then the disconnect of the same socket
    ws->setProperty("done", true);
    ws->disconnect(this);
    ws->deleteLater();
    if (!ok)
        ++m_errors;
    ++m_finished;
    m_lastProgressNs = nowNs();
    if (m_started < m_target)
        openOne();
    else if (m_finished == m_target) {
        if (m_measured)
            finish();
        else
            QTimer::singleShot(500, this, [this] { startPhase(m_o.count, true); });
    }
}

void HandshakeLoad::noteTls(const QWebSocket &ws) {
    const QSslSocket *ssl = sslSocketOf(ws);
    if (!ssl) {
        m_cipher = QStringLiteral("none");
        return;
    }
    m_protocol = protocolName(ssl->sessionProtocol());
    m_cipher = ssl->sessionCipher().name();
    m_certKey = keyName(ssl->peerCertificate().publicKey());
}

void HandshakeLoad::finish() {
    if (std::exchange(m_reported, true))
        return;
    const double secs = double(nowNs() - m_startNs) / 1e9;
    const double serverCpu = readProc(m_o.serverPid).cpuSeconds - m_serverCpuBefore;
    const double clientCpu = readProc(getpid()).cpuSeconds - m_clientCpuBefore;
    std::sort(m_connectUs.begin(), m_connectUs.end());
    const double n = double(std::max(1, m_finished - m_errors));
    QJsonObject out{{"mode", "handshake"},
                    {"scheme", m_o.url.scheme()},
                    {"connections", m_finished},
                    {"concurrency", m_o.concurrency},
                    {"errors", m_errors},
                    {"seconds", secs},
                    {"connections_per_s", n / secs},
                    {"connect_p50_ms", percentileMs(m_connectUs, 0.50)},
                    {"connect_p99_ms", percentileMs(m_connectUs, 0.99)},
                    {"connect_max_ms", percentileMs(m_connectUs, 1.0)},
                    {"client_cpu_us_per_connection", clientCpu * 1e6 / n}};
    if (m_o.serverPid > 0)
        out["server_cpu_us_per_connection"] = serverCpu * 1e6 / n;
    if (m_cipher != QLatin1String("none")) {
        out["tls_protocol"] = m_protocol;
        out["tls_cipher"] = m_cipher;
        out["certificate_key"] = m_certKey;
    }
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    QCoreApplication::exit(m_errors > 0 ? 1 : 0);
}

} // namespace tidings::bench
