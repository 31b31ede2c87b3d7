#pragma once
// The media endpoints (docs/PROTOCOL.md, "Media") on the streaming HTTP server: requests into
// MediaService calls with a MediaCaller and plain values, results into statuses, headers and
// JSON bodies {"error": NAME, "detail": ...} with the wire's error names. Chunks stream from the
// socket into the upload's file piece by piece; downloads stream from the blob's file with
// ranges. Also refuses plain HTTP on the WebSocket path and WebSocket upgrades on media paths.
namespace tidings::http {
class HttpServer;
}

namespace tidings::server {

class MediaService;

class MediaHttp {
public:
    explicit MediaHttp(MediaService &media)
        : m_media(media) {}

    //! False when a route could not be registered (a programming error).
    [[nodiscard]] bool addRoutes(http::HttpServer &server);

private:
    MediaService &m_media;
};

} // namespace tidings::server
