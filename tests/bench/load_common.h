#pragma once
// Shared pieces of the load tools: a lean device connection on the real codec, the clock, and
// the server's CPU and RSS read from /proc.
#include "protocol/codec.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSslCertificate>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <functional>
#include <map>
#include <unistd.h>
#include <vector>

namespace tidings::bench {

using F = protocol::Frame;

//! Monotonic nanoseconds since the process started (latency is measured within one process).
inline qint64 nowNs() {
    static QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.nsecsElapsed();
}

struct ProcStats {
    double cpuSeconds = 0;
    qint64 rssKiB = 0;
};

inline ProcStats readProc(qint64 pid) {
    ProcStats s;
    if (pid <= 0)
        return s;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray line = stat.readAll();
        const auto fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        // utime and stime are fields 14 and 15 of the whole line (12 and 13 after the name).
        if (fields.size() > 13)
            s.cpuSeconds = double(fields[11].toLongLong() + fields[12].toLongLong()) /
                           double(sysconf(_SC_CLK_TCK));
    }
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (status.open(QIODevice::ReadOnly))
        for (const QByteArray &l : status.readAll().split('\n'))
            if (l.startsWith("VmRSS:"))
                s.rssKiB = l.mid(6).trimmed().split(' ').value(0).toLongLong();
    return s;
}

//! How many sockets the process `pid` holds open (its /proc/PID/fd entries that are sockets).
inline int openSockets(qint64 pid) {
    const QString dir = QStringLiteral("/proc/%1/fd").arg(pid);
    int n = 0;
    for (const QString &fd : QDir(dir).entryList(QDir::Files | QDir::System))
        if (QFile::symLinkTarget(dir + QLatin1Char('/') + fd).contains(QLatin1String("socket:")))
            ++n;
    return n;
}

//! The SHA-256 digest of the one certificate wss:// connections accept although no authority
//! signed it (tidingsd --tls-self-signed); empty: only what the system's authorities sign.
inline QByteArray &pinnedCertificate() {
    static QByteArray digest;
    return digest;
}

//! `fingerprint` as tidingsd prints it ("AB:CD:…"; fromHex skips the colons).
inline void pinCertificate(const QString &fingerprint) {
    pinnedCertificate() = QByteArray::fromHex(fingerprint.toLatin1());
}

//! The TLS socket under a wss:// QWebSocket (QWebSocket has no API for it), or null.
inline QSslSocket *sslSocketOf(const QWebSocket &ws) {
    return ws.findChild<QSslSocket *>();
}

//! On certificate errors, `ws` goes on only when the server's certificate is the pinned one: the
//! check a client makes for a certificate its user trusted, not "ignore every error".
inline void acceptPinnedCertificate(QWebSocket &ws) {
    QObject::connect(&ws, &QWebSocket::sslErrors, &ws, [&ws](const QList<QSslError> &) {
        const QSslSocket *ssl = sslSocketOf(ws);
        if (!pinnedCertificate().isEmpty() && ssl &&
            ssl->peerCertificate().digest(QCryptographicHash::Sha256) == pinnedCertificate())
            ws.ignoreSslErrors();
    });
}

//! One device connection with request/response callbacks.
class Device : public QObject {
public:
    //! `openNow` false: connects when open() is called.
    explicit Device(const QUrl &url, bool openNow = true)
        : m_url(url) {
        m_ws.setMaxAllowedIncomingMessageSize(64 * 1024 * 1024);
        acceptPinnedCertificate(m_ws);
        connect(&m_ws, &QWebSocket::connected, this, [this] {
            // QWebSocket has no API for it: reach its TCP socket to turn Nagle off.
            m_opened = true;
            if (auto *tcp = m_ws.findChild<QTcpSocket *>())
                tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            if (onConnected)
                onConnected();
        });
        connect(&m_ws, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &d) {
            auto f = protocol::decodeServerFrame(d);
            if (!f)
                return;
            if (f->request_id()) {
                auto it = m_pending.find(f->request_id());
                if (it != m_pending.end()) {
                    auto cb = std::move(it->second);
                    m_pending.erase(it);
                    cb(*f);
                }
            } else if (onPush) {
                onPush(*f);
            }
        });
        // A connection refused or dropped before it was established is tried again: e.g. the
        // server's limit on handshaking connections per address closes some of 500 opened at
        // once. QWebSocket reports that as an error, not always as a disconnect.
        const auto retry = [this, url] {
            if (m_opened || m_retrying)
                return;
            m_retrying = true;
            QTimer::singleShot(200, this, [this, url] {
                m_ws.open(url);
                m_retrying = false;
            });
        };
        connect(&m_ws, &QWebSocket::disconnected, this, retry);
        // Qt 6.4 names it error() (errorOccurred() from 6.5).
        connect(&m_ws, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
                [retry](QAbstractSocket::SocketError) { retry(); });
        if (openNow)
            open();
    }
    void open() { m_ws.open(m_url); }
    void request(F f, std::function<void(const F &)> cb) {
        f.set_request_id(m_next++);
        m_pending.emplace(f.request_id(), std::move(cb));
        m_ws.sendBinaryMessage(protocol::encodeFrame(f));
    }
    void post(const F &f) { m_ws.sendBinaryMessage(protocol::encodeFrame(f)); }
    std::function<void()> onConnected;
    std::function<void(const F &)> onPush;
    QByteArray token;
    quint64 conv = 0;
    quint64 sent = 0;
    quint64 acked = 0;

private:
    QUrl m_url;
    QWebSocket m_ws;
    bool m_opened = false;
    bool m_retrying = false;
    quint64 m_next = 1;
    std::map<quint64, std::function<void(const F &)>> m_pending;
};

//! The p-th quantile (0..1) of sorted microseconds, in milliseconds.
inline double percentileMs(const std::vector<double> &sortedUs, double p) {
    if (sortedUs.empty())
        return 0.0;
    return sortedUs[std::min(sortedUs.size() - 1, size_t(p * double(sortedUs.size())))] / 1000.0;
}

} // namespace tidings::bench
