#pragma once
// The server's counters, gauges and histograms, rendered in the Prometheus text format (GET
// /metrics, issue 13; docs/OPERATIONS.md lists them). One object per Server, handed to whoever
// counts (the sessions, the dispatcher): there is no global registry. Counting is a few integer
// additions on the event loop's thread; gauges are read when the text is rendered, so they cost
// nothing between scrapes.
#include "protocol/result.h"

#include <QByteArray>
#include <QHash>

#include <array>
#include <functional>
#include <vector>

namespace tidings::server {

class Metrics {
public:
    //! Upper bounds (milliseconds) of the send → stored latency histogram's buckets.
    static constexpr std::array<double, 12> kLatencyBucketsMs{0.5, 1,   2,   5,    10,   25,
                                                              50,  100, 250, 1000, 2500, 10000};

    //! A message send was answered as stored, `elapsedUs` after its frame arrived.
    void messageStored(qint64 elapsedUs);
    //! Messages pushed to connected devices (one per device and message).
    void messagesDelivered(qint64 count) { m_delivered += quint64(count); }
    //! A request answered with an error (by the error's code).
    void requestFailed(ErrorCode code) { ++m_errors[int(code)]; }
    void frameReceived() { ++m_frames; }

    quint64 messagesStoredTotal() const { return m_stored; }
    quint64 messagesDeliveredTotal() const { return m_delivered; }
    quint64 errorsTotal() const;

    enum class Kind { Gauge, Counter };
    //! A value read at render time (sessions, pool queue, process figures); `help` is one line.
    void addValue(QByteArray name, Kind kind, QByteArray help, std::function<double()> read);
    //! Every metric in the Prometheus text exposition format 0.0.4.
    QByteArray render() const;

private:
    struct Value {
        QByteArray name;
        Kind kind;
        QByteArray help;
        std::function<double()> read;
    };
    quint64 m_stored = 0;
    quint64 m_delivered = 0;
    quint64 m_frames = 0;
    std::array<quint64, kLatencyBucketsMs.size()> m_latencyBuckets{};
    double m_latencySumSeconds = 0;
    QHash<int, quint64> m_errors;
    std::vector<Value> m_values;
};

//! The process's own figures from /proc/self (Linux; zeros elsewhere): what Prometheus'
//! process collector reports for other servers.
struct ProcessStats {
    double cpuSeconds = 0;
    double residentBytes = 0;
    double virtualBytes = 0;
    double openFds = 0;
    double startTimeSeconds = 0; //!< since the epoch
    static ProcessStats read();
};

} // namespace tidings::server
