#pragma once
// Method + path-pattern routing. A pattern is a path whose segments are literals or {name}
// (exactly one non-empty segment, percent-decoded, never containing '/' or NUL). Literal matches
// win over parameters segment by segment, so "/media/uploads/stats" and "/media/uploads/{id}"
// can coexist.
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace tidings::http {

class HttpExchange;
using Handler = std::function<void(HttpExchange *)>;

struct Route {
    QByteArray method; //!< "GET", "PUT", ...; GET routes also answer HEAD
    QList<QByteArray> segments;
    //! Largest request body accepted, checked against Content-Length before any byte is read.
    quint64 maxBody = 0;
    Handler handler;
};

struct RouteMatch {
    enum class Kind { Found, NoPath, WrongMethod, BadPath };
    Kind kind = Kind::NoPath;
    const Route *route = nullptr;
    QHash<QString, QString> params;
    QByteArray allow; //!< for WrongMethod: "GET, HEAD, PUT"
};

class Router {
public:
    //! Returns false (and adds nothing) for a malformed pattern.
    [[nodiscard]] bool add(QByteArray method, QByteArrayView pattern, quint64 maxBody,
                           Handler handler);
    //! `rawPath` is the request's path, still percent-encoded.
    RouteMatch match(QByteArrayView method, QByteArrayView rawPath) const;

private:
    static std::optional<QList<QByteArray>> splitPath(QByteArrayView path);
    QList<Route> m_routes;
};

} // namespace tidings::http
