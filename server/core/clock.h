#pragma once
// The one place the server asks what time it is. Injected everywhere (no static "now"), so tests
// move time by hand: rate-limit windows, typing expiry, retention.
#include <QDateTime>

#include <functional>

namespace tidings::server {

class Clock {
public:
    virtual ~Clock() = default;
    //! Milliseconds since the epoch.
    virtual qint64 nowMs() const = 0;
};

class SystemClock final : public Clock {
public:
    qint64 nowMs() const override { return QDateTime::currentMSecsSinceEpoch(); }
};

//! Adapts ServerConfig::clock (a function, as the integration tests set it).
class FunctionClock final : public Clock {
public:
    explicit FunctionClock(std::function<qint64()> now)
        : m_now(std::move(now)) {}
    qint64 nowMs() const override { return m_now(); }

private:
    std::function<qint64()> m_now;
};

//! Stands still until told to move: for unit tests.
class FakeClock final : public Clock {
public:
    explicit FakeClock(qint64 startMs = 1'700'000'000'000)
        : m_now(startMs) {}
    qint64 nowMs() const override { return m_now; }
    void advance(qint64 ms) { m_now += ms; }
    void set(qint64 ms) { m_now = ms; }

private:
    qint64 m_now;
};

} // namespace tidings::server
