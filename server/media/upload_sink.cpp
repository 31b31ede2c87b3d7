#include "upload_sink.h"

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

UploadSink::UploadSink(UploadWriter writer, std::function<void(http::HttpExchange *, quint64)> done)
    : m_writer(std::move(writer))
    , m_done(std::move(done)) {}

http::SinkStatus UploadSink::write(QByteArrayView piece) {
    if (const BlobStatus s = m_writer.write(piece); !s) {
        const BlobError &e = s.error();
        return http::SinkStatus::failed(
            {blobErrorHttpStatus(e.code), QByteArray(blobErrorName(e.code)), e.detail});
    }
    return http::SinkStatus::proceed();
}

void UploadSink::finished(http::HttpExchange *exchange) {
    const auto offset = m_writer.commit();
    if (!offset) {
        respondBlobError(exchange, offset.error());
        return;
    }
    http::Headers headers{{"upload-offset", QByteArray::number(*offset)}};
    if (m_done)
        m_done(exchange, *offset);
    else
        exchange->respondJson(200, {{QStringLiteral("offset"), double(*offset)}}, headers);
}

} // namespace tidings::media
