#pragma once
// Plain value types shared by the parser, the router, the connection and the handlers.
#include "protocol/result.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <chrono>
#include <optional>

namespace tidings::http {

//! Header names are stored lower-cased; values as sent (without surrounding whitespace).
using Headers = QList<QPair<QByteArray, QByteArray>>;

//! A typed HTTP failure: the status line plus the JSON body {"error": code, "detail": detail}.
//! `code` is a wire ErrorCode name (errorCodeName) where one fits, else an HTTP-level name such
//! as NOT_FOUND or LENGTH_REQUIRED, so clients switch on one string in every case.
struct HttpError {
    int status = 400;
    QByteArray code = "BAD_FRAME";
    QString detail;

    static HttpError fromCode(int status, ErrorCode code, QString detail) {
        return {status, QByteArray(errorCodeName(code)), std::move(detail)};
    }
    //! The usual HTTP status for a wire error (BAD_FRAME → 400, TOO_LARGE → 413, ...).
    static HttpError fromError(const Error &error);
};

//! Everything the server bounds. Defaults suit a media endpoint on the public internet.
struct HttpLimits {
    int maxRequestLine = 8 * 1024;
    int maxHeaderBytes = 16 * 1024; //!< the whole head: request line + header lines
    int maxHeaders = 64;
    int maxConnections = 1024;
    //! From the first byte of a request head to its end (slowloris: no per-byte extension).
    std::chrono::milliseconds headerTimeout{10'000};
    //! A kept-alive connection waiting for its next request.
    std::chrono::milliseconds idleTimeout{30'000};
    //! No body byte for this long while the handler wants more.
    std::chrono::milliseconds bodyIdleTimeout{30'000};
    //! No response byte accepted by the peer for this long.
    std::chrono::milliseconds writeIdleTimeout{60'000};
    //! After an error response: how long unread input is discarded before the socket is closed,
    //! so that the peer reads the response instead of a reset.
    std::chrono::milliseconds lingerTimeout{2'000};
};

//! A parsed request head. Only what the parser validated is here.
struct RequestHead {
    QByteArray method; //!< as sent, case-sensitive (RFC 9110)
    QByteArray target; //!< raw request-target (origin-form)
    QByteArray path;   //!< raw path (still percent-encoded), before '?'
    QByteArray query;  //!< raw query without '?', may be empty
    int versionMinor = 1;
    Headers headers;
    quint64 contentLength = 0; //!< 0 when absent
    bool hasContentLength = false;
    bool expectContinue = false;
    bool keepAlive = true;

    //! First value of a header (name in lower case), or a null QByteArray.
    QByteArray header(QByteArrayView lowerName) const;
};

} // namespace tidings::http
