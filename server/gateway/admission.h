#pragma once
// Per-connection fairness: how much of one connection's work may be inside the services at once.
//
// Every authenticated request is admitted into a lane before the dispatcher sees it, and counts
// as in flight until its answer is handed back. Past a lane's bound the request waits here, in
// order, and runs when one of the connection's own earlier requests has finished. So one client
// can never have more than a few statements queued on a database connection that other users'
// messages share (4,987 history requests from one socket stalled a quarter of all conversations
// for 15 s before this), nor more than a bounded number of bytes parked in the server. A client
// that piles up more waiting requests than `maxWaitingBytes` is disconnected (Overflow): it was
// told nothing was done, so nothing it was promised is lost.
//
// Reads (history, group info, readers, bundles, lists) have their own small lane, so that a
// client catching up on many conversations still gets its sends through at once.
#include "protocol/codec.h"

#include <QList>

#include <optional>

namespace tidings::server {

class Admission {
public:
    enum class Lane { Normal, Read };
    enum class Verdict { Run, Wait, Overflow };
    struct Limits {
        int maxInFlight = 256;                      //!< Normal lane: requests in the services
        qint64 maxInFlightBytes = 16 * 1024 * 1024; //!< Normal lane: their frames' bytes
        int maxReadsInFlight = 4;                   //!< Read lane: requests in the services
        qint64 maxWaitingBytes = 16 * 1024 * 1024;  //!< both lanes: frames waiting here
    };
    struct Request {
        protocol::Frame frame;
        qint64 bytes = 0;
        Lane lane = Lane::Normal;
    };

    explicit Admission(Limits limits)
        : m_limits(limits) {}

    //! What a waiting request is charged on top of its frame's bytes: a decoded frame and its
    //! queue entry take a few hundred bytes however small the frame was on the wire (counting
    //! wire bytes only, 16-byte history requests held ~200 MB under a 16 MiB bound).
    static constexpr qint64 kWaitingOverhead = 512;

    static Lane laneOf(protocol::Frame::BodyCase body);

    //! Run: `request` is counted in flight and the caller runs it now (and calls finished()).
    //! Wait: it was queued. Overflow: too much is waiting; it was dropped.
    Verdict offer(Request &request);
    //! A request that ran has been answered.
    void finished(Lane lane, qint64 bytes);
    //! The oldest waiting request whose lane has room, counted in flight; nullopt if none.
    std::optional<Request> next();

    bool hasWaiting() const { return !m_normal.waiting.isEmpty() || !m_read.waiting.isEmpty(); }
    qint64 waitingBytes() const { return m_waitingBytes; }
    int inFlight(Lane lane) const { return lane == Lane::Read ? m_read.count : m_normal.count; }
    void clear();

private:
    struct State {
        int count = 0;
        qint64 bytes = 0;
        //! A QList, not a std::deque: libstdc++'s deque allocates ~600 bytes even when empty,
        //! and every idle connection has two of these (issue 11: ≤ 16 KB per connection).
        QList<Request> waiting;
    };
    State &state(Lane lane) { return lane == Lane::Read ? m_read : m_normal; }
    bool hasRoom(Lane lane, qint64 bytes) const;

    Limits m_limits;
    State m_normal;
    State m_read;
    qint64 m_waitingBytes = 0;
};

} // namespace tidings::server
