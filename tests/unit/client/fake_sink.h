#pragma once
// A FrameSink that records what the engine sends and lets a test answer each request.
#include "core/net/frame_sink.h"

#include <QList>

namespace tidings::client::test {

class FakeSink : public FrameSink {
public:
    struct Request {
        Frame frame;
        ResponseHandler handler;
    };

    quint64 request(Frame frame, ResponseHandler handler, int = 0) override {
        frame.set_request_id(++m_nextId);
        requests.append(Request{std::move(frame), std::move(handler)});
        return m_nextId;
    }
    bool post(const Frame &frame) override {
        if (!authenticated)
            return false;
        posted.append(frame);
        return true;
    }
    bool isAuthenticated() const override { return authenticated; }

    QList<Request> takeRequests() { return std::exchange(requests, {}); }
    QList<Frame> takePosted() { return std::exchange(posted, {}); }

    bool authenticated = true;
    QList<Request> requests;
    QList<Frame> posted;

private:
    quint64 m_nextId = 0;
};

} // namespace tidings::client::test
