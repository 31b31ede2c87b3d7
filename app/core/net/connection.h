#pragma once
// One WebSocket to the server: connect, reconnect with full-jitter backoff, heartbeat, and
// request/response correlation by request_id. It knows nothing about accounts or messages; the
// Client authenticates each fresh socket (opened()) and then calls markAuthenticated().
//
// A server that closes an authenticated connection with 1001 Going Away or 1012 Service Restart
// is draining (a node being stopped or restarted): that is no failure, so the reconnect comes
// after a short random delay (restartReconnectMaxMs; it spreads the devices over the other
// nodes) and the backoff does not advance. Everything else about the reconnect is as after any
// lost connection: the owners resend what was not acknowledged and the inbox drains.
#include "core/net/backoff.h"
#include "core/net/socket_control.h"

#include <QAbstractSocket>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <optional>

class QSslCertificate;
class QSslError;
class QWebSocket;

namespace tidings::client {

//! SHA-256 of the certificate's DER as AB:CD:… (what tidingsd prints and admins hand out).
QString certificateSha256(const QSslCertificate &cert);

class Connection : public QObject, public SocketControl {
    Q_OBJECT
public:
    enum class State { Idle, Connecting, Open, Authenticated, WaitingToReconnect };
    Q_ENUM(State)

    struct Options {
        int backoffBaseMs = 500;
        int backoffCapMs = 30000;
        int pingIntervalMs = 30000;
        //! Default per-request timeout. A timed-out request means the link is stalled, so the
        //! socket is aborted and re-established (everything unacked is resent by its owner).
        int requestTimeoutMs = 30000;
        int connectTimeoutMs = 10000;
        //! After a drain's close (1001/1012): reconnect after a delay uniform in [0, this].
        int restartReconnectMaxMs = 1000;
    };

    explicit Connection(Options options, QObject *parent = nullptr);
    explicit Connection(QObject *parent = nullptr)
        : Connection(Options{}, parent) {}
    ~Connection() override;

    //! Starts connecting to `url` and keeps reconnecting until close().
    void open(const QUrl &url) override;
    //! Closes the socket and stops reconnecting. Pending requests fail with Network.
    void close() override;
    //! Drops the current socket (e.g. the server answered INTERNAL during auth) and reconnects
    //! after the next backoff delay.
    void reconnect(const QString &reason) override;
    //! The handshake on the current socket succeeded: start heartbeats, reset the backoff.
    void markAuthenticated() override;

    //! The SHA-256 fingerprint (AB:CD:… as tidingsd prints it) of a certificate the user
    //! trusted for this server although no authority signed it; empty: authorities only.
    void setPinnedCertificate(const QString &sha256) override { m_pinned = sha256; }
    //! The fingerprint of the certificate the server presented on the last TLS handshake.
    QString presentedCertificate() const override { return m_presented; }

    State state() const { return m_state; }
    QUrl url() const { return m_url; }
    const Backoff &backoff() const { return m_backoff; }

    quint64 request(Frame frame, ResponseHandler handler, int timeoutMs = 0) override;
    bool post(const Frame &frame) override;
    bool isAuthenticated() const override { return m_state == State::Authenticated; }
    bool isOpen() const { return m_state == State::Open || m_state == State::Authenticated; }

signals:
    //! A fresh socket is open: authenticate it now (its first frame must be register/login/auth).
    void opened();
    void authenticated();
    //! The socket went away (reported once per socket).
    void closed(const tidings::Error &reason);
    //! A frame with request_id 0 that is not an error: message_push, inbox_drained, receipt_push.
    void pushReceived(const tidings::wire::Frame &frame);
    //! An error frame with request_id 0 (the server explains why it is closing the socket).
    void serverError(const tidings::Error &error);
    void stateChanged(tidings::client::Connection::State state);
    //! The server's TLS certificate was refused (UntrustedCertificate or CertificateChanged,
    //! with the fingerprint in words); the connection stopped until open() again.
    void certificateRefused(const tidings::Error &error);
    void reconnectScheduled(int delayMs);

private:
    struct Pending {
        ResponseHandler handler;
        qint64 deadlineMs = 0;
        bool isPing = false;
    };

    void setState(State state);
    void startSocket();
    void onConnected();
    void onSslErrors(QWebSocket *socket, const QList<QSslError> &errors);
    void onBinaryMessage(const QByteArray &bytes);
    //! The socket reported its end (disconnected or an error): a drain's close, or `otherwise`.
    void onSocketEnded(QWebSocket *socket, const Error &otherwise);
    //! `serverRestart`: the server closed it to restart (no failure: a quick reconnect).
    void onSocketGone(const Error &reason, bool serverRestart = false);
    void failAllPending(const Error &error);
    void sweepTimeouts();
    void sendPing();
    void scheduleReconnect(bool serverRestart = false);
    void dispatch(ResponseHandler handler, Result<Frame> result);

    Options m_options;
    Backoff m_backoff;
    QUrl m_url;
    State m_state = State::Idle;
    bool m_wantOpen = false;
    QPointer<QWebSocket> m_socket;
    QString m_pinned;
    QString m_presented;
    //! Why the last handshake's certificate was refused (UntrustedCertificate, ...).
    std::optional<Error> m_certificateRefusal;
    quint64 m_nextRequestId = 1;
    QHash<quint64, Pending> m_pending;
    QElapsedTimer m_clock;
    QTimer m_pingTimer;
    QTimer m_sweepTimer;
    QTimer m_reconnectTimer;
    QTimer m_connectTimer;
};

} // namespace tidings::client
