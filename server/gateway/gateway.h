#pragma once
// The WebSocket front door: accepts connections, owns their sessions, runs the single heartbeat
// timer (no per-connection timers), and dispatches decoded frames to the services.
#include "protocol/codec.h"
#include "server_config.h"

#include <QHostAddress>
#include <QObject>
#include <QSet>

class QTcpServer;
class QTimer;
class QWebSocketServer;

namespace tidings::server {

class Session;
class Router;
class AccountService;
class MessagingService;
class GroupService;
class PresenceService;
class ContactService;
class KeyService;
class ProfileService;

//! The services a gateway dispatches to (owned by the Server).
struct Services {
    AccountService *accounts = nullptr;
    MessagingService *messaging = nullptr;
    GroupService *groups = nullptr;
    PresenceService *presence = nullptr;
    ContactService *contacts = nullptr;
    KeyService *keys = nullptr;
    ProfileService *profiles = nullptr;
};

class Gateway : public QObject {
    Q_OBJECT
public:
    Gateway(const ServerConfig &config, Router *router, Services services,
            QObject *parent = nullptr);
    ~Gateway() override;

    bool listen(const QHostAddress &host, quint16 port, QString *error);
    quint16 port() const;
    void closeAll();
    int sessionCount() const { return int(m_sessions.size()); }

    qint64 nowMs() const;
    void handle(Session *session, const protocol::Frame &frame);
    void scheduleFlush(Session *session);

private:
    void onNewConnection();
    void onSessionClosed(Session *session);
    void checkHeartbeats();
    void flushAll();
    void handleUnauthenticated(Session *session, const protocol::Frame &frame);

    ServerConfig m_config;
    Router *m_router;
    Services m_services;
    QTcpServer *m_tcp;
    QWebSocketServer *m_server;
    QTimer *m_heartbeat;
    QSet<Session *> m_sessions;
    QList<QPointer<Session>> m_dirty;
    bool m_flushScheduled = false;
};

} // namespace tidings::server
