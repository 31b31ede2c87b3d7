#include "gateway/admission.h"

namespace tidings::server {

Admission::Lane Admission::laneOf(protocol::Frame::BodyCase body) {
    using F = protocol::Frame;
    switch (body) {
    // Answers that read many rows (or many users' keys) from the database.
    case F::kHistoryRequest:
    case F::kReadersRequest:
    case F::kGroupInfoRequest:
    case F::kGroupLogRequest:
    case F::kContactsRequest:
    case F::kProfilesRequest:
    case F::kFetchBundlesRequest:
    case F::kDeviceListRequest:
    case F::kDevicesRequest:
    case F::kPresenceSubscribeRequest:
        return Lane::Read;
    default:
        return Lane::Normal;
    }
}

bool Admission::hasRoom(Lane lane, qint64 bytes) const {
    if (lane == Lane::Read)
        return m_read.count < m_limits.maxReadsInFlight;
    // One request always fits, however big (the codec bounds a frame already).
    return m_normal.count < m_limits.maxInFlight &&
           (m_normal.count == 0 || m_normal.bytes + bytes <= m_limits.maxInFlightBytes);
}

Admission::Verdict Admission::offer(Request &request) {
    State &s = state(request.lane);
    // Behind others of its lane it waits its turn, even if it would fit: order is kept per lane.
    if (s.waiting.isEmpty() && hasRoom(request.lane, request.bytes)) {
        ++s.count;
        s.bytes += request.bytes;
        return Verdict::Run;
    }
    if (m_waitingBytes + request.bytes + kWaitingOverhead > m_limits.maxWaitingBytes)
        return Verdict::Overflow;
    m_waitingBytes += request.bytes + kWaitingOverhead;
    s.waiting.push_back(std::move(request));
    return Verdict::Wait;
}

void Admission::finished(Lane lane, qint64 bytes) {
    State &s = state(lane);
    s.count = std::max(0, s.count - 1);
    s.bytes = std::max<qint64>(0, s.bytes - bytes);
}

std::optional<Admission::Request> Admission::next() {
    for (Lane lane : {Lane::Normal, Lane::Read}) {
        State &s = state(lane);
        if (s.waiting.isEmpty() || !hasRoom(lane, s.waiting.front().bytes))
            continue;
        Request r = s.waiting.takeFirst();
        m_waitingBytes -= r.bytes + kWaitingOverhead;
        ++s.count;
        s.bytes += r.bytes;
        return r;
    }
    return std::nullopt;
}

void Admission::clear() {
    m_normal.waiting.clear();
    m_read.waiting.clear();
    m_waitingBytes = 0;
}

} // namespace tidings::server
