#pragma once
// A WebSocket client spoken by hand over a raw TCP socket, so that it can really stop reading
// (its read buffer is capped, so the kernel's window closes) and send what QWebSocket would not
// (control frames in a loop). For backpressure and abuse tests.
#include "protocol/codec.h"

#include <QTcpSocket>
#include <QTest>

namespace tidings::server::test {

//! A client-to-server WebSocket frame: binary, final, masked (RFC 6455 §5.2).
inline QByteArray wsFrame(const QByteArray &payload) {
    QByteArray f;
    f.append(char(0x82));
    const quint64 n = quint64(payload.size());
    if (n < 126) {
        f.append(char(0x80 | n));
    } else if (n < 65536) {
        f.append(char(0x80 | 126));
        f.append(char(n >> 8));
        f.append(char(n & 0xff));
    } else {
        f.append(char(0x80 | 127));
        for (int i = 7; i >= 0; --i)
            f.append(char((n >> (8 * i)) & 0xff));
    }
    const char mask[4] = {0x11, 0x22, 0x33, 0x44};
    f.append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        f.append(char(payload[i] ^ mask[i % 4]));
    return f;
}

class SlowReader {
public:
    QTcpSocket socket;
    bool reading = true;

    bool open(quint16 port) {
        socket.setReadBufferSize(4096);
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; },
                             5000))
            return false;
        socket.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
        socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n");
        QByteArray in;
        if (!QTest::qWaitFor(
                [&] {
                    in += socket.readAll();
                    return in.contains("\r\n\r\n");
                },
                5000))
            return false;
        return in.startsWith("HTTP/1.1 101");
    }
    void send(protocol::Frame f, quint64 requestId) {
        f.set_request_id(requestId);
        socket.write(wsFrame(protocol::encodeFrame(f)));
    }
    //! Reads (and discards) whatever has arrived.
    qint64 drain() { return socket.readAll().size(); }
};

//! A client-to-server ping control frame (masked) with `payload` (at most 125 bytes).
inline QByteArray wsPing(const QByteArray &payload) {
    QByteArray f = wsFrame(payload);
    f[0] = char(0x89);
    return f;
}

} // namespace tidings::server::test
