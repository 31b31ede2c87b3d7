#include "gateway/handshake.h"

#include "core/clock.h"
#include "gateway/session.h"
#include "gateway/wire_mapping.h"

#include <QPointer>

namespace tidings::server {

void Handshake::handle(Session *session, const protocol::Frame &frame) {
    using F = protocol::Frame;
    const quint64 rid = frame.request_id();
    if (session->state() == Session::State::Authenticating) {
        // One authentication attempt at a time; the client waits for its answer.
        session->sendError(
            rid, Error{ErrorCode::NotAuthenticated, QStringLiteral("authentication in progress")});
        return;
    }
    QPointer<Session> guard(session);
    auto onLogin = [this, guard, rid](Result<Login> r) {
        if (!guard || guard->state() == Session::State::Closing)
            return;
        if (!r) {
            // The client may try again on the same connection; the rate limiter bounds that.
            guard->setUnauthenticated();
            guard->sendError(rid, r.error());
            return;
        }
        guard->authenticated(Caller{r->userId, r->deviceId, r->username});
        F out;
        out.set_request_id(rid);
        if (r->token.isEmpty()) {
            auto *a = out.mutable_auth_response();
            a->set_user_id(r->userId);
            a->set_device_id(r->deviceId);
            a->set_username(r->username.toStdString());
            a->set_server_time_ms(m_clock.nowMs());
            a->set_display_name(r->displayName.toStdString());
            if (!r->renewedToken.isEmpty())
                a->set_renewed_token(r->renewedToken.toStdString());
            a->set_token_expires_at_ms(r->tokenExpiresMs);
            a->set_signed_groups(true); // group logs are stored and relayed (issue 12)
        } else {
            auto *l = out.mutable_login_response();
            l->set_user_id(r->userId);
            l->set_device_id(r->deviceId);
            l->set_device_token(r->token.toStdString());
            l->set_username(r->username.toStdString());
            l->set_token_expires_at_ms(r->tokenExpiresMs);
        }
        guard->send(out);
        m_signedIn(guard);
    };
    switch (frame.body_case()) {
    case F::kRegisterRequest:
        session->setAuthenticating();
        m_accounts.registerAccount(mapping::fromWire(frame.register_request()), session->peer(),
                                   onLogin);
        return;
    case F::kLoginRequest:
        session->setAuthenticating();
        m_accounts.login(mapping::fromWire(frame.login_request()), session->peer(), onLogin);
        return;
    case F::kAuthRequest:
        session->setAuthenticating();
        m_accounts.authenticate(QByteArray::fromStdString(frame.auth_request().device_token()),
                                session->peer(), onLogin);
        return;
    default:
        session->sendError(rid,
                           Error{ErrorCode::NotAuthenticated,
                                 QStringLiteral("authenticate first (register, login or auth)")});
        session->close(QStringLiteral("not authenticated"));
        return;
    }
}

} // namespace tidings::server
