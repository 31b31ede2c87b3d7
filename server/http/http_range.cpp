#include "http_range.h"

#include <optional>

namespace tidings::http {

namespace {

std::optional<quint64> parseNumber(QByteArrayView v) {
    if (v.isEmpty() || v.size() > 19)
        return std::nullopt;
    quint64 n = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const quint64 next = n * 10 + quint64(c - '0');
        if (next < n)
            return std::nullopt;
        n = next;
    }
    return n;
}

QByteArrayView trimmed(QByteArrayView v) {
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

} // namespace

ByteRange parseRange(QByteArrayView header, quint64 size) {
    const ByteRange whole;
    header = trimmed(header);
    if (!header.startsWith("bytes="))
        return whole;
    const QByteArrayView spec = trimmed(header.sliced(6));
    if (spec.contains(','))
        return whole; // several ranges: the whole file is a correct answer
    const qsizetype dash = spec.indexOf('-');
    if (dash < 0)
        return whole;
    const QByteArrayView a = trimmed(spec.first(dash));
    const QByteArrayView b = trimmed(spec.sliced(dash + 1));

    ByteRange r;
    r.kind = ByteRange::Kind::Partial;
    if (a.isEmpty()) { // suffix: the last N bytes
        const auto n = parseNumber(b);
        if (!n)
            return whole;
        if (*n == 0 || size == 0)
            return {ByteRange::Kind::Unsatisfiable, 0, 0};
        r.first = *n >= size ? 0 : size - *n;
        r.last = size - 1;
        return r;
    }
    const auto first = parseNumber(a);
    if (!first)
        return whole;
    std::optional<quint64> last;
    if (!b.isEmpty()) {
        last = parseNumber(b);
        if (!last || *last < *first)
            return whole; // invalid syntax: ignored (RFC 9110 §14.2)
    }
    if (*first >= size)
        return {ByteRange::Kind::Unsatisfiable, 0, 0};
    r.first = *first;
    r.last = last ? qMin(*last, size - 1) : size - 1;
    return r;
}

} // namespace tidings::http
