#pragma once
// The authentication-first rule: a new connection may register, log in or authenticate with a
// device token, one attempt at a time; anything else is refused and the connection closed.
#include "protocol/codec.h"

#include <functional>

namespace tidings::server {

class Accounts;
class Clock;
class Session;

class Handshake {
public:
    //! `signedIn` runs once a session is authenticated and has its answer.
    Handshake(Accounts &accounts, const Clock &clock, std::function<void(Session *)> signedIn)
        : m_accounts(accounts)
        , m_clock(clock)
        , m_signedIn(std::move(signedIn)) {}

    //! `session` is not authenticated yet.
    void handle(Session *session, const protocol::Frame &frame);

private:
    Accounts &m_accounts;
    const Clock &m_clock;
    std::function<void(Session *)> m_signedIn;
};

} // namespace tidings::server
