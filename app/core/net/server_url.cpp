#include "core/net/server_url.h"

#include <QHostAddress>

namespace tidings::client {

bool isLoopbackHost(const QString &host) {
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

bool isInsecureRemote(const QUrl &server) {
    return server.scheme() == u"ws" && !isLoopbackHost(server.host());
}

Status checkServerUrl(const QUrl &server, bool allowInsecure) {
    if (!server.isValid() || server.host().isEmpty() ||
        (server.scheme() != u"ws" && server.scheme() != u"wss"))
        return Error{ErrorCode::Usage, QStringLiteral("server must be a ws:// or wss:// URL")};
    if (isInsecureRemote(server) && !allowInsecure)
        return Error{ErrorCode::Usage,
                     QStringLiteral("ws://%1 is not encrypted: your password and device token "
                                    "would cross the network in clear. Use wss://, or allow an "
                                    "unencrypted connection to this server explicitly")
                         .arg(server.host())};
    return {};
}

} // namespace tidings::client
