#pragma once
// The request-head parser, in two steps so that no limit depends on the whole head having
// arrived: HeadScanner walks the bytes as they come (line and head limits, bare LF, garbage
// methods: refused while still buffering at most the limit), parseHead() then validates the
// complete head (RFC 9112 syntax, Content-Length, Transfer-Encoding, Host, Expect, Connection).
// Pure functions of their input: the fuzz target drives both.
#include "http_types.h"

#include <QByteArrayView>

namespace tidings::http {

class HeadScanner {
public:
    enum class State { NeedMore, Complete, Failed };

    explicit HeadScanner(const HttpLimits &limits)
        : m_limits(limits) {}

    //! Scans `buffer` (the same growing buffer every call) from where the last call stopped.
    [[nodiscard]] State scan(QByteArrayView buffer);
    //! Start of the request line (leading empty lines are skipped, RFC 9112 §2.2).
    qsizetype headStart() const { return m_headStart; }
    //! One past the empty line that ends the head.
    qsizetype headEnd() const { return m_headEnd; }
    const HttpError &error() const { return m_error; }
    void reset();

private:
    State fail(int status, QByteArray code, QString detail);

    const HttpLimits &m_limits;
    qsizetype m_pos = 0;
    qsizetype m_lineStart = 0;
    qsizetype m_headStart = 0;
    qsizetype m_headEnd = 0;
    int m_lineIndex = 0; //!< 0: request line, then header lines
    int m_emptyPrelude = 0;
    bool m_methodDone = false;
    HttpError m_error;
};

struct [[nodiscard]] ParsedHead {
    std::optional<RequestHead> head;
    HttpError error; //!< meaningful when head is empty
};

//! `head` is buffer[headStart, headEnd) from HeadScanner: request line, header lines, CRLF.
ParsedHead parseHead(QByteArrayView head, const HttpLimits &limits);

//! RFC 9110 token characters (methods, header names).
bool isTokenChar(char c);

} // namespace tidings::http
