#include "media_client.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QHostAddress>
#include <QJsonDocument>
#include <QTimer>

namespace tidings::test {

namespace {

constexpr qint64 kPiece = 256 * 1024;

} // namespace

QJsonObject HttpReply::json() const {
    return QJsonDocument::fromJson(body).object();
}

MediaClient::MediaClient(quint16 port, QByteArray token)
    : m_port(port)
    , m_token(std::move(token)) {}

bool MediaClient::spin(const std::function<bool()> &done, int timeoutMs) {
    // Wakes on every event (no sleeping between checks): the server may be in this thread.
    QElapsedTimer clock;
    clock.start();
    QEventLoop loop;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    QObject::connect(&tick, &QTimer::timeout, &loop, &QEventLoop::quit);
    while (!done()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        if (m_idle)
            m_idle();
        tick.start(5);
        loop.processEvents(QEventLoop::WaitForMoreEvents);
        tick.stop();
    }
    return true;
}

void MediaClient::cut() {
    if (m_socket) {
        m_socket->abort();
        m_socket.reset();
    }
    m_buf.clear();
}

bool MediaClient::connectNow() {
    if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState)
        return true;
    cut();
    m_socket = std::make_unique<QTcpSocket>();
    m_socket->setReadBufferSize(0);
    m_socket->connectToHost(QHostAddress::LocalHost, m_port);
    if (!spin(
            [&] {
                return m_socket->state() == QAbstractSocket::ConnectedState ||
                       m_socket->state() == QAbstractSocket::UnconnectedState;
            },
            10000) ||
        m_socket->state() != QAbstractSocket::ConnectedState)
        return false;
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    return true;
}

bool MediaClient::writeAll(const QByteArray &bytes, int timeoutMs) {
    for (qsizetype at = 0; at < bytes.size(); at += kPiece) {
        m_socket->write(bytes.sliced(at, qMin<qsizetype>(kPiece, bytes.size() - at)));
        // Keep what waits in the socket small: the client stays flat in memory too.
        if (!spin(
                [&] {
                    return m_socket->bytesToWrite() < 2 * kPiece ||
                           m_socket->state() != QAbstractSocket::ConnectedState;
                },
                timeoutMs))
            return false;
        if (m_socket->state() != QAbstractSocket::ConnectedState)
            return false;
    }
    return true;
}

QByteArray MediaClient::headFor(const QByteArray &method, const QByteArray &path,
                                const Headers &headers, qint64 contentLength) const {
    QByteArray head = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    bool auth = false;
    for (const auto &[name, value] : headers) {
        auth |= name.toLower() == "authorization";
        head += name + ": " + value + "\r\n";
    }
    if (!auth && !m_token.isEmpty())
        head += "Authorization: Bearer " + m_token + "\r\n";
    if (contentLength >= 0)
        head += "Content-Length: " + QByteArray::number(contentLength) + "\r\n";
    return head + "\r\n";
}

std::optional<HttpReply> MediaClient::parseHead() {
    const qsizetype end = m_buf.indexOf("\r\n\r\n");
    if (end < 0)
        return std::nullopt;
    const QList<QByteArray> lines = m_buf.left(end).split('\n');
    HttpReply r;
    const QList<QByteArray> status = lines.first().trimmed().split(' ');
    r.status = status.size() >= 2 ? status[1].toInt() : -1;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0)
            r.headers.insert(lines[i].left(colon).trimmed().toLower(),
                             lines[i].mid(colon + 1).trimmed());
    }
    m_buf.remove(0, end + 4);
    return r;
}

HttpReply MediaClient::readReply(bool head, int timeoutMs) {
    auto pump = [&] {
        if (m_socket)
            m_buf += m_socket->readAll();
    };
    std::optional<HttpReply> r;
    for (;;) {
        spin(
            [&] {
                pump();
                return m_buf.contains("\r\n\r\n") || !m_socket ||
                       m_socket->state() != QAbstractSocket::ConnectedState;
            },
            timeoutMs);
        pump();
        r = parseHead();
        if (!r)
            return HttpReply{};
        if (r->status != 100)
            break; // 100 Continue is not the answer
    }
    const qint64 length =
        head || r->status == 204 || r->status == 304 ? 0 : r->header("content-length").toLongLong();
    spin(
        [&] {
            pump();
            return m_buf.size() >= length || !m_socket ||
                   m_socket->state() != QAbstractSocket::ConnectedState;
        },
        timeoutMs);
    pump();
    if (m_buf.size() < length)
        return HttpReply{};
    r->body = m_buf.left(length);
    m_buf.remove(0, length);
    if (r->header("connection") == "close")
        cut();
    return *r;
}

HttpReply MediaClient::request(const QByteArray &method, const QByteArray &path, Headers headers,
                               const QByteArray &body, int timeoutMs) {
    if (!connectNow())
        return {};
    const bool withBody = !body.isEmpty() || method == "PATCH" || method == "PUT";
    // Written or not, read the answer: a server may refuse a body half-way and say why.
    (void)writeAll(headFor(method, path, headers, withBody ? body.size() : -1) + body, timeoutMs);
    return readReply(method == "HEAD", timeoutMs);
}

HttpReply MediaClient::raw(const QByteArray &bytes, int timeoutMs) {
    cut();
    if (!connectNow() || !writeAll(bytes, timeoutMs))
        return {};
    const HttpReply r = readReply(false, timeoutMs);
    cut();
    return r;
}

HttpReply MediaClient::createUpload(quint64 size) {
    return request("POST", "/media/v1/uploads", {{"Upload-Length", QByteArray::number(size)}});
}

HttpReply MediaClient::progress(const QString &upload) {
    return request("HEAD", "/media/v1/uploads/" + upload.toLatin1());
}

HttpReply MediaClient::patch(const QString &upload, quint64 offset, const QByteArray &chunk) {
    return request("PATCH", "/media/v1/uploads/" + upload.toLatin1(),
                   {{"Upload-Offset", QByteArray::number(offset)}}, chunk);
}

HttpReply MediaClient::finish(const QString &upload, const QByteArray &sha256) {
    return request("POST", "/media/v1/uploads/" + upload.toLatin1() + "/finish",
                   {{"Upload-Sha256", sha256.toHex()}}, {}, 120000);
}

HttpReply MediaClient::cancel(const QString &upload) {
    return request("DELETE", "/media/v1/uploads/" + upload.toLatin1());
}

HttpReply MediaClient::get(const QString &blob, Headers headers) {
    return request("GET", "/media/v1/blobs/" + blob.toLatin1(), std::move(headers));
}

HttpReply MediaClient::upload(const QString &upload, QIODevice &in, quint64 offset, quint64 chunk,
                              std::optional<quint64> cutAt) {
    HttpReply last;
    while (!in.atEnd()) {
        QByteArray data = in.read(qint64(chunk));
        if (data.isEmpty())
            break;
        if (cutAt && offset + quint64(data.size()) > *cutAt) {
            // Announce the whole chunk, send part of it, and drop the connection.
            if (!connectNow())
                return {};
            const qsizetype part = qsizetype(*cutAt - offset);
            const QByteArray head =
                headFor("PATCH", "/media/v1/uploads/" + upload.toLatin1(),
                        {{"Upload-Offset", QByteArray::number(offset)}}, data.size());
            writeAll(head + data.first(part), 60000);
            spin([&] { return m_socket->bytesToWrite() == 0; }, 60000);
            cut();
            last = HttpReply{};
            return last;
        }
        last = patch(upload, offset, data);
        if (last.status != 200)
            return last;
        offset = last.header("upload-offset").toULongLong();
    }
    return last;
}

MediaClient::Download MediaClient::download(const QString &blob, QIODevice &out, quint64 from,
                                            std::optional<quint64> cutAfter,
                                            const QByteArray &ifRange) {
    Download d;
    if (!connectNow())
        return d;
    Headers headers;
    if (from > 0)
        headers.append({"Range", "bytes=" + QByteArray::number(from) + '-'});
    if (!ifRange.isEmpty())
        headers.append({"If-Range", ifRange});
    if (!writeAll(headFor("GET", "/media/v1/blobs/" + blob.toLatin1(), headers, -1), 60000))
        return d;
    spin(
        [&] {
            m_buf += m_socket->readAll();
            return m_buf.contains("\r\n\r\n") ||
                   m_socket->state() != QAbstractSocket::ConnectedState;
        },
        60000);
    const auto head = parseHead();
    if (!head)
        return d;
    d.reply = *head;
    quint64 left = head->header("content-length").toULongLong();
    // Reads in pieces and writes them straight out: nothing of the body piles up here.
    auto drain = [&] {
        while (left > 0) {
            QByteArray piece = m_buf.isEmpty() ? m_socket->read(qint64(qMin<quint64>(left, kPiece)))
                                               : std::exchange(m_buf, {});
            if (piece.isEmpty())
                return;
            if (quint64(piece.size()) > left) {
                m_buf = piece.sliced(qsizetype(left));
                piece.truncate(qsizetype(left));
            }
            if (cutAfter && d.bytes + quint64(piece.size()) >= *cutAfter) {
                piece.truncate(qsizetype(*cutAfter - d.bytes));
                out.write(piece);
                d.bytes += quint64(piece.size());
                d.cut = true;
                return;
            }
            out.write(piece);
            d.bytes += quint64(piece.size());
            left -= quint64(piece.size());
        }
    };
    spin(
        [&] {
            drain();
            return left == 0 || d.cut || m_socket->state() != QAbstractSocket::ConnectedState;
        },
        600000);
    drain();
    if (d.cut || left > 0)
        cut();
    return d;
}

} // namespace tidings::test
