#pragma once
// Offline drain benchmark (issue 11: "1,000 messages waiting for an offline device: connect →
// last one received, in order"). A sender and a receiver register; the receiver disconnects; the
// sender stores `messages` messages in its conversation (pipelined, each acked as stored); then
// the receiver's device connects again with its token and the time runs from opening the socket
// to the last message received. Repeated `rounds` times (each round its own messages); checks
// that every message arrived exactly once and in seq order.
#include <QObject>
#include <QUrl>

#include <vector>

namespace tidings::bench {

class Device;

class DrainLoad : public QObject {
public:
    struct Options {
        QUrl url;
        int messages = 1000;
        int rounds = 5;
        QString prefix;
    };
    explicit DrainLoad(Options o)
        : m_o(std::move(o)) {}
    void start();

private:
    void fill();
    void reconnect();
    void finish();
    void fail(const QString &msg);

    Options m_o;
    Device *m_sender = nullptr;
    Device *m_receiver = nullptr;
    QByteArray m_receiverToken;
    quint64 m_conv = 0;
    int m_round = 0;
    int m_acked = 0;
    quint64 m_lastSeq = 0; //!< the last seq the receiver has (order check)
    int m_received = 0;
    int m_outOfOrder = 0;
    qint64 m_connectNs = 0;
    std::vector<double> m_drainMs;
    std::vector<double> m_firstMs;
};

} // namespace tidings::bench
