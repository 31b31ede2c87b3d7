#pragma once
// Connection set-up cost (issue 13: "TLS handshake cost per connection"). Opens `count`
// connections, `concurrency` at a time, each TCP + (for wss://) TLS + the WebSocket upgrade, and
// closes each as soon as it is open (a WebSocket close, then the TCP close). Reports connections
// per second, the time from open() to connected (p50/p99), the server's CPU per connection
// (/proc/PID/stat before and after) and this process's own, and for wss:// the negotiated TLS
// version, cipher and the certificate's key. A warm-up of `warmup` connections runs first.
#include <QObject>
#include <QUrl>

#include <vector>

class QWebSocket;

namespace tidings::bench {

class HandshakeLoad : public QObject {
public:
    struct Options {
        QUrl url;
        int count = 2000;
        int concurrency = 1;
        int warmup = 50;
        qint64 serverPid = 0;
    };
    explicit HandshakeLoad(Options o)
        : m_o(std::move(o)) {}
    void start();

private:
    void startPhase(int count, bool measured);
    void openOne();
    void done(QWebSocket *ws, bool ok);
    void noteTls(const QWebSocket &ws);
    void finish();

    Options m_o;
    bool m_measured = false;
    bool m_reported = false;
    int m_target = 0;
    int m_started = 0;
    int m_finished = 0;
    int m_errors = 0;
    qint64 m_startNs = 0;
    qint64 m_lastProgressNs = 0;
    double m_serverCpuBefore = 0;
    double m_clientCpuBefore = 0;
    std::vector<double> m_connectUs;
    QString m_protocol, m_cipher, m_certKey;
};

} // namespace tidings::bench
