#pragma once
// One device's connection as the router sees it. The gateway's Session implements it; tests
// use fakes.
#include "routing/push.h"

#include <QString>

namespace tidings::server {

class Endpoint {
public:
    virtual ~Endpoint() = default;
    //! Messages may be held briefly to share a frame; nothing else overtakes them.
    virtual void deliver(const Push &push) = 0;
    virtual void disconnect(const QString &reason) = 0;
};

} // namespace tidings::server
