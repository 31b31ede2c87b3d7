#pragma once
// The glue between the two building blocks: an HTTP request body (one chunk of a resumable
// upload) streamed straight into the blob store's staging file, piece by piece, and fsync'ed
// before the new offset is answered. Memory stays at one HTTP piece whatever the chunk size.
#include "http/http_exchange.h"
#include "media/blob_store.h"

#include <QJsonObject>

#include <functional>

namespace tidings::media {

//! An HTTP answer for a store error: {"error": NAME, "detail": ..., "offset": n for conflicts}
//! plus an Upload-Offset header, with the status of blobErrorHttpStatus().
void respondBlobError(http::HttpExchange *exchange, const BlobError &error);

class UploadSink : public http::BodySink {
public:
    //! `done` answers the request once the chunk is committed (default: 200 {"offset": n}).
    explicit UploadSink(UploadWriter writer,
                        std::function<void(http::HttpExchange *, quint64 offset)> done = {});

    http::SinkStatus write(QByteArrayView piece) override;
    void finished(http::HttpExchange *exchange) override;

private:
    UploadWriter m_writer;
    std::function<void(http::HttpExchange *, quint64)> m_done;
};

} // namespace tidings::media
