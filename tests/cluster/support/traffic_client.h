#pragma once
// A device under steady traffic for the cluster's failure tests: it sends into one conversation
// at a fixed pace and records what it is told and what it receives, and it behaves like the
// desktop client's connection where failures are concerned: after a lost connection it
// reconnects with the client's own Backoff (full jitter, 500 ms doubling to 30 s), or within a
// second after a close with code 1012 (a node draining); after authenticating it sends again
// every send not yet acknowledged, with the same client message id (the server de-duplicates);
// like the client's sync engine it acknowledges delivery up to the highest seq it holds without
// a hole (its own sends included), and fetches a hole from history when it stays open for a
// second (a delivery cursor moved past a hole would keep the hole out of every later inbox
// drain). Everything is asynchronous: many run at once in the
// test's event loop.
#include "core/net/backoff.h"
#include "protocol/codec.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>

#include <map>
#include <set>

namespace tidings::test {

class TrafficClient : public QObject {
    Q_OBJECT
public:
    TrafficClient(QUrl url, QByteArray token, quint64 conversationId, QString tag,
                  QObject *parent = nullptr);

    void start();
    //! Sends one message every `intervalMs` while connected (0: stop sending).
    void setPace(int intervalMs);
    //! Closes for good (no reconnect).
    void stop();

    bool isLive() const { return m_live; }
    //! Sends made so far (payloads "<tag>-<n>", n from 0), and those acknowledged (n → seq).
    int sent() const { return m_nextSend; }
    const std::map<int, quint64> &acked() const { return m_acked; }
    int unacked() const { return m_nextSend - int(m_acked.size()); }
    //! Every message received in `conversationId`, by seq: what the user sees. `receivedTotal`
    //! counts arrivals, duplicates included.
    const std::map<quint64, std::string> &received() const { return m_received; }
    int receivedTotal() const { return m_receivedTotal; }
    //! Connections lost, and the longest time from a loss to being authenticated again.
    int reconnects() const { return m_reconnects; }
    qint64 longestOutageMs() const { return m_longestOutageMs; }
    //! Typed errors the server answered sends with (e.g. INTERNAL during a failover).
    int sendErrors() const { return m_sendErrors; }
    //! Close codes seen (1012 for a drain, 1006 for a killed node...).
    const std::multiset<int> &closeCodes() const { return m_closeCodes; }

private:
    void connectNow();
    void onConnected();
    void onDisconnected();
    void onBinary(const QByteArray &data);
    void sendOne(int n);
    void tick();
    //! `seq` is held (received, or one of our own sends): moves the cursor over what has no
    //! hole below it and acknowledges it.
    void known(quint64 seq);
    void fetchHole();

    QUrl m_url;
    QByteArray m_token;
    quint64 m_conv;
    QString m_tag;
    QWebSocket m_socket;
    client::Backoff m_backoff;
    QTimer m_pace;
    QElapsedTimer m_down;
    bool m_live = false;
    bool m_stopped = false;
    bool m_everLive = false;
    quint64 m_nextRequest = 1;
    quint64 m_authRequest = 0;
    int m_nextSend = 0;
    std::map<quint64, int> m_inFlight; //!< request id → n
    std::map<int, quint64> m_acked;
    std::map<quint64, std::string> m_received;
    int m_receivedTotal = 0;
    int m_reconnects = 0;
    qint64 m_longestOutageMs = 0;
    int m_sendErrors = 0;
    std::multiset<int> m_closeCodes;
    quint64 m_contiguous = 0; //!< every seq up to this is held
    quint64 m_ackedCursor = 0;
    std::set<quint64> m_above; //!< held seqs past a hole
    QTimer m_holeTimer;
    quint64 m_historyRequest = 0;
};

} // namespace tidings::test
