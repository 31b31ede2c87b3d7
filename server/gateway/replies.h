#pragma once
// The reply callbacks the gateway hands to services: they encode a Result into the answer frame
// for the request id they were made for, and drop it if the connection went away meanwhile. Each
// keeps the request's admission ticket and finishes it when called: the connection's next waiting
// request may run then.
#include "core/caller.h"
#include "gateway/session.h"

#include <QPointer>

namespace tidings::server {

//! `fill(value, frame)` writes the answer body.
template <typename T, typename Fill>
Reply<T> replyTo(Session *session, quint64 requestId, Fill fill) {
    return [guard = QPointer<Session>(session), ticket = session->currentTicket(), requestId,
            fill](Result<T> r) {
        if (ticket)
            ticket->finish();
        if (!guard)
            return;
        if (!r)
            return guard->sendError(requestId, r.error());
        protocol::Frame out;
        out.set_request_id(requestId);
        fill(*r, out);
        guard->send(out);
    };
}

//! Ok, or the error. Fire-and-forget requests (request id 0) get no Ok.
inline StatusReply okTo(Session *session, quint64 requestId) {
    return [guard = QPointer<Session>(session), ticket = session->currentTicket(),
            requestId](Status s) {
        if (ticket)
            ticket->finish();
        if (!guard)
            return;
        if (!s)
            return guard->sendError(requestId, s.error());
        if (!requestId)
            return;
        protocol::Frame ok;
        ok.set_request_id(requestId);
        ok.mutable_ok();
        guard->send(ok);
    };
}

} // namespace tidings::server
