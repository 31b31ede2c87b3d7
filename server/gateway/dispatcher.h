#pragma once
// Turns an authenticated device's request frame into a service call with domain arguments, and
// hands the service a reply callback that encodes its answer.
#include "gateway/services.h"
#include "protocol/codec.h"

namespace tidings::server {

class Session;

class Dispatcher {
public:
    explicit Dispatcher(Services services)
        : m_services(services) {}

    //! `session` is authenticated; answers UNKNOWN_FRAME for what is not a request it serves.
    void dispatch(Session *session, const protocol::Frame &frame);

private:
    Services m_services;
};

} // namespace tidings::server
