#include "core/metrics.h"

#include <QDateTime>
#include <QDir>
#include <QFile>

#include <algorithm>
#include <cmath>

#include <unistd.h>

namespace tidings::server {

void Metrics::messageStored(qint64 elapsedUs) {
    ++m_stored;
    const double ms = double(elapsedUs) / 1000.0;
    m_latencySumSeconds += ms / 1000.0;
    for (std::size_t i = 0; i < kLatencyBucketsMs.size(); ++i) {
        if (ms <= kLatencyBucketsMs[i]) {
            ++m_latencyBuckets[i];
            break;
        }
    }
}

quint64 Metrics::errorsTotal() const {
    quint64 sum = 0;
    for (quint64 n : m_errors)
        sum += n;
    return sum;
}

void Metrics::addValue(QByteArray name, Kind kind, QByteArray help, std::function<double()> read) {
    m_values.push_back(Value{std::move(name), kind, std::move(help), std::move(read)});
}

namespace {

QByteArray number(double v) {
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    // Integers print without an exponent up to 2^53; fractions keep their precision.
    if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15)
        return QByteArray::number(qint64(v));
    return QByteArray::number(v, 'g', 15);
}

void header(QByteArray &out, const char *name, const char *type, const char *help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

} // namespace

QByteArray Metrics::render() const {
    QByteArray out;
    out.reserve(4096);
    header(out, "tidings_messages_stored_total", "counter",
           "Messages the server stored and acknowledged to their sender.");
    out += "tidings_messages_stored_total " + number(double(m_stored)) + '\n';
    header(out, "tidings_messages_delivered_total", "counter",
           "Messages pushed to connected devices (one per device and message).");
    out += "tidings_messages_delivered_total " + number(double(m_delivered)) + '\n';
    header(out, "tidings_frames_received_total", "counter",
           "Request frames received from authenticated devices.");
    out += "tidings_frames_received_total " + number(double(m_frames)) + '\n';

    header(out, "tidings_send_stored_seconds", "histogram",
           "Time from a send request's arrival to its stored acknowledgement.");
    quint64 cumulative = 0;
    for (std::size_t i = 0; i < kLatencyBucketsMs.size(); ++i) {
        cumulative += m_latencyBuckets[i];
        out += "tidings_send_stored_seconds_bucket{le=\"" + number(kLatencyBucketsMs[i] / 1000.0) +
               "\"} " + number(double(cumulative)) + '\n';
    }
    out += "tidings_send_stored_seconds_bucket{le=\"+Inf\"} " + number(double(m_stored)) + '\n';
    out += "tidings_send_stored_seconds_sum " + number(m_latencySumSeconds) + '\n';
    out += "tidings_send_stored_seconds_count " + number(double(m_stored)) + '\n';

    header(out, "tidings_request_errors_total", "counter",
           "Requests answered with an error, by the error's code.");
    QList<int> codes = m_errors.keys();
    std::sort(codes.begin(), codes.end());
    for (int code : codes) {
        out += "tidings_request_errors_total{code=\"";
        out += errorCodeName(ErrorCode(code));
        out += "\"} " + number(double(m_errors.value(code))) + '\n';
    }

    for (const Value &v : m_values) {
        header(out, v.name.constData(), v.kind == Kind::Counter ? "counter" : "gauge",
               v.help.constData());
        out += v.name + ' ' + number(v.read()) + '\n';
    }
    return out;
}

ProcessStats ProcessStats::read() {
    ProcessStats s;
#ifdef Q_OS_LINUX
    const double tick = double(sysconf(_SC_CLK_TCK));
    const double page = double(sysconf(_SC_PAGESIZE));
    QFile stat(QStringLiteral("/proc/self/stat"));
    if (stat.open(QIODevice::ReadOnly)) {
        // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
        const QByteArray line = stat.readAll();
        const QList<QByteArray> f = line.mid(line.lastIndexOf(')') + 2).split(' ');
        // f[0] is field 3 (state): utime is field 14, stime 15, starttime 22, vsize 23, rss 24.
        if (f.size() > 21) {
            s.cpuSeconds = (f[11].toDouble() + f[12].toDouble()) / tick;
            s.virtualBytes = f[20].toDouble();
            s.residentBytes = f[21].toDouble() * page;
            QFile up(QStringLiteral("/proc/uptime"));
            if (up.open(QIODevice::ReadOnly)) {
                const double uptime = up.readAll().split(' ').value(0).toDouble();
                const double bootEpoch =
                    double(QDateTime::currentMSecsSinceEpoch()) / 1000.0 - uptime;
                s.startTimeSeconds = std::floor(bootEpoch + f[19].toDouble() / tick);
            }
        }
    }
    s.openFds = double(QDir(QStringLiteral("/proc/self/fd"))
                           .entryList(QDir::Files | QDir::System | QDir::NoDotAndDotDot)
                           .size());
#endif
    return s;
}

} // namespace tidings::server
