#include "gateway/gateway.h"

#include "gateway/session.h"
#include "routing/router.h"
#include "server_logging.h"
#include "services/accounts.h"
#include "services/contacts.h"
#include "services/groups.h"
#include "services/keys.h"
#include "services/messaging.h"
#include "services/presence.h"
#include "services/profiles.h"

#include <QDateTime>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

namespace tidings::server {

Gateway::Gateway(const ServerConfig &config, Router *router, Services services, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_router(router)
    , m_services(services)
    , m_tcp(new QTcpServer(this))
    , m_server(
          new QWebSocketServer(QStringLiteral("tidingsd"), QWebSocketServer::NonSecureMode, this))
    , m_heartbeat(new QTimer(this)) {
    // Our own TCP listener so every socket gets TCP_NODELAY before the WebSocket handshake:
    // small frames must not wait for Nagle's algorithm and delayed ACKs (~40 ms stalls).
    connect(m_tcp, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_tcp->nextPendingConnection()) {
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            m_server->handleConnection(socket);
        }
    });
    connect(m_server, &QWebSocketServer::newConnection, this, &Gateway::onNewConnection);
    connect(m_heartbeat, &QTimer::timeout, this, &Gateway::checkHeartbeats);
    m_heartbeat->start(m_config.heartbeatCheckMs);
}

Gateway::~Gateway() {
    closeAll();
}

bool Gateway::listen(const QHostAddress &host, quint16 port, QString *error) {
    m_tcp->setMaxPendingConnections(1024);
    // Qt's default listen backlog is 50: a burst of reconnecting clients (after a restart)
    // would see dropped SYNs and wait seconds for the retransmit.
    m_tcp->setListenBacklogSize(1024);
    m_server->setMaxPendingConnections(1024);
    if (!m_tcp->listen(host, port)) {
        if (error)
            *error = m_tcp->errorString();
        return false;
    }
    return true;
}

quint16 Gateway::port() const {
    return m_tcp->serverPort();
}

qint64 Gateway::nowMs() const {
    return m_config.nowMs();
}

void Gateway::closeAll() {
    m_tcp->close();
    m_server->close();
    const auto sessions = m_sessions;
    for (Session *s : sessions)
        s->close(QStringLiteral("server shutting down"));
}

void Gateway::onNewConnection() {
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        auto *session = new Session(socket, this);
        m_sessions.insert(session);
        connect(session, &Session::closed, this, &Gateway::onSessionClosed);
    }
}

void Gateway::onSessionClosed(Session *session) {
    if (!m_sessions.remove(session))
        return;
    if (session->userId() != 0)
        m_router->remove(session, session->userId(), session->deviceId());
    m_services.presence->sessionClosed(session);
    session->deleteLater();
}

void Gateway::checkHeartbeats() {
    const qint64 now = nowMs();
    const auto sessions = m_sessions;
    for (Session *s : sessions) {
        const qint64 silent = now - s->lastActivityMs();
        if (s->state() == Session::State::Authenticated) {
            if (silent > m_config.idleTimeoutMs)
                s->close(QStringLiteral("heartbeat timeout"));
        } else if (s->state() == Session::State::New &&
                   now - s->connectedAtMs() > m_config.authTimeoutMs) {
            // Counted from the connection's start: pings do not keep an anonymous socket open.
            s->close(QStringLiteral("authentication timeout"));
        } else if (now - s->connectedAtMs() > 6 * m_config.authTimeoutMs) {
            // A login waiting in the password-hashing queue is not the client's fault; give it
            // longer, but not forever.
            s->close(QStringLiteral("authentication timeout"));
        }
    }
    m_services.accounts->pruneRateLimits();
    m_services.keys->pruneRateLimits();
}

void Gateway::scheduleFlush(Session *session) {
    m_dirty.append(session);
    if (!m_flushScheduled) {
        m_flushScheduled = true;
        QTimer::singleShot(0, this, &Gateway::flushAll);
    }
}

void Gateway::flushAll() {
    m_flushScheduled = false;
    const auto dirty = std::move(m_dirty);
    m_dirty.clear();
    for (const auto &s : dirty)
        if (s)
            s->flushPushes();
}

void Gateway::handle(Session *session, const protocol::Frame &frame) {
    using F = protocol::Frame;
    if (frame.body_case() == F::kPing) {
        F pong;
        pong.set_request_id(frame.request_id());
        pong.mutable_pong()->set_client_time_ms(frame.ping().client_time_ms());
        pong.mutable_pong()->set_server_time_ms(nowMs());
        session->send(pong);
        return;
    }
    // Frame types only (never contents): enough to follow a client's conversation with the server.
    qCDebug(lcGateway) << "device" << session->deviceId() << "request" << frame.request_id()
                       << "body" << int(frame.body_case());
    if (session->state() != Session::State::Authenticated) {
        handleUnauthenticated(session, frame);
        return;
    }
    switch (frame.body_case()) {
    case F::kRegisterRequest:
    case F::kLoginRequest:
    case F::kAuthRequest:
        session->sendError(frame.request_id(),
                           Error{ErrorCode::AlreadyAuthenticated,
                                 QStringLiteral("this connection is authenticated already")});
        return;
    case F::kOpenDirectRequest:
        m_services.messaging->openDirect(session, frame.request_id(), frame.open_direct_request());
        return;
    case F::kSendRequest:
        m_services.messaging->send(session, frame.request_id(), frame.send_request());
        return;
    case F::kDeliveryAck:
        m_services.messaging->ack(session, frame.request_id(),
                                  frame.delivery_ack().conversation_id(),
                                  frame.delivery_ack().seq(), 0);
        return;
    case F::kReadAck:
        m_services.messaging->ack(session, frame.request_id(), frame.read_ack().conversation_id(),
                                  frame.read_ack().seq(), frame.read_ack().seq());
        return;
    case F::kHistoryRequest:
        m_services.messaging->history(session, frame.request_id(), frame.history_request());
        return;
    case F::kCreateGroupRequest:
        m_services.groups->create(session, frame.request_id(), frame.create_group_request());
        return;
    case F::kGroupChangeRequest:
        m_services.groups->change(session, frame.request_id(), frame.group_change_request());
        return;
    case F::kGroupInfoRequest:
        m_services.groups->info(session, frame.request_id(),
                                frame.group_info_request().conversation_id());
        return;
    case F::kReadersRequest:
        m_services.groups->readers(session, frame.request_id(), frame.readers_request());
        return;
    case F::kDevicesRequest:
        m_services.accounts->listDevices(session, frame.request_id());
        return;
    case F::kRevokeDeviceRequest:
        m_services.accounts->revokeDevice(session, frame.request_id(),
                                          frame.revoke_device_request().device_id());
        return;
    case F::kPresenceSubscribeRequest:
        m_services.presence->subscribe(session, frame.request_id(),
                                       frame.presence_subscribe_request());
        return;
    case F::kSetPrivacyRequest:
        m_services.presence->setPrivacy(session, frame.request_id(), frame.set_privacy_request());
        return;
    case F::kTypingRequest:
        m_services.presence->typing(session, frame.request_id(), frame.typing_request());
        return;
    case F::kContactRequest:
        m_services.contacts->change(session, frame.request_id(), frame.contact_request());
        return;
    case F::kContactsRequest:
        m_services.contacts->list(session, frame.request_id());
        return;
    case F::kUploadKeysRequest:
        m_services.keys->uploadKeys(session, frame.request_id(), frame.upload_keys_request());
        return;
    case F::kFetchBundlesRequest:
        m_services.keys->fetchBundles(session, frame.request_id(), frame.fetch_bundles_request());
        return;
    case F::kPublishDeviceListRequest:
        m_services.keys->publishDeviceList(session, frame.request_id(),
                                           frame.publish_device_list_request());
        return;
    case F::kDeviceListRequest:
        m_services.keys->deviceList(session, frame.request_id(), frame.device_list_request());
        return;
    case F::kLinkRelayRequest:
        m_services.keys->linkRelay(session, frame.request_id(), frame.link_relay_request());
        return;
    case F::kSetProfileRequest:
        m_services.profiles->setProfile(session, frame.request_id(), frame.set_profile_request());
        return;
    case F::kProfilesRequest:
        m_services.profiles->profiles(session, frame.request_id(), frame.profiles_request());
        return;
    default:
        session->sendError(frame.request_id(),
                           Error{ErrorCode::UnknownFrame, QStringLiteral("unsupported request")});
        return;
    }
}

void Gateway::handleUnauthenticated(Session *session, const protocol::Frame &frame) {
    using F = protocol::Frame;
    if (session->state() == Session::State::Authenticating) {
        // One authentication attempt at a time; the client waits for its answer.
        session->sendError(frame.request_id(), Error{ErrorCode::NotAuthenticated,
                                                     QStringLiteral("authentication in progress")});
        return;
    }
    const quint64 rid = frame.request_id();
    QPointer<Session> guard(session);
    auto onLogin = [this, guard, rid](Result<AccountService::Login> r) {
        if (!guard || guard->state() == Session::State::Closing)
            return;
        if (!r) {
            // The client may try again on the same connection; the rate limiter bounds that.
            guard->setUnauthenticated();
            guard->sendError(rid, r.error());
            return;
        }
        guard->authenticated(r->userId, r->deviceId, r->username);
        m_router->add(guard, r->userId, r->deviceId);
        F out;
        out.set_request_id(rid);
        if (r->token.isEmpty()) {
            auto *a = out.mutable_auth_response();
            a->set_user_id(r->userId);
            a->set_device_id(r->deviceId);
            a->set_username(r->username.toStdString());
            a->set_server_time_ms(nowMs());
            a->set_display_name(r->displayName.toStdString());
        } else {
            auto *l = out.mutable_login_response();
            l->set_user_id(r->userId);
            l->set_device_id(r->deviceId);
            l->set_device_token(r->token.toStdString());
            l->set_username(r->username.toStdString());
        }
        guard->send(out);
        m_services.presence->sessionOnline(guard);
        m_services.messaging->drainInbox(guard);
    };
    switch (frame.body_case()) {
    case F::kRegisterRequest:
        session->setAuthenticating();
        m_services.accounts->registerAccount(frame.register_request(), session->peer(), onLogin);
        return;
    case F::kLoginRequest:
        session->setAuthenticating();
        m_services.accounts->login(frame.login_request(), session->peer(), onLogin);
        return;
    case F::kAuthRequest:
        session->setAuthenticating();
        m_services.accounts->authenticate(frame.auth_request(), session->peer(), onLogin);
        return;
    default:
        session->sendError(rid,
                           Error{ErrorCode::NotAuthenticated,
                                 QStringLiteral("authenticate first (register, login or auth)")});
        session->close(QStringLiteral("not authenticated"));
        return;
    }
}

} // namespace tidings::server
