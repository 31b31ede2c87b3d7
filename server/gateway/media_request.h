#pragma once
// The small parsers of the media endpoints' request heads and of the front door, as pure
// functions of their bytes (the fuzz target tests/fuzz/fuzz_media_request.cpp drives them).
// Everything that does not parse is refused with a typed error by the caller; nothing here
// allocates more than its input.
#include <QByteArrayView>
#include <QString>

#include <optional>

namespace tidings::server::mediarequest {

//! Upload-Length / Upload-Offset: 1 to 19 decimal digits (values below 10^19), nothing else (no
//! sign, no spaces: the head parser trimmed the value already).
std::optional<quint64> parseByteCount(QByteArrayView value);

//! The token of "Authorization: Bearer <token>" (the scheme in any case, then spaces); empty when
//! the header is missing or another scheme.
QByteArrayView bearerToken(QByteArrayView authorization);

//! Upload-Sha256: 64 hex digits in either case, as lower case; nothing otherwise.
std::optional<QString> parseSha256Hex(QByteArrayView value);

//! An Upgrade header value that names the websocket protocol (a comma-separated token list,
//! case-insensitive).
bool upgradesToWebSocket(QByteArrayView upgrade);

//! Where the front door sends a new connection, judged from its first bytes.
enum class Route { NeedMore, WebSocket, Http };

//! `bytes`: what the connection sent so far; `limit`: how much the front door looks at. A GET
//! that is not for /media and asks to upgrade to websocket is a WebSocket; anything else (other
//! methods and paths, garbage, heads over the limit) is HTTP, decided as early as the bytes
//! allow (a media request is passed on after its request line's first bytes).
Route classify(QByteArrayView bytes, qsizetype limit);

} // namespace tidings::server::mediarequest
