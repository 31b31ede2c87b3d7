#pragma once
// What an answer of the media endpoints says, from the parts the server controls (status, JSON
// body, a few headers), as a pure function: MediaHttp reads every reply with it, and the fuzz
// target tests/fuzz/fuzz_media_request.cpp drives it with arbitrary bytes. A server is not
// trusted to send sane numbers: a count that is negative, fractional or too large is treated as
// absent.
#include "protocol/result.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace tidings::client {

struct MediaAnswer {
    int status = 0; //!< 0: no HTTP answer (network)
    std::optional<Error> error;
    //! Values of the answer: upload id, blob id, offset (also from Upload-Offset).
    QString upload;
    QString blob;
    std::optional<quint64> offset;
    std::optional<quint64> length; //!< Upload-Length
    quint32 chunk = 0;
    bool ok() const { return !error.has_value(); }
};

//! The header values an answer may carry (empty when absent).
struct MediaAnswerHeaders {
    QByteArray uploadOffset;
    QByteArray uploadLength;
    QByteArray retryAfter;
};

//! `status` > 0: an HTTP answer arrived (transport failures are the caller's); a status of 400 or
//! more is an error named by the body's "error" (else by the status), with the body's "detail"
//! (else "HTTP <status>") and, for 429, Retry-After in ms (at most an hour).
MediaAnswer parseMediaAnswer(int status, const QByteArray &body, const MediaAnswerHeaders &headers);

//! The server's error name ("OFFSET_MISMATCH") as a code; Internal for names this client does
//! not know.
ErrorCode errorCodeFromName(const QString &name);

} // namespace tidings::client
