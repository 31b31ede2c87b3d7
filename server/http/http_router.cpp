#include "http_router.h"

#include <QStringList>

namespace tidings::http {

namespace {

bool isParam(const QByteArray &segment) {
    return segment.size() > 2 && segment.startsWith('{') && segment.endsWith('}');
}

// How well a route's segments fit: -1 no match, otherwise a score where a literal segment
// outranks a parameter at the first position they differ.
int fit(const Route &r, const QList<QByteArray> &decoded) {
    if (r.segments.size() != decoded.size())
        return -1;
    int score = 0;
    for (qsizetype i = 0; i < decoded.size(); ++i) {
        score <<= 1;
        if (isParam(r.segments[i])) {
            if (decoded[i].isEmpty())
                return -1;
        } else if (r.segments[i] != decoded[i]) {
            return -1;
        } else {
            score |= 1;
        }
    }
    return score;
}

} // namespace

std::optional<QList<QByteArray>> Router::splitPath(QByteArrayView path) {
    if (!path.startsWith('/'))
        return std::nullopt;
    QList<QByteArray> out;
    const QByteArray p = path.sliced(1).toByteArray();
    if (p.isEmpty())
        return out;
    for (const QByteArray &raw : p.split('/')) {
        const QByteArray seg = QByteArray::fromPercentEncoding(raw);
        if (seg.contains('/') || seg.contains('\0'))
            return std::nullopt;
        out.append(seg);
    }
    return out;
}

bool Router::add(QByteArray method, QByteArrayView pattern, quint64 maxBody, Handler handler) {
    const auto segments = splitPath(pattern);
    if (!segments || method.isEmpty() || !handler)
        return false;
    if (segments->size() > 31) // the fit score is an int bitmask
        return false;
    for (const QByteArray &s : *segments) {
        if (s.isEmpty() || (s.contains('{') && !isParam(s)))
            return false;
    }
    m_routes.append(Route{std::move(method), *segments, maxBody, std::move(handler)});
    return true;
}

RouteMatch Router::match(QByteArrayView method, QByteArrayView rawPath) const {
    RouteMatch m;
    const auto decoded = splitPath(rawPath);
    if (!decoded) {
        m.kind = RouteMatch::Kind::BadPath;
        return m;
    }
    const bool head = method == "HEAD";
    int best = -1;
    QStringList allowed;
    for (const Route &r : m_routes) {
        const int score = fit(r, *decoded);
        if (score < 0)
            continue;
        if (!allowed.contains(QString::fromLatin1(r.method)))
            allowed << QString::fromLatin1(r.method);
        if (r.method == "GET" && !allowed.contains(QStringLiteral("HEAD")))
            allowed << QStringLiteral("HEAD");
        const bool methodFits = r.method == method || (head && r.method == "GET");
        // An explicit HEAD route beats GET's implicit one at the same score.
        const int ranked = score * 2 + (r.method == method ? 1 : 0);
        if (methodFits && ranked > best) {
            best = ranked;
            m.route = &r;
        }
    }
    if (m.route) {
        m.kind = RouteMatch::Kind::Found;
        for (qsizetype i = 0; i < decoded->size(); ++i) {
            const QByteArray &s = m.route->segments[i];
            if (isParam(s)) {
                m.params.insert(QString::fromUtf8(s.sliced(1, s.size() - 2)),
                                QString::fromUtf8((*decoded)[i]));
            }
        }
    } else if (!allowed.isEmpty()) {
        m.kind = RouteMatch::Kind::WrongMethod;
        m.allow = allowed.join(QStringLiteral(", ")).toLatin1();
    }
    return m;
}

} // namespace tidings::http
