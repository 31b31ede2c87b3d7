#pragma once
// One device's connection as the router sees it. The gateway's Session implements it; tests
// use fakes.
#include "protocol/result.h"
#include "routing/push.h"

namespace tidings::server {

class Endpoint {
public:
    virtual ~Endpoint() = default;
    //! Messages may be held briefly to share a frame; nothing else overtakes them.
    virtual void deliver(const Push &push) = 0;
    //! Tells the device why (an error frame) and closes the connection.
    virtual void disconnect(const Error &why) = 0;
};

} // namespace tidings::server
