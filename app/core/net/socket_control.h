#pragma once
// What the account module needs to run sessions over a socket: open it, close it, drop it and
// reconnect, and declare its handshake done. Connection implements it over a WebSocket; unit tests
// implement it with a recorder, so the handshake logic runs without a socket.
#include "core/net/frame_sink.h"

class QUrl;
class QString;

namespace tidings::client {

class SocketControl : public FrameSink {
public:
    //! Starts connecting to `url` and keeps reconnecting until close().
    virtual void open(const QUrl &url) = 0;
    //! Closes the socket and stops reconnecting. Pending requests fail with Network.
    virtual void close() = 0;
    //! Drops the current socket and reconnects after the next backoff delay.
    virtual void reconnect(const QString &reason) = 0;
    //! The handshake on the current socket succeeded.
    virtual void markAuthenticated() = 0;
    //! The certificate fingerprint (SHA-256, AB:CD:…) the user trusted for the server although
    //! no authority signed it (empty: authorities only). Applies to the next connection.
    virtual void setPinnedCertificate(const QString &sha256) { (void)sha256; }
    //! The fingerprint of the certificate the server presented last (empty: none seen).
    virtual QString presentedCertificate() const { return {}; }
};

} // namespace tidings::client
