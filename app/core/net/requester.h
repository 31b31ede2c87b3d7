#pragma once
// The one typed request helper of the client's feature modules: call<Response>() sends a request
// once a session is up, checks the answer's body and hands over the typed response, so a module's
// handler only converts. Server errors, transport failures and answers with the wrong body all
// arrive as Error values.
#include "core/net/frame_sink.h"

#include <QList>

#include <functional>

namespace tidings::client {

//! Which Frame body carries a response type (one specialisation per response below).
template <typename Response> struct ResponseBody;

#define TIDINGS_RESPONSE_BODY(Type, bodyCase, field)                                               \
    template <> struct ResponseBody<Type> {                                                        \
        static constexpr Frame::BodyCase kCase = Frame::bodyCase;                                  \
        static Type *take(Frame &frame) { return frame.mutable_##field(); }                        \
    };
TIDINGS_RESPONSE_BODY(wire::Ok, kOk, ok)
TIDINGS_RESPONSE_BODY(wire::Pong, kPong, pong)
TIDINGS_RESPONSE_BODY(wire::LoginResponse, kLoginResponse, login_response)
TIDINGS_RESPONSE_BODY(wire::AuthResponse, kAuthResponse, auth_response)
TIDINGS_RESPONSE_BODY(wire::ConversationInfo, kConversationInfo, conversation_info)
TIDINGS_RESPONSE_BODY(wire::ReadersResponse, kReadersResponse, readers_response)
TIDINGS_RESPONSE_BODY(wire::DevicesResponse, kDevicesResponse, devices_response)
TIDINGS_RESPONSE_BODY(wire::PresenceResponse, kPresenceResponse, presence_response)
TIDINGS_RESPONSE_BODY(wire::ContactsResponse, kContactsResponse, contacts_response)
TIDINGS_RESPONSE_BODY(wire::ProfilesResponse, kProfilesResponse, profiles_response)
TIDINGS_RESPONSE_BODY(wire::KeysResponse, kKeysResponse, keys_response)
TIDINGS_RESPONSE_BODY(wire::DeviceListResponse, kDeviceListResponse, device_list_response)
TIDINGS_RESPONSE_BODY(wire::MediaTokenResponse, kMediaTokenResponse, media_token_response)
TIDINGS_RESPONSE_BODY(wire::AccountKeyPush, kAccountKeyPush, account_key_push)
TIDINGS_RESPONSE_BODY(wire::RecoverAccountResponse, kRecoverAccountResponse,
                      recover_account_response)
#undef TIDINGS_RESPONSE_BODY

//! An answer whose body is not the one the request expects (a server bug or a protocol
//! mismatch): code BadFrame with a detail no server error carries, so it can be told apart from
//! a BAD_FRAME error sent by the server.
Error unexpectedAnswer();
bool isUnexpectedAnswer(const Error &error);
//! Network or Timeout: the socket is gone, the request may not have reached the server.
bool isTransport(ErrorCode code);

//! The typed response inside `answer`, or why there is none.
template <typename Response> Result<Response> expectBody(Result<Frame> answer) {
    if (!answer)
        return answer.error();
    if (answer->body_case() != ResponseBody<Response>::kCase)
        return unexpectedAnswer();
    return Response(std::move(*ResponseBody<Response>::take(*answer)));
}

template <typename T> Status statusOf(const Result<T> &result) {
    return result ? Status() : Status(result.error());
}

//! Reads go again after a reconnect (asking twice is harmless); changes do not (a retry could
//! apply them twice), so their transport failure reaches the caller.
enum class Retry { No, AfterReconnect };

template <typename Response> using ResponseDone = std::function<void(Result<Response>)>;

class Requester {
public:
    explicit Requester(FrameSink *sink);
    Requester(const Requester &) = delete;
    Requester &operator=(const Requester &) = delete;

    //! Sends `frame` once a session is up (at once when there is one) and answers `done` exactly
    //! once with the typed response or an Error.
    template <typename Response> void call(Frame frame, Retry retry, ResponseDone<Response> done) {
        callFrame(std::move(frame), retry, [done = std::move(done)](Result<Frame> answer) {
            done(expectBody<Response>(std::move(answer)));
        });
    }
    //! A change the server answers with Ok (no retry).
    void callOk(Frame frame, std::function<void(Status)> done);
    //! Sends on the current socket without waiting for a session: the handshake itself, pings,
    //! renewals done while the session starts. timeoutMs <= 0 uses the connection's default.
    template <typename Response>
    void callNow(Frame frame, ResponseDone<Response> done, int timeoutMs = 0) {
        m_sink->request(
            std::move(frame),
            [done = std::move(done)](Result<Frame> answer) {
                done(expectBody<Response>(std::move(answer)));
            },
            timeoutMs);
    }

    //! Runs `action` now if a session is up, else when the next one starts.
    void whenAuthenticated(std::function<void()> action);
    //! A session started: runs what waited for it (in order).
    void sessionStarted();
    //! The client stopped: what waited for a session is dropped unanswered.
    void dropWaiting();
    bool isAuthenticated() const { return m_sink->isAuthenticated(); }
    FrameSink *sink() const { return m_sink; }

private:
    void callFrame(Frame frame, Retry retry, ResponseHandler done);

    FrameSink *m_sink;
    QList<std::function<void()>> m_waiting;
};

} // namespace tidings::client
