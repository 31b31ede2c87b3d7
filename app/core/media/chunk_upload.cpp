#include "core/media/chunk_upload.h"

#include "core/media/http_answer_head.h"
#include "core/net/connection.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#if QT_CONFIG(ssl)
#include <QSslSocket>
#endif

#include <atomic>
#include <memory>

namespace tidings::client {

namespace {

constexpr int kSliceMs = 100;              //!< how often a waiting worker looks at its cancel flag
constexpr qint64 kWriteSlice = 256 * 1024; //!< body bytes handed to the socket at a time

struct Outcome {
    AnswerHead head; //!< status 0: no answer
    QByteArray body;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QString errorString;
    bool keepAlive = false;
};

//! The deadline of a request that must keep moving.
class Stall {
public:
    explicit Stall(int ms)
        : m_ms(ms) {
        m_clock.start();
    }
    void moved() { m_clock.restart(); }
    bool expired() const { return m_clock.elapsed() > m_ms; }

private:
    int m_ms;
    QElapsedTimer m_clock;
};

//! Why a wait ended without what it waited for; false: keep waiting.
bool stopped(QTcpSocket &socket, const std::atomic_bool &cancel, const Stall &stall, Outcome *o) {
    if (cancel) {
        o->error = QNetworkReply::OperationCanceledError;
        o->errorString = QStringLiteral("Operation canceled");
        return true;
    }
    if (socket.state() == QAbstractSocket::UnconnectedState) {
        o->error = socket.error() == QAbstractSocket::RemoteHostClosedError
                       ? QNetworkReply::RemoteHostClosedError
                       : QNetworkReply::UnknownNetworkError;
        o->errorString = socket.errorString();
        return true;
    }
    if (stall.expired()) {
        o->error = QNetworkReply::TimeoutError;
        o->errorString = QStringLiteral("the server stopped answering");
        return true;
    }
    return false;
}

std::unique_ptr<QTcpSocket> connectTo(const QUrl &url, const QString &pin,
                                      const std::atomic_bool &cancel, Stall &stall, Outcome *o) {
    const bool tls = url.scheme() == u"https";
    const quint16 port = quint16(url.port(tls ? 443 : 80));
    std::unique_ptr<QTcpSocket> socket;
#if QT_CONFIG(ssl)
    if (tls) {
        auto *ssl = new QSslSocket;
        socket.reset(ssl);
        // A self-signed server: exactly the certificate the user trusted (emitted on this
        // thread, inside waitForEncrypted).
        QObject::connect(ssl, &QSslSocket::sslErrors, ssl,
                         [ssl, pin](const QList<QSslError> &errors) {
                             if (!pin.isEmpty() && certificateSha256(ssl->peerCertificate()) == pin)
                                 ssl->ignoreSslErrors(errors);
                         });
        ssl->connectToHostEncrypted(url.host(), port);
        while (!ssl->waitForEncrypted(kSliceMs)) {
            if (stopped(*socket, cancel, stall, o))
                return nullptr;
        }
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        return socket;
    }
#else
    if (tls) {
        o->error = QNetworkReply::SslHandshakeFailedError;
        o->errorString = QStringLiteral("this build has no TLS");
        return nullptr;
    }
#endif
    socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(url.host(), port);
    while (!socket->waitForConnected(kSliceMs)) {
        if (stopped(*socket, cancel, stall, o))
            return nullptr;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    return socket;
}

QByteArray requestHead(const ChunkUploadRequest &r) {
    QByteArray target = r.url.path(QUrl::FullyEncoded).toLatin1();
    if (r.url.hasQuery())
        target += '?' + r.url.query(QUrl::FullyEncoded).toLatin1();
    QByteArray host = r.url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    if (r.url.port() > 0)
        host += ':' + QByteArray::number(r.url.port());
    QByteArray head = r.method + ' ' + target + " HTTP/1.1\r\nHost: " + host +
                      "\r\nContent-Length: " + QByteArray::number(r.body.size()) +
                      "\r\nConnection: keep-alive\r\n";
    for (const auto &[name, value] : r.headers)
        head += name + ": " + value + "\r\n";
    return head + "\r\n";
}

//! One request on a connected socket. False: the connection cannot be used again.
bool exchange(QTcpSocket &socket, const ChunkUploadRequest &r, const std::atomic_bool &cancel,
              Stall &stall, Outcome *o) {
    socket.write(requestHead(r));
    qint64 sent = 0;
    const auto bodySent = [&] { return sent == r.body.size() && socket.bytesToWrite() == 0; };
    // The body in slices, while watching for an early answer (a refusal before the end).
    while (sent < r.body.size() || socket.bytesToWrite() > 0) {
        if (sent < r.body.size() && socket.bytesToWrite() < kWriteSlice) {
            const qint64 n = std::min<qint64>(kWriteSlice, r.body.size() - sent);
            socket.write(r.body.constData() + sent, n);
            sent += n;
        }
        if (socket.bytesAvailable() > 0)
            break;
        if (socket.waitForBytesWritten(kSliceMs))
            stall.moved();
        else if (stopped(socket, cancel, stall, o))
            return false;
    }
    QByteArray buffer;
    qsizetype bodyStart = 0;
    for (;;) {
        if (socket.bytesAvailable() > 0) {
            buffer += socket.readAll();
            stall.moved();
        }
        if (bodyStart == 0) {
            bodyStart = parseAnswerHead(buffer, &o->head);
            if (bodyStart < 0) {
                o->error = QNetworkReply::ProtocolFailure;
                o->errorString = QStringLiteral("the server's answer is not HTTP");
                return false;
            }
            if (bodyStart > 0 && o->head.status == 100) { // an interim answer: the real one follows
                buffer.remove(0, bodyStart);
                bodyStart = 0;
                o->head = AnswerHead{};
                continue;
            }
        }
        if (bodyStart > 0) {
            if (o->head.contentLength > r.maxAnswerBytes) {
                // The status and headers go to the caller, which refuses the answer by its
                // declared length (as it does QNetworkAccessManager's).
                return false;
            }
            if (buffer.size() - bodyStart > r.maxAnswerBytes) {
                o->error = QNetworkReply::ProtocolFailure;
                o->errorString =
                    QStringLiteral("the answer is larger than %1 bytes").arg(r.maxAnswerBytes);
                return false;
            }
            if (o->head.contentLength >= 0 && buffer.size() - bodyStart >= o->head.contentLength) {
                o->body = buffer.sliced(bodyStart, qsizetype(o->head.contentLength));
                // Answered before the whole body went out (a refusal): the rest of the body
                // would be read as the next request, so the connection ends here.
                return o->head.keepAlive && bodySent() &&
                       buffer.size() - bodyStart == o->head.contentLength;
            }
        }
        if (socket.waitForReadyRead(kSliceMs))
            continue;
        if (socket.state() == QAbstractSocket::UnconnectedState && bodyStart > 0 &&
            o->head.contentLength < 0) {
            o->body = buffer.sliced(bodyStart); // no length: the body ends with the connection
            return false;
        }
        if (stopped(socket, cancel, stall, o))
            return false;
    }
}

//! The worker's connection, kept for its next request to the same server.
struct Kept {
    QString key;
    std::unique_ptr<QTcpSocket> socket;
};
thread_local Kept t_kept;

//! A kept connection the server has closed meanwhile (it ends idle ones) shows it by now.
bool stillOpen(QTcpSocket &socket) {
    socket.waitForReadyRead(0);
    return socket.state() == QAbstractSocket::ConnectedState && socket.bytesAvailable() == 0;
}

Outcome perform(const ChunkUploadRequest &r, const std::atomic_bool &cancel) {
    const QString key = r.url.scheme() + u'/' + r.url.host() + u'/' + QString::number(r.url.port());
    Outcome o;
    Stall stall(r.stallTimeoutMs);
    std::unique_ptr<QTcpSocket> socket;
    if (t_kept.socket && t_kept.key == key && stillOpen(*t_kept.socket))
        socket = std::move(t_kept.socket);
    t_kept.socket.reset();
    if (!socket)
        socket = connectTo(r.url, r.pinnedCertificate, cancel, stall, &o);
    if (socket && exchange(*socket, r, cancel, stall, &o))
        t_kept = {key, std::move(socket)};
    return o;
}

} // namespace

class ChunkUploadReply : public QNetworkReply {
public:
    ChunkUploadReply(const ChunkUploadRequest &request, QObject *parent)
        : QNetworkReply(parent)
        , m_cancel(std::make_shared<std::atomic_bool>(false)) {
        setRequest(QNetworkRequest(request.url));
        setUrl(request.url);
        setOperation(QNetworkAccessManager::CustomOperation);
        setAttribute(QNetworkRequest::CustomVerbAttribute, request.method);
        QIODevice::open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    }
    ~ChunkUploadReply() override { *m_cancel = true; }

    const std::shared_ptr<std::atomic_bool> &cancelFlag() const { return m_cancel; }

    void abort() override {
        if (m_done)
            return;
        *m_cancel = true;
        end(OperationCanceledError, QStringLiteral("Operation canceled"));
    }

    void complete(const Outcome &o) {
        if (m_done)
            return;
        if (o.head.status > 0) {
            setAttribute(QNetworkRequest::HttpStatusCodeAttribute, o.head.status);
            for (const auto &[name, value] : o.head.headers)
                setRawHeader(name, value);
            m_body = o.body;
            emit metaDataChanged();
            if (m_done)
                return; // the caller refused the answer (abort()) on seeing its headers
        }
        end(o.error, o.errorString);
    }

    qint64 bytesAvailable() const override {
        return m_body.size() - m_read + QNetworkReply::bytesAvailable();
    }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char *data, qint64 maxSize) override {
        const qint64 n = std::min<qint64>(maxSize, m_body.size() - m_read);
        if (n <= 0)
            return m_done ? -1 : 0;
        memcpy(data, m_body.constData() + m_read, size_t(n));
        m_read += n;
        return n;
    }

private:
    void end(NetworkError error, const QString &text) {
        m_done = true;
        if (error != NoError) {
            setError(error, text);
            emit errorOccurred(error);
        }
        setFinished(true);
        if (bytesAvailable() > 0)
            emit readyRead();
        emit finished();
    }

    std::shared_ptr<std::atomic_bool> m_cancel;
    QByteArray m_body;
    qint64 m_read = 0;
    bool m_done = false;
};

ChunkUploads::ChunkUploads(QObject *parent)
    : QObject(parent) {
    // As many as transfers run at once (Media::Options::maxConcurrent); each keeps a connection.
    m_pool.setMaxThreadCount(3);
    m_pool.setExpiryTimeout(60'000);
}

ChunkUploads::~ChunkUploads() {
    for (const QPointer<ChunkUploadReply> &reply : std::as_const(m_live))
        if (reply)
            reply->abort();
    m_pool.waitForDone();
}

QNetworkReply *ChunkUploads::start(ChunkUploadRequest request) {
    auto *reply = new ChunkUploadReply(request, this);
    m_live.removeIf([](const QPointer<ChunkUploadReply> &r) { return r.isNull(); });
    m_live.append(reply);
    const QPointer<ChunkUploadReply> guard(reply);
    m_pool.start([this, guard, cancel = reply->cancelFlag(), request = std::move(request)] {
        Outcome o = perform(request, *cancel);
        // This object outlives every job (its destructor waits for them).
        QMetaObject::invokeMethod(
            this,
            [guard, o = std::move(o)] {
                if (guard)
                    guard->complete(o);
            },
            Qt::QueuedConnection);
    });
    return reply;
}

} // namespace tidings::client
