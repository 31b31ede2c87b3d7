#pragma once
// A byte-exact HTTP client for the server tests: sends whatever bytes a test wants (malformed
// ones too) and parses responses strictly from what arrives. Waits by running the event loop,
// since the server under test lives in the same thread.
#include <QEventLoop>
#include <QHash>
#include <QHostAddress>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <functional>

#include <optional>

#include <unistd.h>

//! Runs the event loop until `done()` holds or `timeoutMs` passes. Unlike QTest::qWaitFor it
//! never sleeps between event batches (qWaitFor sleeps 10 ms per turn, which would throttle the
//! in-process server to a few MB/s and hide its real throughput).
inline bool spinUntil(const std::function<bool()> &done, int timeoutMs) {
    if (done()) // evaluated once per check: predicates may consume what they find
        return true;
    bool reached = false;
    QEventLoop loop;
    QTimer check;
    check.setTimerType(Qt::PreciseTimer);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (!reached && done()) {
            reached = true;
            loop.quit();
        }
    });
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
    check.start(1);
    deadline.start(timeoutMs);
    loop.exec();
    return reached;
}

struct RawResponse {
    int status = 0;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
    QByteArray header(const QByteArray &name) const { return headers.value(name); }
};

class RawClient {
public:
    explicit RawClient(quint16 port) {
        QObject::connect(&m_socket, &QTcpSocket::readyRead,
                         [this] { m_buf += m_socket.readAll(); });
        QObject::connect(&m_socket, &QTcpSocket::disconnected, [this] { m_closed = true; });
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    }

    bool waitConnected(int ms = 5000) {
        return spinUntil([&] { return m_socket.state() == QAbstractSocket::ConnectedState; }, ms);
    }
    void send(const QByteArray &bytes) { m_socket.write(bytes); }
    QTcpSocket &socket() { return m_socket; }
    QByteArray &buffer() { return m_buf; }
    bool closed() const { return m_closed; }
    bool waitClosed(int ms = 5000) {
        return spinUntil([&] { return m_closed; }, ms);
    }

    //! The next response (a 100 Continue counts as one). `head`: the request was HEAD (no body).
    std::optional<RawResponse> read(int ms = 5000, bool head = false) {
        std::optional<RawResponse> out;
        (void)spinUntil(
            [&] {
                out = tryParse(head);
                return out.has_value() || m_closed;
            },
            ms);
        if (!out)
            out = tryParse(head);
        return out;
    }

private:
    std::optional<RawResponse> tryParse(bool head) {
        const qsizetype end = m_buf.indexOf("\r\n\r\n");
        if (end < 0)
            return std::nullopt;
        const QList<QByteArray> lines = m_buf.left(end).split('\n');
        RawResponse r;
        const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
        if (statusLine.size() < 2 || !statusLine[0].startsWith("HTTP/1.1"))
            return std::nullopt;
        r.status = statusLine[1].toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                r.headers.insert(lines[i].left(colon).trimmed().toLower(),
                                 lines[i].mid(colon + 1).trimmed());
        }
        const qint64 length =
            (head || r.status == 100) ? 0 : r.headers.value("content-length", "0").toLongLong();
        if (m_buf.size() - (end + 4) < length)
            return std::nullopt;
        r.body = m_buf.mid(end + 4, length);
        m_buf.remove(0, end + 4 + length);
        return r;
    }

    QTcpSocket m_socket;
    QByteArray m_buf;
    bool m_closed = false;
};

//! Resident set size of this process, from /proc/self/statm.
inline qint64 residentBytes() {
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = f.readAll().split(' ');
    return fields.size() > 1 ? fields[1].toLongLong() * qint64(sysconf(_SC_PAGESIZE)) : 0;
}
