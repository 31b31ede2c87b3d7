#pragma once
// What the sync engine needs from a connection. Connection implements it over a WebSocket; the
// unit tests implement it with a recorder, so the sync logic runs without a socket.
#include "proto/tidings.pb.h"
#include "protocol/result.h"

#include <functional>

namespace tidings::client {

using Frame = wire::Frame;
//! Receives the response frame (never an error body: those arrive as Error) or a client-side
//! Network/Timeout error. Always called later from the event loop, never inside request().
using ResponseHandler = std::function<void(Result<Frame>)>;

class FrameSink {
public:
    virtual ~FrameSink() = default;
    //! Sends a request with a fresh request_id (overwriting the frame's) and calls `handler`
    //! exactly once with the response, an error, or a timeout. timeoutMs <= 0 uses the default.
    virtual quint64 request(Frame frame, ResponseHandler handler, int timeoutMs = 0) = 0;
    //! Fire-and-forget (acks): request_id 0. Returns false when there is no open socket.
    virtual bool post(const Frame &frame) = 0;
    //! True once the socket authenticated; requests other than the handshake need it.
    virtual bool isAuthenticated() const = 0;
};

} // namespace tidings::client
