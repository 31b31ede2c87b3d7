#include "traffic_client.h"

#include <QRandomGenerator>

namespace tidings::test {

TrafficClient::TrafficClient(QUrl url, QByteArray token, quint64 conversationId, QString tag,
                             QObject *parent)
    : QObject(parent)
    , m_url(std::move(url))
    , m_token(std::move(token))
    , m_conv(conversationId)
    , m_tag(std::move(tag)) {
    connect(&m_socket, &QWebSocket::connected, this, &TrafficClient::onConnected);
    connect(&m_socket, &QWebSocket::disconnected, this, &TrafficClient::onDisconnected);
    connect(&m_socket, &QWebSocket::binaryMessageReceived, this, &TrafficClient::onBinary);
    connect(&m_pace, &QTimer::timeout, this, &TrafficClient::tick);
    m_holeTimer.setSingleShot(true);
    connect(&m_holeTimer, &QTimer::timeout, this, &TrafficClient::fetchHole);
}

void TrafficClient::start() {
    m_down.start();
    connectNow();
}

void TrafficClient::setPace(int intervalMs) {
    if (intervalMs <= 0) {
        m_pace.stop();
        return;
    }
    m_pace.start(intervalMs);
}

void TrafficClient::stop() {
    m_stopped = true;
    m_pace.stop();
    m_socket.close();
}

void TrafficClient::connectNow() {
    if (m_stopped)
        return;
    m_socket.open(m_url);
}

void TrafficClient::onConnected() {
    protocol::Frame f;
    m_authRequest = m_nextRequest++;
    f.set_request_id(m_authRequest);
    f.mutable_auth_request()->set_device_token(m_token.toStdString());
    m_socket.sendBinaryMessage(protocol::encodeFrame(f));
}

void TrafficClient::onDisconnected() {
    const bool wasLive = std::exchange(m_live, false);
    m_inFlight.clear(); // their answers are lost: sent again after the next authentication
    m_historyRequest = 0;
    if (m_stopped)
        return;
    const int code = int(m_socket.closeCode());
    if (wasLive) {
        m_closeCodes.insert(code);
        ++m_reconnects;
        m_down.start();
    }
    // As the desktop client does: a node draining (1001 Going Away; 1012 would say so too) asks for
    // a reconnect soon; anything else backs off with full jitter.
    const int delay = (wasLive && (code == 1012 || code == 1001))
                          ? int(QRandomGenerator::global()->bounded(1000))
                          : m_backoff.nextDelayMs();
    QTimer::singleShot(delay, this, &TrafficClient::connectNow);
}

void TrafficClient::onBinary(const QByteArray &data) {
    auto f = protocol::decodeServerFrame(data);
    if (!f)
        return;
    if (f->request_id() != 0 && f->request_id() == m_authRequest) {
        if (!f->has_auth_response()) {
            m_socket.close(); // refused: try again later
            return;
        }
        m_live = true;
        m_backoff.reset();
        if (m_everLive)
            m_longestOutageMs = std::max(m_longestOutageMs, m_down.elapsed());
        m_everLive = true;
        // Everything not acknowledged goes again, same ids: stored once.
        for (int n = 0; n < m_nextSend; ++n)
            if (!m_acked.count(n))
                sendOne(n);
        if (!m_above.empty())
            m_holeTimer.start(1000);
        return;
    }
    if (f->request_id() != 0 && f->request_id() == m_historyRequest) {
        m_historyRequest = 0;
        if (!f->has_history_response())
            return m_holeTimer.start(1000);
        const auto &page = f->history_response().messages();
        quint64 last = 0;
        for (const auto &m : page) {
            last = std::max(last, quint64(m.seq()));
            if (!m.payload().empty() &&
                !QString::fromStdString(m.payload()).startsWith(m_tag + QLatin1Char('-'))) {
                ++m_receivedTotal;
                m_received.emplace(m.seq(), m.payload());
            }
        }
        // The page holds everything up to its last seq: no hole is left below it.
        for (quint64 s = m_contiguous + 1; s <= last; ++s)
            m_above.insert(s);
        known(0);
        return;
    }
    if (f->request_id() != 0) {
        const auto it = m_inFlight.find(f->request_id());
        if (it == m_inFlight.end())
            return;
        const int n = it->second;
        m_inFlight.erase(it);
        if (f->has_send_ack()) {
            m_acked[n] = f->send_ack().seq();
            known(f->send_ack().seq());
        } else if (f->has_error()) {
            // Typed and not stored: sent again a moment later.
            ++m_sendErrors;
            qInfo("%s: send %d refused: %s", qPrintable(m_tag), n, f->error().detail().c_str());
            QTimer::singleShot(200, this, [this, n] {
                if (m_live && !m_acked.count(n))
                    sendOne(n);
            });
        }
        return;
    }
    if (f->has_message_push()) {
        for (const auto &m : f->message_push().messages()) {
            if (m.conversation_id() != m_conv || m.payload().empty())
                continue;
            ++m_receivedTotal;
            m_received.emplace(m.seq(), m.payload());
            known(m.seq());
        }
    }
}

void TrafficClient::known(quint64 seq) {
    if (seq > m_contiguous)
        m_above.insert(seq);
    while (!m_above.empty() && *m_above.begin() <= m_contiguous + 1) {
        m_contiguous = std::max(m_contiguous, *m_above.begin());
        m_above.erase(m_above.begin());
    }
    if (m_live && m_contiguous > m_ackedCursor) {
        m_ackedCursor = m_contiguous;
        protocol::Frame ack;
        ack.mutable_delivery_ack()->set_conversation_id(m_conv);
        ack.mutable_delivery_ack()->set_seq(m_contiguous);
        m_socket.sendBinaryMessage(protocol::encodeFrame(ack));
    }
    // A hole gets a second (often its message is on its way), then is fetched.
    if (!m_above.empty() && !m_holeTimer.isActive() && !m_historyRequest)
        m_holeTimer.start(1000);
}

void TrafficClient::fetchHole() {
    if (m_above.empty() || !m_live || m_historyRequest)
        return;
    protocol::Frame f;
    m_historyRequest = m_nextRequest++;
    f.set_request_id(m_historyRequest);
    auto *h = f.mutable_history_request();
    h->set_conversation_id(m_conv);
    h->set_after_seq(m_contiguous);
    h->set_until_seq(*m_above.begin());
    h->set_limit(200);
    m_socket.sendBinaryMessage(protocol::encodeFrame(f));
}

void TrafficClient::sendOne(int n) {
    protocol::Frame f;
    const quint64 id = m_nextRequest++;
    f.set_request_id(id);
    auto *s = f.mutable_send_request();
    s->set_conversation_id(m_conv);
    const std::string text = QStringLiteral("%1-%2").arg(m_tag).arg(n).toStdString();
    s->set_client_message_id(text);
    s->set_payload(text);
    m_inFlight[id] = n;
    m_socket.sendBinaryMessage(protocol::encodeFrame(f));
}

void TrafficClient::tick() {
    if (!m_live)
        return;
    sendOne(m_nextSend++);
}

} // namespace tidings::test
