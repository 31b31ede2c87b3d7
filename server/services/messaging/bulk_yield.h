#pragma once
// Bulk traffic yields to interactive traffic. A big group's message costs the machine hundreds
// of deliveries (tidingsd's writes, the members' clients, their acks); a sender that keeps a
// few in flight flat out fills every core, and everyone's 1:1 messages then wait for a core at
// each of the processes they cross (1:1 p99 70-85 ms beside a flat-out 500-member group against
// 5-15 ms alone, docs/PERFORMANCE.md). No priority inside one process reaches the others, so
// the bulk shard is slowed at its source instead: while 1:1 sends are being stored slower than
// they are when the machine is free, the bulk shard waits between its batches (twice as long
// each time it is still slow, an eighth shorter each time it is not); without interactive
// traffic it never waits. A delay-based controller, as LEDBAT is for background transfers.
//
// Pure logic over times given by the caller (microseconds of a monotonic clock), so that tests
// drive it without timers.
#include <QtGlobal>

namespace tidings::server {

class BulkYield {
public:
    //! The pause never grows past this: a big group still moves at a few batches a second.
    static constexpr qint64 kMaxPauseUs = 200'000;
    //! First pause when interactive traffic is slow; a pause that shrinks below it ends.
    static constexpr qint64 kStepUs = 2'000;
    //! Interactive traffic is "present" for this long after its last stored batch.
    static constexpr qint64 kPresenceUs = 500'000;
    //! The floor is the least latency seen over the last one to two of these windows.
    static constexpr qint64 kFloorWindowUs = 2'000'000;
    //! Slow: the smoothed latency is above 1.5 times the floor plus this margin.
    static constexpr qint64 kMarginUs = 500;

    //! An interactive batch was stored; `latencyUs` from its oldest item's arrival to now.
    void interactiveStored(qint64 nowUs, qint64 latencyUs);
    //! How long the bulk shard waits before its next batch; called once per bulk batch.
    qint64 nextPauseUs(qint64 nowUs);

    qint64 floorUs() const;
    qint64 smoothedUs() const { return m_smoothedUs; }
    bool slow(qint64 nowUs) const;

private:
    //! Interactive traffic was stored within kPresenceUs.
    bool present(qint64 nowUs) const;

    qint64 m_lastInteractiveUs = -1;
    qint64 m_smoothedUs = 0;
    // Two windows of minima: the floor forgets a machine that was faster a while ago.
    qint64 m_windowStartUs = -1;
    qint64 m_minCurrentUs = -1;
    qint64 m_minPreviousUs = -1;
    qint64 m_pauseUs = 0;
};

} // namespace tidings::server
