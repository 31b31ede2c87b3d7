#include "core/net/requester.h"

namespace tidings::client {

namespace {
const QString kUnexpected = QStringLiteral("unexpected answer");
} // namespace

Error unexpectedAnswer() {
    return Error{ErrorCode::BadFrame, kUnexpected};
}

bool isUnexpectedAnswer(const Error &error) {
    return error.code == ErrorCode::BadFrame && error.detail == kUnexpected;
}

bool isTransport(ErrorCode code) {
    return code == ErrorCode::Network || code == ErrorCode::Timeout;
}

Requester::Requester(FrameSink *sink)
    : m_sink(sink) {}

void Requester::callOk(Frame frame, std::function<void(Status)> done) {
    call<wire::Ok>(std::move(frame), Retry::No,
                   [done = std::move(done)](Result<wire::Ok> r) { done(statusOf(r)); });
}

void Requester::callFrame(Frame frame, Retry retry, ResponseHandler done) {
    whenAuthenticated([this, frame = std::move(frame), retry, done = std::move(done)]() mutable {
        Frame copy = frame;
        m_sink->request(std::move(copy), [this, frame = std::move(frame), retry,
                                          done = std::move(done)](Result<Frame> r) mutable {
            if (!r && retry == Retry::AfterReconnect && isTransport(r.error().code)) {
                callFrame(std::move(frame), retry, std::move(done)); // on the next session
                return;
            }
            done(std::move(r));
        });
    });
}

void Requester::whenAuthenticated(std::function<void()> action) {
    if (m_sink->isAuthenticated())
        action();
    else
        m_waiting.append(std::move(action));
}

void Requester::sessionStarted() {
    const auto waiting = std::exchange(m_waiting, {});
    for (const auto &action : waiting)
        action();
}

void Requester::dropWaiting() {
    m_waiting.clear();
}

} // namespace tidings::client
