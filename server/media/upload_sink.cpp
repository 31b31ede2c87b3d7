#include "upload_sink.h"

#include <QThreadPool>

namespace tidings::media {

void respondBlobError(http::HttpExchange *exchange, const BlobError &error) {
    QJsonObject extra;
    http::Headers headers;
    if (error.code == BlobErrorCode::OffsetMismatch || error.code == BlobErrorCode::Incomplete) {
        extra.insert(QStringLiteral("offset"), double(error.currentOffset));
        headers.append({"upload-offset", QByteArray::number(error.currentOffset)});
    }
    exchange->respondError(
        {blobErrorHttpStatus(error.code), QByteArray(blobErrorName(error.code)), error.detail},
        extra, std::move(headers));
}

UploadSink::UploadSink(std::unique_ptr<UploadQueue> queue, Hooks hooks)
    : m_queue(std::move(queue))
    , m_hooks(std::move(hooks)) {
    if (!m_hooks.done) {
        m_hooks.done = [](http::HttpExchange *ex, BlobResult<quint64> offset) {
            if (!offset)
                return respondBlobError(ex, offset.error());
            ex->respondJson(200, {{QStringLiteral("offset"), double(*offset)}},
                            {{"upload-offset", QByteArray::number(*offset)}});
        };
    }
    if (!m_hooks.refusal) {
        m_hooks.refusal = [](const BlobError &e) {
            return http::HttpError{blobErrorHttpStatus(e.code), QByteArray(blobErrorName(e.code)),
                                   e.detail};
        };
    }
    connectQueue();
}

UploadSink::UploadSink(UploadWriter writer, std::function<void(http::HttpExchange *, quint64)> done,
                       QThreadPool *pool)
    : UploadSink(std::make_unique<UploadQueue>(std::move(writer),
                                               pool ? pool : QThreadPool::globalInstance()),
                 Hooks{}) {
    if (done) {
        m_hooks.done = [done = std::move(done)](http::HttpExchange *ex,
                                                BlobResult<quint64> offset) {
            if (!offset)
                return respondBlobError(ex, offset.error());
            done(ex, *offset);
        };
    }
}

void UploadSink::connectQueue() {
    // The queue's callbacks run on the event loop and only while the queue (a member) exists.
    m_queue->setResumeCallback([this] {
        if (m_exchange)
            m_exchange->resumeBody();
    });
    m_queue->setErrorCallback([this](const BlobError &e) {
        // Answering before the body's end makes the connection abort this sink and close.
        if (m_exchange && !m_exchange->hasResponded())
            m_exchange->respondError(m_hooks.refusal(e));
    });
}

void UploadSink::attached(http::HttpExchange *exchange) {
    m_exchange = exchange;
}

http::SinkStatus UploadSink::write(QByteArrayView piece) {
    return take(piece.toByteArray());
}

http::SinkStatus UploadSink::take(QByteArray piece) {
    return m_queue->push(std::move(piece)) ? http::SinkStatus::proceed()
                                           : http::SinkStatus::paused();
}

void UploadSink::finished(http::HttpExchange *exchange) {
    m_exchange = exchange;
    m_queue->close([this](BlobResult<quint64> offset) {
        if (m_exchange && !m_exchange->hasResponded())
            m_hooks.done(m_exchange, std::move(offset));
    });
}

void UploadSink::aborted() {
    m_queue->abandon();
}

} // namespace tidings::media
