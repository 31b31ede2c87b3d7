#pragma once
// The status line and headers of an HTTP/1.x answer, as ChunkUploads (chunk_upload.cpp) reads
// them from its own connections. The bytes come from the network: anything that is not a
// well-formed head is refused, and nothing is read beyond `maxHeadBytes`.
#include <QByteArray>
#include <QList>
#include <QPair>

namespace tidings::client {

struct AnswerHead {
    int status = 0;                               //!< 100..599
    QList<QPair<QByteArray, QByteArray>> headers; //!< names and values trimmed, in order
    qint64 contentLength = -1;                    //!< -1: none (the body ends with the connection)
    bool keepAlive = false;                       //!< HTTP/1.1 without "Connection: close"
};

//! Reads the head at the start of `buffer` once it is complete: returns where the body starts
//! (> 0), 0 while more bytes are needed, -1 for a malformed head (a status line that is not
//! "HTTP/1.x NNN ...", a header line without a name, a Content-Length that is not a decimal
//! count or differs from an earlier one, a
//! Transfer-Encoding) or one longer than `maxHeadBytes`.
qsizetype parseAnswerHead(const QByteArray &buffer, AnswerHead *head,
                          qsizetype maxHeadBytes = 16 * 1024);

} // namespace tidings::client
