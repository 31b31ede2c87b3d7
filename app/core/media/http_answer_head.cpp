#include "core/media/http_answer_head.h"

namespace tidings::client {

namespace {

bool isDigits(const QByteArray &s) {
    if (s.isEmpty())
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

bool isToken(const QByteArray &name) {
    if (name.isEmpty())
        return false;
    for (char c : name)
        if (c <= ' ' || c >= 127 || c == ':')
            return false;
    return true;
}

} // namespace

qsizetype parseAnswerHead(const QByteArray &buffer, AnswerHead *head, qsizetype maxHeadBytes) {
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0)
        return buffer.size() > maxHeadBytes ? -1 : 0;
    if (end + 4 > maxHeadBytes)
        return -1;
    const QList<QByteArray> lines = buffer.first(end).split('\n');
    // "HTTP/1.1 200 OK": the version, a three-digit code, an optional reason.
    const QByteArray statusLine = lines.value(0).trimmed();
    const QByteArray version = statusLine.first(std::min<qsizetype>(8, statusLine.size()));
    const QByteArray code = statusLine.mid(9, 3);
    if ((version != "HTTP/1.1" && version != "HTTP/1.0") || statusLine.size() < 12 ||
        statusLine.at(8) != ' ' || !isDigits(code) ||
        (statusLine.size() > 12 && statusLine.at(12) != ' '))
        return -1;
    AnswerHead h;
    h.status = code.toInt();
    if (h.status < 100 || h.status > 599)
        return -1;
    h.keepAlive = version == "HTTP/1.1";
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        if (line.isEmpty())
            return -1; // a bare line feed inside the head
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return -1;
        const QByteArray name = line.first(colon);
        if (!isToken(name))
            return -1;
        const QByteArray value = line.sliced(colon + 1).trimmed();
        h.headers.append({name, value});
        if (name.compare("content-length", Qt::CaseInsensitive) == 0) {
            // Digits only, at most 18 (no overflow); a second, different length is refused.
            if (!isDigits(value) || value.size() > 18)
                return -1;
            const qint64 n = value.toLongLong();
            if (h.contentLength >= 0 && h.contentLength != n)
                return -1;
            h.contentLength = n;
        } else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            return -1; // the media endpoints never send chunked answers; nothing reads them here
        } else if (name.compare("connection", Qt::CaseInsensitive) == 0) {
            h.keepAlive = h.keepAlive && value.compare("close", Qt::CaseInsensitive) != 0;
        }
    }
    *head = std::move(h); // only a whole, well-formed head reaches the caller
    return end + 4;
}

} // namespace tidings::client
