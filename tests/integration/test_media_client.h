#pragma once
// What the media tests through the real client core share: a device (E2eDevice) with its own
// profile folder, fast media retries and the transfers it saw, files with a planted marker, and a
// TCP proxy between the clients and the server that cuts a media connection once the bytes moved
// in one direction reach a mark (a network dropped half-way through a transfer) and reads what
// passes (the offset of every upload chunk and the range of every download).
#include "e2e_device.h"
#include "support/media_helpers.h"

#include "core/store/transfer_store.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QImage>
#include <QPointer>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace tidings::test {

using Transfer = client::AttachmentRecord::Transfer;

//! Runs the event loop, blocked in it between events as an application is, until `done()` holds
//! or `timeoutMs` passed; whether it holds. QTRY_* would do, but it sleeps between its polls, and
//! Qt's HTTP thread asks this thread for every piece of an upload's body: a 4 MiB chunk took
//! ~800 ms under QTRY against ~40 ms here.
inline bool waitUntil(const std::function<bool()> &done, int timeoutMs) {
    if (done())
        return true;
    QEventLoop loop;
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    check.start(5);
    loop.exec();
    return done();
}

} // namespace tidings::test

//! QTRY_VERIFY_WITH_TIMEOUT and QTRY_COMPARE_WITH_TIMEOUT over waitUntil().
#define MEDIA_WAIT(cond, ms)                                                                       \
    QVERIFY2(::tidings::test::waitUntil([&] { return bool(cond); }, ms), #cond)
#define MEDIA_WAIT_COMPARE(actual, expected, ms)                                                   \
    do {                                                                                           \
        ::tidings::test::waitUntil([&] { return (actual) == (expected); }, ms);                    \
        QCOMPARE(actual, expected);                                                                \
    } while (false)

namespace tidings::test {

//! `size` random bytes (from `seed`) with `marker` at the start of every 64 KiB.
inline bool writeMarkedFile(const QString &path, qint64 size, const QByteArray &marker,
                            quint32 seed) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    QRandomGenerator rng{seed};
    QByteArray block(64 * 1024, Qt::Uninitialized);
    for (qint64 left = size; left > 0;) {
        rng.fillRange(reinterpret_cast<quint32 *>(block.data()), block.size() / 4);
        memcpy(block.data(), marker.constData(), size_t(marker.size()));
        const qint64 n = qMin<qint64>(left, block.size());
        if (f.write(block.constData(), n) != n)
            return false;
        left -= n;
    }
    return f.flush();
}

//! A noisy photo (so its JPEG is not tiny) of `w`×`h`.
inline bool writePhoto(const QString &path, int w, int h, quint32 seed) {
    QImage image(w, h, QImage::Format_RGB32);
    QRandomGenerator rng{seed};
    for (int y = 0; y < h; ++y) {
        auto *line = reinterpret_cast<QRgb *>(image.scanLine(y));
        for (int x = 0; x < w; ++x)
            line[x] = qRgb((x * 255) / w, (y * 255) / h, int(rng.bounded(256)));
    }
    return image.save(path, "JPEG", 90);
}

//! Files to send as they are (kinds detected).
inline QList<client::OutgoingFile> outgoing(const QStringList &paths) {
    QList<client::OutgoingFile> out;
    for (const QString &p : paths) {
        client::OutgoingFile f;
        f.path = p;
        out.append(f);
    }
    return out;
}

//! One device of a user, with the real client core (E2E on) in its own profile folder.
struct MediaPeer {
    std::unique_ptr<E2eDevice> device;
    QString name; //!< the user's name
    QString dir;
    //! The last transferChanged of each message (by client message id, mine or received).
    QHash<QString, client::AttachmentRecord> transfers;
    QList<QPair<quint64, QString>> downloaded; //!< (seq, localPath)
    QStringList uploaded;                      //!< client ids of messages whose upload finished
    //! Largest transferredBytes seen per client id (to check where a transfer stood).
    QHash<QString, quint64> mostTransferred;
    //! Every state a transfer went through, in order (a state may last only milliseconds).
    QHash<QString, QList<Transfer>> states;

    client::Client &client() { return *device->client; }
    client::Media &media() { return device->client->media(); }
    quint64 openDirect(const QString &peer) { return device->openDirect(peer); }

    //! My attachment of `clientId` (first file), as stored.
    std::optional<client::StoredAttachment> mine(const QString &clientId) const {
        auto a = device->store->transfers().attachmentsByClientId(clientId);
        if (!a || a->isEmpty() || !a->first().outgoing)
            return std::nullopt;
        return a->first();
    }
    //! The received message of `clientId` (sent by someone else), once stored.
    std::optional<client::MessageRecord> received(const QString &clientId) const {
        for (const auto &m : device->received)
            if (m.clientMessageId == clientId)
                return m;
        return std::nullopt;
    }
    //! The stored attachment of a received message.
    std::optional<client::StoredAttachment> attachmentAt(quint64 conv, quint64 seq) const {
        auto a = device->store->transfers().attachmentsAt(conv, seq);
        if (!a || a->isEmpty())
            return std::nullopt;
        return a->first();
    }
    Transfer stateOf(quint64 conv, quint64 seq) const {
        const auto a = attachmentAt(conv, seq);
        return a ? a->record.transfer : Transfer::None;
    }
    bool wasDownloaded(quint64 seq) const {
        for (const auto &d : downloaded)
            if (d.first == seq)
                return true;
        return false;
    }
};

//! Registers `name` on `url` with a device in DIR/<name>-<n>/client.sqlite (each profile has its
//! own media folder) and fast media retries; null on failure.
inline std::unique_ptr<MediaPeer> mediaPeer(const QString &root, const QUrl &url,
                                            const QString &name, bool registering = true) {
    static int n = 0;
    auto p = std::make_unique<MediaPeer>();
    p->name = name;
    p->dir = QStringLiteral("%1/%2-%3").arg(root, name).arg(++n);
    if (!QDir().mkpath(p->dir))
        return nullptr;
    client::Client::Options o = E2eDevice::defaultOptions();
    o.media.retryBaseMs = 50;
    o.media.retryCapMs = 500;
    o.media.progressIntervalMs = 20;
    p->device = std::make_unique<E2eDevice>();
    if (!p->device->open(p->dir + QStringLiteral("/client.sqlite"), o))
        return nullptr;
    MediaPeer *raw = p.get();
    client::Media *media = &p->device->client->media();
    QObject::connect(
        media, &client::Media::transferChanged, media,
        [raw](quint64, const QString &clientId, quint64, const client::AttachmentRecord &a) {
            raw->transfers.insert(clientId, a);
            QList<Transfer> &seen = raw->states[clientId];
            if (seen.isEmpty() || seen.last() != a.transfer)
                seen.append(a.transfer);
            quint64 &most = raw->mostTransferred[clientId];
            most = qMax(most, a.transferredBytes);
        });
    QObject::connect(media, &client::Media::downloaded, media,
                     [raw](quint64, quint64 seq, const QString &path) {
                         raw->downloaded.append({seq, path});
                     });
    QObject::connect(media, &client::Media::uploaded, media,
                     [raw](quint64, const QString &clientId) { raw->uploaded.append(clientId); });
    if (!p->device->account(url, name, registering))
        return nullptr;
    return p;
}

//! See the file comment. Listens on 127.0.0.1; forwards to `targetPort` on 127.0.0.1 (reached
//! anew for every connection, so a restarted server is found again).
class CutProxy : public QObject {
public:
    explicit CutProxy(quint16 targetPort)
        : m_target(targetPort) {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection())
                accept(s);
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QUrl url() const {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_server.serverPort()));
    }

    //! Cuts the media connection on which the bytes sent to the server (counted in `up`) reach
    //! `mark`: the bytes up to it are delivered, then both sides are closed.
    void cutUpAt(quint64 mark) { m_cutUp = mark; }
    //! The same for the bytes sent to the client (`down`).
    void cutDownAt(quint64 mark) { m_cutDown = mark; }
    //! Stops passing on what the clients send on the media connection on which `up` reaches
    //! `mark` (the bytes up to it go through): a transfer that hangs half-way, until release().
    //! If the client closes that connection meanwhile, the server does not learn it before
    //! release() either (as when the network between them is down).
    void holdUpAt(quint64 mark) { m_holdUp = mark; }
    //! While `blocked`, the WebSocket connections are closed, and every new one as soon as it
    //! says what it is: the clients cannot reach the server's messaging (no message goes out)
    //! while their media requests still go through.
    void blockSessions(bool blocked) {
        m_blockSessions = blocked;
        const QList<LinkPtr> links = m_links;
        for (const auto &l : links)
            if (blocked && l->decided && !l->media)
                close(l, false);
    }
    bool holding() const {
        for (const auto &l : m_links)
            if (l->held)
                return true;
        return false;
    }
    void release() {
        const QList<LinkPtr> links = m_links; // close() takes links out of m_links
        for (const auto &l : links) {
            if (!l->held)
                continue;
            if (l->clientGone) {
                close(l, true);
                continue;
            }
            l->held = false;
            up += quint64(l->heldData.size());
            l->out->write(std::exchange(l->heldData, {}));
        }
    }
    //! Closes every connection at once (media and WebSocket), as a dropped network does.
    void cutAll() {
        const QList<LinkPtr> links = m_links;
        for (const auto &l : links)
            close(l, false);
    }
    void resetCounts() {
        up = down = 0;
        cuts = 0;
        chunkOffsets.clear();
        serverOffsets.clear();
        rangeStarts.clear();
        statuses.clear();
    }

    quint64 up = 0;   //!< media bytes from the clients to the server (heads and bodies)
    quint64 down = 0; //!< media bytes from the server to the clients
    int cuts = 0;
    QList<quint64> chunkOffsets;  //!< Upload-Offset of every PATCH the clients sent
    QList<quint64> serverOffsets; //!< upload-offset of every answer the server gave
    QList<quint64> rangeStarts;   //!< N of every "Range: bytes=N-" the clients sent
    QList<quint64> statuses;      //!< the status of every media answer

private:
    struct Link {
        QPointer<QTcpSocket> in, out;
        bool decided = false, media = false, closed = false, held = false, clientGone = false;
        QByteArray heldData;
        QByteArray pending;          //!< from the client before the server connection is up
        QByteArray upTail, downTail; //!< the last bytes seen, for headers split across pieces
    };
    using LinkPtr = std::shared_ptr<Link>;

    void accept(QTcpSocket *in) {
        auto l = std::make_shared<Link>();
        l->in = in;
        l->out = new QTcpSocket(this);
        in->setParent(this);
        m_links.append(l);
        connect(l->out, &QTcpSocket::connected, this, [l] {
            if (!l->pending.isEmpty())
                l->out->write(std::exchange(l->pending, {}));
        });
        connect(in, &QTcpSocket::readyRead, this, [this, l] { fromClient(l); });
        connect(l->out, &QTcpSocket::readyRead, this, [this, l] { fromServer(l); });
        connect(in, &QTcpSocket::disconnected, this, [this, l] {
            if (l->held) {
                l->clientGone = true; // the server hears of it on release()
                return;
            }
            close(l, true);
        });
        connect(l->out, &QTcpSocket::disconnected, this, [this, l] { close(l, true); });
        connect(l->out, &QTcpSocket::errorOccurred, this, [this, l] { close(l, true); });
        l->out->connectToHost(QHostAddress::LocalHost, m_target);
    }

    void close(const LinkPtr &l, bool graceful) {
        if (l->closed)
            return;
        l->closed = true;
        m_links.removeAll(l);
        for (QTcpSocket *s : {l->in.data(), l->out.data()}) {
            if (!s)
                continue;
            s->disconnect(this);
            if (graceful && s->state() == QAbstractSocket::ConnectedState)
                s->disconnectFromHost(); // what was written still goes out
            else
                s->abort();
            s->deleteLater();
        }
    }

    static void scan(QByteArray &tail, const QByteArray &data, const QRegularExpression &re,
                     QList<quint64> &into) {
        const QByteArray window = tail + data;
        auto it = re.globalMatch(QString::fromLatin1(window));
        while (it.hasNext()) {
            const auto m = it.next();
            if (m.capturedEnd() > tail.size()) // not counted with the previous piece
                into.append(m.captured(1).toULongLong());
        }
        tail = window.right(96);
    }

    void fromClient(const LinkPtr &l) {
        if (l->closed || !l->in)
            return;
        QByteArray data = l->in->readAll();
        if (!l->decided) {
            // The request line says it: a media request or the WebSocket's upgrade at "/".
            l->decided = true;
            l->media = data.contains(" /media/");
        }
        if (!l->media && m_blockSessions) {
            close(l, false);
            return;
        }
        if (l->held) {
            l->heldData += data;
            return;
        }
        bool cutNow = false;
        QByteArray held;
        if (l->media) {
            static const QRegularExpression offset(QStringLiteral("\r\nUpload-Offset: (\\d+)\r\n"),
                                                   QRegularExpression::CaseInsensitiveOption);
            static const QRegularExpression range(QStringLiteral("\r\nRange: bytes=(\\d+)-"),
                                                  QRegularExpression::CaseInsensitiveOption);
            QByteArray tail = l->upTail;
            scan(tail, data, offset, chunkOffsets);
            scan(l->upTail, data, range, rangeStarts);
            if (m_cutUp && up + quint64(data.size()) >= *m_cutUp) {
                data.truncate(qsizetype(*m_cutUp - up));
                m_cutUp.reset();
                cutNow = true;
            } else if (m_holdUp && up + quint64(data.size()) >= *m_holdUp) {
                held = data.mid(qsizetype(*m_holdUp - up));
                data.truncate(qsizetype(*m_holdUp - up));
                m_holdUp.reset();
                l->held = true;
                l->heldData = held;
            }
            up += quint64(data.size());
        }
        if (l->out->state() == QAbstractSocket::ConnectedState)
            l->out->write(data);
        else
            l->pending += data;
        if (cutNow) {
            ++cuts;
            // The server gets what came before the mark, then the end of the stream; the client
            // sees its connection reset.
            l->in->abort();
            close(l, true);
        }
    }

    void fromServer(const LinkPtr &l) {
        if (l->closed || !l->out)
            return;
        QByteArray data = l->out->readAll();
        bool cutNow = false;
        if (l->media) {
            static const QRegularExpression offset(QStringLiteral("\r\nupload-offset: (\\d+)\r\n"),
                                                   QRegularExpression::CaseInsensitiveOption);
            static const QRegularExpression status(QStringLiteral("HTTP/1\\.1 (\\d{3}) "));
            QByteArray tail = l->downTail;
            scan(tail, data, status, statuses);
            scan(l->downTail, data, offset, serverOffsets);
            if (m_cutDown && down + quint64(data.size()) >= *m_cutDown) {
                data.truncate(qsizetype(*m_cutDown - down));
                m_cutDown.reset();
                cutNow = true;
            }
            down += quint64(data.size());
        }
        l->in->write(data);
        if (cutNow) {
            ++cuts;
            // The client gets the bytes before the mark and then the end of the connection,
            // shorter than the answer announced.
            l->out->abort();
            close(l, true);
        }
    }

    QTcpServer m_server;
    quint16 m_target;
    QList<LinkPtr> m_links;
    std::optional<quint64> m_cutUp, m_cutDown, m_holdUp;
    bool m_blockSessions = false;
};

} // namespace tidings::test
