#pragma once
// The one place the server asks what time it is. Injected everywhere (no static "now"), so tests
// move time by hand: rate-limit windows, typing expiry, retention.
#include <QDateTime>

#include <chrono>
#include <functional>

namespace tidings::server {

class Clock {
public:
    virtual ~Clock() = default;
    //! Milliseconds since the epoch.
    virtual qint64 nowMs() const = 0;
    //! Milliseconds on a clock that never jumps (monotonicMs() below), for deadlines and idle
    //! times: a wall clock set forward (NTP, or a test moving time to expire history) must not
    //! make every connection look silent. FakeClock moves both.
    virtual qint64 elapsedMs() const;
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
    qint64 elapsedMs() const override { return m_now; }
    void advance(qint64 ms) { m_now += ms; }
    void set(qint64 ms) { m_now = ms; }

private:
    qint64 m_now;
};

//! A monotonic clock in ms, for ages that must not move with the adjustable Clock (how long a
//! connection has been waiting, how recently something was created on this node).
inline qint64 monotonicMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

inline qint64 Clock::elapsedMs() const {
    return monotonicMs();
}

} // namespace tidings::server
