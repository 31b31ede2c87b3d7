#include "request_parser.h"

namespace tidings::http {

namespace {

constexpr int kMaxEmptyPrelude = 4;
constexpr int kMaxMethodLength = 16;

bool isVisible(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
}

// Field values: visible ASCII, obs-text (>= 0x80), SP and HTAB; never CR, LF, NUL or controls.
bool isFieldValueChar(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
}

QByteArrayView trimmedOws(QByteArrayView v) {
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b) {
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

//! Comma-separated list contains `token` (case-insensitive), e.g. Connection: keep-alive, Upgrade.
bool listContains(QByteArrayView value, QByteArrayView token) {
    while (!value.isEmpty()) {
        const qsizetype comma = value.indexOf(',');
        const QByteArrayView item = trimmedOws(comma < 0 ? value : value.first(comma));
        if (equalsIgnoreCase(item, token))
            return true;
        if (comma < 0)
            break;
        value = value.sliced(comma + 1);
    }
    return false;
}

std::optional<quint64> parseContentLength(QByteArrayView v) {
    // Digits only: no sign, no spaces inside, no list ("5, 5"), at most 18 digits (no overflow).
    if (v.isEmpty() || v.size() > 18)
        return std::nullopt;
    quint64 n = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return std::nullopt;
        n = n * 10 + quint64(c - '0');
    }
    return n;
}

ParsedHead failed(int status, QByteArray code, QString detail) {
    return {std::nullopt, HttpError{status, std::move(code), std::move(detail)}};
}

ParsedHead bad(QString detail) {
    return failed(400, "BAD_FRAME", std::move(detail));
}

} // namespace

bool isTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

QByteArray RequestHead::header(QByteArrayView lowerName) const {
    for (const auto &[name, value] : headers) {
        if (name == lowerName)
            return value;
    }
    return {};
}

void HeadScanner::reset() {
    m_pos = m_lineStart = m_headStart = m_headEnd = 0;
    m_lineIndex = m_emptyPrelude = 0;
    m_methodDone = false;
    m_error = {};
}

HeadScanner::State HeadScanner::fail(int status, QByteArray code, QString detail) {
    m_error = HttpError{status, std::move(code), std::move(detail)};
    return State::Failed;
}

HeadScanner::State HeadScanner::scan(QByteArrayView buffer) {
    // Every check looks at one byte and its position only, so the verdict never depends on how
    // the bytes were split into reads (the fuzz target checks exactly that).
    for (; m_pos < buffer.size(); ++m_pos) {
        const char c = buffer[m_pos];
        // A line of n bytes plus CRLF: byte n+2 of the line proves it is too long.
        if (m_lineIndex == 0 && m_pos - m_lineStart >= qsizetype(m_limits.maxRequestLine) + 2)
            return fail(414, "TOO_LARGE", QStringLiteral("request line too long"));
        if (m_pos - m_headStart >= m_limits.maxHeaderBytes)
            return fail(431, "TOO_LARGE", QStringLiteral("request head too large"));
        if (m_lineIndex == 0 && !m_methodDone && c != '\r' && c != '\n') {
            // Refuse a TLS handshake or binary garbage at its first byte, not after 8 KiB.
            if (c == ' ' && m_pos > m_lineStart) {
                m_methodDone = true;
            } else if (!isTokenChar(c) || m_pos - m_lineStart >= kMaxMethodLength) {
                return fail(400, "BAD_FRAME", QStringLiteral("malformed request method"));
            }
        }
        if (c != '\n')
            continue;
        if (m_pos == 0 || buffer[m_pos - 1] != '\r')
            return fail(400, "BAD_FRAME", QStringLiteral("line ends without CR"));
        const qsizetype lineLength = m_pos - 1 - m_lineStart;
        if (lineLength == 0) {
            if (m_lineIndex == 0) {
                if (++m_emptyPrelude > kMaxEmptyPrelude)
                    return fail(400, "BAD_FRAME", QStringLiteral("empty lines before request"));
                m_lineStart = m_headStart = m_pos + 1;
                continue;
            }
            m_headEnd = m_pos + 1;
            ++m_pos;
            return State::Complete;
        }
        if (m_lineIndex > m_limits.maxHeaders)
            return fail(431, "TOO_LARGE", QStringLiteral("too many header fields"));
        ++m_lineIndex;
        m_lineStart = m_pos + 1;
    }
    return State::NeedMore;
}

ParsedHead parseHead(QByteArrayView head, const HttpLimits &limits) {
    if (head.size() > limits.maxHeaderBytes)
        return failed(431, "TOO_LARGE", QStringLiteral("request head too large"));
    if (!head.endsWith("\r\n\r\n"))
        return bad(QStringLiteral("incomplete request head"));
    head.chop(2); // the final empty line; every remaining line ends with CRLF

    RequestHead out;
    qsizetype pos = 0;
    auto nextLine = [&]() -> std::optional<QByteArrayView> {
        if (pos >= head.size())
            return std::nullopt;
        const qsizetype end = head.indexOf("\r\n", pos);
        if (end < 0)
            return std::nullopt;
        const QByteArrayView line = head.sliced(pos, end - pos);
        pos = end + 2;
        return line;
    };

    // Request line: method SP request-target SP HTTP-version, single spaces only.
    const auto requestLine = nextLine();
    if (!requestLine || requestLine->isEmpty())
        return bad(QStringLiteral("missing request line"));
    if (requestLine->size() > limits.maxRequestLine)
        return failed(414, "TOO_LARGE", QStringLiteral("request line too long"));
    const qsizetype sp1 = requestLine->indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : requestLine->indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || requestLine->indexOf(' ', sp2 + 1) >= 0)
        return bad(QStringLiteral("malformed request line"));
    const QByteArrayView method = requestLine->first(sp1);
    const QByteArrayView target = requestLine->sliced(sp1 + 1, sp2 - sp1 - 1);
    const QByteArrayView version = requestLine->sliced(sp2 + 1);
    if (method.size() > kMaxMethodLength || !std::all_of(method.begin(), method.end(), isTokenChar))
        return bad(QStringLiteral("malformed request method"));
    if (target.isEmpty() || !std::all_of(target.begin(), target.end(), isVisible))
        return bad(QStringLiteral("malformed request target"));
    if (target.front() != '/' || target.contains('#'))
        return bad(QStringLiteral("only origin-form request targets are served"));
    if (version.size() != 8 || !version.startsWith("HTTP/") || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
        return bad(QStringLiteral("malformed HTTP version"));
    if (version[5] != '1')
        return failed(505, "UNSUPPORTED_VERSION", QStringLiteral("only HTTP/1.x is served"));
    out.method = method.toByteArray();
    out.target = target.toByteArray();
    const qsizetype q = target.indexOf('?');
    out.path = (q < 0 ? target : target.first(q)).toByteArray();
    out.query = q < 0 ? QByteArray() : target.sliced(q + 1).toByteArray();
    out.versionMinor = version[7] - '0';

    // Header fields.
    int hostCount = 0;
    bool chunked = false;
    bool otherCoding = false;
    bool hasTransferEncoding = false;
    QByteArray connection;
    while (const auto line = nextLine()) {
        if (line->isEmpty())
            return bad(QStringLiteral("empty line inside the head"));
        if (line->front() == ' ' || line->front() == '\t')
            return bad(QStringLiteral("obsolete line folding"));
        const qsizetype colon = line->indexOf(':');
        if (colon <= 0)
            return bad(QStringLiteral("header field without a name"));
        const QByteArrayView name = line->first(colon);
        if (!std::all_of(name.begin(), name.end(), isTokenChar)) // also: no space before ':'
            return bad(QStringLiteral("malformed header field name"));
        const QByteArrayView value = trimmedOws(line->sliced(colon + 1));
        if (!std::all_of(value.begin(), value.end(), isFieldValueChar))
            return bad(QStringLiteral("control character in a header field"));
        if (out.headers.size() >= limits.maxHeaders)
            return failed(431, "TOO_LARGE", QStringLiteral("too many header fields"));
        const QByteArray lower = name.toByteArray().toLower();
        out.headers.append({lower, value.toByteArray()});

        if (lower == "content-length") {
            const auto n = parseContentLength(value);
            if (!n)
                return bad(QStringLiteral("malformed Content-Length"));
            if (out.hasContentLength) // duplicates invite request smuggling: refuse them all
                return bad(QStringLiteral("repeated Content-Length"));
            out.hasContentLength = true;
            out.contentLength = *n;
        } else if (lower == "transfer-encoding") {
            hasTransferEncoding = true;
            if (listContains(value, "chunked"))
                chunked = true;
            else
                otherCoding = true;
        } else if (lower == "host") {
            ++hostCount;
        } else if (lower == "expect") {
            if (!equalsIgnoreCase(value, "100-continue"))
                return failed(417, "EXPECTATION_FAILED",
                              QStringLiteral("only Expect: 100-continue is understood"));
            out.expectContinue = true;
        } else if (lower == "connection") {
            connection += value.toByteArray() + ',';
        }
    }
    if (hasTransferEncoding && out.hasContentLength)
        return bad(QStringLiteral("both Transfer-Encoding and Content-Length"));
    if (otherCoding)
        return failed(501, "NOT_IMPLEMENTED", QStringLiteral("unsupported transfer coding"));
    if (chunked)
        return failed(
            411, "LENGTH_REQUIRED",
            QStringLiteral("chunked request bodies are not accepted: send Content-Length"));
    if (out.versionMinor >= 1 && hostCount != 1)
        return bad(QStringLiteral("HTTP/1.1 needs exactly one Host header"));
    if (hostCount > 1)
        return bad(QStringLiteral("repeated Host header"));
    out.keepAlive = out.versionMinor >= 1 ? !listContains(connection, "close")
                                          : listContains(connection, "keep-alive");
    return {std::move(out), {}};
}

} // namespace tidings::http
