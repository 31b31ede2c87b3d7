#pragma once
// Waiting for a condition while the event loop runs, for benchmarks that time event-driven paths.
// Not QTest::qWaitFor: it sleeps 10 ms between event-loop passes, so every hop of a measured path
// (a socket read, a queued call, a cross-thread hand-over) may wait for that sleep — the ~70 ms
// "floor" of a lone message in tidings-e2e-latency was seven such hops, not the product.
#include <functional>

namespace tidings::test {

//! Runs the event loop (blocking in poll, no sleeps) until `done` is true, checked every 2 ms,
//! or `timeoutMs` passed; returns `done()`.
bool waitForEvents(const std::function<bool()> &done, int timeoutMs);

} // namespace tidings::test
