#pragma once
// The media endpoints of the server (plan: MEDIA.md, docs/PROTOCOL.md "Media") over
// QNetworkAccessManager (upload chunks over ChunkUploads' worker connections): non-blocking, one
// request per call, every answer reduced to a status, a typed error (the JSON {"error": NAME,
// "detail": ...} the server sends, or Network/Timeout for a dropped connection) and the few values
// the transfer jobs need. A request that moves no byte for `stallTimeoutMs` is aborted (a dead
// connection after a laptop slept), as Timeout.
#include "core/media/media_answer.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <functional>
#include <optional>

class QIODevice;
class QNetworkAccessManager;
class QNetworkReply;

namespace tidings::client {

class ChunkUploads;

class MediaHttp : public QObject {
    Q_OBJECT
public:
    explicit MediaHttp(QObject *parent = nullptr);
    ~MediaHttp() override;

    //! ws://host:port/... → http://host:port/media/v1 (wss → https); invalid for anything else.
    static QUrl baseUrlFor(const QUrl &serverUrl);
    void setBaseUrl(const QUrl &base) { m_base = base; }
    const QUrl &baseUrl() const { return m_base; }
    void setStallTimeoutMs(int ms) { m_stallTimeoutMs = ms; }
    //! The fingerprint of the server certificate the user trusted although no authority signed
    //! it (the account's, core/net/connection.h): media over https:// accepts exactly that one.
    void setPinnedCertificate(const QString &sha256) { m_pin = sha256; }

    using Done = std::function<void(MediaAnswer)>;
    //! Every call returns the reply (abort() it to cancel: `done` then gets Network), or nullptr
    //! when no base URL is known (done is called with Usage first).
    QNetworkReply *createUpload(const QByteArray &token, quint64 length, Done done);
    QNetworkReply *uploadOffset(const QByteArray &token, const QString &upload, Done done);
    QNetworkReply *appendChunk(const QByteArray &token, const QString &upload, quint64 offset,
                               const QByteArray &chunk, Done done);
    QNetworkReply *finishUpload(const QByteArray &token, const QString &upload,
                                const QByteArray &sha256, Done done);
    QNetworkReply *cancelUpload(const QByteArray &token, const QString &upload, Done done);

    //! Fetches the blob from `offset` on (Range), writing each piece to `sink` as it arrives; the
    //! answer's `offset` is where the body started (0 when the server ignored the range).
    //! `progress(bytesSoFar)` after each piece. Writes stop with an error once `maxBytes` would
    //! be passed (a blob longer than announced).
    QNetworkReply *fetchBlob(const QByteArray &token, const QString &blob, quint64 offset,
                             quint64 maxBytes, QIODevice *sink,
                             std::function<void(quint64)> progress, Done done);

private:
    QNetworkReply *send(const QByteArray &method, const QString &path, const QByteArray &token,
                        const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &body,
                        Done done);
    //! Turns the reply into a MediaAnswer. Bodies over 64 KiB are refused (BadFrame), except a
    //! successful download's when `streamsBody` (fetchBlob reads it as it comes).
    void watch(QNetworkReply *reply, Done done, bool streamsBody = false);

    QNetworkAccessManager *m_nam;
    ChunkUploads *m_chunks; //!< upload chunks (PATCH) go through these, not m_nam
    QUrl m_base;
    int m_stallTimeoutMs = 30'000;
    QString m_pin;
};

} // namespace tidings::client
