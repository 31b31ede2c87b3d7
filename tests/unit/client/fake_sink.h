#pragma once
// A FrameSink that records what the engine sends and lets a test answer each request, and a
// SocketControl (FakeSocket) that also records the session lifecycle calls of the account module.
#include "core/net/frame_sink.h"
#include "core/net/socket_control.h"

#include <QList>
#include <QStringList>
#include <QUrl>

namespace tidings::client::test {

template <typename Interface> class Recorder : public Interface {
public:
    struct Request {
        Frame frame;
        ResponseHandler handler;
        int timeoutMs = 0;
    };

    quint64 request(Frame frame, ResponseHandler handler, int timeoutMs = 0) override {
        frame.set_request_id(++m_nextId);
        requests.append(Request{std::move(frame), std::move(handler), timeoutMs});
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

class FakeSink : public Recorder<FrameSink> {};

class FakeSocket : public Recorder<SocketControl> {
public:
    void open(const QUrl &url) override { opened.append(url); }
    void close() override {
        ++closes;
        authenticated = false;
    }
    void reconnect(const QString &reason) override {
        reconnects.append(reason);
        authenticated = false;
    }
    void markAuthenticated() override {
        ++marks;
        authenticated = true;
    }

    QList<QUrl> opened;
    int closes = 0;
    QStringList reconnects;
    int marks = 0;
};

} // namespace tidings::client::test
