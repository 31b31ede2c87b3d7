#pragma once
// Upload chunks (PATCH /media/v1/uploads/{id}) over plain HTTP/1.1 connections of worker
// threads instead of QNetworkAccessManager. QNAM hands a request body from the thread that owns
// it to its HTTP thread 16 KiB at a time, one round trip through the owner's event loop each: a
// 4 MiB chunk cost 256 wake-ups of the GUI thread, and an upload ran at the rate the GUI thread
// answered (docs/PERFORMANCE.md, "Media"). Here a worker writes the whole chunk with blocking
// socket calls; the GUI thread only sees the start and the answer. Each worker keeps its
// connection alive for the next chunk (a fresh one is tried once when a kept one turns out dead
// before any answer: the server may have closed it while idle; a repeated chunk is harmless, its
// offset no longer matches and the server says where the upload is).
//
// The reply is a QNetworkReply, so MediaHttp and the transfer runners treat it like QNAM's:
// abort(), finished(), the status attribute, raw headers, readAll(). An answer larger than
// `maxAnswerBytes` is cut off as an error; a request that moves no byte for `stallTimeoutMs` ends
// with TimeoutError; abort() ends it at once (the worker notices within 100 ms).
#include <QByteArray>
#include <QList>
#include <QNetworkReply>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QThreadPool>
#include <QUrl>

namespace tidings::client {

struct ChunkUploadRequest {
    QUrl url; //!< http or https
    QByteArray method = "PATCH";
    //! Besides Host, Content-Length and Connection, which are added.
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    int stallTimeoutMs = 30'000;
    qint64 maxAnswerBytes = 64 * 1024;
    //! https: the certificate fingerprint trusted although no authority signed it (empty: none).
    QString pinnedCertificate = {};
};

class ChunkUploadReply;

class ChunkUploads : public QObject {
public:
    explicit ChunkUploads(QObject *parent = nullptr);
    //! Aborts what still runs and waits for the workers.
    ~ChunkUploads() override;

    //! Starts the request on a worker; the reply is a child of this object.
    QNetworkReply *start(ChunkUploadRequest request);

private:
    QThreadPool m_pool;
    QList<QPointer<ChunkUploadReply>> m_live;
};

} // namespace tidings::client
