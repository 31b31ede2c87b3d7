#include "raw_client.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTest>
#include <QTimer>
#include <algorithm>

namespace tidings::test {

bool waitFor(const std::function<bool()> &predicate, int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    QTimer tick; // wakes the loop now and then to check the deadline
    tick.start(20);
    while (!predicate()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
    return true;
}

wire::ErrorCode errorCode(const std::optional<protocol::Frame> &response) {
    return response && response->has_error() ? response->error().code() : wire::ERROR_NONE;
}

RawClient::RawClient(QUrl url, QObject *parent)
    : QObject(parent)
    , m_url(std::move(url)) {
    m_socket.setMaxAllowedIncomingMessageSize(64 * 1024 * 1024);
    connect(&m_socket, &QWebSocket::binaryMessageReceived, this, &RawClient::onBinary);
}

std::unique_ptr<RawClient> RawClient::registered(const QUrl &url, const QString &username) {
    auto c = std::make_unique<RawClient>(url);
    if (!c->connectNow()) {
        qWarning("cannot connect for %s", qPrintable(username));
        return nullptr;
    }
    auto r = c->registerUser(username);
    if (!r || c->userId == 0) {
        qWarning("cannot register %s: %s", qPrintable(username),
                 r ? r->error().detail().c_str() : "no answer");
        return nullptr;
    }
    if (!c->waitDrained()) {
        qWarning("no end of the inbox drain for device %llu", c->deviceId);
        return nullptr;
    }
    return c;
}

std::unique_ptr<RawClient> RawClient::loggedIn(const QUrl &url, const QString &username) {
    auto c = std::make_unique<RawClient>(url);
    if (!c->connectNow()) {
        qWarning("cannot connect for %s", qPrintable(username));
        return nullptr;
    }
    auto r = c->login(username, QString::fromLatin1(kPassword));
    if (!r || c->deviceId == 0) {
        qWarning("cannot log in %s: %s", qPrintable(username),
                 r ? r->error().detail().c_str() : "no answer");
        return nullptr;
    }
    if (!c->waitDrained()) {
        qWarning("no end of the inbox drain for device %llu", c->deviceId);
        return nullptr;
    }
    return c;
}

std::unique_ptr<RawClient> RawClient::authenticated(const QUrl &url, const QByteArray &token) {
    auto c = std::make_unique<RawClient>(url);
    if (!c->connectNow()) {
        qWarning("cannot connect to authenticate");
        return nullptr;
    }
    auto r = c->auth(token);
    if (!r || c->deviceId == 0) {
        qWarning("cannot authenticate: %s", r ? r->error().detail().c_str() : "no answer");
        return nullptr;
    }
    if (!c->waitDrained()) {
        qWarning("no end of the inbox drain for device %llu", c->deviceId);
        return nullptr;
    }
    return c;
}

bool RawClient::connectNow(int timeoutMs) {
    m_socket.open(m_url);
    return waitFor([this] { return isConnected(); }, timeoutMs);
}

bool RawClient::waitDisconnected(int timeoutMs) {
    return waitFor([this] { return m_socket.state() == QAbstractSocket::UnconnectedState; },
                   timeoutMs);
}

void RawClient::onBinary(const QByteArray &data) {
    auto f = protocol::decodeServerFrame(data);
    if (!f) {
        qWarning("test client got an invalid server frame: %s", qPrintable(f.error().toString()));
        return;
    }
    if (f->request_id() != 0) {
        m_responses[f->request_id()] = *f;
        return;
    }
    if (f->body_case() == protocol::Frame::kMessagePush) {
        for (const auto &m : f->message_push().messages())
            messages.push_back(m);
        return;
    }
    pushes.push_back(*f);
}

void RawClient::sendFrame(const protocol::Frame &frame) {
    m_socket.sendBinaryMessage(protocol::encodeFrame(frame));
}

std::optional<protocol::Frame> RawClient::request(protocol::Frame frame, int timeoutMs) {
    if (frame.request_id() == 0)
        frame.set_request_id(m_nextId++);
    const quint64 id = frame.request_id();
    sendFrame(frame);
    if (!waitFor([&] { return m_responses.count(id) > 0 || !isConnected(); }, timeoutMs))
        return std::nullopt;
    auto it = m_responses.find(id);
    if (it == m_responses.end())
        return std::nullopt;
    auto out = it->second;
    m_responses.erase(it);
    return out;
}

bool RawClient::ping(int timeoutMs) {
    protocol::Frame f;
    f.mutable_ping()->set_client_time_ms(QDateTime::currentMSecsSinceEpoch());
    auto r = request(f, timeoutMs);
    return r && r->has_pong();
}

quint64 RawClient::sendRequest(protocol::Frame frame) {
    if (frame.request_id() == 0)
        frame.set_request_id(m_nextId++);
    sendFrame(frame);
    return frame.request_id();
}

std::optional<protocol::Frame> RawClient::takeResponse(quint64 requestId) {
    auto it = m_responses.find(requestId);
    if (it == m_responses.end())
        return std::nullopt;
    auto out = it->second;
    m_responses.erase(it);
    return out;
}

std::vector<protocol::Frame> RawClient::pipeline(std::vector<protocol::Frame> frames,
                                                 int timeoutMs) {
    std::vector<quint64> ids;
    for (auto &f : frames) {
        f.set_request_id(m_nextId++);
        ids.push_back(f.request_id());
        sendFrame(f);
    }
    (void)waitFor(
        [&] {
            for (quint64 id : ids)
                if (!m_responses.count(id))
                    return !isConnected();
            return true;
        },
        timeoutMs);
    std::vector<protocol::Frame> out;
    for (quint64 id : ids) {
        auto it = m_responses.find(id);
        if (it == m_responses.end())
            break;
        out.push_back(it->second);
        m_responses.erase(it);
    }
    return out;
}

std::optional<protocol::Frame> RawClient::registerUser(const QString &name, const QString &pw) {
    protocol::Frame f;
    f.mutable_register_request()->set_username(name.toStdString());
    f.mutable_register_request()->set_password(pw.toStdString());
    f.mutable_register_request()->set_device_name("test");
    auto r = request(f);
    if (r && r->has_login_response()) {
        token = QByteArray::fromStdString(r->login_response().device_token());
        username = QString::fromStdString(r->login_response().username());
        userId = r->login_response().user_id();
        deviceId = r->login_response().device_id();
    }
    return r;
}

std::optional<protocol::Frame> RawClient::login(const QString &name, const QString &pw) {
    protocol::Frame f;
    f.mutable_login_request()->set_username(name.toStdString());
    f.mutable_login_request()->set_password(pw.toStdString());
    auto r = request(f);
    if (r && r->has_login_response()) {
        token = QByteArray::fromStdString(r->login_response().device_token());
        username = QString::fromStdString(r->login_response().username());
        userId = r->login_response().user_id();
        deviceId = r->login_response().device_id();
    }
    return r;
}

std::optional<protocol::Frame> RawClient::auth(const QByteArray &t) {
    protocol::Frame f;
    f.mutable_auth_request()->set_device_token(t.toStdString());
    auto r = request(f);
    if (r && r->has_auth_response()) {
        token = t;
        username = QString::fromStdString(r->auth_response().username());
        userId = r->auth_response().user_id();
        deviceId = r->auth_response().device_id();
    }
    return r;
}

quint64 RawClient::openDirect(const QString &peer) {
    protocol::Frame f;
    f.mutable_open_direct_request()->set_username(peer.toStdString());
    auto r = request(f);
    return r && r->has_conversation_info() ? r->conversation_info().conversation_id() : 0;
}

std::optional<protocol::Frame> RawClient::send(quint64 conv, const QString &clientId,
                                               const QByteArray &payload) {
    protocol::Frame f;
    auto *s = f.mutable_send_request();
    s->set_conversation_id(conv);
    s->set_client_message_id(clientId.toStdString());
    s->set_payload(payload.toStdString());
    return request(f);
}

quint64 RawClient::createGroup(const QString &name, const QStringList &usernames,
                               std::optional<protocol::Frame> *response) {
    protocol::Frame f;
    f.mutable_create_group_request()->set_name(name.toStdString());
    for (const auto &u : usernames)
        f.mutable_create_group_request()->add_usernames(u.toStdString());
    auto r = request(f, 60000);
    if (response)
        *response = r;
    return r && r->has_conversation_info() ? r->conversation_info().conversation_id() : 0;
}

std::optional<protocol::Frame> RawClient::groupChange(quint64 conv,
                                                      wire::GroupChangeRequest::Action action,
                                                      const QString &username,
                                                      const QString &name) {
    protocol::Frame f;
    auto *g = f.mutable_group_change_request();
    g->set_conversation_id(conv);
    g->set_action(action);
    g->set_username(username.toStdString());
    g->set_name(name.toStdString());
    return request(f);
}

std::vector<wire::Message> RawClient::messagesIn(quint64 conv, bool eventsOnly) const {
    std::vector<wire::Message> out;
    for (const auto &m : messages)
        if (m.conversation_id() == conv && (!eventsOnly || m.has_system_event()))
            out.push_back(m);
    // Pushes may arrive out of seq order (a system event is read back from the database before
    // it is pushed, a message sent meanwhile may overtake it): clients order by seq.
    std::sort(out.begin(), out.end(),
              [](const wire::Message &a, const wire::Message &b) { return a.seq() < b.seq(); });
    // At-least-once: an inbox drain and a live push may both bring a message; clients keep one.
    out.erase(std::unique(out.begin(), out.end(),
                          [](const wire::Message &a, const wire::Message &b) {
                              return a.seq() == b.seq();
                          }),
              out.end());
    return out;
}

void RawClient::ackDelivered(quint64 conv, quint64 seq) {
    protocol::Frame f;
    f.mutable_delivery_ack()->set_conversation_id(conv);
    f.mutable_delivery_ack()->set_seq(seq);
    sendFrame(f);
}

void RawClient::ackRead(quint64 conv, quint64 seq) {
    protocol::Frame f;
    f.mutable_read_ack()->set_conversation_id(conv);
    f.mutable_read_ack()->set_seq(seq);
    sendFrame(f);
}

std::optional<protocol::Frame> RawClient::ackDeliveredAndWait(quint64 conv, quint64 seq) {
    protocol::Frame f;
    f.mutable_delivery_ack()->set_conversation_id(conv);
    f.mutable_delivery_ack()->set_seq(seq);
    return request(f);
}

std::optional<protocol::Frame> RawClient::ackReadAndWait(quint64 conv, quint64 seq) {
    protocol::Frame f;
    f.mutable_read_ack()->set_conversation_id(conv);
    f.mutable_read_ack()->set_seq(seq);
    return request(f);
}

bool RawClient::waitMessages(int n, int timeoutMs) {
    return waitFor([&] { return int(messages.size()) >= n; }, timeoutMs);
}

std::optional<protocol::Frame> RawClient::waitPush(protocol::Frame::BodyCase type, int timeoutMs) {
    std::optional<protocol::Frame> found;
    (void)waitFor(
        [&] {
            for (auto it = pushes.begin(); it != pushes.end(); ++it)
                if (it->body_case() == type) {
                    found = *it;
                    pushes.erase(it);
                    return true;
                }
            return false;
        },
        timeoutMs);
    return found;
}

bool RawClient::waitDrained(int timeoutMs) {
    return waitFor([this] { return pushCount(protocol::Frame::kInboxDrained) > 0; }, timeoutMs);
}

int RawClient::pushCount(protocol::Frame::BodyCase type) const {
    return int(std::count_if(pushes.begin(), pushes.end(),
                             [type](const protocol::Frame &p) { return p.body_case() == type; }));
}

} // namespace tidings::test
