#pragma once
// Group fan-out benchmark: N members, every one connected. Phase 1 sends `sends` messages one
// after another (each waits for the previous to reach every member) and measures the time from
// send to the LAST member's delivery; phase 2 sends flat out (a small window) for `seconds` and
// counts deliveries.
#include <QObject>
#include <QUrl>

#include <map>
#include <vector>

namespace tidings::bench {

class Device;

class GroupLoad : public QObject {
public:
    struct Options {
        QUrl url;
        int members = 500;
        int sends = 100;
        int seconds = 10;
        qint64 serverPid = 0;
        QString prefix;
    };
    explicit GroupLoad(Options o)
        : m_o(std::move(o)) {}
    void start();

private:
    void registered();
    void sendNext();
    void onDelivered(const std::string &id);
    void startFlatOut();
    void finish();
    void fail(const QString &msg);

    Options m_o;
    std::vector<Device *> m_devices;
    int m_registered = 0;
    quint64 m_group = 0;
    QHash<Device *, quint64> m_ackDue; //!< member → highest seq to ack when its timer fires
    bool m_flatOut = false;
    int m_latencySent = 0;
    quint64 m_next = 0;
    std::map<std::string, std::pair<qint64, int>> m_pending; //!< id -> (sent at, deliveries)
    std::vector<double> m_lastDeliveryUs;
    qint64 m_flatStartNs = 0;
    quint64 m_flatDeliveries = 0;
    quint64 m_flatComplete = 0;
    double m_cpuBefore = 0;
};

} // namespace tidings::bench
