#include "gateway/media_request.h"

namespace tidings::server::mediarequest {

namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b) {
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

QByteArrayView trimmed(QByteArrayView v) {
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r'))
        v.chop(1);
    return v;
}

//! The Upgrade header's value in a complete head (lines end in LF, CRLF or bare LF alike).
QByteArrayView upgradeHeader(QByteArrayView head) {
    qsizetype start = head.indexOf('\n');
    while (start >= 0 && start + 1 < head.size()) {
        const QByteArrayView rest = head.sliced(start + 1);
        const qsizetype end = rest.indexOf('\n');
        const QByteArrayView line = end < 0 ? rest : rest.first(end);
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && equalsIgnoringCase(line.first(colon), "upgrade"))
            return trimmed(line.sliced(colon + 1));
        if (end < 0)
            break;
        start += 1 + end;
    }
    return {};
}

} // namespace

std::optional<quint64> parseByteCount(QByteArrayView value) {
    if (value.isEmpty() || value.size() > 19)
        return std::nullopt;
    quint64 n = 0;
    for (char c : value) {
        if (c < '0' || c > '9')
            return std::nullopt;
        n = n * 10 + quint64(c - '0'); // 19 digits cannot overflow 64 bits
    }
    return n;
}

QByteArrayView bearerToken(QByteArrayView authorization) {
    constexpr QByteArrayView scheme("bearer");
    if (authorization.size() <= scheme.size() ||
        !equalsIgnoringCase(authorization.first(scheme.size()), scheme) ||
        authorization[scheme.size()] != ' ')
        return {};
    return trimmed(authorization.sliced(scheme.size()));
}

std::optional<QString> parseSha256Hex(QByteArrayView value) {
    if (value.size() != 64)
        return std::nullopt;
    QString out(64, Qt::Uninitialized);
    for (qsizetype i = 0; i < 64; ++i) {
        const char c = lower(value[i]);
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return std::nullopt;
        out[i] = QLatin1Char(c);
    }
    return out;
}

bool upgradesToWebSocket(QByteArrayView upgrade) {
    while (!upgrade.isEmpty()) {
        const qsizetype comma = upgrade.indexOf(',');
        const QByteArrayView token = trimmed(comma < 0 ? upgrade : upgrade.first(comma));
        // A protocol may carry a version ("websocket/13" is not a thing, but be exact).
        if (equalsIgnoringCase(token, "websocket"))
            return true;
        if (comma < 0)
            break;
        upgrade = upgrade.sliced(comma + 1);
    }
    return false;
}

Route classify(QByteArrayView bytes, qsizetype limit) {
    constexpr QByteArrayView get("GET ");
    constexpr QByteArrayView media("/media");
    if (bytes.size() < get.size())
        return QByteArrayView(get).startsWith(bytes) ? Route::NeedMore : Route::Http;
    if (!bytes.startsWith(get))
        return Route::Http;
    // The target: a media path goes to HTTP as soon as that is certain.
    const QByteArrayView target = bytes.sliced(get.size());
    const qsizetype n = qMin(target.size(), media.size() + 1);
    const QByteArrayView start = target.first(n);
    if (start.size() > media.size() && start.startsWith(media) &&
        (start[media.size()] == '/' || start[media.size()] == ' ' || start[media.size()] == '?'))
        return Route::Http;
    // Anything else needs the whole head to see whether it asks for an upgrade. The head ends at
    // its first empty line, whichever line endings it uses (LF or CRLF, even mixed): the first
    // "\n\n" or "\n\r\n". Preferring a later CRLF pair made the route depend on how the bytes
    // arrived (an upgrade after a bare-LF blank line counted only when both came at once).
    const qsizetype lf = bytes.indexOf("\n\n");
    const qsizetype crlf = bytes.indexOf("\n\r\n");
    const qsizetype end = lf < 0 ? crlf : (crlf < 0 ? lf : qMin(lf, crlf));
    if (end < 0)
        return bytes.size() >= limit ? Route::Http : Route::NeedMore;
    return upgradesToWebSocket(upgradeHeader(bytes.first(end + 1))) ? Route::WebSocket
                                                                    : Route::Http;
}

} // namespace tidings::server::mediarequest
