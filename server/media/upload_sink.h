#pragma once
// The glue between the two building blocks: an HTTP request body (one chunk of a resumable
// upload) streamed into the blob store's staging file through an UploadQueue, so the writes and
// the fdatasync happen on a thread pool, never on the event loop, and answered once the chunk is
// committed. Memory stays bounded whatever the chunk size: the sink pauses the connection (TCP
// then slows the client) while more than the queue's bound waits for the disk.
#include "http/http_exchange.h"
#include "media/blob_store.h"
#include "media/upload_queue.h"

#include <QJsonObject>
#include <QPointer>

#include <functional>
#include <memory>

class QThreadPool;

namespace tidings::media {

//! An HTTP answer for a store error: {"error": NAME, "detail": ..., "offset": n for conflicts}
//! plus an Upload-Offset header, with the status of blobErrorHttpStatus().
void respondBlobError(http::HttpExchange *exchange, const BlobError &error);

class UploadSink : public http::BodySink {
public:
    struct Hooks {
        //! Answers the chunk once it is committed, or failed (default: 200 {"offset": n} with an
        //! Upload-Offset header, or respondBlobError()).
        std::function<void(http::HttpExchange *, BlobResult<quint64>)> done;
        //! The answer to a write that failed while the body was still arriving (the connection
        //! then closes); default: the blob store's status and name.
        std::function<http::HttpError(const BlobError &)> refusal;
    };

    UploadSink(std::unique_ptr<UploadQueue> queue, Hooks hooks);
    //! The reference wiring: a queue on `pool` (default: the global pool); `done` answers the
    //! request once the chunk is committed (default: 200 {"offset": n}).
    explicit UploadSink(UploadWriter writer,
                        std::function<void(http::HttpExchange *, quint64 offset)> done = {},
                        QThreadPool *pool = nullptr);

    void attached(http::HttpExchange *exchange) override;
    http::SinkStatus write(QByteArrayView piece) override;
    http::SinkStatus take(QByteArray piece) override;
    void finished(http::HttpExchange *exchange) override;
    void aborted() override;

private:
    void connectQueue();

    std::unique_ptr<UploadQueue> m_queue;
    Hooks m_hooks;
    QPointer<http::HttpExchange> m_exchange;
};

} // namespace tidings::media
